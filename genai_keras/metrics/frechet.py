"""Frechet Inception Distance (Heusel et al., 2017): Gaussians fitted to two feature sets.

Lower is better; biased upwards for small samples (see ``FID_BIAS_SAMPLES``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg

from genai_keras.checks import as_images, to_numpy
from genai_keras.metrics.inputs import (
    _as_features,
    _check_fid_count,
    _features,
    _same_dim,
    _warn_fid_bias,
)


def feature_statistics(features: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of a feature set (the Gaussian that FID fits).

    Args:
        features: ``(N, D)`` array, N >= 2.

    Returns:
        ``(mu, cov)``: float64 arrays of shapes ``(D,)`` and ``(D, D)``; ``cov`` is the
        unbiased sample covariance (divides by N - 1).

    Raises:
        ValueError: not 2-D, fewer than 2 samples, or NaN/inf.
    """
    f = _as_features(features, "features", min_count=2).astype(np.float64)
    mu = f.mean(axis=0)
    centred = f - mu
    cov = centred.T @ centred / (f.shape[0] - 1)
    return mu, cov


def _is_singular(cov: np.ndarray) -> bool:
    eigenvalues = np.linalg.eigvalsh(cov)
    return bool(eigenvalues[0] <= 1e-10 * max(eigenvalues[-1], 1e-300))


