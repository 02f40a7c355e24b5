"""Shared by the distribution functions: dtypes, concrete values, argument checks, log Gamma.

Value checks run only on concrete arguments (NumPy arrays, Python numbers, eager
tensors); inside a traced/compiled function :func:`_concrete` returns None and the
checks are skipped, so the distributions also work as losses in ``model.fit``.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops

from genai_keras import backend as gk_backend

_LOG_2PI = math.log(2.0 * math.pi)


def _float_dtype(*values: Any) -> str:
    """float64 if any argument is float64 (for exact tests) and the backend computes in
    it (JAX without x64 does not: float32 there, without JAX's truncation warning), else
    Keras' floatx."""
    for v in values:
        dt = getattr(v, "dtype", None)
        if dt is not None and "float64" in str(dt):
            return gk_backend.widest_float()
    return keras.config.floatx()


def _to_float(value: Any, dtype: str):
    if isinstance(value, (np.ndarray, np.generic, float, int, list, tuple)):
        return ops.convert_to_tensor(
            np.asarray(value, dtype=dtype)
        )  # cast before the backend sees it
    return ops.cast(ops.convert_to_tensor(value), dtype)


def _concrete(value: Any) -> np.ndarray | None:
    """The value as NumPy if it is concrete, None inside a traced function."""
    if value is None:
        return None
    if isinstance(value, (int, float, np.ndarray, np.number, list, tuple, bool)):
        return np.asarray(value)
    try:
        return np.asarray(ops.convert_to_numpy(value))
    except Exception:  # symbolic tensor (tf.function, jax.jit): skip value checks
        return None


def _shape(value: Any) -> tuple | None:
    try:
        if isinstance(value, (int, float, list, tuple, np.ndarray, np.generic)):
            shape = np.shape(value)  # keras.ops.shape takes only tensors on JAX and PyTorch
        else:
            shape = tuple(ops.shape(value))
    except Exception:
        return None
    if any(not isinstance(d, (int, np.integer)) for d in shape):
        return None  # unknown dimensions: the backend will complain if they clash
    return tuple(int(d) for d in shape)


def _check_broadcast(**named: Any) -> None:
    """Raise a ValueError naming the arguments whose shapes cannot broadcast."""
    shapes = {k: _shape(v) for k, v in named.items() if v is not None}
    known = {k: s for k, s in shapes.items() if s is not None}
    try:
        np.broadcast_shapes(*known.values())
    except ValueError:
        desc = ", ".join(f"{k} {s}" for k, s in known.items())
        raise ValueError(
            f"Shapes do not broadcast: {desc}. Give arrays of the same shape, or shapes "
            f"that broadcast (e.g. one parameter per dimension, shape (D,), for data (N, D))."
        ) from None


def _check_positive(value: Any, name: str) -> None:
    arr = _concrete(value)
    if arr is None:
        return
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(
            f"{name} must be finite and > 0, found values in [{np.nanmin(arr):g}, "
            f"{np.nanmax(arr):g}]. A scale or rate cannot be negative or zero; "
            f"parameterise it through its log (e.g. log_var) if it comes from a network."
        )


def _check_finite(value: Any, name: str) -> None:
    arr = _concrete(value)
    if arr is not None and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values.")


def _check_unit_interval(value: Any, name: str, what: str) -> None:
    arr = _concrete(value)
    if arr is None:
        return
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        raise ValueError(
            f"{name} must lie in [0, 1] ({what}), found values in [{np.nanmin(arr):g}, "
            f"{np.nanmax(arr):g}]. Pass logits= for unconstrained real numbers."
        )


def _check_counts(value: Any, name: str) -> None:
    arr = _concrete(value)
    if arr is None:
        return
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ValueError(
            f"{name} must hold non-negative integer counts (0, 1, 2, ...) for a Poisson "
            f"distribution; found values in [{np.nanmin(arr):g}, {np.nanmax(arr):g}]"
            f"{' with fractions' if np.any(arr != np.round(arr)) else ''}."
        )


def _lgamma(x):
    """log Gamma(x) for x >= 0.5 with the Lanczos approximation (g=7, 9 terms).

    Relative error about 1e-15 in float64; keras.ops has no lgamma. Only used for
    log(k!) = lgamma(k + 1) with k >= 0.
    """
    coefs = (
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7,
    )
    x = x - 1.0
    series = ops.ones_like(x) * coefs[0]
    for i, c in enumerate(coefs[1:], start=1):
        series = series + c / (x + float(i))
    t = x + 7.5
    return 0.5 * _LOG_2PI + (x + 0.5) * ops.log(t) - t + ops.log(series)
