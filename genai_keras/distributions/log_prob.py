"""Log-probabilities (element-wise, in nats) of the normal, Bernoulli, Poisson and
categorical distributions, with ``keras.ops``; and :func:`bits_per_dim`.

Used in chapters 01 (distributions, pixel models), 02 (VAE loss) and 05 (next-character
loss).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from keras import ops

from genai_keras.arrays import numpy_in_numpy_out, to_numpy
from genai_keras.distributions._checks import (
    _LOG_2PI,
    _check_broadcast,
    _check_counts,
    _check_finite,
    _check_positive,
    _check_unit_interval,
    _concrete,
    _float_dtype,
    _lgamma,
    _shape,
    _to_float,
)


@numpy_in_numpy_out
def normal_log_prob(x: Any, mean: Any = 0.0, scale: Any = None, *, log_var: Any = None):
    r"""Log-density of a normal distribution, element-wise, in nats.

    .. math:: \log \mathcal{N}(x;\mu,\sigma^2) = -\tfrac12\log(2\pi\sigma^2)
              - \frac{(x-\mu)^2}{2\sigma^2}

    Give the spread either as ``scale`` (the standard deviation sigma > 0) or as
    ``log_var`` (log sigma^2, unconstrained: what a network head outputs); with neither,
    sigma = 1.

    Used in chapters 01 and 02 (Gaussian likelihoods, Monte Carlo KL).

    Args:
        x: data, any shape.
        mean: mu, broadcastable with ``x``.
        scale: sigma > 0, broadcastable with ``x``.
        log_var: log sigma^2, broadcastable with ``x`` (keyword only).

    Returns:
        Tensor of the broadcast shape: log p(x) per element, in nats. Sum over the
        last axis for a diagonal Gaussian over vectors.

    Raises:
        ValueError: both ``scale`` and ``log_var`` given, a scale <= 0, NaN/inf, or
            shapes that do not broadcast.
    """
    if scale is not None and log_var is not None:
        raise ValueError("Give either scale= (standard deviation) or log_var=, not both.")
    _check_broadcast(x=x, mean=mean, scale=scale, log_var=log_var)
    _check_finite(x, "x")
    _check_finite(mean, "mean")
    dtype = _float_dtype(x, mean, scale, log_var)
    x = _to_float(x, dtype)
    mean = _to_float(mean, dtype)
    if log_var is None:
        if scale is None:
            scale = 1.0
        _check_positive(scale, "scale")
        log_var = 2.0 * ops.log(_to_float(scale, dtype))
    else:
        _check_finite(log_var, "log_var")
        log_var = _to_float(log_var, dtype)
    return -0.5 * (_LOG_2PI + log_var + ops.square(x - mean) * ops.exp(-log_var))


@numpy_in_numpy_out
def bernoulli_log_prob(x: Any, logits: Any = None, *, probs: Any = None):
    r"""Log-mass of a Bernoulli distribution, element-wise, in nats (numerically stable).

    With logits :math:`\ell` (:math:`p = \sigma(\ell)`):

    .. math:: \log p(x) = x\,\ell - \operatorname{softplus}(\ell)
              = x \log p + (1-x)\log(1-p),

    which never computes log(0) even for :math:`|\ell|` in the hundreds. This is minus the binary
    cross-entropy, so summed over pixels it is a VAE's reconstruction log-likelihood.
    ``x`` may be a grey level in [0, 1] (then it is a cross-entropy, not a probability).

    Used in chapters 01 (pixel models) and 02 (VAE decoder).

    Args:
        x: data in {0, 1} (or [0, 1]), any shape.
        logits: log-odds log(p / (1 - p)), broadcastable with ``x``. Preferred.
        probs: p in [0, 1] instead of logits (keyword only); clipped to
            [1e-7, 1 - 1e-7] (1e-12 in float64) before the log.

    Returns:
        Tensor of the broadcast shape: log p(x) per element, in nats.

    Raises:
        ValueError: neither or both of ``logits``/``probs``, x or probs outside [0, 1],
            or shapes that do not broadcast.
    """
    if (logits is None) == (probs is None):
        raise ValueError("Give exactly one of logits= or probs= for a Bernoulli distribution.")
    _check_broadcast(x=x, logits=logits, probs=probs)
    _check_unit_interval(x, "x", "Bernoulli data are 0 or 1")
    dtype = _float_dtype(x, logits, probs)
    x = _to_float(x, dtype)
    if logits is not None:
        _check_finite(logits, "logits")
        logits = _to_float(logits, dtype)
        return x * logits - ops.softplus(logits)
    _check_unit_interval(probs, "probs", "probabilities")
    eps = 1e-12 if dtype == "float64" else 1e-7
    # the bounds in the computing dtype: PyTorch rounds Python-float bounds to float32, where
    # 1 - 1e-12 is 1.0 (and log1p(-1) = -inf)
    p = ops.clip(_to_float(probs, dtype), _to_float(eps, dtype), _to_float(1.0 - eps, dtype))
    return x * ops.log(p) + (1.0 - x) * ops.log1p(-p)


@numpy_in_numpy_out
def poisson_log_prob(k: Any, rate: Any):
    r"""Log-mass of a Poisson distribution, element-wise, in nats.

    .. math:: \log P(K=k) = k\log\lambda - \lambda - \log k!

    Used in chapter 01.

    Args:
        k: non-negative integer counts, any shape.
        rate: lambda > 0, broadcastable with ``k``.

    Returns:
        Tensor of the broadcast shape: log P(k) per element, in nats.

    Raises:
        ValueError: a rate <= 0, counts that are negative or fractional, or shapes
            that do not broadcast.
    """
    _check_broadcast(k=k, rate=rate)
    _check_positive(rate, "rate")
    _check_counts(k, "k")
    dtype = _float_dtype(k, rate)
    k = _to_float(k, dtype)
    rate = _to_float(rate, dtype)
    return k * ops.log(rate) - rate - _lgamma(k + 1.0)


@numpy_in_numpy_out
def categorical_log_prob(x: Any, logits: Any = None, *, probs: Any = None):
    r"""Log-mass of a categorical distribution over K classes, in nats.

    .. math:: \log P(X=c) = \ell_c - \log\sum_j e^{\ell_j} \quad(\text{log-softmax})

    Used in chapters 01 and 05 (a language model's next-token loss is this, negated).

    Args:
        x: integer class indices in [0, K), shape ``batch``.
        logits: unnormalised log-probabilities, shape ``batch + (K,)`` (the leading
            axes must broadcast with ``x``). Preferred.
        probs: probabilities on the last axis instead (keyword only); each row must sum
            to 1.

    Returns:
        Tensor of the broadcast batch shape: log P(x) in nats.

    Raises:
        ValueError: neither or both of ``logits``/``probs``, indices that are not
            integers in [0, K), probabilities that are negative or do not sum to 1,
            or batch shapes that do not broadcast.
    """
    if (logits is None) == (probs is None):
        raise ValueError("Give exactly one of logits= or probs= for a categorical distribution.")
    params = logits if logits is not None else probs
    pshape, xshape = _shape(params), _shape(x)
    if pshape is not None and len(pshape) == 0:
        raise ValueError("logits/probs need a last axis of size K (one entry per class).")
    if pshape is not None and xshape is not None:
        try:
            np.broadcast_shapes(xshape, pshape[:-1])
        except ValueError:
            raise ValueError(
                f"x has shape {xshape} but the parameters have batch shape {pshape[:-1]} "
                f"(shape {pshape} with K={pshape[-1]} classes on the last axis); they must "
                f"broadcast."
            ) from None
    num_classes = pshape[-1] if pshape is not None else None
    arr = _concrete(x)
    if (
        arr is not None
        and arr.size
        and (
            np.any(arr != np.round(arr))
            or arr.min() < 0
            or (num_classes is not None and arr.max() >= num_classes)
        )
    ):
        raise ValueError(
            f"x must hold integer class indices in [0, {num_classes}), found values in "
            f"[{arr.min():g}, {arr.max():g}]."
        )
    dtype = _float_dtype(params)
    if logits is not None:
        _check_finite(logits, "logits")
        log_p = ops.log_softmax(_to_float(logits, dtype), axis=-1)
    else:
        parr = _concrete(probs)
        if parr is not None and (
            np.any(parr < 0) or np.any(parr > 1) or not np.allclose(parr.sum(-1), 1.0, atol=1e-4)
        ):
            raise ValueError(
                "probs must be non-negative and sum to 1 over the last axis; pass "
                "logits= for unnormalised scores."
            )
        # log 0 -> about -69 (where, not maximum: PyTorch's maximum returns float32)
        p, floor = _to_float(probs, dtype), _to_float(1e-30, dtype)
        log_p = ops.log(ops.where(p > floor, p, floor))
    idx = ops.cast(ops.convert_to_tensor(x), "int32")
    batch_shape = (
        tuple(np.broadcast_shapes(xshape, pshape[:-1]))
        if (pshape is not None and xshape is not None)
        else None
    )
    if batch_shape is not None:
        idx = ops.broadcast_to(idx, batch_shape)
        log_p = ops.broadcast_to(log_p, (*batch_shape, pshape[-1]))
    return ops.squeeze(ops.take_along_axis(log_p, ops.expand_dims(idx, -1), axis=-1), -1)


def bits_per_dim(nats: Any, num_dims: int = 784) -> Any:
    """Convert a negative log-likelihood in nats per example to bits per dimension.

    bits/dim = nats / (num_dims * ln 2); 784 dimensions for a 28x28 MNIST image.
    Used in chapters 01, 02 and 04.
    """
    if isinstance(num_dims, bool) or not isinstance(num_dims, (int, np.integer)) or num_dims < 1:
        raise ValueError(f"num_dims must be an integer >= 1, got {num_dims!r}.")
    return to_numpy(nats, np.float64) / (num_dims * math.log(2.0))
