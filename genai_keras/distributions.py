"""Probability distributions with Keras ops: log-probabilities, sampling, KL and MLE.

A generative model is a probability distribution over data. This module holds the
small distributions every chapter builds on, written with ``keras.ops`` so that the
same functions are model losses (a VAE's reconstruction term is a Bernoulli
log-probability, its regulariser is :func:`kl_normal`):

* log-probabilities (element-wise, in nats): :func:`normal_log_prob`,
  :func:`bernoulli_log_prob`, :func:`poisson_log_prob`, :func:`categorical_log_prob`;
* sampling with ``keras.random`` and a seed: :func:`normal_sample`,
  :func:`bernoulli_sample`, :func:`poisson_sample`, :func:`categorical_sample`;
* KL divergence: :func:`kl_normal` (closed form for diagonal Gaussians),
  :func:`kl_monte_carlo` (estimate with a standard error);
* maximum-likelihood fits in closed form (NumPy): :func:`fit_normal`,
  :func:`fit_bernoulli`, :func:`fit_poisson`, :func:`fit_categorical`.

Arguments are checked for bad values (negative scale or rate, probabilities outside
[0, 1], shapes that do not broadcast) whenever they are concrete (NumPy arrays,
Python numbers, eager tensors); inside a traced/compiled function the value checks are
skipped, so the functions also work as losses in ``model.fit``.

Used in chapters 01 (distributions, pixel models), 02 (VAE loss) and 03.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import keras
from keras import ops

__all__ = [
    "normal_log_prob",
    "bernoulli_log_prob",
    "poisson_log_prob",
    "categorical_log_prob",
    "normal_sample",
    "bernoulli_sample",
    "poisson_sample",
    "categorical_sample",
    "kl_normal",
    "kl_monte_carlo",
    "fit_normal",
    "fit_bernoulli",
    "fit_poisson",
    "fit_categorical",
    "bits_per_dim",
]

_LOG_2PI = math.log(2.0 * math.pi)
_POISSON_GRID_BUDGET = 2**22  # CDF grid entries per chunk in poisson_sample (32 MiB)

# ---------------------------------------------------------------------------
# helpers: dtypes, concrete values, checks
# ---------------------------------------------------------------------------


def _float_dtype(*values: Any) -> str:
    """float64 if any argument is float64 (for exact tests), else Keras' floatx."""
    for v in values:
        dt = getattr(v, "dtype", None)
        if dt is not None and "float64" in str(dt):
            return "float64"
    return keras.config.floatx()


def _to_float(value: Any, dtype: str):
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
        shape = tuple(ops.shape(value)) if not isinstance(value, (int, float)) else ()
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
    coefs = (0.99999999999980993, 676.5203681218851, -1259.1392167224028,
             771.32342877765313, -176.61502916214059, 12.507343278686905,
             -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7)
    x = x - 1.0
    series = ops.ones_like(x) * coefs[0]
    for i, c in enumerate(coefs[1:], start=1):
        series = series + c / (x + float(i))
    t = x + 7.5
    return 0.5 * _LOG_2PI + (x + 0.5) * ops.log(t) - t + ops.log(series)


# ---------------------------------------------------------------------------
# log-probabilities (element-wise, nats)
# ---------------------------------------------------------------------------


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


