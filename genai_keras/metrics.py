"""Sample-quality metrics for generated digits: FID, KID, Inception Score, precision/recall.

All of them look at images through the same fixed MNIST classifier
(:mod:`genai_keras.feature_net`): FID, KID and precision/recall compare the 128-D
embeddings of real and generated images, the Inception Score uses its class
probabilities. Because the network is fixed and shipped, the numbers are comparable
across runs, machines and chapters, but **not** with FIDs computed with Inception-v3
on other data sets (different features, different scale).

- FID (Heusel et al., 2017): Frechet distance between Gaussians fitted to the two
  feature sets. Lower is better; biased upwards for small samples.
- KID (Binkowski et al., 2018): unbiased estimate of the squared MMD with the cubic
  polynomial kernel ``k(x, y) = (x.y / d + 1)^3``, averaged over random subsets.
- Inception Score (Salimans et al., 2016): ``exp E_x KL(p(y|x) || p(y))``; between 1
  and the number of classes (10); higher means confident and varied predictions.
- Precision / recall (Kynkaanniemi et al., 2019): the fraction of generated samples
  inside the k-NN manifold of real features (fidelity), and the fraction of real
  samples inside the manifold of generated ones (diversity / coverage).

Every function takes images ``(N, 28, 28, 1)`` (or ``(N, 28, 28)``) with pixels in
[0, 1]; the ``*_from_features`` variants take ``(N, D)`` feature arrays. FID needs at
least ``MIN_SAMPLES_FID`` (256) samples per set and warns below ``FID_BIAS_SAMPLES``
(5,000); KID needs at least ``MIN_SAMPLES_KID`` (100). Report numbers at 10,000.

Used in chapter 04 (and by every chapter that scores its samples).
"""

from __future__ import annotations

import functools
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.linalg

from genai_keras.checks import as_images, positive_int

CACHE_ENV_VAR = "GENAI_KERAS_CACHE"

# Sample-size limits. Measured with the shipped network: real training digits scored
# against the 10,000 test digits give FID 50 at N = 150, 29 at 256, 16 at 500, 8.2 at
# 2,000, 3.2 at 5,000 and 2.5 at 10,000: the excess is FID's small-sample bias.

#: Fewest samples per set that :func:`fid`, :func:`fid_from_features` and
#: :func:`evaluate_samples` accept (also at least D + 1 for D-dimensional features).
#: FID fits a D x D covariance (D = 128 here), which has rank <= N - 1: singular for
#: N <= D, and just above D its smallest eigenvalues shrink towards 0 (by about
#: (1 - sqrt(D / N))^2, Marchenko-Pastur), making the matrix square root unstable. At
#: N = 2 D = 256 that factor is ~0.09 and the number is usable, if biased (29 for perfect
#: samples, above); the 500-sample fast mode of the notebooks stays above the limit.
MIN_SAMPLES_FID = 256
#: Fewest samples per set that :func:`kid` and :func:`kid_from_features` accept. The
#: estimator is unbiased for any subset size >= 2, but tiny sets make it pure noise:
#: real vs real digits, the std over subsets is ~1,400 at 20 samples and ~750 at 50,
#: more than the effect of clearly visible damage (Gaussian pixel noise of std 0.1,
#: KID ~900, FID 69); at 100 it falls to ~240.
MIN_SAMPLES_KID = 100
#: Below this many samples in either set, FID functions warn that the value is biased
#: upwards noticeably (3.2 at 5,000 vs 2.5 at 10,000, and three times that at 2,000).
FID_BIAS_SAMPLES = 5000
#: The sample size used for the FIDs and KIDs reported in this course.
STANDARD_SAMPLES = 10000


# --------------------------------------------------------------------------- helpers

