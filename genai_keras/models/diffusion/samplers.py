"""Samplers: from pure noise at t = 1 to data at t = 0 in a given number of steps.

Each sampler walks a time grid ``1 = t_0 > t_1 > ... > t_K = 0`` and only needs the
network's velocity ``v(x_t, t)`` (a guided model combines two of them first):

* ``"euler"`` -- one Euler step of the probability-flow ODE ``dx/dt = v``:
  ``x_s = x_t + (s - t) v``. One network call per step.
* ``"heun"`` -- Heun's second-order method: an Euler step, the velocity at its end, and
  the step redone with the average of both velocities (the last step, which ends at
  t = 0, stays Euler). Two calls per step, far fewer steps for the same error.
* ``"ddim"`` -- DDIM (Song et al., 2021): estimate ``x0`` and ``eps`` from ``x_t`` and
  ``v``, then put them back together at the next time: ``x_s = alpha(s) x0 + sigma(s) eps``.
  Deterministic; for the linear schedule it is exactly the Euler step.
* ``"ddpm"`` -- ancestral sampling (Ho et al., 2020): draw ``x_s`` from the Gaussian
  posterior ``q(x_s | x_t, x0)`` with the estimated ``x0``. Stochastic; needs more steps.

All run with ``keras.ops`` on any backend. The fresh noise of ``"ddpm"`` is drawn in NumPy
(``gk.utils.sampling_rng``) and passed in as float32, so a seed gives the same path on
every backend. Used in chapter 06.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
from keras import ops

from genai_keras.checks import positive_int
from genai_keras.models.diffusion.schedules import NoiseSchedule
from genai_keras.utils import sampling_rng

SAMPLERS = ("euler", "heun", "ddim", "ddpm")

VelocityFn = Callable[[Any, Any], Any]


def check_sampler(sampler: str, steps: Any) -> int:
    """Validate a sampler name and a step count; returns the step count as an int."""
    if sampler not in SAMPLERS:
        raise ValueError(f"Unknown sampler {sampler!r}; choose one of {SAMPLERS}.")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(
            f"steps must be an integer >= 1 (network calls grow with it), got {steps!r}."
        )
    return int(steps)


def time_grid(steps: int) -> np.ndarray:
    """``steps + 1`` times from 1 (noise) down to 0 (data), equally spaced."""
    steps = positive_int(steps, "steps")
    return np.linspace(1.0, 0.0, steps + 1).astype("float32")


def network_calls(sampler: str, steps: int) -> int:
    """How many velocity evaluations a run makes (Heun: two per step but the last)."""
    steps = check_sampler(sampler, steps)
    return 2 * steps - 1 if sampler == "heun" else steps


def posterior(schedule: NoiseSchedule, x_t: Any, x0: Any, t: float, s: float) -> tuple[Any, Any]:
    """Mean and standard deviation of ``q(x_s | x_t, x0)`` for ``s < t`` (DDPM's step).

    With ``alpha_ts = alpha(t) / alpha(s)`` and ``var_ts = sigma(t)**2 - alpha_ts**2
    sigma(s)**2`` (the noise added between s and t), the posterior is Gaussian with

        mean = alpha_ts sigma(s)^2 / sigma(t)^2 x_t + alpha(s) var_ts / sigma(t)^2 x0,
        var  = var_ts sigma(s)^2 / sigma(t)^2.
    """
    a_t, s_t = float(schedule.alpha(np.float32(t))), float(schedule.sigma(np.float32(t)))
    a_s, s_s = float(schedule.alpha(np.float32(s))), float(schedule.sigma(np.float32(s)))
    a_ts = a_t / a_s
    var_ts = s_t**2 - a_ts**2 * s_s**2
    mean = (a_ts * s_s**2 / s_t**2) * x_t + (a_s * var_ts / s_t**2) * x0
    return mean, float(np.sqrt(max(var_ts * s_s**2 / s_t**2, 0.0)))


def sample_path(
    velocity: VelocityFn,
    noise: Any,
    schedule: NoiseSchedule,
    steps: int = 20,
    sampler: str = "heun",
    seed: int | np.random.Generator | None = 0,
    trajectory: bool = False,
) -> Any:
    """Integrate from ``noise`` (the point at t = 1) to t = 0.

    Args:
        velocity: ``velocity(x_t, t)`` with ``t`` of shape ``(batch,)``; returns ``v``.
        noise: ``(batch, ...)`` standard normal draws (the starting points).
        schedule: the model's :class:`NoiseSchedule`.
        steps: number of steps (>= 1).
        sampler: one of ``SAMPLERS``.
        seed: the fresh noise of ``"ddpm"`` (the others are deterministic): an int, a
            NumPy Generator (its stream continues) or None (follows ``gk.set_seed``);
            see ``gk.utils.sampling_rng``.
        trajectory: if True, also return the list of intermediate points (NumPy).

    Returns:
        The final points (a tensor like ``noise``), and the trajectory if asked for.
    """
    steps = check_sampler(sampler, steps)
    grid = time_grid(steps)
    x = ops.convert_to_tensor(noise, dtype="float32")
    batch = ops.shape(x)[0]
    rng = sampling_rng(seed) if sampler == "ddpm" else None
    shape = tuple(int(d) for d in ops.shape(x))
    path = [ops.convert_to_numpy(x)] if trajectory else None

    def at(t: float) -> Any:
        return ops.full((batch,), t, dtype="float32")

    for t, s in itertools.pairwise(grid):
        t, s = float(t), float(s)
        v = velocity(x, at(t))
        if sampler == "euler":
            x = x + (s - t) * v
        elif sampler == "heun":
            x_end = x + (s - t) * v
            if s > 0:
                x_end = x + (s - t) * 0.5 * (v + velocity(x_end, at(s)))
            x = x_end
        else:
            x0, eps = schedule.split(x, v, at(t))
            if sampler == "ddim" or s == 0:
                x = (
                    x0
                    if s == 0
                    else float(schedule.alpha(np.float32(s))) * x0
                    + float(schedule.sigma(np.float32(s))) * eps
                )
            else:
                mean, std = posterior(schedule, x, x0, t, s)
                z = rng.standard_normal(shape).astype(np.float32)
                x = mean + std * ops.convert_to_tensor(z)
        if trajectory:
            path.append(ops.convert_to_numpy(x))
    return (x, path) if trajectory else x