def bernoulli_log_prob(x: Any, logits: Any = None, *, probs: Any = None):
    r"""Log-mass of a Bernoulli distribution, element-wise, in nats (numerically stable).

    With logits :math:`\ell` (p = sigmoid(l)):

    .. math:: \log p(x) = x\,\ell - \operatorname{softplus}(\ell)
              = x \log p + (1-x)\log(1-p),

    which never computes log(0) even for |l| in the hundreds. This is minus the binary
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
    p = ops.clip(_to_float(probs, dtype), eps, 1.0 - eps)
    return x * ops.log(p) + (1.0 - x) * ops.log1p(-p)


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


def categorical_log_prob(x: Any, logits: Any = None, *, probs: Any = None):
    r"""Log-mass of a categorical distribution over K classes, in nats.

    .. math:: \log P(X=c) = \ell_c - \log\sum_j e^{\ell_j} \quad(\text{log-softmax})

    Used in chapters 01 and 03 (a language model's next-token loss is this, negated).

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
    if arr is not None:
        if arr.size and (np.any(arr != np.round(arr)) or arr.min() < 0
                         or (num_classes is not None and arr.max() >= num_classes)):
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
        if parr is not None:
            if np.any(parr < 0) or np.any(parr > 1) or not np.allclose(parr.sum(-1), 1.0, atol=1e-4):
                raise ValueError(
                    "probs must be non-negative and sum to 1 over the last axis; pass "
                    "logits= for unnormalised scores."
                )
        log_p = ops.log(ops.maximum(_to_float(probs, dtype), 1e-30))  # log 0 -> about -69
    idx = ops.cast(ops.convert_to_tensor(x), "int32")
    batch_shape = tuple(np.broadcast_shapes(xshape, pshape[:-1])) if (
        pshape is not None and xshape is not None) else None
    if batch_shape is not None:
        idx = ops.broadcast_to(idx, batch_shape)
        log_p = ops.broadcast_to(log_p, batch_shape + (pshape[-1],))
    return ops.squeeze(ops.take_along_axis(log_p, ops.expand_dims(idx, -1), axis=-1), -1)


# ---------------------------------------------------------------------------
# sampling (keras.random with a seed)
# ---------------------------------------------------------------------------


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


def bernoulli_sample(probs: Any = None, shape: Any = None, seed: Any = None, *,
                     logits: Any = None):
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
    dtype = "float64"
    lam_max = float(np.max(arr))
    k_max = int(lam_max + 12.0 * math.sqrt(lam_max) + 20.0)
    ks = ops.arange(0, k_max + 1, dtype=dtype)
    log_k_factorial = _lgamma(ks + 1.0)
    if not isinstance(seed, keras.random.SeedGenerator):
        seed = keras.random.SeedGenerator(seed)  # one generator: chunks get fresh draws
    lam = np.broadcast_to(arr.astype(np.float64), out_shape).reshape(-1)
    chunk = max(1, _POISSON_GRID_BUDGET // (k_max + 1))
    pieces = []
    for start in range(0, lam.shape[0], chunk):
        lam_c = ops.convert_to_tensor(lam[start:start + chunk])[:, None]
        log_pmf = ks * ops.log(lam_c) - lam_c - log_k_factorial
        cdf = ops.cumsum(ops.exp(log_pmf), axis=-1)
        u = keras.random.uniform((lam_c.shape[0], 1), dtype=dtype, seed=seed)
        pieces.append(ops.sum(ops.cast(ops.less(cdf, u), dtype), axis=-1))
    counts = ops.reshape(ops.concatenate(pieces, axis=0) if pieces else ops.zeros((0,), dtype),
                         out_shape)
    return ops.cast(counts, keras.config.floatx() if _float_dtype(rate) != "float64" else dtype)


def categorical_sample(logits: Any = None, num_samples: int = 1, seed: Any = None, *,
                       probs: Any = None):
    """Draw class indices from rows of logits (or probabilities).

    Used in chapters 01 and 03 (next-token sampling).

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
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
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
        raise ValueError(f"logits must have shape (K,) or (batch, K), got {tuple(ops.shape(logits))}.")
    two_d = logits if rank == 2 else logits[None, :]
    out = keras.random.categorical(two_d, int(num_samples), dtype="int32", seed=seed)
    return out if rank == 2 else out[0]


# ---------------------------------------------------------------------------
# KL divergence
# ---------------------------------------------------------------------------


def kl_normal(mean1: Any, logvar1: Any, mean2: Any = None, logvar2: Any = None):
    r"""KL(N(mean1, diag e^logvar1) || N(mean2, diag e^logvar2)), summed over the last axis.

    Closed form for diagonal Gaussians, in nats (always >= 0):

    .. math:: \mathrm{KL} = \tfrac12 \sum_j \Big[\log\sigma_{2j}^2 - \log\sigma_{1j}^2
              + \frac{\sigma_{1j}^2 + (\mu_{1j}-\mu_{2j})^2}{\sigma_{2j}^2} - 1\Big]

    With ``mean2 = logvar2 = None`` the second distribution is N(0, I) and this is
    a VAE's regulariser :math:`\tfrac12\sum_j(\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1)`,
    which is *added* to the reconstruction loss (minimised), never subtracted.

    Used in chapters 01 and 02 (VAE loss).

    Args:
        mean1, logvar1: shape ``(..., D)``: mean and log-variance of the first
            distribution (a VAE encoder's two heads).
        mean2, logvar2: same (or broadcastable) shape, or both None for N(0, I).

    Returns:
        Tensor of shape ``(...)``: KL in nats per vector.

    Raises:
        ValueError: only one of ``mean2``/``logvar2`` given, or shapes that do not
            broadcast.
    """
    if (mean2 is None) != (logvar2 is None):
        raise ValueError("Give both mean2 and logvar2, or neither (then the second "
                         "distribution is the standard normal N(0, I)).")
    _check_broadcast(mean1=mean1, logvar1=logvar1, mean2=mean2, logvar2=logvar2)
    dtype = _float_dtype(mean1, logvar1, mean2, logvar2)
    m1 = _to_float(mean1, dtype)
    lv1 = _to_float(logvar1, dtype)
    if mean2 is None:
        terms = ops.square(m1) + ops.exp(lv1) - lv1 - 1.0
    else:
        m2 = _to_float(mean2, dtype)
        lv2 = _to_float(logvar2, dtype)
        terms = lv2 - lv1 + (ops.exp(lv1) + ops.square(m1 - m2)) * ops.exp(-lv2) - 1.0
    if len(ops.shape(terms)) == 0:
        return 0.5 * terms
    return 0.5 * ops.sum(terms, axis=-1)


def kl_monte_carlo(sample_fn: Callable[[int, Any], Any], log_p_fn: Callable[[Any], Any],
                   log_q_fn: Callable[[Any], Any], num_samples: int = 10_000,
                   seed: int | None = 0) -> tuple[float, float]:
    r"""Monte Carlo estimate of KL(p || q) = E_{x~p}[log p(x) - log q(x)], with its error.

    Draws ``num_samples`` points from p, averages the log-ratio, and returns the
    standard error ``std / sqrt(num_samples)`` too: the estimate should lie within a
    few standard errors of the exact value. Note the direction: samples come from the
    *first* distribution, and KL(p || q) != KL(q || p) in general.

    Used in chapter 01 (checking :func:`kl_normal`) and 02.

    Args:
        sample_fn: ``sample_fn(n, seed)`` -> n samples from p, shape ``(n, ...)``.
        log_p_fn: log-density of p at the samples, shape ``(n, ...)``; trailing axes
            are summed (element-wise log-probs of independent dimensions).
        log_q_fn: same for q.
        num_samples: number of draws (>= 2).
        seed: passed to ``sample_fn``.

    Returns:
        ``(estimate, standard_error)`` in nats, as Python floats.

    Raises:
        ValueError: ``num_samples`` < 2, or log-probs whose leading axis is not
            ``num_samples``.
    """
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 2:
        raise ValueError(f"num_samples must be an integer >= 2 (for a standard error), got {num_samples!r}.")
    x = sample_fn(int(num_samples), seed)
    lp = np.asarray(ops.convert_to_numpy(log_p_fn(x)), dtype=np.float64)
    lq = np.asarray(ops.convert_to_numpy(log_q_fn(x)), dtype=np.float64)
    if lp.shape != lq.shape or lp.ndim == 0 or lp.shape[0] != num_samples:
        raise ValueError(
            f"log_p_fn and log_q_fn must return arrays of the same shape (num_samples, ...) "
            f"= ({num_samples}, ...), got {lp.shape} and {lq.shape}."
        )
    ratio = (lp - lq).reshape(num_samples, -1).sum(axis=1)
    return float(ratio.mean()), float(ratio.std(ddof=1) / math.sqrt(num_samples))


# ---------------------------------------------------------------------------
# maximum likelihood in closed form (NumPy)
# ---------------------------------------------------------------------------


def _samples(x: Any, name: str = "x", axis: int = 0) -> np.ndarray:
    arr = np.asarray(ops.convert_to_numpy(x) if not isinstance(x, (np.ndarray, list, tuple)) else x,
                     dtype=np.float64)
    if arr.ndim == 0 or arr.shape[axis] < 1:
        raise ValueError(f"{name} must be an array with at least one sample along axis {axis}, "
                         f"got shape {arr.shape}.")
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
        raise ValueError("fit_bernoulli needs data in {0, 1}; binarise grey levels first "
                         "(e.g. load_mnist(binarize='static')).")
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
        raise ValueError("Every count is 0, so the MLE rate is 0, which is not a valid "
                         "Poisson rate; collect more data or add a pseudo-count.")
    return rate


def fit_categorical(x: Any, num_classes: int, pseudo_count: float = 0.0) -> np.ndarray:
    r"""MLE of categorical probabilities: class frequencies, optionally smoothed.

    :math:`\hat\pi_c = \frac{n_c + a}{n + K a}`.

    Used in chapter 01 and 03 (unigram model).

    Args:
        x: integer class indices in [0, num_classes), any shape (flattened).
        num_classes: K >= 1.
        pseudo_count: a >= 0 added to every count.

    Returns:
        float64 array of shape ``(num_classes,)`` summing to 1.

    Raises:
        ValueError: K < 1, indices out of range or fractional, a negative pseudo-count.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"num_classes must be an integer >= 1, got {num_classes!r}.")
    arr = _samples(x, axis=0).ravel()
    if np.any(arr != np.round(arr)) or arr.min() < 0 or arr.max() >= num_classes:
        raise ValueError(f"x must hold integer class indices in [0, {num_classes}), found "
                         f"values in [{arr.min():g}, {arr.max():g}].")
    a = float(pseudo_count)
    if not np.isfinite(a) or a < 0:
        raise ValueError(f"pseudo_count must be >= 0, got {pseudo_count!r}.")
    counts = np.bincount(arr.astype(np.int64), minlength=num_classes).astype(np.float64)
    return (counts + a) / (counts.sum() + num_classes * a)


def bits_per_dim(nats: Any, num_dims: int = 784) -> Any:
    """Convert a negative log-likelihood in nats per example to bits per dimension.

    bits/dim = nats / (num_dims * ln 2); 784 dimensions for a 28x28 MNIST image.
    Used in chapters 01, 02 and 04.
    """
    if isinstance(num_dims, bool) or not isinstance(num_dims, (int, np.integer)) or num_dims < 1:
        raise ValueError(f"num_dims must be an integer >= 1, got {num_dims!r}.")
    return np.asarray(nats, dtype=np.float64) / (num_dims * math.log(2.0))