def _sqrtm(matrix: np.ndarray) -> np.ndarray | None:
    """Real square root of a matrix, or None when scipy cannot find an accurate one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's LinAlgWarning: we check the result
        root = scipy.linalg.sqrtm(matrix)
    root = np.asarray(root)
    if not np.all(np.isfinite(root)):
        return None
    if np.iscomplexobj(root):
        # Round-off leaves tiny imaginary parts; large ones mean no real root.
        if np.max(np.abs(root.imag)) > 1e-3 * max(1.0, np.max(np.abs(root.real))):
            return None
        root = root.real
    return root


def frechet_distance(mu1: Any, cov1: Any, mu2: Any, cov2: Any, eps: float = 1e-6) -> float:
    """Squared Frechet (2-Wasserstein) distance between two Gaussians.

    .. math::
        d^2 = \\lVert \\mu_1 - \\mu_2 \\rVert^2
              + \\operatorname{tr}\\big(\\Sigma_1 + \\Sigma_2 - 2 (\\Sigma_1 \\Sigma_2)^{1/2}\\big)

    The matrix square root comes from ``scipy.linalg.sqrtm``; round-off leaves tiny
    imaginary parts, which are dropped. When a covariance is singular (fewer samples
    than feature dimensions, or a constant feature) the square root is ill-conditioned:
    then ``eps`` is added to both diagonals and a ``RuntimeWarning`` says so.

    Args:
        mu1, mu2: means, shape ``(D,)``.
        cov1, cov2: covariances, shape ``(D, D)``, symmetric positive semi-definite.
        eps: the diagonal offset used for singular products.

    Returns:
        The squared distance (a float >= 0, in squared feature units).

    Raises:
        ValueError: mismatched or wrong shapes, or NaN/inf.
    """
    mu1, mu2 = (np.atleast_1d(to_numpy(m).astype(np.float64)) for m in (mu1, mu2))
    cov1, cov2 = (np.atleast_2d(to_numpy(c).astype(np.float64)) for c in (cov1, cov2))
    if mu1.ndim != 1 or mu2.ndim != 1:
        raise ValueError(
            f"mu1 and mu2 must be vectors (D,), got shapes {mu1.shape} and {mu2.shape}."
        )
    if mu1.shape != mu2.shape:
        raise ValueError(
            f"mu1 has dimension {mu1.shape[0]} but mu2 has {mu2.shape[0]}; both Gaussians "
            f"must live in the same feature space."
        )
    d = mu1.shape[0]
    for name, cov in (("cov1", cov1), ("cov2", cov2)):
        if cov.shape != (d, d):
            raise ValueError(
                f"{name} must have shape ({d}, {d}) to match the means, got {cov.shape}."
            )
    for name, arr in (("mu1", mu1), ("mu2", mu2), ("cov1", cov1), ("cov2", cov2)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values.")

    diff = mu1 - mu2
    if _is_singular(cov1) or _is_singular(cov2):
        warnings.warn(
            f"frechet_distance: a covariance matrix is singular (fewer samples than the "
            f"{d} feature dimensions, or constant features); adding {eps:g} to the "
            f"diagonals. Use more samples for a reliable FID.",
            RuntimeWarning,
            stacklevel=2,
        )
        cov1, cov2 = cov1 + eps * np.eye(d), cov2 + eps * np.eye(d)
    covmean = _sqrtm(cov1 @ cov2)
    if covmean is None:  # still no usable square root: a larger offset
        offset = max(eps, 1e-6 * max(np.trace(cov1), np.trace(cov2)) / d) * np.eye(d)
        warnings.warn(
            f"frechet_distance: no accurate square root of the covariance product; "
            f"adding {offset[0, 0]:g} to the diagonals.",
            RuntimeWarning,
            stacklevel=2,
        )
        covmean = _sqrtm((cov1 + offset) @ (cov2 + offset))
        if covmean is None:
            raise ValueError(
                "frechet_distance: the covariance product has no square root; "
                "check that cov1 and cov2 are covariance matrices."
            )
    value = float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * np.trace(covmean))
    return max(value, 0.0)


def _fid_checked(
    fa: np.ndarray, fb: np.ndarray, name_a: str, name_b: str, stacklevel: int
) -> float:
    _same_dim(fa, fb, name_a, name_b)
    for name, f in ((name_a, fa), (name_b, fb)):
        _check_fid_count(f.shape[0], name, f.shape[1])
    _warn_fid_bias({name_a: fa.shape[0], name_b: fb.shape[0]}, stacklevel + 1)
    return frechet_distance(*feature_statistics(fa), *feature_statistics(fb))


def fid_from_features(features_a: Any, features_b: Any) -> float:
    """FID between two feature sets ``(N_a, D)`` and ``(N_b, D)``.

    Each set needs at least ``max(MIN_SAMPLES_FID, D + 1)`` rows (256 for the shipped
    128-D features); below ``FID_BIAS_SAMPLES`` (5,000) rows a ``UserWarning`` says
    that the value is biased upwards. Use :func:`frechet_distance` with
    :func:`feature_statistics` to study smaller sets on purpose.

    Raises:
        ValueError: not 2-D, mismatched dimensions, NaN/inf, or too few samples.
    """
    fa = _as_features(features_a, "features_a")
    fb = _as_features(features_b, "features_b")
    return _fid_checked(fa, fb, "features_a", "features_b", stacklevel=2)


def fid(images_a: Any, images_b: Any) -> float:
    """Frechet Inception Distance between two image sets, with the fixed MNIST network.

    Lower is better; 0 means identical feature means and covariances. FID is biased
    upwards for small sets: compare models only at the same sample sizes (10,000 is
    the convention here); below ``FID_BIAS_SAMPLES`` (5,000) images in either set a
    ``UserWarning`` says so.

    Args:
        images_a, images_b: ``(N, 28, 28, 1)`` (or ``(N, 28, 28)``) each, pixels in
            [0, 1], N >= ``MIN_SAMPLES_FID`` (256).

    Returns:
        The FID (float, squared feature units).

    Raises:
        ValueError: bad shapes, pixels outside [0, 1], or fewer than 256 images in a set.
    """
    xa, xb = as_images(images_a, name="images_a"), as_images(images_b, name="images_b")
    _check_fid_count(xa.shape[0], "images_a")  # before the (slower) feature network
    _check_fid_count(xb.shape[0], "images_b")
    fa, _ = _features(xa, "images_a")
    fb, _ = _features(xb, "images_b")
    return _fid_checked(fa, fb, "images_a", "images_b", stacklevel=2)
