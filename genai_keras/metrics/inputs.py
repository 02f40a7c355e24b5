"""What every metric checks first: sample-size limits, feature arrays, features of images.

The limits (re-exported as ``gk.metrics.MIN_SAMPLES_FID`` and so on) and the checks
that enforce them, shared by FID, KID, the Inception Score and precision/recall.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from genai_keras.checks import as_images, to_numpy
from genai_keras.feature_net import load_feature_net

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


def _as_features(x: Any, name: str, min_count: int = 1) -> np.ndarray:
    """Check a feature matrix ``(N, D)`` of finite numbers; return it as float32.

    Every metric's inputs pass here or through ``as_images``: backend tensors (TensorFlow,
    JAX, PyTorch on any device) are converted with ``keras.ops.convert_to_numpy``."""
    arr = to_numpy(x)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must be an array of numbers (N, D), got dtype {arr.dtype}.")
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
    _check_count(
        count,
        name,
        "FID",
        minimum,
        f"with fewer, the covariance of the {dim} features is singular or nearly so "
        f"and FID is mostly estimation error",
    )


def _check_kid_count(count: int, name: str) -> None:
    """KID's minimum: ``MIN_SAMPLES_KID``."""
    _check_count(
        count,
        name,
        "KID",
        MIN_SAMPLES_KID,
        "with fewer, the estimate is unbiased but its spread swamps any real difference",
    )


#: Whether the small-sample FID warning was shown in this process (it is shown once: a
#: sweep over sample sizes would otherwise print it at every point).
_fid_bias_warned = False


def _warn_fid_bias(counts: dict[str, int], stacklevel: int) -> None:
    """Warn (UserWarning), once per process, if a set is small enough for FID's bias to matter."""
    global _fid_bias_warned
    small = [f"{name} has {n}" for name, n in counts.items() if n < FID_BIAS_SAMPLES]
    if small and not _fid_bias_warned:
        _fid_bias_warned = True
        warnings.warn(
            f"FID is biased upwards at small sample sizes ({', '.join(small)} samples; below "
            f"{FID_BIAS_SAMPLES:,} the bias is noticeable). Compare FIDs only at equal sample "
            f"sizes, ideally {STANDARD_SAMPLES:,} per set. (Shown once per session.)",
            UserWarning,
            stacklevel=stacklevel + 1,
        )


def _features(images: Any, name: str, min_count: int = 1) -> tuple[np.ndarray, np.ndarray]:
    x = as_images(images, name=name, min_count=min_count)
    return load_feature_net().features_and_probs(x, name=name)
