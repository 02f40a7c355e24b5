"""Tests for genai_keras.models.gan (chapter 03)."""

from __future__ import annotations

import copy

import keras
import numpy as np
import pytest

import genai_keras as gk
from genai_keras.models import gan as G


def _images(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.0, size=(n, 28, 28, 1)).astype("float32")


def _small_gan(conditional=False, loss="nonsaturating", **kwargs):
    keras.utils.set_random_seed(0)
    nc = 10 if conditional else None
    gan = G.GAN(
        G.build_generator(8, 16, num_classes=nc),
        G.build_discriminator(8, num_classes=nc),
        loss=loss,
        num_classes=nc,
        seed=0,
        **kwargs,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    )
    return gan


def _snapshot(model):
    return [np.array(w) for w in model.trainable_weights]


def _changed(before, model):
    return any(
        not np.allclose(a, np.array(b))
        for a, b in zip(before, model.trainable_weights, strict=True)
    )


# --- networks -------------------------------------------------------------


def test_default_networks_shapes_and_size():
    gen, disc = G.build_generator(), G.build_discriminator()
    z = np.zeros((3, 64), "float32")
    x = keras.ops.convert_to_numpy(gen(z))
    assert x.shape == (3, 28, 28, 1) and np.all(np.abs(x) <= 1.0)
    assert keras.ops.convert_to_numpy(disc(x)).shape == (3, 1)
    assert G.count_parameters(gen) <= 1_000_000
    cgen, cdisc = G.build_generator(num_classes=10), G.build_discriminator(num_classes=10)
    y = np.array([0, 5, 9], "int32")
    assert keras.ops.convert_to_numpy(
        cdisc([keras.ops.convert_to_numpy(cgen([z, y])), y])
    ).shape == (3, 1)


# --- losses ---------------------------------------------------------------


def test_losses_match_their_formulas():
    rl = np.array([[2.0], [-1.0], [0.5]], "float32")
    fl = np.array([[-3.0], [0.0], [1.0]], "float32")
    d_r, d_f = 1 / (1 + np.exp(-rl)), 1 / (1 + np.exp(-fl))

    def f(v):
        return float(keras.ops.convert_to_numpy(v))

    # -log D(x) - log(1 - D(G(z))), not -log(D(x) + D(G(z))) (article 000, 4.3)
    assert f(G.discriminator_loss(rl, fl)) == pytest.approx(
        np.mean(-np.log(d_r)) + np.mean(-np.log(1 - d_f)), rel=1e-5
    )
    smooth = np.mean(-0.9 * np.log(d_r) - 0.1 * np.log(1 - d_r)) + np.mean(-np.log(1 - d_f))
    assert f(G.discriminator_loss(rl, fl, label_smoothing=0.1)) == pytest.approx(smooth, rel=1e-5)
    assert f(G.generator_loss(fl)) == pytest.approx(np.mean(-np.log(d_f)), rel=1e-5)
    assert f(G.generator_loss(fl, "minimax")) == pytest.approx(np.mean(np.log(1 - d_f)), rel=1e-5)
    assert f(G.discriminator_loss(rl, fl, "hinge")) == pytest.approx(
        np.mean(np.maximum(0, 1 - rl)) + np.mean(np.maximum(0, 1 + fl)), rel=1e-5
    )
    assert f(G.discriminator_loss(rl, fl, "wgan-gp")) == pytest.approx(
        fl.mean() - rl.mean(), rel=1e-5
    )
    assert f(G.generator_loss(fl, "hinge")) == pytest.approx(-fl.mean(), rel=1e-5)


def test_optimal_discriminator_formula():
    np.testing.assert_allclose(
        G.optimal_discriminator([1.0, 0.0, 3.0, 0.0], [1.0, 2.0, 1.0, 0.0]), [0.5, 0.0, 0.75, 0.5]
    )


