"""Tests for genai_keras.models.conv and .autoencoder (chapter 02): encoder, decoder, model."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

import genai_keras as gk
from genai_keras.models import autoencoder as A
from genai_keras.models import conv


@pytest.fixture(scope="module")
def digits():
    return gk.data.load_mnist("train", limit=1024)[0]


def test_encoder_decoder_shapes_and_names():
    enc = conv.ConvEncoder(latent_dim=3, filters=(4, 8), hidden_units=16, condition_dim=10)
    enc.build((None, 28, 28, 1))
    x = np.random.default_rng(0).random((5, 28, 28, 1)).astype(np.float32)
    mean, log_var = enc(x, np.eye(10, dtype=np.float32)[:5])
    assert tuple(mean.shape) == tuple(log_var.shape) == (5, 3)
    assert [w.path.split("/")[1] for w in enc.weights][:2] == ["enc_conv1", "enc_conv1"]
    for filters in ((8, 4), (8, 4, 4)):
        dec = conv.ConvDecoder(latent_dim=3, filters=filters)
        dec.build((None, 3))
        assert tuple(dec(np.zeros((2, 3), np.float32)).shape) == (2, 28, 28, 1)
    with pytest.raises(ValueError, match="conditional: pass condition"):
        enc(x)


def test_decoder_resizes_then_convolves():
    """No stride-2 transposed convolutions (a checkerboard): upsampling, then convolutions."""
    for filters, names in (
        ((8, 4), ["dec_conv1", "dec_logits"]),
        ((8, 4, 4), ["dec_conv1", "dec_conv2", "dec_logits"]),
    ):
        dec = conv.ConvDecoder(latent_dim=3, filters=filters)
        dec.build((None, 3))
        layers = list(dec._flatten_layers(include_self=False))
        assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in layers)
        kernels = [w.path.split("/")[1] for w in dec.weights if w.path.endswith("kernel")]
        assert kernels == ["dec_project", *names]
    # A ones kernel on a constant map: every interior output pixel gets the same weight,
    # while a 3x3, stride-2 transposed convolution gives 1, 2 or 4 taps (the checkerboard).
    constant = np.ones((1, 6, 6, 1), np.float32)
    resized = keras.layers.Conv2D(1, 3, padding="same", use_bias=False, kernel_initializer="ones")(
        keras.layers.UpSampling2D(2)(constant)
    )
    np.testing.assert_array_equal(ops.convert_to_numpy(resized)[0, 3:9, 3:9, 0], 9.0)
    transposed = keras.layers.Conv2DTranspose(
        1, 3, strides=2, padding="same", use_bias=False, kernel_initializer="ones"
    )(constant)
    assert set(np.unique(ops.convert_to_numpy(transposed)[0, 3:9, 3:9, 0])) == {1.0, 2.0, 4.0}


def test_bernoulli_nll_matches_numpy():
    rng = np.random.default_rng(1)
    t = rng.random((2, 28, 28, 1)).astype(np.float32)
    logits = rng.normal(size=(2, 28, 28, 1)).astype(np.float32)
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    expected = -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p), axis=(1, 2, 3))
    np.testing.assert_allclose(
        ops.convert_to_numpy(A.bernoulli_nll_from_logits(t, logits)), expected, rtol=1e-5
    )


def test_autoencoder_trains_and_round_trips(digits, tmp_path):
    gk.set_seed(0)
    model = A.Autoencoder(
        latent_dim=4, encoder_filters=(8, 16), decoder_filters=(16, 8), hidden_units=64
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(digits, epochs=3, batch_size=128, verbose=0).history["loss"]
    assert history[-1] < history[0] - 50
    codes = model.encode(digits[:6])
    assert codes.shape == (6, 4)
    rec, samples = model.reconstruct(digits[:6]), model.sample(6, seed=0)
    assert rec.shape == samples.shape == (6, 28, 28, 1)
    # A reconstruction is the decoder's Bernoulli means (a sigmoid) of the digit's code.
    np.testing.assert_allclose(rec, model.decode(codes), rtol=1e-5, atol=1e-6)
    path = tmp_path / "ae.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is A.Autoencoder
    np.testing.assert_array_equal(loaded.reconstruct(digits[:6]), rec)


def test_autoencoder_bad_inputs(digits):
    model = A.Autoencoder(
        latent_dim=2, encoder_filters=(4, 8), decoder_filters=(8, 4), hidden_units=8
    )
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        A.Autoencoder(latent_dim=0)
    with pytest.raises(ValueError, match="encoder filters must have 2 entries"):
        conv.ConvEncoder(filters=(4, 8, 16))
    with pytest.raises(ValueError, match=r"pixels in \[0, 1\]"):
        model.encode(digits[:2] * 255)
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28, 1\)"):
        model.reconstruct(np.zeros((2, 14, 14, 1)))
    with pytest.raises(ValueError, match=r"codes must have shape \(N, 2\)"):
        model.decode(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="unconditional"):
        model.sample(2, labels=[0, 1])


def test_train_from_the_recipe(digits):
    recipe = gk.recipes.get("autoencoder", fast=True).replace(
        epochs=2, batch_size=128, latent_dim=4
    )
    model, history = A.train(recipe, digits)
    assert model.latent_dim == 4 and len(history["loss"]) == 2
    assert history["loss"][-1] < history["loss"][0]
    with pytest.raises(ValueError, match="Expected an autoencoder recipe"):
        A.train(gk.recipes.get("vae"), digits)
