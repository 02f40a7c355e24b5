"""The diffusion samplers' details pinned exactly: the grid's message and dtype, the defaults,
the trajectory, DDPM's steps and seed, the times handed to the velocity. Tiny hand-written
velocities; selected by the mutation run next to tests/test_diffusion.py."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from keras import ops

from genai_keras.models import diffusion as D

LINEAR = D.NoiseSchedule("linear")
NOISE = np.random.default_rng(0).standard_normal((3, 2)).astype("float32")  # batch 3, 2 features
POINT = 0.7


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _growth(x, t):
    """dx/dt = t x: no sampler integrates it exactly, so the result depends on the steps."""
    return x * ops.reshape(t, (-1, 1))


def _to_point(x, t):
    """The exact velocity of the linear schedule when the data are the single point POINT."""
    return (x - POINT) / ops.reshape(t, (-1, 1))


def test_time_grid_names_steps_in_its_error_and_is_float32():
    """time_grid refuses 0 with this exact message and returns float32 times."""
    msg = "steps must be an integer >= 1, got 0."
    with pytest.raises(ValueError, match=re.escape(msg) + r"\Z"):
        D.time_grid(0)
    assert D.time_grid(4).dtype == np.float32


@pytest.mark.parametrize("sampler", D.SAMPLERS)
def test_float64_noise_gives_float32_points(sampler):
    """The sample and every point of the path are float32, even for float64 noise."""
    out, path = D.sample_path(_growth, NOISE.astype("float64"), LINEAR, 3, sampler, trajectory=True)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    assert [p.dtype for p in path] == [np.float32] * 4


def test_defaults_are_20_heun_steps_and_seed_0():
    """Leaving steps, sampler and seed out is steps=20, sampler="heun", seed=0."""
    calls = []

    def counted(x, t):
        calls.append(t)
        return _growth(x, t)

    default = _np(D.sample_path(counted, NOISE, LINEAR))
    assert len(calls) == D.network_calls("heun", 20)  # 39: not Euler's 20, not 21 Heun steps
    spelled = D.sample_path(_growth, NOISE, LINEAR, steps=20, sampler="heun", seed=0)
    np.testing.assert_array_equal(default, _np(spelled))
    assert not np.array_equal(default, _np(D.sample_path(_growth, NOISE, LINEAR, 21)))

    def ddpm(**seed):
        return _np(D.sample_path(_growth, NOISE, LINEAR, 3, "ddpm", **seed))

    np.testing.assert_array_equal(ddpm(), ddpm(seed=0))
    assert not np.array_equal(ddpm(), ddpm(seed=1))


def test_trajectory_runs_from_the_noise_to_the_sample():
    """trajectory=True adds steps + 1 NumPy points: the noise, each Euler step, the sample."""
    out, path = D.sample_path(_growth, NOISE, LINEAR, 4, "euler", trajectory=True)
    assert len(path) == 5
    assert all(isinstance(p, np.ndarray) and p.shape == NOISE.shape for p in path)
    np.testing.assert_array_equal(path[0], NOISE)
    grid = D.time_grid(4)
    for k in range(4):
        step = path[k] + (grid[k + 1] - grid[k]) * grid[k] * path[k]
        np.testing.assert_allclose(path[k + 1], step, rtol=1e-6)
    np.testing.assert_array_equal(path[-1], _np(out))
    bare = D.sample_path(_growth, NOISE, LINEAR, 4, "euler")
    assert ops.is_tensor(bare)  # a tensor, not a tuple
    np.testing.assert_array_equal(_np(bare), path[-1])


@pytest.mark.parametrize("sampler", D.SAMPLERS)
def test_the_velocity_gets_one_float32_time_per_example(sampler):
    """t has shape (batch,) (3, not the 2 features) and is float32 even with floatx float64."""
    seen = []

    def recorded(x, t):
        seen.append((keras.backend.standardize_dtype(t.dtype), _np(t)))
        return _growth(x, t)

    floatx = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        D.sample_path(recorded, NOISE, LINEAR, 2, sampler)
    finally:
        keras.config.set_floatx(floatx)
    times = [1.0, 0.5, 0.5] if sampler == "heun" else [1.0, 0.5]
    assert [dtype for dtype, _ in seen] == ["float32"] * len(times)
    for (_, t), time in zip(seen, times, strict=True):
        np.testing.assert_array_equal(t, np.full(3, time, "float32"))


def test_ddpm_draws_from_the_posterior_and_adds_no_noise_at_the_end():
    """Each DDPM step is mean + std z, z from the seed's stream; the last is x0 and draws none."""
    steps, gen, ref = 4, np.random.default_rng(5), np.random.default_rng(5)
    out, path = D.sample_path(_to_point, NOISE, LINEAR, steps, "ddpm", seed=gen, trajectory=True)
    grid = D.time_grid(steps).astype("float64")
    x = NOISE.astype("float64")
    for k in range(steps - 1):
        t, s = grid[k], grid[k + 1]
        # Given x0 = POINT: x_s ~ N((1-s) POINT, s^2), x_t = a x_s + N(0, t^2 - a^2 s^2).
        a = (1 - t) / (1 - s)
        gain = a * s**2 / t**2  # cov(x_s, x_t) / var(x_t)
        mean = (1 - s) * POINT + gain * (x - (1 - t) * POINT)
        std = np.sqrt(s**2 - gain * a * s**2)
        x = mean + std * ref.standard_normal(NOISE.shape).astype("float32")
        np.testing.assert_allclose(path[k + 1], x, atol=1e-5)
    np.testing.assert_allclose(_np(out), np.full(NOISE.shape, POINT), atol=1e-5)
    assert gen.standard_normal() == ref.standard_normal()  # the stream goes on after 3 draws


def test_only_ddpm_uses_the_seed():
    """DDPM repeats with its seed and changes with another; the ODE samplers draw nothing."""

    def run(sampler, seed):
        return _np(D.sample_path(_growth, NOISE, LINEAR, 3, sampler, seed=seed))

    np.testing.assert_array_equal(run("ddpm", 1), run("ddpm", 1))
    assert not np.array_equal(run("ddpm", 1), run("ddpm", 2))
    state = np.random.get_state()
    try:
        np.random.seed(0)
        for sampler in ("euler", "heun", "ddim"):
            np.testing.assert_array_equal(run(sampler, None), run(sampler, 0))
        assert np.random.random() == np.random.RandomState(0).random()  # global RNG untouched
    finally:
        np.random.set_state(state)


@pytest.mark.backends("tensorflow", "jax", reason="torch runs eagerly: nothing is traced")
def test_euler_and_heun_trace_when_no_trajectory_is_asked_for():
    """Without a trajectory no point is copied to NumPy: tf.function / jax.jit can trace."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        compile_ = tf.function
    else:
        import jax

        compile_ = jax.jit
    for sampler in ("euler", "heun"):
        traced = compile_(lambda z, s=sampler: D.sample_path(_growth, z, LINEAR, 3, s))
        eager = D.sample_path(_growth, NOISE, LINEAR, 3, sampler)
        np.testing.assert_allclose(_np(traced(NOISE)), _np(eager), rtol=1e-6)
