"""Kernel Inception Distance (Binkowski et al., 2018): unbiased squared MMD over subsets.

The kernel is the cubic polynomial ``k(x, y) = (x.y / d + 1)^3``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.checks import as_images, as_seed, positive_int
from genai_keras.metrics.inputs import _as_features, _check_kid_count, _features, _same_dim


def _polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    k = x @ y.T
    k *= 1.0 / x.shape[1]
    k += 1.0
    return k * k * k  # much faster than k ** 3 in NumPy


def _unbiased_mmd2(kaa: np.ndarray, kbb: np.ndarray, kab: np.ndarray) -> float:
    """The unbiased MMD^2 of one subset pair from its three kernel matrices (m x m)."""
    m = kaa.shape[0]
    sum_aa = kaa.sum(dtype=np.float64) - np.trace(kaa, dtype=np.float64)
    sum_bb = kbb.sum(dtype=np.float64) - np.trace(kbb, dtype=np.float64)
    return (sum_aa + sum_bb) / (m * (m - 1)) - 2.0 * kab.sum(dtype=np.float64) / (m * m)


def _subset_pairs(
    features_a: Any, features_b: Any, num_subsets: int, subset_size: int | None, seed: int
):
    """Check KID's arguments, then yield ``num_subsets`` pairs of random subsets ``(a, b)``."""
    fa = _as_features(features_a, "features_a")
    fb = _as_features(features_b, "features_b")
    _same_dim(fa, fb, "features_a", "features_b")
    seed = as_seed(seed)
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
    for _ in range(num_subsets):
        a = fa[rng.choice(fa.shape[0], m, replace=False)]
        b = fb[rng.choice(fb.shape[0], m, replace=False)]
        yield a, b


def kid_from_features(
    features_a: Any,
    features_b: Any,
    num_subsets: int = 100,
    subset_size: int | None = None,
    seed: int = 0,
) -> tuple[float, float]:
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
    estimates = np.array(
        [
            _unbiased_mmd2(
                _polynomial_kernel(a, a), _polynomial_kernel(b, b), _polynomial_kernel(a, b)
            )
            for a, b in _subset_pairs(features_a, features_b, num_subsets, subset_size, seed)
        ]
    )
    return float(estimates.mean()), float(estimates.std())


def kid_by_degree(
    features_a: Any,
    features_b: Any,
    num_subsets: int = 100,
    subset_size: int | None = None,
    seed: int = 0,
) -> dict[int, float]:
    """KID split into the terms of its kernel's degrees 1, 2 and 3.

    With ``t = x.y / d`` the kernel is ``(t + 1)^3 = 1 + 3t + 3t^2 + t^3``. The MMD is
    linear in the kernel and a constant kernel contributes nothing, so

    .. math::
        \\mathrm{KID} = 3\\,\\mathrm{MMD}^2[t] + 3\\,\\mathrm{MMD}^2[t^2] + \\mathrm{MMD}^2[t^3].

    The degree-1 term compares the feature means (``MMD^2[t]`` estimates
    ``||mu_a - mu_b||^2 / d``), the degree-2 term the second moments
    (``||E[a a^T] - E[b b^T]||_F^2 / d^2``) and the degree-3 term the third moments,
    which FID (means and covariances only) never sees. Each term is estimated without
    bias on the same subsets as :func:`kid_from_features` with the same arguments, so
    the three values add up to its mean.

    Args:
        features_a, features_b, num_subsets, subset_size, seed: as in
            :func:`kid_from_features`.

    Returns:
        ``{1: 3 MMD^2[t], 2: 3 MMD^2[t^2], 3: MMD^2[t^3]}``: means over the subsets (each
        unbiased: can be slightly negative).

    Raises:
        ValueError: as :func:`kid_from_features`.
    """
    weights = {1: 3.0, 2: 3.0, 3: 1.0}
    totals = dict.fromkeys(weights, 0.0)
    count = 0
    for a, b in _subset_pairs(features_a, features_b, num_subsets, subset_size, seed):
        d = a.shape[1]
        a, b = a.astype(np.float64), b.astype(np.float64)
        taa, tbb, tab = a @ a.T / d, b @ b.T / d, a @ b.T / d
        for degree, weight in weights.items():
            totals[degree] += weight * _unbiased_mmd2(taa**degree, tbb**degree, tab**degree)
        count += 1
    return {degree: total / count for degree, total in totals.items()}


def kid(
    images_a: Any,
    images_b: Any,
    num_subsets: int = 100,
    subset_size: int | None = None,
    seed: int = 0,
) -> tuple[float, float]:
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
    seed = as_seed(seed)  # before the (slower) feature network
    xa, xb = as_images(images_a, name="images_a"), as_images(images_b, name="images_b")
    _check_kid_count(xa.shape[0], "images_a")  # before the (slower) feature network
    _check_kid_count(xb.shape[0], "images_b")
    fa, _ = _features(xa, "images_a")
    fb, _ = _features(xb, "images_b")
    return kid_from_features(fa, fb, num_subsets, subset_size, seed)
