"""KL divergence: closed form for diagonal Gaussians, and a Monte Carlo estimate.

Used in chapters 01 and 02 (the VAE's regulariser is :func:`kl_normal`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from keras import ops

from genai_keras.arrays import numpy_in_numpy_out
from genai_keras.distributions._checks import _check_broadcast, _float_dtype, _to_float


@numpy_in_numpy_out
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
        raise ValueError(
            "Give both mean2 and logvar2, or neither (then the second "
            "distribution is the standard normal N(0, I))."
        )
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


def kl_monte_carlo(
    sample_fn: Callable[[int, Any], Any],
    log_p_fn: Callable[[Any], Any],
    log_q_fn: Callable[[Any], Any],
    num_samples: int = 10_000,
    seed: int | None = 0,
) -> tuple[float, float]:
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
    if (
        isinstance(num_samples, bool)
        or not isinstance(num_samples, (int, np.integer))
        or num_samples < 2
    ):
        raise ValueError(
            f"num_samples must be an integer >= 2 (for a standard error), got {num_samples!r}."
        )
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
