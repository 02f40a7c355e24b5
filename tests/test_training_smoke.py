"""Every family trains on the current Keras backend and its loss goes down.

CI runs this file under TensorFlow, JAX and PyTorch (``KERAS_BACKEND``). Tiny models,
a few steps each, compiled as outside fast mode: fast mode skips XLA on TensorFlow
(:func:`genai_keras.backend.default_jit_compile`), so these tests are where the XLA-compiled
GAN and text training steps run on TensorFlow.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import genai_keras as gk
from genai_keras import backend
from genai_keras.models import autoregressive as ar
from genai_keras.models import gan as G
from genai_keras.models import pixel
from genai_keras.models import vae as V


@pytest.fixture(autouse=True)
def _compile_as_outside_fast_mode(monkeypatch):
    """The recipes below are explicitly tiny; compilation follows the default mode (XLA)."""
    monkeypatch.setenv(gk.config.FAST_ENV_VAR, "0")


def test_fast_mode_skips_xla_on_tensorflow_only(monkeypatch):
    with_xla = {"tensorflow": True, "jax": True, "torch": False}[backend.name()]
    assert backend.default_jit_compile() is with_xla  # the fixture: not fast mode
    monkeypatch.setenv(gk.config.FAST_ENV_VAR, "1")
    assert backend.default_jit_compile() is (backend.name() == "jax")


def _digits(n=512):
    return gk.data.load_mnist("train", limit=n)


def test_pixel_mixture_em_objective_rises():
    x, _ = gk.data.load_mnist("train", binarize="static", limit=512, seed=1)
    model, history = pixel.train(gk.recipes.get("bernoulli_mixture", fast=True), x)
    assert history["objective"][-1] > history["objective"][0]
    assert isinstance(model, gk.protocol.GenerativeModel)


def test_vae_loss_goes_down():
    x, _ = _digits()
    recipe = gk.recipes.get("vae", fast=True).replace(epochs=3, batch_size=64, latent_dim=4)
    model, history = V.train(recipe, x)
    assert history["loss"][-1] < history["loss"][0]
    assert model.sample(2, seed=0).shape == (2, 28, 28, 1)


def test_gan_discriminator_loss_goes_down_and_generator_moves():
    x, _ = _digits(256)
    keras.utils.set_random_seed(0)
    gan = G.GAN(G.build_generator(8, 16), G.build_discriminator(8), seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-3), g_optimizer=keras.optimizers.Adam(1e-4))
    before = [np.array(w) for w in gan.generator.trainable_weights]
    history = gan.fit(x, epochs=3, batch_size=32, verbose=0).history
    assert gan.jit_compile is (backend.name() in ("tensorflow", "jax"))  # XLA, as by default
    assert history["d_loss"][-1] < history["d_loss"][0]
    assert any(
        not np.allclose(a, np.array(b))
        for a, b in zip(before, gan.generator.trainable_weights, strict=True)
    )


def test_wgan_gp_trains_with_its_penalty():
    x, _ = _digits(128)
    keras.utils.set_random_seed(0)
    gan = G.GAN(
        G.build_generator(8, 16), G.build_discriminator(8), loss="wgan-gp", d_steps=2, seed=0
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9),
    )
    history = gan.fit(x, epochs=3, batch_size=32, verbose=0).history
    assert history["gp"][-1] < history["gp"][0]  # the critic learns to respect the constraint
    assert all(np.isfinite(v).all() for v in history.values())


def test_text_model_loss_goes_down():
    text = gk.data.load_text("tinyshakespeare")[:20_000]
    recipe = gk.recipes.get("char_transformer", fast=True).replace(
        steps=40, context_length=16, embed_dim=32
    )
    model, curves = ar.train(recipe, text=text, evals=2, val_windows=8)
    assert model.jit_compile is (backend.name() in ("tensorflow", "jax"))  # XLA, as by default
    assert curves["loss"][-1] < curves["loss"][0]
    assert len(model.sample(1, seed=0, length=5)[0]) == 5


def test_flow_matching_both_stages_train_and_the_loss_goes_down():
    from genai_keras.models import diffusion

    x, y = _digits()
    recipe = gk.recipes.get("guided_flow_matching", fast=True).replace(
        epochs=4, ae_epochs=2, width=64, depth=1, batch_size=64, limit=512
    )
    model, history = diffusion.train(recipe, images=x, labels=y)
    assert history["autoencoder_loss"][-1] < history["autoencoder_loss"][0]
    assert history["loss"][-1] < history["loss"][0]
    assert isinstance(model, gk.protocol.GenerativeModel) and model.conditional
    assert model.sample(2, labels=[3, 4], seed=0, steps=2).shape == (2, 28, 28, 1)