def test_trained_discriminator_approaches_optimal_one():
    """Fixed G: p_g = N(-1, 1); data N(1, 1). Then D*(x) = sigmoid(2x)."""
    keras.utils.set_random_seed(1)
    z_in = keras.Input((1,))
    shift = keras.layers.Dense(1, trainable=False, name="fixed_shift")
    gen = keras.Model(z_in, shift(z_in))
    shift.set_weights([np.ones((1, 1), "float32"), np.array([-1.0], "float32")])
    gan = G.GAN(gen, G.build_mlp_discriminator(1, 16), images=False, seed=1)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-3))
    real = np.random.default_rng(1).normal(1.0, 1.0, size=(8192, 1)).astype("float32")
    before = _snapshot(gan.discriminator)
    gan.fit(real, epochs=6, batch_size=256, verbose=0)
    assert _changed(before, gan.discriminator)
    grid = np.linspace(-2.0, 2.0, 41, dtype="float32")[:, None]

    def p(x, m):
        return np.exp(-0.5 * (x - m) ** 2) / np.sqrt(2 * np.pi)

    target = G.optimal_discriminator(p(grid[:, 0], 1.0), p(grid[:, 0], -1.0))
    np.testing.assert_allclose(gan.discriminate(grid), target, atol=0.08)


# --- training -------------------------------------------------------------


@pytest.mark.parametrize("loss", ["nonsaturating", "wgan-gp"])
def test_one_step_changes_both_networks(loss):
    gan = _small_gan(loss=loss, d_steps=2 if loss == "wgan-gp" else 1)
    g0, d0 = _snapshot(gan.generator), _snapshot(gan.discriminator)
    hist = gan.fit(_images(32), epochs=1, batch_size=32, verbose=0).history
    assert _changed(g0, gan.generator) and _changed(d0, gan.discriminator)
    assert all(np.isfinite(v[-1]) for v in hist.values())
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(hist)
    if loss == "nonsaturating":
        assert 0.0 < hist["d_real"][0] < 1.0 and 0.0 < hist["d_fake"][0] < 1.0


def test_conditional_step_and_sampling_by_label():
    gan = _small_gan(conditional=True, label_smoothing=0.1)
    gan.fit(_images(32), np.arange(32) % 10, epochs=1, batch_size=32, verbose=0)
    x = gan.sample(5, labels=[3, 3, 3, 7, 7], seed=2)
    assert x.shape == (5, 28, 28, 1) and x.dtype == np.float32
    # Samples are the generator's tanh outputs mapped to [0, 1]: (g + 1) / 2 on the same noise.
    z = np.random.default_rng(2).standard_normal((5, gan.latent_dim)).astype("float32")
    raw = keras.ops.convert_to_numpy(
        gan.sampling_generator([z, np.array([3, 3, 3, 7, 7])], training=False)
    )
    np.testing.assert_allclose(x, (raw + 1.0) / 2.0, atol=1e-5)
    # same noise, different label -> different image
    z = np.random.default_rng(0).standard_normal((1, 8)).astype("float32")
    assert not np.allclose(gan.generate(z, [1]), gan.generate(z, [8]))


def test_monitor_records_every_epoch_and_time_limit_stops():
    gan = _small_gan()
    mon, limit = G.GANMonitor(num_samples=4), G.TimeLimit(1e-6)
    gan.fit(_images(64), epochs=3, batch_size=16, verbose=0, callbacks=[mon, limit])
    assert limit.steps_done == 1 and len(mon.samples) == 2  # before training + 1 epoch
    assert mon.samples[0].shape == (4, 28, 28, 1)
    assert len(mon.history["epoch_seconds"]) == 1


# --- gradient penalty -----------------------------------------------------


def _linear_critic(w):
    inp = keras.Input((4,))
    dense = keras.layers.Dense(1, name="w")
    critic = keras.Model(inp, dense(inp))
    dense.set_weights([np.asarray(w, "float32").reshape(4, 1), np.zeros(1, "float32")])
    return critic


