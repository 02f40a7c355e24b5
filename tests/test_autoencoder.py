"""Tests for genai_keras.models.autoencoder (chapter 02): encoder, decoder, autoencoder."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

import genai_keras as gk
from genai_keras.models import autoencoder as A


@pytest.fixture(scope="module")
def digits():
    return gk.data.load_mnist("train", limit=1024)[0]


def test_encoder_decoder_shapes_and_names():
    enc = A.ConvEncoder(latent_dim=3, filters=(4, 8), hidden_units=16, condition_dim=10)
    enc.build((None, 28, 28, 1))
    x = np.random.default_rng(0).random((5, 28, 28, 1)).astype(np.float32)
    mean, log_var = enc(x, np.eye(10, dtype=np.float32)[:5])
    assert tuple(mean.shape) == tuple(log_var.shape) == (5, 3)
    assert [w.path.split("/")[1] for w in enc.weights][:2] == ["enc_conv1", "enc_conv1"]
    for filters in ((8, 4), (8, 4, 4)):
        dec = A.ConvDecoder(latent_dim=3, filters=filters)
        dec.build((None, 3))
        assert tuple(dec(np.zeros((2, 3), np.float32)).shape) == (2, 28, 28, 1)
    with pytest.raises(ValueError, match="conditional: pass condition"):
        enc(x)


def test_bernoulli_nll_matches_numpy():
    rng = np.random.default_rng(1)
    t = rng.random((2, 28, 28, 1)).astype(np.float32)
    logits = rng.normal(size=(2, 28, 28, 1)).astype(np.float32)
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    expected = -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p), axis=(1, 2, 3))
    np.testing.assert_allclose(ops.convert_to_numpy(A.bernoulli_nll_from_logits(t, logits)),
                               expected, rtol=1e-5)


def test_autoencoder_trains_and_round_trips(digits, tmp_path):
    gk.set_seed(0)
    model = A.Autoencoder(latent_dim=4, encoder_filters=(8, 16), decoder_filters=(16, 8),
                          hidden_units=64)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(digits, epochs=3, batch_size=128, verbose=0).history["loss"]
    assert history[-1] < history[0] - 50
    codes = model.encode(digits[:6])
    assert codes.shape == (6, 4)
    rec, samples = model.reconstruct(digits[:6]), model.sample(6, seed=0)
    assert rec.shape == samples.shape == (6, 28, 28, 1)
    assert 0 <= rec.min() and rec.max() <= 1
    path = tmp_path / "ae.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is A.Autoencoder
    np.testing.assert_array_equal(loaded.reconstruct(digits[:6]), rec)


def test_autoencoder_bad_inputs(digits):
    model = A.Autoencoder(latent_dim=2, encoder_filters=(4, 8), decoder_filters=(8, 4),
                          hidden_units=8)
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        A.Autoencoder(latent_dim=0)
    with pytest.raises(ValueError, match="encoder filters must have 2 entries"):
        A.ConvEncoder(filters=(4, 8, 16))
    with pytest.raises(ValueError, match=r"pixels in \[0, 1\]"):
        model.encode(digits[:2] * 255)
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28, 1\)"):
        model.reconstruct(np.zeros((2, 14, 14, 1)))
    with pytest.raises(ValueError, match=r"codes must have shape \(N, 2\)"):
        model.decode(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="unconditional"):
        model.sample(2, labels=[0, 1])


def test_train_from_the_recipe(digits):
    recipe = gk.recipes.get("autoencoder", fast=True).replace(epochs=2, batch_size=128, latent_dim=4)
    model, history = A.train(recipe, digits)
    assert model.latent_dim == 4 and len(history["loss"]) == 2
    assert history["loss"][-1] < history["loss"][0]
    with pytest.raises(ValueError, match="Expected an autoencoder recipe"):
        A.train(gk.recipes.get("vae"), digits)
