"""Maximum-likelihood fits in closed form (NumPy): normal, Bernoulli, Poisson, categorical.

Used in chapters 01 and 05 (unigram model).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.arrays import to_numpy
from genai_keras.distributions._checks import _check_counts


def _samples(x: Any, name: str = "x", axis: int = 0) -> np.ndarray:
    arr = to_numpy(x, dtype=np.float64)  # lists of (GPU) tensors too
    if arr.ndim == 0 or arr.shape[axis] < 1:
        raise ValueError(
            f"{name} must be an array with at least one sample along axis {axis}, "
            f"got shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return arr


def fit_normal(x: Any, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Maximum-likelihood normal fit: mean and standard deviation (divide by n).

    :math:`\hat\mu = \frac1n\sum x_i,\ \hat\sigma^2 = \frac1n\sum (x_i-\hat\mu)^2`
    (the MLE divides by n, so it is slightly biased; the unbiased estimate divides by
    n - 1).

    Used in chapter 01.

    Args:
        x: samples, the sample axis is ``axis``.

    Returns:
        ``(mean, scale)`` as float64 arrays (0-d for 1-D input).

    Raises:
        ValueError: fewer than 2 samples, or NaN/inf.
    """
    arr = _samples(x, axis=axis)
    if arr.shape[axis] < 2:
        raise ValueError("fit_normal needs at least 2 samples to estimate a spread.")
    return arr.mean(axis=axis), arr.std(axis=axis)


def fit_bernoulli(x: Any, axis: int = 0, pseudo_count: float = 0.0) -> np.ndarray:
    r"""MLE of a Bernoulli probability: the fraction of ones, optionally smoothed.

    :math:`\hat p = \frac{\sum x_i + a}{n + 2a}` with pseudo-count a (a = 0 is the MLE;
    a = 1 is Laplace's rule, the posterior mean under a uniform prior), which keeps
    :math:`\hat p` away from 0 and 1 so that log-probabilities stay finite.

    Used in chapter 01 (the independent-pixel model).

    Args:
        x: samples in {0, 1}, sample axis ``axis``.
        pseudo_count: a >= 0.

    Returns:
        float64 array of probabilities.

    Raises:
        ValueError: values other than 0 and 1, a negative pseudo-count, or NaN.
    """
    arr = _samples(x, axis=axis)
    if np.any((arr != 0) & (arr != 1)):
        raise ValueError(
            "fit_bernoulli needs data in {0, 1}; binarise grey levels first "
            "(e.g. load_mnist(binarize='static'))."
        )
    a = float(pseudo_count)
    if not np.isfinite(a) or a < 0:
        raise ValueError(f"pseudo_count must be >= 0, got {pseudo_count!r}.")
    n = arr.shape[axis]
    return (arr.sum(axis=axis) + a) / (n + 2.0 * a)


def fit_poisson(k: Any, axis: int = 0) -> np.ndarray:
    r"""MLE of a Poisson rate: the sample mean :math:`\hat\lambda = \frac1n\sum k_i`.

    Used in chapter 01.

    Raises:
        ValueError: negative or fractional counts, or a zero mean (the MLE 0 is not a
            valid rate: every count was 0).
    """
    arr = _samples(k, name="k", axis=axis)
    _check_counts(arr, "k")
    rate = arr.mean(axis=axis)
    if np.any(rate <= 0):
        raise ValueError(
            "Every count is 0, so the MLE rate is 0, which is not a valid "
            "Poisson rate; collect more data or add a pseudo-count."
        )
    return rate


def fit_categorical(x: Any, num_classes: int, pseudo_count: float = 0.0) -> np.ndarray:
    r"""MLE of categorical probabilities: class frequencies, optionally smoothed.

    :math:`\hat\pi_c = \frac{n_c + a}{n + K a}`.

    Used in chapters 01 and 05 (unigram model).

    Args:
        x: integer class indices in [0, num_classes), any shape (flattened).
        num_classes: K >= 1.
        pseudo_count: a >= 0 added to every count.

    Returns:
        float64 array of shape ``(num_classes,)`` summing to 1.

    Raises:
        ValueError: K < 1, indices out of range or fractional, a negative pseudo-count.
    """
    if (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, (int, np.integer))
        or num_classes < 1
    ):
        raise ValueError(f"num_classes must be an integer >= 1, got {num_classes!r}.")
    arr = _samples(x, axis=0).ravel()
    if np.any(arr != np.round(arr)) or arr.min() < 0 or arr.max() >= num_classes:
        raise ValueError(
            f"x must hold integer class indices in [0, {num_classes}), found "
            f"values in [{arr.min():g}, {arr.max():g}]."
        )
    a = float(pseudo_count)
    if not np.isfinite(a) or a < 0:
        raise ValueError(f"pseudo_count must be >= 0, got {pseudo_count!r}.")
    counts = np.bincount(arr.astype(np.int64), minlength=num_classes).astype(np.float64)
    return (counts + a) / (counts.sum() + num_classes * a)