def _penalty(critic, real, fake):
    x_hat = G.interpolate(
        keras.ops.convert_to_tensor(real), keras.ops.convert_to_tensor(fake), seed=0
    )
    grads = gk.backend.input_gradient(critic, x_hat)
    return float(keras.ops.convert_to_numpy(G.gradient_penalty(grads)))


def test_gradient_penalty_zero_for_1_lipschitz_linear_critic():
    rng = np.random.default_rng(0)
    real, fake = (
        rng.normal(size=(16, 4)).astype("float32"),
        rng.normal(size=(16, 4)).astype("float32"),
    )
    unit = _linear_critic([0.5, 0.5, 0.5, 0.5])  # ||w|| = 1
    steep = _linear_critic([3.0, 0.0, 4.0, 0.0])  # ||w|| = 5 -> (5 - 1)^2 = 16
    assert _penalty(unit, real, fake) == pytest.approx(0.0, abs=1e-5)
    assert _penalty(steep, real, fake) == pytest.approx(16.0, rel=1e-4)


def test_interpolate_lies_between_real_and_fake():
    real, fake = np.ones((64, 3), "float32"), np.zeros((64, 3), "float32")
    x_hat = keras.ops.convert_to_numpy(
        G.interpolate(keras.ops.convert_to_tensor(real), keras.ops.convert_to_tensor(fake), seed=1)
    )
    eps = x_hat[:, 0]
    assert np.all((eps >= 0) & (eps <= 1)) and np.allclose(x_hat, eps[:, None])  # one eps per row
    assert 0.3 < eps.mean() < 0.7


def test_input_gradient_of_a_quadratic():
    x = keras.ops.convert_to_tensor(np.array([[1.0, -2.0], [0.5, 3.0]], "float32"))
    g = keras.ops.convert_to_numpy(gk.backend.input_gradient(lambda v: v**2, x))
    np.testing.assert_allclose(g, 2 * keras.ops.convert_to_numpy(x), rtol=1e-6)


# --- sampling, save / load ------------------------------------------------


def test_sample_is_reproducible_with_seed():
    gan = _small_gan()
    a, b = gan.sample(6, seed=3), gan.sample(6, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (6, 28, 28, 1) and a.min() >= 0.0 and a.max() <= 1.0


@pytest.mark.parametrize("name", ["dcgan", "conditional_gan", "self_conditioned_gan"])
def test_conditional_is_the_recipes_answer(name):
    recipe = gk.recipes.get(name, fast=True)
    sampler = G.build_sampler(recipe)
    assert sampler.conditional is recipe.conditional is (name == "conditional_gan")
    with pytest.raises(ValueError, match="sampling only"):
        sampler.compile()


def test_config_round_trip():
    gan = _small_gan(
        conditional=True, loss="hinge", d_steps=3, gp_weight=2.5, ema_decay=0.9, split_batch=True
    )
    config = gan.get_config()
    expected = dict(
        loss="hinge",
        label_smoothing=0.0,
        d_steps=3,
        gp_weight=2.5,
        images=True,
        num_classes=10,
        ema_decay=0.9,
        seed=0,
        split_batch=True,
        name="gan",
    )
    assert {k: config[k] for k in expected} == expected
    assert set(config) == {*expected, "generator", "discriminator"}
    clone = G.GAN.from_config(copy.deepcopy(config))
    assert {k: clone.get_config()[k] for k in expected} == expected
    assert clone.ema_generator is not None and clone.split_batch
    smoothed = G.GAN.from_config(_small_gan(label_smoothing=0.2).get_config())
    assert (smoothed.label_smoothing, smoothed.loss_name) == (0.2, "nonsaturating")


def test_interpolation_endpoints_and_norm():
    a, b = np.ones(8), -np.arange(8.0)
    path = G.interpolate_latents(a, b, steps=5)
    assert path.shape == (5, 8) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], a, atol=1e-6)
    np.testing.assert_allclose(path[-1], b, atol=1e-6)
    # slerp between vectors of equal norm keeps that norm; a straight line does not.
    u, v = np.eye(8)[0] * 3.0, np.eye(8)[1] * 3.0
    arc = G.interpolate_latents(u, v, steps=7)
    np.testing.assert_allclose(np.linalg.norm(arc, axis=1), 3.0, rtol=1e-5)
    np.testing.assert_allclose(arc[3], (u + v) / np.sqrt(2.0), atol=1e-5)
    line = G.interpolate_latents(u, v, steps=3, spherical=False)
    np.testing.assert_allclose(line[1], (u + v) / 2.0, atol=1e-6)
    # Nearly parallel vectors fall back to the straight line (no division by sin 0).
    np.testing.assert_allclose(G.interpolate_latents(u, u, steps=3), [u, u, u], atol=1e-6)