def _as_features(x: Any, name: str, min_count: int = 1) -> np.ndarray:
    """Check a feature matrix ``(N, D)`` of finite numbers; return it as float32."""
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D feature array (N, D), got shape {arr.shape}. For images "
            f"use the image functions (fid, kid, ...) or load_feature_net().features(images)."
        )
    if arr.shape[0] < min_count:
        raise ValueError(f"{name} needs at least {min_count} samples, got {arr.shape[0]}.")
    arr = arr.astype(np.float32, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return arr


def _same_dim(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{name_a} has feature dimension {a.shape[1]} but {name_b} has {b.shape[1]}; "
            f"both must come from the same feature network."
        )


def _check_count(count: int, name: str, metric: str, minimum: int, reason: str) -> None:
    """Raise ValueError if a set holds fewer than ``minimum`` samples for ``metric``."""
    if count < minimum:
        raise ValueError(
            f"{metric} needs at least {minimum} samples per set, but {name} has {count} "
            f"({reason}). Pass more samples: at least {minimum}, and {STANDARD_SAMPLES:,} per "
            f"set for numbers comparable with other models."
        )


def _check_fid_count(count: int, name: str, dim: int = 128) -> None:
    """FID's minimum: ``MIN_SAMPLES_FID``, or ``dim + 1`` for wider features (shipped net: 128)."""
    minimum = max(MIN_SAMPLES_FID, dim + 1)
    _check_count(count, name, "FID", minimum,
                 f"with fewer, the covariance of the {dim} features is singular or nearly so "
                 f"and FID is mostly estimation error")


def _check_kid_count(count: int, name: str) -> None:
    """KID's minimum: ``MIN_SAMPLES_KID``."""
    _check_count(count, name, "KID", MIN_SAMPLES_KID,
                 "with fewer, the estimate is unbiased but its spread swamps any real difference")


def _warn_fid_bias(counts: dict[str, int], stacklevel: int) -> None:
    """Warn (UserWarning) if a set is small enough for FID's bias to matter."""
    small = [f"{name} has {n}" for name, n in counts.items() if n < FID_BIAS_SAMPLES]
    if small:
        warnings.warn(
            f"FID is biased upwards at small sample sizes ({', '.join(small)} samples; below "
            f"{FID_BIAS_SAMPLES:,} the bias is noticeable). Compare FIDs only at equal sample "
            f"sizes, ideally {STANDARD_SAMPLES:,} per set.",
            UserWarning, stacklevel=stacklevel + 1,
        )


def _features(images: Any, name: str, min_count: int = 1) -> tuple[np.ndarray, np.ndarray]:
    from genai_keras.feature_net import load_feature_net

    x = as_images(images, name=name, min_count=min_count)
    return load_feature_net().features_and_probs(x, name=name)


# ------------------------------------------------------------------------------ FID

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
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    cov1, cov2 = np.atleast_2d(np.asarray(cov1, np.float64)), np.atleast_2d(np.asarray(cov2, np.float64))
    if mu1.ndim != 1 or mu2.ndim != 1:
        raise ValueError(f"mu1 and mu2 must be vectors (D,), got shapes {mu1.shape} and {mu2.shape}.")
    if mu1.shape != mu2.shape:
        raise ValueError(
            f"mu1 has dimension {mu1.shape[0]} but mu2 has {mu2.shape[0]}; both Gaussians "
            f"must live in the same feature space."
        )
    d = mu1.shape[0]
    for name, cov in (("cov1", cov1), ("cov2", cov2)):
        if cov.shape != (d, d):
            raise ValueError(f"{name} must have shape ({d}, {d}) to match the means, got {cov.shape}.")
    for name, arr in (("mu1", mu1), ("mu2", mu2), ("cov1", cov1), ("cov2", cov2)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values.")

    diff = mu1 - mu2
    if _is_singular(cov1) or _is_singular(cov2):
        warnings.warn(
            f"frechet_distance: a covariance matrix is singular (fewer samples than the "
            f"{d} feature dimensions, or constant features); adding {eps:g} to the "
            f"diagonals. Use more samples for a reliable FID.",
            RuntimeWarning, stacklevel=2,
        )
        cov1, cov2 = cov1 + eps * np.eye(d), cov2 + eps * np.eye(d)
    covmean = _sqrtm(cov1 @ cov2)
    if covmean is None:  # still no usable square root: a larger offset
        offset = max(eps, 1e-6 * max(np.trace(cov1), np.trace(cov2)) / d) * np.eye(d)
        warnings.warn(
            f"frechet_distance: no accurate square root of the covariance product; "
            f"adding {offset[0, 0]:g} to the diagonals.", RuntimeWarning, stacklevel=2,
        )
        covmean = _sqrtm((cov1 + offset) @ (cov2 + offset))
        if covmean is None:
            raise ValueError("frechet_distance: the covariance product has no square root; "
                             "check that cov1 and cov2 are covariance matrices.")
    value = float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * np.trace(covmean))
    return max(value, 0.0)


def _fid_checked(fa: np.ndarray, fb: np.ndarray, name_a: str, name_b: str,
                 stacklevel: int) -> float:
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


# ------------------------------------------------------------------------------ KID

def _polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    k = x @ y.T
    k *= 1.0 / x.shape[1]
    k += 1.0
    return k * k * k  # much faster than k ** 3 in NumPy


def kid_from_features(features_a: Any, features_b: Any, num_subsets: int = 100,
                      subset_size: int | None = None, seed: int = 0) -> tuple[float, float]:
    """KID between two feature sets: mean and std of the unbiased MMD^2 over subsets.

    Each subset draws ``m`` rows of each set without replacement and computes

    .. math::
        \\widehat{\\mathrm{MMD}}^2 = \\frac{1}{m(m-1)} \\sum_{i \\ne j} k(a_i, a_j)
            + \\frac{1}{m(m-1)} \\sum_{i \\ne j} k(b_i, b_j)
            - \\frac{2}{m^2} \\sum_{i, j} k(a_i, b_j),
        \\qquad k(x, y) = (x^\\top y / d + 1)^3 .

    Args:
        features_a, features_b: ``(N_a, D)`` and ``(N_b, D)``.
            Each needs at least ``MIN_SAMPLES_KID`` (100) rows.
        num_subsets: how many random subsets to average.
        subset_size: m; default ``min(1000, N_a, N_b)``; must be <= both N and >= 2
            (an explicit m below 100 gives a very noisy estimate).
        seed: seed of the subset draws.

    Returns:
        ``(mean, std)`` of the estimates (unbiased: can be slightly negative).

    Raises:
        ValueError: mismatched dimensions, fewer than 100 samples in a set, bad subset
            parameters.
    """
    fa = _as_features(features_a, "features_a")
    fb = _as_features(features_b, "features_b")
    _same_dim(fa, fb, "features_a", "features_b")
    _check_kid_count(fa.shape[0], "features_a")
    _check_kid_count(fb.shape[0], "features_b")
    num_subsets = positive_int(num_subsets, "num_subsets")
    if subset_size is None:
        subset_size = min(1000, fa.shape[0], fb.shape[0])
    m = positive_int(subset_size, "subset_size", minimum=2)
    if m > fa.shape[0] or m > fb.shape[0]:
        raise ValueError(
            f"subset_size={m} exceeds the number of samples ({fa.shape[0]} and "
            f"{fb.shape[0]}); pass a smaller subset_size or more images."
        )
    rng = np.random.default_rng(seed)
    estimates = np.empty(num_subsets, dtype=np.float64)
    for s in range(num_subsets):
        a = fa[rng.choice(fa.shape[0], m, replace=False)]
        b = fb[rng.choice(fb.shape[0], m, replace=False)]
        kaa, kbb, kab = _polynomial_kernel(a, a), _polynomial_kernel(b, b), _polynomial_kernel(a, b)
        sum_aa = kaa.sum(dtype=np.float64) - np.trace(kaa, dtype=np.float64)
        sum_bb = kbb.sum(dtype=np.float64) - np.trace(kbb, dtype=np.float64)
        estimates[s] = (sum_aa + sum_bb) / (m * (m - 1)) - 2.0 * kab.sum(dtype=np.float64) / (m * m)
    return float(estimates.mean()), float(estimates.std())


def kid(images_a: Any, images_b: Any, num_subsets: int = 100, subset_size: int | None = None,
        seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance between two image sets (see :func:`kid_from_features`).

    Unlike FID, KID is unbiased: two samples of the same distribution give values
    around 0 whatever the sample size, so smaller sets can be compared, down to
    ``MIN_SAMPLES_KID`` (100) images per set (fewer: too noisy to mean anything).

    Args:
        images_a, images_b: ``(N, 28, 28, 1)`` (or ``(N, 28, 28)``) each, pixels in
            [0, 1], N >= 100.
        num_subsets, subset_size, seed: see :func:`kid_from_features`.

    Returns:
        ``(mean, std)`` over subsets.

    Raises:
        ValueError: bad shapes, pixels outside [0, 1], fewer than 100 images in a set,
            or bad subset parameters.
    """
    xa, xb = as_images(images_a, name="images_a"), as_images(images_b, name="images_b")
    _check_kid_count(xa.shape[0], "images_a")  # before the (slower) feature network
    _check_kid_count(xb.shape[0], "images_b")
    fa, _ = _features(xa, "images_a")
    fb, _ = _features(xb, "images_b")
    return kid_from_features(fa, fb, num_subsets, subset_size, seed)


# -------------------------------------------------------------------- Inception Score

def inception_score_from_probs(probs: Any, splits: int = 10) -> tuple[float, float]:
    """Inception Score from class probabilities ``(N, C)`` (rows summing to 1).

    .. math::
        \\mathrm{IS} = \\exp\\Big(\\mathbb{E}_x\\, \\mathrm{KL}\\big(p(y \\mid x)
            \\,\\Vert\\, p(y)\\big)\\Big), \\qquad p(y) = \\mathbb{E}_x\\, p(y \\mid x),

    computed on each of ``splits`` equal parts (the remainder is dropped).

    Returns:
        ``(mean, std)`` over the splits; each value lies in ``[1, C]``.

    Raises:
        ValueError: not 2-D, rows not summing to 1, or fewer rows than splits.
    """
    p = _as_features(probs, "probs").astype(np.float64)
    splits = positive_int(splits, "splits")
    if p.shape[0] < splits:
        raise ValueError(
            f"inception_score needs at least splits={splits} images, got {p.shape[0]}; "
            f"pass more images or fewer splits."
        )
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probs must be probabilities: non-negative rows summing to 1.")
    size = p.shape[0] // splits
    scores = []
    for s in range(splits):
        part = p[s * size:(s + 1) * size]
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(part + 1e-12) - np.log(marginal + 1e-12)), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def inception_score(images: Any, splits: int = 10) -> tuple[float, float]:
    """Inception Score of an image set with the fixed MNIST classifier.

    Between 1 (every image gets the same class distribution: no diversity, or no
    confidence) and 10 (confident predictions, classes used equally). It never looks
    at real data, so it cannot tell whether samples look like MNIST beyond being
    classifiable.

    Args:
        images: ``(N, 28, 28, 1)``, pixels in [0, 1], N >= splits.
        splits: number of parts whose scores give the mean and std.

    Returns:
        ``(mean, std)`` over the splits.
    """
    splits = positive_int(splits, "splits")
    _, probs = _features(images, "images", min_count=splits)
    return inception_score_from_probs(probs, splits)


# ------------------------------------------------------------------ precision / recall

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
        d = _pairwise_sq_dists(f[start:start + batch_size], f, norms)
        # Index k, not k - 1: the smallest distance is each point to itself (0).
        radii[start:start + batch_size] = np.partition(d, k, axis=1)[:, k]
    return radii


def _coverage(queries: np.ndarray, support: np.ndarray, support_radii: np.ndarray,
              batch_size: int = 1000) -> float:
    """Fraction of queries inside at least one support ball (|q - s|^2 <= r_s^2)."""
    norms = _sq_norms(support)
    inside = np.empty(queries.shape[0], dtype=bool)
    for start in range(0, queries.shape[0], batch_size):
        d = _pairwise_sq_dists(queries[start:start + batch_size], support, norms)
        inside[start:start + batch_size] = np.any(d <= support_radii[None, :], axis=1)
    return float(inside.mean())


def precision_recall_from_features(real_features: Any, fake_features: Any, k: int = 3,
                                   real_radii: np.ndarray | None = None) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al., 2019) on feature sets.

    Each set's manifold is the union of balls around its points, with radius the
    distance to the point's k-th nearest neighbour in the same set.
    Precision = fraction of fake points inside the real manifold; recall = fraction
    of real points inside the fake manifold.

    Args:
        real_features, fake_features: ``(N_r, D)`` and ``(N_f, D)``, N > k each.
        k: neighbourhood size (3 in the paper).
        real_radii: precomputed :func:`knn_radii` of ``real_features`` (optional).

    Returns:
        ``(precision, recall)``, both in [0, 1].
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


# ------------------------------------------------------------- MNIST test reference

def cache_dir() -> Path:
    """Folder for cached reference features: ``$GENAI_KERAS_CACHE`` or ``~/.cache/genai_keras``."""
    return Path(os.environ.get(CACHE_ENV_VAR) or Path.home() / ".cache" / "genai_keras")


@functools.lru_cache(maxsize=2)
def _mnist_test_reference(key: str, use_file_cache: bool) -> tuple[np.ndarray, np.ndarray]:
    path = cache_dir() / f"mnist_test_features_{key}.npz"
    if use_file_cache and path.is_file():
        try:
            with np.load(path) as data:
                feats, probs = data["features"], data["probs"]
            if feats.shape == (10000, 128) and probs.shape == (10000, 10):
                return feats, probs
        except (OSError, KeyError, ValueError):
            pass  # a broken cache file is recomputed below
    from genai_keras.data import load_mnist
    from genai_keras.feature_net import load_feature_net

    images, _ = load_mnist("test")
    feats, probs = load_feature_net().features_and_probs(images)
    if use_file_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
                np.savez(tmp, features=feats, probs=probs)
            os.replace(tmp.name, path)
        except OSError:
            pass  # read-only home: keep the in-memory cache only
    feats.setflags(write=False)
    probs.setflags(write=False)
    return feats, probs


def mnist_test_features(use_file_cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Features ``(10000, 128)`` and class probabilities ``(10000, 10)`` of the MNIST test set.

    Computed once per process; also cached in ``cache_dir()`` under a name keyed by
    the feature network's ``cache_key`` (weights SHA-256 and feature layer), so later
    processes load them in milliseconds. The arrays are read-only.
    """
    from genai_keras.feature_net import load_feature_net

    return _mnist_test_reference(load_feature_net().cache_key, bool(use_file_cache))


@functools.lru_cache(maxsize=4)
def _reference_stats(key: str, num_real: int) -> tuple[np.ndarray, np.ndarray]:
    return feature_statistics(mnist_test_features()[0][:num_real])


@functools.lru_cache(maxsize=4)
def _reference_radii(key: str, num_real: int, k: int) -> np.ndarray:
    return knn_radii(mnist_test_features()[0][:num_real], k)


def mnist_test_statistics(num_real: int = 10000) -> tuple[np.ndarray, np.ndarray]:
    """Feature mean ``(128,)`` and covariance ``(128, 128)`` of the first ``num_real`` test images (cached)."""
    from genai_keras.feature_net import load_feature_net

    num_real = _check_num_real(num_real)
    return _reference_stats(load_feature_net().cache_key, num_real)


def _check_num_real(num_real: Any) -> int:
    num_real = positive_int(num_real, "num_real", minimum=2)
    if num_real > 10000:
        raise ValueError(f"num_real={num_real} exceeds the 10,000 MNIST test images.")
    return num_real


def evaluate_samples(images: Any, reference: Any = "mnist_test", num_real: int = 10000,
                     k: int = 3, splits: int = 10, kid_subsets: int = 100,
                     kid_subset_size: int | None = None, seed: int = 0) -> dict[str, float]:
    """All sample-quality metrics of generated images against real MNIST digits.

    Features of ``images`` are computed once and reused by every metric; the
    reference features and statistics are cached, so 10,000 samples take a few
    seconds on a laptop CPU. Below ``FID_BIAS_SAMPLES`` (5,000) samples in either set
    a ``UserWarning`` says that the FID is biased upwards (compare only at equal N,
    ideally 10,000).

    Args:
        images: generated images ``(N, 28, 28, 1)`` (or ``(N, 28, 28)``), pixels in
            [0, 1]; N >= max(``MIN_SAMPLES_FID``, splits, k + 1), i.e. 256 by default.
        reference: ``"mnist_test"`` (the first ``num_real`` test images, cached), or an
            array of real images (also at least 256).
        num_real: how many test images to use with ``reference="mnist_test"`` (256 to
            10,000).
        k: the k of precision/recall, which use equal numbers of real and generated
            images (the first ``min(N, num_real)`` of each), as in the paper.
        splits: the splits of the Inception Score.
        kid_subsets, kid_subset_size, seed: the KID subsets (see :func:`kid_from_features`).

    Returns:
        ``{"fid", "kid_mean", "kid_std", "is_mean", "is_std", "precision", "recall",
        "num_samples", "num_real"}`` (floats; the counts are ints).

    Raises:
        ValueError: bad images, unknown reference, bad sizes (fewer than 256 samples in
            a set, among others).
    """
    k = positive_int(k, "k")
    splits = positive_int(splits, "splits")
    if isinstance(reference, str):
        if reference != "mnist_test":
            raise ValueError(
                f"Unknown reference {reference!r}; use 'mnist_test' or pass an array of real images."
            )
        num_real = _check_num_real(num_real)
        _check_fid_count(num_real, "num_real")
    x = as_images(images, name="images")
    _check_fid_count(x.shape[0], "images")  # MIN_SAMPLES_FID > MIN_SAMPLES_KID: covers KID
    fake, probs = _features(x, "images", min_count=max(splits, k + 1))
    if isinstance(reference, str):
        from genai_keras.feature_net import load_feature_net

        key = load_feature_net().cache_key
        real = mnist_test_features()[0][:num_real]
        mu_r, cov_r = _reference_stats(key, num_real)
        n_pr = min(num_real, fake.shape[0])
        radii = _reference_radii(key, n_pr, k)
    else:
        x_real = as_images(reference, name="reference")
        _check_fid_count(x_real.shape[0], "reference")
        real, _ = _features(x_real, "reference", min_count=k + 1)
        mu_r, cov_r = feature_statistics(real)
        n_pr = min(real.shape[0], fake.shape[0])
        radii = knn_radii(real[:n_pr], k)
    _warn_fid_bias({"images": fake.shape[0], "the reference": real.shape[0]}, stacklevel=2)
    fid_value = frechet_distance(mu_r, cov_r, *feature_statistics(fake))
    kid_mean, kid_std = kid_from_features(real, fake, kid_subsets, kid_subset_size, seed)
    is_mean, is_std = inception_score_from_probs(probs, splits)
    # k-NN radii depend on how densely a set is sampled: compare equal numbers.
    precision, recall = precision_recall_from_features(real[:n_pr], fake[:n_pr], k,
                                                       real_radii=radii)
    return {
        "fid": fid_value,
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "is_mean": is_mean,
        "is_std": is_std,
        "precision": precision,
        "recall": recall,
        "num_samples": int(fake.shape[0]),
        "num_real": int(real.shape[0]),
    }


# ----------------------------------------------------------- controlled corruptions

CORRUPTIONS = ("noise", "blur", "mask")


def corrupt(images: Any, kind: str, level: float, seed: int = 0) -> np.ndarray:
    """Damage real images in a controlled way, to check that a metric notices.

    A good metric should get monotonically worse as ``level`` grows.

    Args:
        images: ``(N, 28, 28, 1)``, pixels in [0, 1].
        kind: ``"noise"`` (add Gaussian noise of standard deviation ``level``, then clip
            to [0, 1]), ``"blur"`` (Gaussian blur with standard deviation ``level``
            pixels) or ``"mask"`` (zero a square patch of side ``level`` pixels at a
            random position near the centre of each image, where the ink is).
        level: the strength (0 leaves the images unchanged).
        seed: seed of the noise / patch positions.

    Returns:
        Float32 images of the same shape, pixels in [0, 1].

    Raises:
        ValueError: unknown kind, negative level, or a patch larger than the image.
    """
    import scipy.ndimage

    x = as_images(images).copy()
    if kind not in CORRUPTIONS:
        raise ValueError(f"Unknown corruption {kind!r}; use one of {CORRUPTIONS}.")
    if not np.isfinite(level) or level < 0:
        raise ValueError(f"level must be a finite number >= 0, got {level!r}.")
    rng = np.random.default_rng(seed)
    if level == 0:
        return x
    if kind == "noise":
        x = np.clip(x + rng.normal(0.0, level, size=x.shape).astype(np.float32), 0.0, 1.0)
    elif kind == "blur":
        x = scipy.ndimage.gaussian_filter(x, sigma=(0, level, level, 0), mode="constant")
    else:
        side = int(round(level))
        if side > 28:
            raise ValueError(f"A mask patch of side {side} does not fit in a 28x28 image.")
        # Patch centres fall in the middle of the image, where the digits are
        # (MNIST digits fill the central 20x20 box), so the patch hides ink.
        centres = rng.integers(10, 19, size=(x.shape[0], 2))
        rows, cols = (np.clip(centres - side // 2, 0, 28 - side).T)
        for i, (r, c) in enumerate(zip(rows, cols)):
            x[i, r:r + side, c:c + side, :] = 0.0
    return np.clip(x, 0.0, 1.0).astype(np.float32)
