"""genai_keras.losses against closed forms written here in NumPy/SciPy (fast: no model is
trained), so that the mutation run of ``benchmarks/mutation.py`` can check every line."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from scipy import special

from genai_keras import losses

RNG = np.random.default_rng(0)


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


def test_bernoulli_nll_is_the_summed_binary_cross_entropy_per_image():
    targets = (RNG.uniform(size=(3, 28, 28, 1)) < 0.4).astype("float32")
    logits = RNG.normal(0, 3, size=(3, 28, 28, 1)).astype("float32")
    p = special.expit(logits.astype(np.float64))
    expected = -np.sum(targets * np.log(p) + (1 - targets) * np.log1p(-p), axis=(1, 2, 3))
    got = losses.bernoulli_nll_from_logits(targets, logits)
    assert got.shape == (3,)
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_kl_to_standard_normal_closed_form():
    mu = RNG.normal(size=(4, 3)).astype("float32")
    log_var = RNG.normal(size=(4, 3)).astype("float32")
    expected = 0.5 * np.sum(mu**2 + np.exp(log_var) - 1.0 - log_var, axis=1)
    np.testing.assert_allclose(losses.kl_to_standard_normal(mu, log_var), expected, rtol=1e-5)
    np.testing.assert_allclose(losses.kl_to_standard_normal(np.zeros((2, 3)), np.zeros((2, 3))), 0)


def test_negative_elbo_is_reconstruction_plus_beta_kl():
    targets = (RNG.uniform(size=(2, 28, 28, 1)) < 0.5).astype("float32")
    logits = RNG.normal(size=(2, 28, 28, 1)).astype("float32")
    mu, log_var = RNG.normal(size=(2, 4)), RNG.normal(size=(2, 4))
    loss, rec, kl = losses.negative_elbo(targets, logits, mu, log_var, beta=2.5)
    np.testing.assert_allclose(rec, losses.bernoulli_nll_from_logits(targets, logits), rtol=1e-6)
    np.testing.assert_allclose(kl, losses.kl_to_standard_normal(mu, log_var), rtol=1e-6)
    np.testing.assert_allclose(loss, rec + 2.5 * kl, rtol=1e-5)
    default, _, _ = losses.negative_elbo(targets, logits, mu, log_var)
    np.testing.assert_allclose(default, rec + kl, rtol=1e-5)


REAL = np.array([[2.0], [-1.0], [0.5]], "float32")
FAKE = np.array([[-3.0], [0.0], [1.5], [2.0]], "float32")


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x.astype(np.float64))


@pytest.mark.parametrize("loss", ["nonsaturating", "minimax"])
def test_cross_entropy_discriminator_loss(loss):
    expected = -np.mean(_log_sigmoid(REAL)) - np.mean(_log_sigmoid(-FAKE))
    assert float(losses.discriminator_loss(REAL, FAKE, loss)) == pytest.approx(expected, 1e-5)
    assert float(losses.discriminator_loss(REAL, FAKE)) == pytest.approx(expected, 1e-5)
    # One-sided label smoothing: the real target is 0.9.
    smooth = -np.mean(0.9 * _log_sigmoid(REAL) + 0.1 * _log_sigmoid(-REAL)) - np.mean(
        _log_sigmoid(-FAKE)
    )
    got = float(losses.discriminator_loss(REAL, FAKE, loss, label_smoothing=0.1))
    assert got == pytest.approx(smooth, rel=1e-5)


def test_hinge_and_wasserstein_discriminator_losses():
    hinge = np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE))
    assert float(losses.discriminator_loss(REAL, FAKE, "hinge")) == pytest.approx(hinge, 1e-6)
    wgan = np.mean(FAKE) - np.mean(REAL)
    assert float(losses.discriminator_loss(REAL, FAKE, "wgan-gp")) == pytest.approx(wgan, 1e-6)


def test_generator_losses():
    assert float(losses.generator_loss(FAKE)) == pytest.approx(-np.mean(_log_sigmoid(FAKE)), 1e-5)
    minimax = np.mean(_log_sigmoid(-FAKE))  # log(1 - D) = log sigmoid(-l)
    assert float(losses.generator_loss(FAKE, "minimax")) == pytest.approx(minimax, 1e-5)
    for loss in ("hinge", "wgan-gp"):
        assert float(losses.generator_loss(FAKE, loss)) == pytest.approx(-np.mean(FAKE), 1e-6)


def test_unknown_gan_loss_is_named():
    with pytest.raises(ValueError, match="Unknown GAN loss 'ls'; choose one of nonsaturating, "):
        losses.generator_loss(FAKE, "ls")
    with pytest.raises(ValueError, match="Unknown GAN loss 'ls'"):
        losses.discriminator_loss(REAL, FAKE, "ls")
    assert losses.check_gan_loss("hinge") == "hinge"


def test_interpolate_draws_one_point_per_example_on_the_segment():
    real = np.ones((500, 2, 3), "float32")
    fake = np.zeros((500, 2, 3), "float32")
    x = _np(losses.interpolate(real, fake, seed=0))
    assert x.shape == (500, 2, 3)
    eps = x[:, 0, 0]
    np.testing.assert_allclose(x, np.broadcast_to(eps[:, None, None], x.shape))  # one eps each
    assert eps.min() >= 0.0 and eps.max() <= 1.0
    assert eps.mean() == pytest.approx(0.5, abs=0.05) and eps.std() == pytest.approx(0.289, 0.15)
    real2 = np.full((500, 2, 3), 3.0, "float32")
    x2 = _np(losses.interpolate(real2, fake + 1.0, seed=0))  # eps * 3 + (1 - eps) * 1
    np.testing.assert_allclose(x2[:, 0, 0], 1.0 + 2.0 * eps, rtol=1e-5)


def test_gradient_penalty():
    unit = np.zeros((3, 4, 4, 1), "float32")
    unit[:, 0, 0, 0] = 1.0
    assert float(losses.gradient_penalty(unit)) == pytest.approx(0.0, abs=1e-6)
    g = RNG.normal(size=(5, 2, 3)).astype("float32")
    norms = np.sqrt(np.sum(g.reshape(5, -1) ** 2, axis=1))
    got = float(losses.gradient_penalty(g))
    assert got == pytest.approx(np.mean((norms - 1.0) ** 2), rel=1e-5)
    assert float(losses.gradient_penalty(np.zeros((2, 3), "float32"))) == pytest.approx(1.0, 1e-5)


def test_causal_lm_loss_is_the_mean_next_character_cross_entropy():
    logits = RNG.normal(size=(2, 3, 5)).astype("float32")
    ids = np.array([[0, 4, 2], [1, 1, 3]])
    log_probs = logits - special.logsumexp(logits, axis=-1, keepdims=True)
    expected = -np.mean(np.take_along_axis(log_probs, ids[..., None], axis=-1))
    assert float(losses.causal_lm_loss(ids, logits)) == pytest.approx(expected, rel=1e-5)