# --- bad input ------------------------------------------------------------


def test_bad_inputs_raise_clear_errors():
    gan = _small_gan()
    with pytest.raises(ValueError, match=r"Noise must have shape \(n, 8\)"):
        gan.generate(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="must have shape"):
        gan.fit(np.zeros((4, 28, 28, 3), "float32"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="divide by 255"):
        gan.fit(np.full((4, 28, 28, 1), 255.0, "float32"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="unconditional"):
        gan.fit(_images(4), np.zeros(4, "int64"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="takes no labels"):
        gan.sample(2, labels=[1, 2])
    with pytest.raises(ValueError, match="Unknown GAN loss 'wasserstein'"):
        G.GAN(G.build_generator(8, 16), G.build_discriminator(8), loss="wasserstein")
    with pytest.raises(ValueError, match="label_smoothing only applies"):
        G.GAN(G.build_generator(8, 16), G.build_discriminator(8), loss="hinge", label_smoothing=0.1)
    with pytest.raises(ValueError, match="must match"):
        G.GAN(G.build_mlp_generator(4, 2), G.build_mlp_discriminator(3), images=False)
    with pytest.raises(ValueError, match="both take labels"):
        G.GAN(G.build_generator(8, 16, num_classes=10), G.build_discriminator(8))
    with pytest.raises(ValueError, match="compile"):
        G.GAN(G.build_generator(8, 16), G.build_discriminator(8)).fit(_images(4))
    with pytest.raises(ValueError, match="Expected a GAN recipe"):
        G.build(gk.recipes.get("vae"))
    cgan = _small_gan(conditional=True)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\]"):
        cgan.sample(2, labels=[3, 10])
    with pytest.raises(ValueError, match="needs the labels"):
        cgan.fit(_images(4), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="d_steps must be an integer >= 1"):
        G.GAN(G.build_generator(8, 16), G.build_discriminator(8), d_steps=0)


# --- weight averaging (EMA) -------------------------------------------------


def test_ema_generator_is_the_documented_average_after_one_step():
    gan = _small_gan(ema_decay=0.999)
    w0 = [np.array(w) for w in gan.ema_generator.weights]
    assert w0 and all(
        np.allclose(a, np.array(b)) for a, b in zip(w0, gan.generator.weights, strict=True)
    )
    gan.fit(_images(32), epochs=1, batch_size=32, verbose=0)
    # first update: d = min(0.999, (1 + 0) / (10 + 0)) = 0.1
    for before, ema, raw in zip(w0, gan.ema_generator.weights, gan.generator.weights, strict=True):
        np.testing.assert_allclose(
            np.array(ema), 0.1 * before + 0.9 * np.array(raw), rtol=1e-5, atol=1e-6
        )
    assert int(np.array(gan.ema_updates)) == 1
    assert any(
        not np.allclose(np.array(a), np.array(b))
        for a, b in zip(gan.ema_generator.weights, gan.generator.weights, strict=True)
    )
    z = np.random.default_rng(0).standard_normal((4, gan.latent_dim)).astype("float32")
    expected = (keras.ops.convert_to_numpy(gan.ema_generator(z, training=False)) + 1) / 2
    np.testing.assert_allclose(gan.generate(z), np.clip(expected, 0, 1), atol=1e-6)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2.0])
def test_ema_decay_out_of_range_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="ema_decay must be in"):
        _small_gan(ema_decay=bad)


