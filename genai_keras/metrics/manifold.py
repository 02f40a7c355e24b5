"""Improved precision and recall (Kynkaanniemi et al., 2019) from k-NN manifolds.

Precision: the fraction of generated samples inside the k-NN manifold of real
features (fidelity); recall: the fraction of real samples inside the manifold of
generated ones (diversity / coverage).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.checks import as_finite_array, positive_int
from genai_keras.metrics.inputs import _as_features, _features, _same_dim


def _sq_norms(x: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", x, x)


def _pairwise_sq_dists(a: np.ndarray, b: np.ndarray, b_norms: np.ndarray) -> np.ndarray:
    d = _sq_norms(a)[:, None] + b_norms[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


def knn_radii(features: Any, k: int = 3, batch_size: int = 1000) -> np.ndarray:
    """Squared distance from each row to its k-th nearest other row, shape ``(N,)``.

    Computed in row batches, so memory is ``batch_size x N`` floats.

    Raises:
        ValueError: fewer than k + 1 samples.
    """
    f = _as_features(features, "features")
    k = positive_int(k, "k")
    if f.shape[0] <= k:
        raise ValueError(
            f"k-NN radii with k={k} need more than {k} samples, got {f.shape[0]}; "
            f"pass more images or a smaller k."
        )
    norms = _sq_norms(f)
    radii = np.empty(f.shape[0], dtype=np.float32)
    for start in range(0, f.shape[0], batch_size):
        d = _pairwise_sq_dists(f[start : start + batch_size], f, norms)
        # Index k, not k - 1: the smallest distance is each point to itself (0).
        radii[start : start + batch_size] = np.partition(d, k, axis=1)[:, k]
    return radii


def _coverage(
    queries: np.ndarray, support: np.ndarray, support_radii: np.ndarray, batch_size: int = 1000
) -> float:
    """Fraction of queries inside at least one support ball (|q - s|^2 <= r_s^2)."""
    norms = _sq_norms(support)
    inside = np.empty(queries.shape[0], dtype=bool)
    for start in range(0, queries.shape[0], batch_size):
        d = _pairwise_sq_dists(queries[start : start + batch_size], support, norms)
        inside[start : start + batch_size] = np.any(d <= support_radii[None, :], axis=1)
    return float(inside.mean())


def precision_recall_from_features(
    real_features: Any, fake_features: Any, k: int = 3, real_radii: np.ndarray | None = None
) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al., 2019) on feature sets.

    Each set's manifold is the union of balls around its points, with radius the
    distance to the point's k-th nearest neighbour in the same set.
    Precision = fraction of fake points inside the real manifold; recall = fraction
    of real points inside the fake manifold.

    Args:
        real_features, fake_features: ``(N_r, D)`` and ``(N_f, D)``, N > k each.
        k: neighbourhood size (3 in the paper).
        real_radii: precomputed :func:`knn_radii` of ``real_features`` (optional):
            ``(N_r,)`` finite squared distances >= 0.

    Returns:
        ``(precision, recall)``, both in [0, 1].

    Raises:
        ValueError: bad feature arrays, N <= k, or ``real_radii`` of the wrong length,
            negative, NaN or infinite (they would make precision 0 without a word).
    """
    real = _as_features(real_features, "real_features")
    fake = _as_features(fake_features, "fake_features")
    _same_dim(real, fake, "real_features", "fake_features")
    k = positive_int(k, "k")
    for name, f in (("real", real), ("fake", fake)):
        if f.shape[0] <= k:
            raise ValueError(
                f"precision_recall with k={k} needs more than {k} {name} samples, got "
                f"{f.shape[0]}; pass more images or a smaller k."
            )
    if real_radii is None:
        real_radii = knn_radii(real, k)
    else:
        real_radii = as_finite_array(
            real_radii,
            "real_radii",
            (real.shape[0],),
            what="One radius per real feature row: knn_radii(real_features, k).",
        )
        if np.any(real_radii < 0):
            raise ValueError(
                f"real_radii must be squared distances >= 0, found "
                f"{float(real_radii.min()):g}; compute them with "
                f"knn_radii(real_features, k)."
            )
    fake_radii = knn_radii(fake, k)
    precision = _coverage(fake, real, real_radii)
    recall = _coverage(real, fake, fake_radii)
    return precision, recall


def precision_recall(real_images: Any, fake_images: Any, k: int = 3) -> tuple[float, float]:
    """Improved precision (fidelity) and recall (diversity) of generated images.

    Precision near 1 with low recall is the signature of mode dropping; low
    precision means many samples look unlike any real digit. Use similar numbers of
    real and fake images (the radii depend on the sample density).

    Args:
        real_images, fake_images: ``(N, 28, 28, 1)``, pixels in [0, 1], N > k each.
        k: neighbourhood size.

    Returns:
        ``(precision, recall)`` in [0, 1].
    """
    k = positive_int(k, "k")
    fr, _ = _features(real_images, "real_images", min_count=k + 1)
    ff, _ = _features(fake_images, "fake_images", min_count=k + 1)
    return precision_recall_from_features(fr, ff, k)
