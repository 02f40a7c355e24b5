"""Tests for genai_keras.models.diffusion: schedule math, exact samplers, the model, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from keras import ops

from genai_keras import recipes
from genai_keras.models import diffusion as D


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


# ------------------------------------------------------------------------- schedules
def test_linear_and_cosine_levels_match_their_closed_forms():
    t = np.array([0.0, 0.25, 0.5, 1.0], "float32")
    linear, cosine = D.NoiseSchedule("linear"), D.NoiseSchedule("cosine")
    np.testing.assert_allclose(_np(linear.alpha(t)), 1 - t)
    np.testing.assert_allclose(_np(linear.sigma(t)), t)
    np.testing.assert_allclose(_np(cosine.alpha(t)), np.cos(np.pi * t / 2), atol=1e-6)
    # Variance preserving: alpha^2 + sigma^2 = 1 at every time.
    np.testing.assert_allclose(_np(cosine.alpha(t)) ** 2 + _np(cosine.sigma(t)) ** 2, 1, atol=1e-6)
    for schedule in (linear, cosine):
        # Derivatives against central differences.
        u, h = np.array([0.2, 0.6], "float32"), 1e-3
        for level, deriv in (
            (schedule.alpha, schedule.d_alpha),
            (schedule.sigma, schedule.d_sigma),
        ):
            numeric = (_np(level(u + h)) - _np(level(u - h))) / (2 * h)
            np.testing.assert_allclose(_np(deriv(u)), numeric, rtol=2e-3, atol=2e-3)
        snr = _np(schedule.log_snr(np.linspace(0.05, 0.95, 10).astype("float32")))
        assert np.all(np.diff(snr) < 0)  # more noise, less signal, as t grows


@pytest.mark.parametrize("name", D.SCHEDULES)
def test_split_recovers_data_and_noise_from_the_velocity(name):
    rng = np.random.default_rng(0)
    x0, eps = rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 3)).astype("float32")
    t = np.array([0.01, 0.3, 0.5, 0.9, 1.0], "float32")
    schedule = D.NoiseSchedule(name)
    x_t = schedule.add_noise(x0, eps, t)
    x0_back, eps_back = schedule.split(x_t, schedule.velocity(x0, eps, t), t)
    np.testing.assert_allclose(_np(x0_back), x0, atol=1e-5)
    np.testing.assert_allclose(_np(eps_back), eps, atol=1e-5)
    if name == "linear":  # the flow-matching target
        np.testing.assert_allclose(_np(schedule.velocity(x0, eps, t)), eps - x0, atol=1e-6)


def test_unknown_schedule_is_refused():
    with pytest.raises(ValueError, match="Unknown noise schedule 'sqrt'; choose one of"):
        D.NoiseSchedule("sqrt")


# --------------------------------------------------------------------------- samplers
MEAN, STD = 1.5, 0.3  # Gaussian data N(MEAN, STD^2): its optimal denoiser is known exactly


def _exact_velocity(schedule):
    return D.gaussian_velocity(schedule, MEAN, STD)


@pytest.mark.parametrize("name", D.SCHEDULES)
def test_ode_samplers_are_exact_for_gaussian_data(name):
    # For Gaussian data the probability-flow ODE maps noise z to MEAN + STD * z exactly;
    # the samplers converge to that map at their order (Heun 2, Euler and DDIM 1).
    schedule = D.NoiseSchedule(name)
    z = np.random.default_rng(1).standard_normal((2000, 1)).astype("float32")

    def error(sampler, steps):
        x = _np(D.sample_path(_exact_velocity(schedule), z, schedule, steps, sampler))
        return float(np.abs(x - (MEAN + STD * z)).max())

    assert error("heun", 200) < 5e-4
    assert error("euler", 1000) < 3e-3 and error("ddim", 1000) < 3e-3
    assert 3.0 < error("heun", 30) / error("heun", 60) < 5.0  # halve h: error / 4
    assert 1.7 < error("euler", 30) / error("euler", 60) < 2.3  # halve h: error / 2
    assert error("euler", 5) > 1e-2  # few steps: a real error


def test_ddim_is_the_euler_step_on_the_straight_path():
    schedule = D.NoiseSchedule("linear")
    z = np.random.default_rng(2).standard_normal((100, 1)).astype("float32")
    euler = _np(D.sample_path(_exact_velocity(schedule), z, schedule, 7, "euler"))
    ddim = _np(D.sample_path(_exact_velocity(schedule), z, schedule, 7, "ddim"))
    np.testing.assert_allclose(ddim, euler, atol=1e-5)


def test_ddim_in_one_step_lands_on_a_single_data_point():
    # Data that is one point: the optimal x0 estimate is that point at every t.
    schedule = D.NoiseSchedule("cosine")
    point = 0.7

    def velocity(x, t):
        t = ops.reshape(t, (-1, 1))
        eps = (x - schedule.alpha(t) * point) / schedule.sigma(t)
        return schedule.d_alpha(t) * point + schedule.d_sigma(t) * eps

    z = np.random.default_rng(3).standard_normal((10, 1)).astype("float32")
    np.testing.assert_allclose(
        _np(D.sample_path(velocity, z, schedule, 1, "ddim")), point, atol=1e-5
    )


@pytest.mark.parametrize("name", D.SCHEDULES)
def test_ancestral_ddpm_reaches_the_gaussian_data_distribution(name):
    schedule = D.NoiseSchedule(name)
    z = np.random.default_rng(4).standard_normal((20000, 1)).astype("float32")
    x = _np(D.sample_path(_exact_velocity(schedule), z, schedule, 400, "ddpm", seed=0))
    assert abs(x.mean() - MEAN) < 0.01 and abs(x.std() - STD) < 0.01
    # Stochastic: unlike the ODE, it does not map z to MEAN + STD z.
    assert np.corrcoef(x[:, 0], z[:, 0])[0, 1] < 0.9


def test_posterior_matches_gaussian_conditioning():
    # q(x_s | x_t, x0) computed from the joint covariance of (x_s, x_t) given x0.
    schedule = D.NoiseSchedule("cosine")
    t, s, x0, x_t = 0.8, 0.5, 0.3, -0.4
    a_t, s_t = math.cos(math.pi * t / 2), math.sin(math.pi * t / 2)
    a_s, s_s = math.cos(math.pi * s / 2), math.sin(math.pi * s / 2)
    a_ts = a_t / a_s
    cov = np.array([[s_s**2, a_ts * s_s**2], [a_ts * s_s**2, s_t**2]])
    mean = a_s * x0 + cov[0, 1] / cov[1, 1] * (x_t - a_t * x0)
    std = math.sqrt(cov[0, 0] - cov[0, 1] ** 2 / cov[1, 1])
    got_mean, got_std = D.posterior(schedule, x_t, x0, t, s)
    assert got_mean == pytest.approx(mean, abs=1e-6) and got_std == pytest.approx(std, abs=1e-6)


def test_network_calls_and_grid():
    assert D.network_calls("heun", 10) == 19 and D.network_calls("euler", 10) == 10
    np.testing.assert_allclose(D.time_grid(4), [1, 0.75, 0.5, 0.25, 0])


@pytest.mark.parametrize(
    ("sampler", "steps", "match"),
    [
        ("heun", 0, "steps must be an integer >= 1"),
        ("heun", 2.5, "steps must be an integer >= 1"),
        ("rk4", 10, "Unknown sampler 'rk4'; choose one of"),
    ],
)
def test_bad_sampler_arguments(sampler, steps, match):
    with pytest.raises(ValueError, match=match):
        D.sample_path(
            lambda x, t: x, np.zeros((2, 1), "float32"), D.NoiseSchedule(), steps, sampler
        )


# ------------------------------------------------------------------------------ model
@pytest.fixture(scope="module")
def tiny_models():
    """An unconditional and a guided model trained for a few steps (shapes, errors, I/O)."""
    from genai_keras.data import load_mnist

    x, y = load_mnist("train", limit=512)
    out = {}
    for name in ("flow_matching", "guided_flow_matching"):
        recipe = recipes.get(name, fast=True).replace(width=32, depth=1, limit=512, batch_size=128)
        labels = y if recipe.model["num_classes"] else None
        out[name] = D.train(recipe, images=x, labels=labels)
    return out


def test_training_records_both_stages_and_samples_are_images(tiny_models):
    model, history = tiny_models["flow_matching"]
    assert len(history["autoencoder_loss"]) == 1 and len(history["loss"]) == 1
    assert np.isfinite(history["loss"][0]) and history["autoencoder_loss"][0] > 0
    images = model.sample(6, seed=0, steps=3)
    assert images.shape == (6, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    np.testing.assert_allclose(model.sample(6, seed=0, steps=3), images, atol=1e-6)
    assert not np.allclose(model.sample(6, seed=1, steps=3), images)
    # The flow was trained on standardised codes: the stored statistics are those of the
    # training digits' codes, and standardising with them gives mean 0 and std 1.
    from genai_keras.data import load_mnist

    digits, _ = load_mnist("train", limit=512)
    codes = model.autoencoder.encode(digits).reshape(len(digits), -1)
    mean, std = float(model.code_mean.numpy()), float(model.code_std.numpy())
    assert std > 0 and abs(mean - codes.mean()) < 1e-3 * max(1.0, abs(mean)) + 1e-4
    standardised = (codes - mean) / std
    assert abs(standardised.mean()) < 1e-3 and abs(standardised.std() - 1) < 1e-3


def test_guided_model_combines_label_and_no_label_velocities(tiny_models):
    model, _ = tiny_models["guided_flow_matching"]
    x = np.random.default_rng(0).standard_normal((4, model.dim)).astype("float32")
    t = np.full((4,), 0.5, "float32")
    labels = np.array([0, 1, 2, 3])
    v_label, v_null = _np(model.velocity(x, t, labels, 1.0)), _np(model.velocity(x, t, labels, 0.0))
    v_guided = _np(model.velocity(x, t, labels, 3.0))
    np.testing.assert_allclose(v_guided, v_null + 3.0 * (v_label - v_null), atol=1e-4)
    images = model.sample(4, labels=[1, 1, 7, 7], seed=0, steps=2, guidance=2.0)
    assert images.shape == (4, 28, 28, 1)


def test_weights_round_trip_gives_the_same_samples(tiny_models, tmp_path):
    model, _ = tiny_models["guided_flow_matching"]
    path = tmp_path / "flow.weights.h5"
    model.save_weights(path)
    copy = D.build(model.recipe)
    copy.load_weights(path)
    np.testing.assert_allclose(
        copy.sample(4, seed=2, steps=2), model.sample(4, seed=2, steps=2), atol=1e-5
    )


def test_bad_sampling_requests_are_refused(tiny_models):
    plain, _ = tiny_models["flow_matching"]
    guided, _ = tiny_models["guided_flow_matching"]
    with pytest.raises(ValueError, match="guidance needs a conditional model"):
        plain.sample(2, guidance=2.0)
    with pytest.raises(ValueError, match="This model is unconditional"):
        plain.sample(2, labels=[0, 1])
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        plain.sample(2, steps=0)
    with pytest.raises(ValueError, match="Unknown sampler 'magic'"):
        plain.sample(2, sampler="magic")
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\]"):
        guided.sample(2, labels=[3, 10])
    with pytest.raises(ValueError, match="guidance must be a number >= 0"):
        guided.sample(2, guidance=-1.0)


def test_bad_recipes_and_training_inputs_are_refused():
    with pytest.raises(ValueError, match="Expected a diffusion recipe"):
        D.build(recipes.get("vae"))
    with pytest.raises(ValueError, match="Unknown time_sampling 'beta'"):
        D.FlowMatching(time_sampling="beta")
    with pytest.raises(ValueError, match="label_dropout must be in"):
        D.FlowMatching(num_classes=10, label_dropout=1.0)
    guided = recipes.get("guided_flow_matching", fast=True)
    with pytest.raises(ValueError, match="is conditional: pass the labels"):
        D.train(guided, images=np.zeros((8, 28, 28, 1), "float32"))