def test_default_learning_rate_decays_linearly_to_zero_over_the_run():
    recipe = gk.recipes.get("dcgan", fast=False)
    gan = G.build(recipe, total_steps=10)
    peak = recipe.optimizer["learning_rate"]
    for opt in (gan.d_optimizer, gan.g_optimizer):
        for step, expected in ((0, peak), (5, peak / 2), (10, 0.0)):
            opt.iterations.assign(step)
            assert float(keras.ops.convert_to_numpy(opt.learning_rate)) == pytest.approx(
                expected, abs=1e-9
            )
    constant = G.build(recipe)  # no total_steps: constant learning rate
    constant.d_optimizer.iterations.assign(1000)
    assert float(keras.ops.convert_to_numpy(constant.d_optimizer.learning_rate)) == pytest.approx(
        peak
    )
    assert gan.ema_generator is not None and gan.sampling_generator is gan.ema_generator


def test_bad_schedule_and_batch_norm_critic_are_clear_errors():
    with pytest.raises(ValueError, match="total_steps"):
        G.build(gk.recipes.get("dcgan"), total_steps=0)
    with pytest.raises(ValueError, match="without batch normalisation"):
        G.GAN(G.build_generator(8, 16), G.build_discriminator(8, batch_norm=True), loss="wgan-gp")
    gan = G.GAN(G.build_generator(8, 16), G.build_discriminator(8, batch_norm=True))
    assert any("_bn" in layer.name for layer in gan.discriminator.layers)


# --- every backend: both optimizers step, both keep their state ---------------------


@pytest.mark.parametrize(("loss", "d_steps"), [("nonsaturating", 1), ("wgan-gp", 2)])
def test_fit_updates_both_optimizers_and_their_moments(loss, d_steps):
    gan = _small_gan(loss=loss, d_steps=d_steps, ema_decay=0.9)
    gan.fit(_images(64), epochs=2, batch_size=16, verbose=0)  # 4 steps per epoch
    steps = 2 * 4
    assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations)) == steps
    assert int(keras.ops.convert_to_numpy(gan.d_optimizer.iterations)) == d_steps * steps
    assert int(keras.ops.convert_to_numpy(gan.ema_updates)) == steps
    for opt in (gan.d_optimizer, gan.g_optimizer):  # every kernel's first moment moved
        # (kernels only: under the Wasserstein loss the critic's output bias has gradient 0)
        moments = [
            np.abs(keras.ops.convert_to_numpy(v)).sum()
            for v in opt.variables
            if "momentum" in v.path and "kernel" in v.path
        ]
        assert moments and all(m > 0 for m in moments)
    assert gan.optimizer.variables == list(gan.d_optimizer.variables) + list(
        gan.g_optimizer.variables
    )


def test_losses_go_down_for_a_discriminator_that_can_win():
    """With the generator frozen (lr 0), the discriminator's loss must fall."""
    gan = _small_gan()
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-3), g_optimizer=keras.optimizers.Adam(0.0))
    hist = gan.fit(_images(256), epochs=4, batch_size=32, verbose=0).history
    assert hist["d_loss"][-1] < hist["d_loss"][0]


def test_conditional_sample_without_labels_draws_digits_in_turn():
    gan = _small_gan(conditional=True)
    z = np.random.default_rng(5).standard_normal((12, 8)).astype("float32")
    np.testing.assert_array_equal(gan.generate(z), gan.generate(z, np.arange(12) % 10))
    assert isinstance(gan, gk.protocol.GenerativeModel) and gan.conditional


def test_train_from_recipe_returns_history():
    recipe = gk.recipes.get("dcgan", fast=True).replace(
        limit=256, batch_size=64, latent_dim=8, g_channels=16, d_channels=8
    )
    gan, history = G.train(recipe)
    assert set(history) >= {"d_loss", "g_loss"} and len(history["d_loss"]) == 1
    assert gan.sample(3, seed=0).shape == (3, 28, 28, 1)
