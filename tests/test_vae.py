"""Tests for genai_keras.models.vae (chapter 02): math, training, save/load, errors."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from keras import ops

import genai_keras as gk
from genai_keras import families, recipes
from genai_keras.models import vae as V
from genai_keras.protocol import GenerativeModel, has_likelihood

SMALL = dict(encoder_filters=(8, 16), decoder_filters=(16, 8), hidden_units=64)
SMALL_RECIPE = dict(SMALL, decoder_hidden_units=64)


@pytest.fixture(scope="module")
def mnist():
    x, y = gk.data.load_mnist("train", limit=4096)
    xs, ys = gk.data.load_mnist("test", binarize="static", limit=128)
    return x, y, xs, ys


@pytest.fixture(scope="module")
def trained_vae(mnist):
    """A small VAE trained for two quick epochs on 4,096 real digits."""
    x = mnist[0]
    gk.set_seed(0)
    model = V.VAE(latent_dim=8, seed=0, **SMALL)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    model.fit(x, epochs=2, batch_size=256, verbose=0)
    return model


def test_closed_form_kl_matches_monte_carlo():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(3, 4)).astype(np.float32)
    log_var = rng.normal(scale=0.5, size=(3, 4)).astype(np.float32)
    closed = ops.convert_to_numpy(V.kl_to_standard_normal(mean, log_var))
    n = 200_000
    eps = rng.standard_normal((n, 3, 4))
    z = mean + np.exp(0.5 * log_var) * eps
    log_q = -0.5 * np.sum(eps**2 + log_var + math.log(2 * math.pi), axis=-1)
    log_p = -0.5 * np.sum(z**2 + math.log(2 * math.pi), axis=-1)
    diff = log_q - log_p
    mc, se = diff.mean(axis=0), diff.std(axis=0) / math.sqrt(n)
    assert closed.shape == (3,)
    np.testing.assert_array_less(np.abs(closed - mc), 4 * se + 1e-3)
    assert np.all(closed > 0)


def test_outputs_and_shapes(trained_vae, mnist):
    x = mnist[0][:16]
    out = trained_vae(x, training=True)
    assert set(out) == {"targets", "z_mean", "z_log_var", "z", "logits"}
    targets = ops.convert_to_numpy(out["targets"])
    assert set(np.unique(targets)) <= {0.0, 1.0}, "training inputs are dynamically binarised"
    assert ops.convert_to_numpy(out["z"]).shape == (16, 8)
    mean, log_var = trained_vae.encode(x)
    assert mean.shape == log_var.shape == (16, 8)
    for images in (
        trained_vae.sample(5, seed=1),
        trained_vae.reconstruct(x[:5]),
        trained_vae.interpolate(x[0], x[1], steps=5),
    ):
        assert images.shape == (5, 28, 28, 1) and images.dtype == np.float32
        assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_array_equal(trained_vae.sample(3, seed=7), trained_vae.sample(3, seed=7))
    ends = trained_vae.interpolate(x[0], x[1], steps=4)
    np.testing.assert_allclose(ends[[0, -1]], trained_vae.reconstruct(x[:2]), atol=1e-5)


def test_elbo_below_iwae_and_iwae_rises_with_k(trained_vae, mnist):
    xs = mnist[2]
    elbo = trained_vae.elbo(xs, num_samples=1, seed=0)
    iwae = {k: trained_vae.log_likelihood(xs, num_samples=k, seed=1) for k in (1, 10, 100)}
    assert elbo.shape == iwae[100].shape == (len(xs),)
    assert np.all(elbo < 0) and np.all(iwae[100] < 0), "log-probabilities of binary images"
    assert elbo.mean() <= iwae[100].mean()
    assert iwae[1].mean() < iwae[10].mean() < iwae[100].mean()
    # k = 1 importance sampling is an unbiased ELBO estimate: close to the ELBO on average.
    assert abs(iwae[1].mean() - trained_vae.elbo(xs, num_samples=20, seed=2).mean()) < 3.0


def test_iwae_chunking_does_not_change_the_estimate(trained_vae, mnist):
    xs = mnist[2][:10]
    a = trained_vae.log_likelihood(xs, num_samples=50, seed=3, max_decode=5000)
    b = trained_vae.log_likelihood(xs, num_samples=50, seed=3, max_decode=7)
    np.testing.assert_allclose(a, b, rtol=1e-5)


def test_training_steps_lower_the_loss(mnist):
    x, xs = mnist[0][:1024], mnist[2]
    gk.set_seed(1)
    model = V.VAE(latent_dim=4, seed=1, **SMALL)
    before = -model.elbo(xs, seed=0).mean()
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(x, epochs=3, batch_size=128, verbose=0).history
    after = -model.elbo(xs, seed=0).mean()
    assert set(history) >= {"loss", "reconstruction", "kl"}
    assert history["loss"][-1] < history["loss"][0]
    assert after < before - 50, (before, after)
    np.testing.assert_allclose(
        np.array(history["loss"]),
        np.array(history["reconstruction"]) + np.array(history["kl"]),
        rtol=1e-4,
    )


def test_beta_weights_the_kl_term(mnist):
    x = mnist[0][:64]
    losses = []
    for beta in (0.0, 1.0, 4.0):
        model = V.VAE(latent_dim=4, beta=beta, seed=5, dynamic_binarization=False, **SMALL)
        out = model(x, training=False)
        losses.append(float(model.compute_loss(x=x, y_pred=out)))
        kl = float(model.kl_tracker.result())
        rec = float(model.reconstruction_tracker.result())
        np.testing.assert_allclose(losses[-1], rec + beta * kl, rtol=1e-5)


def test_save_load_round_trip(trained_vae, mnist, tmp_path):
    x = mnist[0][:20]
    path = tmp_path / "vae.keras"
    trained_vae.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is V.VAE and loaded.get_config() == trained_vae.get_config()
    np.testing.assert_array_equal(loaded.reconstruct(x), trained_vae.reconstruct(x))
    np.testing.assert_array_equal(loaded.sample(4, seed=3), trained_vae.sample(4, seed=3))


def test_train_recipe_small_run(mnist):
    recipe = recipes.get("vae", fast=True).replace(
        latent_dim=2, epochs=1, batch_size=256, learning_rate=1e-3, **SMALL_RECIPE
    )
    model, history = V.train(recipe, mnist[0][:512])
    schedule = model.optimizer.get_config()["learning_rate"]["config"]
    assert schedule["initial_learning_rate"] == pytest.approx(1e-3)  # recipe.optimizer
    assert schedule["decay_steps"] == 2
    assert type(model) is V.VAE and model.latent_dim == 2 and not model.conditional
    assert model.encoder_filters == (8, 16) and model.hidden_units == 64
    assert model.recipe is recipe
    assert set(history) >= {"loss", "reconstruction", "kl"} and len(history["loss"]) == 1
    assert int(model.optimizer.iterations) == 2  # 512 images / 256 per batch, one epoch
    assert np.isfinite(history["loss"][0])
    assert isinstance(model, GenerativeModel) and has_likelihood(model)


def test_train_recipe_loads_limit_training_digits_by_default():
    recipe = recipes.get("vae_2d").replace(limit=256, epochs=1, batch_size=128, **SMALL_RECIPE)
    model, history = V.train(recipe)
    assert int(model.optimizer.iterations) == 2, "256 digits in batches of 128: 2 steps"
    assert model.latent_dim == 2 and len(history["kl"]) == 1
    # The family table trains the same family.
    model2, _ = families.train(recipe)
    assert type(model2) is V.VAE and model2.get_config() == model.get_config()


def test_build_follows_the_recipe():
    recipe = recipes.get("vae")
    model = V.build(recipe.replace(beta=4.0, latent_dim=3, **SMALL_RECIPE))
    assert type(model) is V.VAE and model.beta == 4.0 and model.latent_dim == 3
    assert model.seed == recipe.seed and model.dynamic_binarization
    assert not model.compiled, "build() returns the untrained, uncompiled model"
    cvae = V.build(recipes.get("conditional_vae").replace(**SMALL_RECIPE))
    assert type(cvae) is V.ConditionalVAE and cvae.num_classes == 10 and cvae.conditional
    assert cvae.latent_dim == recipes.RECIPES["conditional_vae"].model["latent_dim"]
    # build() leaves the global seeds alone (loading a checkpoint must not reseed a
    # notebook); train() seeds them with the recipe's seed first, so the same recipe gives
    # the same initial weights.
    state = np.random.get_state()[1].copy()
    V.build(recipe)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    gk.set_seed(recipe.seed)
    first = V.build(recipe.replace(beta=4.0, latent_dim=3, **SMALL_RECIPE))
    gk.set_seed(recipe.seed)
    again = V.build(recipe.replace(beta=4.0, latent_dim=3, **SMALL_RECIPE))
    assert first.get_weights()  # not an empty comparison
    for a, b in zip(first.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def trained_cvae():
    """A small conditional VAE, 2-D codes so the decoder must use the label (~10 s)."""
    x, y = gk.data.load_mnist("train", limit=10_000)
    recipe = recipes.get("conditional_vae").replace(
        latent_dim=2, epochs=3, batch_size=64, learning_rate=2e-3, **SMALL
    )
    model, history = V.train(recipe, x, y)
    assert set(history) >= {"loss", "reconstruction", "kl"} and len(history["loss"]) == 3
    return model


def test_conditional_vae_basics_and_save_load(trained_cvae, mnist, tmp_path):
    x, y = mnist[0][:10], mnist[1][:10]
    assert type(trained_cvae) is V.ConditionalVAE and trained_cvae.num_classes == 10
    assert trained_cvae.conditional and isinstance(trained_cvae, GenerativeModel)
    samples = trained_cvae.sample(10, labels=np.arange(10), seed=0)
    assert samples.shape == (10, 28, 28, 1) and 0 <= samples.min() <= samples.max() <= 1
    assert trained_cvae.sample(12).shape == (12, 28, 28, 1)  # default labels 0..9, 0, 1
    ll = trained_cvae.log_likelihood(mnist[2][:8], labels=mnist[3][:8], num_samples=20)
    assert ll.shape == (8,) and np.all(ll < 0)
    path = tmp_path / "cvae.keras"
    trained_cvae.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is V.ConditionalVAE and loaded.num_classes == 10
    np.testing.assert_array_equal(loaded.reconstruct(x, y), trained_cvae.reconstruct(x, y))


def test_conditional_samples_are_the_requested_digits(trained_cvae):
    net = gk.feature_net.load_feature_net()  # shipped: missing is a failure, not a skip
    labels = np.repeat(np.arange(10), 20)
    predicted = np.asarray(net.predict(trained_cvae.sample(len(labels), labels=labels, seed=0)))
    accuracy = float(np.mean(predicted == labels))
    assert accuracy > 0.25, f"samples match their label {accuracy:.0%} of the time (chance: 10%)"


def test_bad_inputs_raise_clear_errors(trained_vae, trained_cvae, mnist):
    x = mnist[0][:4]
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28, 1\)"):
        trained_vae.encode(np.zeros((4, 32, 32, 1), np.float32))
    with pytest.raises(ValueError, match=r"\(batch, 28, 28, 1\)"):
        trained_vae(np.zeros((2, 32, 32, 1), np.float32))
    with pytest.raises(ValueError, match=r"pixels in \[0, 1\].*divide by 255"):
        trained_vae.log_likelihood(x * 255.0, num_samples=2)
    small = recipes.get("vae", fast=True).replace(epochs=1, **SMALL_RECIPE)
    with pytest.raises(ValueError, match=r"pixels in \[0, 1\]"):
        V.train(small, x - 0.5)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\]"):
        trained_cvae.sample(2, labels=[3, 10])
    with pytest.raises(ValueError, match="entries but 4 were expected"):
        trained_cvae.encode(x, labels=[1, 2])
    with pytest.raises(ValueError, match="needs labels"):
        trained_cvae.reconstruct(x)
    with pytest.raises(ValueError, match="unconditional"):
        trained_vae.sample(2, labels=[1, 2])
    with pytest.raises(ValueError, match="beta must be a finite number >= 0"):
        V.VAE(latent_dim=2, beta=-1.0)
    with pytest.raises(ValueError, match="beta must be a finite number >= 0"):
        V.train(small.replace(beta=-0.5), x)
    with pytest.raises(ValueError, match=r"Recipe 'vae' has no setting 'betta'; known: .*beta"):
        small.replace(betta=4.0)
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        V.VAE(latent_dim=0)
    with pytest.raises(ValueError, match=r"codes must have shape \(N, 8\)"):
        trained_vae.decode(np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="num_samples must be an integer >= 1"):
        trained_vae.log_likelihood(x, num_samples=0)
    with pytest.raises(ValueError, match="image_b must be one 28x28 image"):
        trained_vae.interpolate(x[0], x[:2])
    with pytest.raises(ValueError, match="steps must be an integer >= 2"):
        trained_vae.interpolate(x[0], x[1], steps=1)
    with pytest.raises(ValueError, match="decoder filters must have 2 or 3 entries"):
        V.VAE(latent_dim=2, decoder_filters=(8,))
    conditional = recipes.get("conditional_vae", fast=True).replace(**SMALL_RECIPE)
    with pytest.raises(ValueError, match="is conditional: pass the labels"):
        V.train(conditional, x)
    with pytest.raises(ValueError, match="Labels without images"):
        V.train(small, labels=mnist[1][:4])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\]"):
        V.train(conditional, x, [0, 1, 2, 10])
    with pytest.raises(ValueError, match=r"Expected a VAE recipe.*'gan'"):
        V.train(recipes.get("dcgan"), x)
    with pytest.raises(ValueError, match=r"Expected a VAE recipe.*'dict'"):
        V.build(dict(latent_dim=2))


def test_likelihoods_reject_grey_images(trained_vae, trained_cvae, mnist):
    grey, binary = mnist[0][:4], mnist[2][:4]
    fix = r"binary images.*Bernoulli likelihood.*binarize='static'.*\(images > 0\.5\)"
    with pytest.raises(ValueError, match=r"VAE\.log_likelihood needs " + fix):
        trained_vae.log_likelihood(grey, num_samples=2)
    with pytest.raises(ValueError, match=r"VAE\.elbo needs " + fix):
        trained_vae.elbo(grey)
    with pytest.raises(ValueError, match=r"ConditionalVAE\.elbo needs binary images"):
        trained_cvae.elbo(grey, labels=mnist[1][:4])
    # One grey pixel is enough to be refused.
    almost = binary.copy()
    almost[0, 14, 14, 0] = 0.5
    with pytest.raises(ValueError, match=r"1 pixels lie strictly between 0 and 1 \(e\.g\. 0\.5\)"):
        trained_vae.log_likelihood(almost, num_samples=2)


def test_likelihoods_accept_binary_images_in_every_documented_form(trained_vae, mnist):
    grey, binary = mnist[0][:4], mnist[2][:4]
    # (N, 28, 28) gets a channel axis; booleans count as binary.
    np.testing.assert_allclose(
        trained_vae.elbo(binary[..., 0], seed=0), trained_vae.elbo(binary, seed=0)
    )
    np.testing.assert_allclose(
        trained_vae.log_likelihood(binary > 0.5, num_samples=5, seed=0),
        trained_vae.log_likelihood(binary, num_samples=5, seed=0),
    )
    # The fix the error message suggests works.
    ll = trained_vae.log_likelihood((grey > 0.5).astype("float32"), num_samples=5)
    assert ll.shape == (4,) and np.all(ll < 0)
