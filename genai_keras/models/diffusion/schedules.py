"""Noise schedules of diffusion and flow-matching models, in closed form.

A diffusion model corrupts data ``x0`` along a path indexed by the time ``t`` in [0, 1]:

    x_t = alpha(t) * x0 + sigma(t) * eps,      eps ~ N(0, I),

with ``alpha(0) = 1, sigma(0) = 0`` (clean data) and ``alpha(1) = 0, sigma(1) = 1`` (pure
noise). Two schedules are offered:

* ``"linear"`` -- rectified flow / flow matching: ``alpha = 1 - t``, ``sigma = t``, a straight
  line from the data point to its noise;
* ``"cosine"`` -- the variance-preserving cosine schedule of improved DDPM:
  ``alpha = cos(pi t / 2)``, ``sigma = sin(pi t / 2)`` (``alpha**2 + sigma**2 = 1``).

The network predicts the *velocity* ``v = dx_t/dt = alpha'(t) x0 + sigma'(t) eps``; from
``x_t`` and ``v`` both the clean data ``x0`` and the noise ``eps`` follow by solving a 2x2
linear system (:meth:`NoiseSchedule.split`), which is what every sampler uses. For the
linear schedule, ``v = eps - x0`` (the flow-matching target).

Everything works on NumPy arrays and on backend tensors (``keras.ops``): NumPy in, NumPy
out; tensors in, tensors out (``genai_keras/arrays.py``). Used in chapter 06.
"""

from __future__ import annotations

import math
from typing import Any

from keras import ops

from genai_keras.arrays import numpy_in_numpy_out

SCHEDULES = ("linear", "cosine")


class NoiseSchedule:
    """Signal level ``alpha(t)``, noise level ``sigma(t)`` and their derivatives.

    Args:
        name: ``"linear"`` (flow matching) or ``"cosine"`` (variance preserving).

    Raises:
        ValueError: an unknown name.
    """

    def __init__(self, name: str = "linear") -> None:
        if name not in SCHEDULES:
            raise ValueError(f"Unknown noise schedule {name!r}; choose one of {SCHEDULES}.")
        self.name = name

    def __repr__(self) -> str:
        return f"NoiseSchedule({self.name!r})"

    @numpy_in_numpy_out
    def alpha(self, t: Any) -> Any:
        """Signal level at time ``t`` (1 at t = 0, 0 at t = 1)."""
        if self.name == "linear":
            return 1.0 - t
        return ops.cos(0.5 * math.pi * t)

    @numpy_in_numpy_out
    def sigma(self, t: Any) -> Any:
        """Noise level (standard deviation of the added noise) at time ``t``."""
        if self.name == "linear":
            return t
        return ops.sin(0.5 * math.pi * t)

    @numpy_in_numpy_out
    def d_alpha(self, t: Any) -> Any:
        """``d alpha / dt``."""
        if self.name == "linear":
            return -ops.ones_like(t)
        return -0.5 * math.pi * ops.sin(0.5 * math.pi * t)

    @numpy_in_numpy_out
    def d_sigma(self, t: Any) -> Any:
        """``d sigma / dt``."""
        if self.name == "linear":
            return ops.ones_like(t)
        return 0.5 * math.pi * ops.cos(0.5 * math.pi * t)

    @numpy_in_numpy_out
    def log_snr(self, t: Any) -> Any:
        """Log signal-to-noise ratio ``log(alpha**2 / sigma**2)``: decreasing in ``t``."""
        return 2.0 * (ops.log(self.alpha(t)) - ops.log(self.sigma(t)))

    @numpy_in_numpy_out
    def add_noise(self, x0: Any, eps: Any, t: Any) -> Any:
        """The forward process in closed form: ``x_t = alpha(t) x0 + sigma(t) eps``.

        ``t`` has one value per example (``(batch,)``) and broadcasts over the rest.
        """
        x0, eps = _tensor(x0), _tensor(eps)
        t = _expand(t, x0)
        return self.alpha(t) * x0 + self.sigma(t) * eps

    @numpy_in_numpy_out
    def velocity(self, x0: Any, eps: Any, t: Any) -> Any:
        """The training target ``v = alpha'(t) x0 + sigma'(t) eps`` (``dx_t/dt``)."""
        x0, eps = _tensor(x0), _tensor(eps)
        t = _expand(t, x0)
        return self.d_alpha(t) * x0 + self.d_sigma(t) * eps

    @numpy_in_numpy_out
    def split(self, x_t: Any, v: Any, t: Any) -> tuple[Any, Any]:
        """Recover ``(x0, eps)`` from a noisy point and its velocity.

        Solves ``x_t = a x0 + s eps``, ``v = a' x0 + s' eps``; the determinant
        ``a s' - s a'`` is 1 for the linear schedule and pi/2 for the cosine one, never 0.
        """
        x_t, v = _tensor(x_t), _tensor(v)
        t = _expand(t, x_t)
        a, s, da, ds = self.alpha(t), self.sigma(t), self.d_alpha(t), self.d_sigma(t)
        det = a * ds - s * da
        return (ds * x_t - s * v) / det, (a * v - da * x_t) / det


def _tensor(x: Any) -> Any:
    """NumPy or a tensor as a backend tensor (never NumPy mixed with a tensor)."""
    if ops.is_tensor(x):
        return x
    return ops.convert_to_tensor(x, dtype=getattr(x, "dtype", None) or "float32")


def _expand(t: Any, like: Any) -> Any:
    """``t`` of shape ``(batch,)`` (or a scalar) reshaped to broadcast against ``like``."""
    t = ops.convert_to_tensor(t, dtype=like.dtype if hasattr(like, "dtype") else "float32")
    if len(t.shape) == 0:
        return t
    return ops.reshape(t, (-1,) + (1,) * (len(like.shape) - 1))


def gaussian_velocity(schedule: NoiseSchedule, mean: float, std: float):
    """The exact velocity field when the data are ``N(mean, std**2)`` in every coordinate.

    Then ``x_t`` is Gaussian too and the best estimate of the data point is linear:
    ``E[x0 | x_t] = mean + alpha std^2 / (alpha^2 std^2 + sigma^2) (x_t - alpha mean)``;
    the noise estimate follows from ``x_t = alpha x0 + sigma eps``. A sampler run with this
    field must turn noise ``z`` into ``mean + std z`` (chapter 06 and the tests use it to
    check the samplers). Returns ``velocity(x_t, t)`` with ``t`` of shape ``(batch,)``.
    """
    if not std > 0:
        raise ValueError(f"std must be > 0, got {std!r}.")

    def velocity(x_t: Any, t: Any) -> Any:
        x_t = _tensor(x_t)
        t = _expand(t, x_t)
        a, s = schedule.alpha(t), schedule.sigma(t)
        x0 = mean + a * std**2 / (a**2 * std**2 + s**2) * (x_t - a * mean)
        eps = (x_t - a * x0) / s
        return schedule.d_alpha(t) * x0 + schedule.d_sigma(t) * eps

    return velocity
