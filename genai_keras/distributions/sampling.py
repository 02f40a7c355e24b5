"""Sampling with ``keras.random`` and a seed: normal, Bernoulli, Poisson, categorical.

Used in chapters 01, 02 (the reparameterisation trick) and 05 (next-token sampling).
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops

from genai_keras import backend as gk_backend
from genai_keras.arrays import numpy_in_numpy_out
from genai_keras.distributions._checks import (
    _check_finite,
    _check_positive,
    _check_unit_interval,
    _concrete,
    _float_dtype,
    _lgamma,
    _shape,
    _to_float,
)

_POISSON_GRID_BUDGET = 2**22  # CDF grid entries per chunk in poisson_sample (32 MiB)


def _sample_shape(shape: Any, *params: Any) -> tuple[int, ...]:
    known = [s for s in (_shape(p) for p in params if p is not None) if s is not None]
    base = tuple(np.broadcast_shapes(*known)) if known else ()
    if shape is None:
        return base
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"shape must hold non-negative sizes, got {shape}.")
    try:
        np.broadcast_shapes(shape, base)
    except ValueError:
        raise ValueError(
            f"shape {shape} does not broadcast with the parameters' shape {base}; use a "
            f"shape that ends with the parameters' shape, e.g. (n,) + {base}."
        ) from None
    return tuple(np.broadcast_shapes(shape, base))


@numpy_in_numpy_out
def normal_sample(mean: Any = 0.0, scale: Any = 1.0, shape: Any = None, seed: Any = None):
    """Draw from N(mean, scale^2) with ``keras.random.normal`` (x = mean + scale * eps).

    Used in chapters 01 and 02 (the reparameterisation trick is this line).

    Args:
        mean, scale: parameters (scale > 0), broadcastable.
        shape: output shape (it must broadcast with the parameters); default the
            parameters' broadcast shape. An int n means (n,).
        seed: int, ``keras.random.SeedGenerator`` or None.

    Returns:
        Float tensor of the output shape.
    """
    _check_positive(scale, "scale")
    _check_finite(mean, "mean")
    out_shape = _sample_shape(shape, mean, scale)
    dtype = _float_dtype(mean, scale)
    eps = keras.random.normal(out_shape, dtype=dtype, seed=seed)
    return _to_float(mean, dtype) + _to_float(scale, dtype) * eps


@numpy_in_numpy_out
def bernoulli_sample(probs: Any = None, shape: Any = None, seed: Any = None, *, logits: Any = None):
    """Draw 0/1 values with P(1) = probs (or sigmoid(logits)): ``uniform < p``.

    Used in chapters 01 and 02 (sampling binary images).

    Args:
        probs: p in [0, 1]; or give ``logits=`` instead.
        shape: output shape (default: the parameter's shape); an int n means (n,).
        seed: int, ``keras.random.SeedGenerator`` or None.

    Returns:
        Float tensor of 0.0 and 1.0.
    """
    if (logits is None) == (probs is None):
        raise ValueError("Give exactly one of probs or logits= for a Bernoulli distribution.")
    if probs is not None:
        _check_unit_interval(probs, "probs", "probabilities")
        dtype = _float_dtype(probs)
        p = _to_float(probs, dtype)
    else:
        _check_finite(logits, "logits")
        dtype = _float_dtype(logits)
        p = ops.sigmoid(_to_float(logits, dtype))
    out_shape = _sample_shape(shape, probs if probs is not None else logits)
    u = keras.random.uniform(out_shape, dtype=dtype, seed=seed)
    return ops.cast(ops.less(u, p), dtype)


@numpy_in_numpy_out
def poisson_sample(rate: Any, shape: Any = None, seed: Any = None):
    """Draw Poisson counts by inverting the CDF of one uniform draw per sample.

    ``keras.random`` has no Poisson sampler, so this computes the CDF on the grid
    k = 0..k_max (k_max = max rate + 12 sqrt(max rate) + 20, which leaves a tail
    mass far below 1e-12) and counts how many CDF values lie below a uniform draw.
    Work grows as (number of samples) x k_max, done in chunks of bounded memory:
    fine for rates up to about 1e4.

    Used in chapter 01.

    Args:
        rate: lambda > 0 (concrete values: the grid size depends on them).
        shape: output shape (default: the rate's shape); an int n means (n,).
        seed: int, ``keras.random.SeedGenerator`` or None.

    Returns:
        Float tensor of non-negative integer counts.
    """
    arr = _concrete(rate)
    if arr is None:
        raise ValueError("poisson_sample needs a concrete rate (NumPy or eager tensor).")
    _check_positive(arr, "rate")
    out_shape = _sample_shape(shape, rate)
    dtype = gk_backend.widest_float()  # float64 where the backend has it
    lam_max = float(np.max(arr))
    k_max = int(lam_max + 12.0 * math.sqrt(lam_max) + 20.0)
    ks = ops.arange(0, k_max + 1, dtype=dtype)
    log_k_factorial = _lgamma(ks + 1.0)
    if not isinstance(seed, keras.random.SeedGenerator):
        seed = keras.random.SeedGenerator(seed)  # one generator: chunks get fresh draws
    lam = np.broadcast_to(arr.astype(dtype), out_shape).reshape(-1)
    chunk = max(1, _POISSON_GRID_BUDGET // (k_max + 1))
    pieces = []
    for start in range(0, lam.shape[0], chunk):
        lam_c = ops.convert_to_tensor(lam[start : start + chunk])[:, None]
        log_pmf = ks * ops.log(lam_c) - lam_c - log_k_factorial
        cdf = ops.cumsum(ops.exp(log_pmf), axis=-1)
        u = keras.random.uniform((lam_c.shape[0], 1), dtype=dtype, seed=seed)
        pieces.append(ops.sum(ops.cast(ops.less(cdf, u), dtype), axis=-1))
    counts = ops.reshape(
        ops.concatenate(pieces, axis=0) if pieces else ops.zeros((0,), dtype), out_shape
    )
    return ops.cast(counts, _float_dtype(rate))


@numpy_in_numpy_out
def categorical_sample(
    logits: Any = None, num_samples: int = 1, seed: Any = None, *, probs: Any = None
):
    """Draw class indices from rows of logits (or probabilities).

    Used in chapters 01 and 05 (next-token sampling).

    Args:
        logits: shape ``(K,)`` or ``(batch, K)``; or ``probs=`` of the same shape.
        num_samples: draws per row.
        seed: int, ``keras.random.SeedGenerator`` or None.

    Returns:
        int32 tensor of shape ``(num_samples,)`` for 1-D parameters, else
        ``(batch, num_samples)``.
    """
    if (logits is None) == (probs is None):
        raise ValueError("Give exactly one of logits or probs= for a categorical distribution.")
    if (
        isinstance(num_samples, bool)
        or not isinstance(num_samples, (int, np.integer))
        or num_samples < 1
    ):
        raise ValueError(f"num_samples must be an integer >= 1, got {num_samples!r}.")
    if probs is not None:
        parr = _concrete(probs)
        if parr is not None and (np.any(parr < 0) or not np.allclose(parr.sum(-1), 1.0, atol=1e-4)):
            raise ValueError("probs must be non-negative and sum to 1 over the last axis.")
        logits = ops.log(ops.maximum(_to_float(probs, "float32"), 1e-30))
    else:
        _check_finite(logits, "logits")
        logits = _to_float(logits, _float_dtype(logits))
    rank = len(ops.shape(logits))
    if rank not in (1, 2):
        raise ValueError(
            f"logits must have shape (K,) or (batch, K), got {tuple(ops.shape(logits))}."
        )
    two_d = logits if rank == 2 else logits[None, :]
    out = keras.random.categorical(two_d, int(num_samples), dtype="int32", seed=seed)
    return out if rank == 2 else out[0]
