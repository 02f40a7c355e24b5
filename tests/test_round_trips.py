"""Every model family round-trips through Keras: non-default settings survive
``get_config`` / ``from_config`` and a ``.keras`` save and load, and the reloaded model
computes exactly what the original did (the check Keras' own layer tests make).

The NumPy pixel models (no Keras weights) round-trip through their own ``save``/``load``.
"""

from __future__ import annotations

import copy
import json

import keras
import numpy as np
import pytest

from genai_keras.applications import models as app_models
from genai_keras.models import autoencoder, conv, gan, pixel
from genai_keras.models.autoregressive import blocks
from genai_keras.models.autoregressive.model import CharTransformer
from genai_keras.models.diffusion import networks as diffusion_networks
from genai_keras.models.diffusion.model import FlowMatching, LatentAutoencoder
from genai_keras.models.gan.clusters import ClusterPrior
from genai_keras.models.vae.model import VAE, ConditionalVAE
from genai_keras.text.vocabulary import CharVocabulary

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(size=(3, 28, 28, 1)).astype("float32")
BINARY = (RNG.uniform(size=(40, 28, 28, 1)) < 0.3).astype("float32")


def _perturb(model: keras.Model) -> None:
    """Move every trainable weight off its initial value (a reload that re-initialises one
    shows)."""
    rng = np.random.default_rng(1)
    for w in model.trainable_weights:
        value = keras.ops.convert_to_numpy(w)
        if np.issubdtype(value.dtype, np.floating):
            w.assign(value + 0.01 * rng.standard_normal(value.shape).astype(value.dtype))


def _plain(config: dict) -> dict:
    """The config as the `.keras` file stores it (JSON: tuples become lists)."""
    return json.loads(json.dumps(config))


def _config_round_trip(obj):
    config = obj.get_config()
    clone = type(obj).from_config(copy.deepcopy(config))  # Keras' from_config may mutate it
    assert _plain(clone.get_config()) == _plain(config)
    return clone


def _save_and_load(model, tmp_path):
    path = tmp_path / "model.keras"
    keras.saving.save_model(model, path)
    return keras.saving.load_model(path)


def _check(model, tmp_path, outputs, expected_config: dict):
    """Config fields, config round trip, `.keras` round trip with equal outputs."""
    config = model.get_config()
    for key, value in expected_config.items():
        assert config[key] == value, key
    _config_round_trip(model)
    _perturb(model)
    before = outputs(model)
    loaded = _save_and_load(model, tmp_path)
    assert type(loaded) is type(model)
    assert _plain(loaded.get_config()) == _plain(model.get_config())
    after = outputs(loaded)
    before, after = (x if isinstance(x, list) else [x] for x in (before, after))
    assert before and len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    return loaded


def test_autoencoder(tmp_path):
    model = autoencoder.Autoencoder(
        latent_dim=3, encoder_filters=(4, 8), decoder_filters=(8, 4), hidden_units=16
    )
    _check(
        model,
        tmp_path,
        lambda m: m.reconstruct(IMAGES),
        dict(latent_dim=3, encoder_filters=[4, 8], decoder_filters=[8, 4], hidden_units=16),
    )


def test_vae(tmp_path):
    model = VAE(
        latent_dim=3,
        encoder_filters=(4, 8),
        decoder_filters=(8, 4),
        hidden_units=16,
        decoder_hidden_units=12,
        beta=2.5,
        dynamic_binarization=False,
        seed=7,
    )
    loaded = _check(
        model,
        tmp_path,
        lambda m: [*m.encode(IMAGES), m.sample(4, seed=3)],
        dict(
            latent_dim=3,
            decoder_hidden_units=12,
            beta=2.5,
            dynamic_binarization=False,
            seed=7,
        ),
    )
    assert (loaded.beta, loaded.dynamic_binarization, loaded.seed) == (2.5, False, 7)


def test_conditional_vae(tmp_path):
    model = ConditionalVAE(
        latent_dim=2, num_classes=4, encoder_filters=(4, 8), decoder_filters=(8, 4), hidden_units=8
    )
    labels = np.array([0, 3, 1])
    loaded = _check(
        model,
        tmp_path,
        lambda m: [m.encode(IMAGES, labels)[0], m.sample(3, labels=labels, seed=1)],
        dict(latent_dim=2, num_classes=4, hidden_units=8),
    )
    assert loaded.num_classes == 4


def _gan_outputs(z, **kwargs):
    return lambda m: m.generate(z, **kwargs)


def test_gan_unconditional_with_weight_average(tmp_path):
    generator = gan.networks.build_generator(latent_dim=6, channels=8)
    critic = gan.networks.build_discriminator(channels=4, dropout=0.2, spectral_norm=True)
    model = gan.GAN(
        generator,
        critic,
        loss="hinge",
        d_steps=2,
        gp_weight=3.0,
        ema_decay=0.9,
        seed=11,
        split_batch=True,
    )
    z = RNG.standard_normal((3, 6)).astype("float32")
    loaded = _check(
        model,
        tmp_path,
        lambda m: [m.generate(z), keras.ops.convert_to_numpy(m.generator(z, training=False))],
        dict(loss="hinge", d_steps=2, gp_weight=3.0, ema_decay=0.9, seed=11, split_batch=True),
    )
    assert loaded.discriminator is not None
    x = RNG.uniform(-1, 1, size=(2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model.discriminator(x, training=False)),
        keras.ops.convert_to_numpy(loaded.discriminator(x, training=False)),
        rtol=1e-6,
        atol=1e-6,
    )


def test_gan_conditional_with_label_smoothing(tmp_path):
    generator = gan.networks.build_generator(latent_dim=4, channels=8, num_classes=3, label_dim=5)
    critic = gan.networks.build_discriminator(channels=4, num_classes=3)
    model = gan.GAN(generator, critic, label_smoothing=0.1, num_classes=3, seed=2)
    z = RNG.standard_normal((3, 4)).astype("float32")
    _check(
        model,
        tmp_path,
        _gan_outputs(z, labels=np.array([2, 0, 1])),
        dict(label_smoothing=0.1, num_classes=3, seed=2),
    )


def test_gan_self_conditioned_keeps_cluster_frequencies(tmp_path):
    generator = gan.networks.build_generator(
        latent_dim=4, channels=8, num_classes=5, self_conditioned=True
    )
    model = gan.GAN(generator, None, seed=4)
    model.set_cluster_frequencies([0.5, 0.0, 0.25, 0.25, 0.0])
    z = RNG.standard_normal((6, 4)).astype("float32")
    loaded = _check(model, tmp_path, _gan_outputs(z, seed=9), dict(num_classes=5, seed=4))
    assert loaded.discriminator is None
    np.testing.assert_array_equal(loaded.draw_clusters(50, seed=3), model.draw_clusters(50, seed=3))
    assert set(loaded.draw_clusters(200, seed=0)) <= {0, 2, 3}


def test_char_transformer(tmp_path):
    vocabulary = CharVocabulary.from_text("abcde\n", add_unknown=True)
    model = CharTransformer(
        vocabulary,
        context_length=8,
        embed_dim=12,
        num_heads=3,
        num_layers=2,
        mlp_ratio=2,
        dropout=0.1,
        tie_weights=False,
    )
    ids = np.array([[1, 2, 3, 4, 0, 1]], dtype="int32")
    loaded = _check(
        model,
        tmp_path,
        lambda m: [keras.ops.convert_to_numpy(m(ids)), m.generate_ids(ids[0], 5, seed=2)],
        dict(context_length=8, embed_dim=12, num_heads=3, num_layers=2, tie_weights=False),
    )
    assert loaded.vocabulary.get_config() == vocabulary.get_config()


def test_latent_autoencoder(tmp_path):
    model = LatentAutoencoder(code_channels=2, filters=8, code_noise=0.25, seed=3)
    _check(
        model,
        tmp_path,
        lambda m: [m.encode(IMAGES), m.decode(m.encode(IMAGES))],
        dict(code_channels=2, filters=8, code_noise=0.25, seed=3),
    )


def test_flow_matching_keeps_its_autoencoder(tmp_path):
    # A non-default autoencoder (8 filters, 2 code channels): get_config once dropped it,
    # and load_model then built a default one that did not fit the saved weights.
    model = FlowMatching(
        code_shape=(7, 7, 2),
        width=16,
        depth=1,
        num_classes=3,
        label_dropout=0.2,
        guidance=1.5,
        schedule="cosine",
        time_sampling="uniform",
        sampler="euler",
        steps=3,
        autoencoder=LatentAutoencoder(2, filters=8, code_noise=0.05, seed=1),
        seed=5,
    )
    model.code_mean.assign(0.3)
    model.code_std.assign(2.0)
    loaded = _check(
        model,
        tmp_path,
        lambda m: m.sample(3, labels=[0, 1, 2], seed=4),
        dict(
            code_shape=[7, 7, 2],
            width=16,
            num_classes=3,
            schedule="cosine",
            time_sampling="uniform",
            sampler="euler",
            steps=3,
            seed=5,
        ),
    )
    assert (loaded.autoencoder.filters, loaded.autoencoder.code_noise) == (8, 0.05)
    for name in ("code_mean", "code_std"):  # the statistics are weights: saved too
        value = float(keras.ops.convert_to_numpy(getattr(loaded, name)))
        assert value == float(keras.ops.convert_to_numpy(getattr(model, name)))
        assert value != {"code_mean": 0.0, "code_std": 1.0}[name]


def test_restoration_cvae(tmp_path):
    model = app_models.RestorationCVAE(
        channels=2, filters=(4, 8), hidden_units=16, latent_dim=3, beta=0.5, free_bits=0.1, seed=6
    )
    condition = RNG.uniform(size=(2, 28, 28, 2)).astype("float32")
    _check(
        model,
        tmp_path,
        lambda m: m.restore(condition, num_draws=2, seed=1),
        dict(channels=2, filters=[4, 8], hidden_units=16, latent_dim=3, beta=0.5, free_bits=0.1),
    )


@pytest.mark.parametrize(
    ("build", "inputs"),
    [
        (
            lambda: app_models.build_regressor(2, filters=(4, 8), hidden_units=16),
            lambda: RNG.uniform(size=(2, 28, 28, 2)).astype("float32"),
        ),
        (
            lambda: app_models.build_condition_encoder(3, filters=(4, 8), hidden_units=16),
            lambda: RNG.uniform(size=(2, 28, 28, 3)).astype("float32"),
        ),
        (
            lambda: app_models.build_small_classifier(seed=3),
            lambda: IMAGES,
        ),
        (
            lambda: gan.networks.build_mlp_generator(),
            lambda: RNG.standard_normal((2, 4)).astype("float32"),
        ),
        (
            lambda: diffusion_networks.build_velocity_network(12, 16, 2, num_classes=4),
            lambda: [
                RNG.standard_normal((2, 12)).astype("float32"),
                np.array([0.2, 0.7], "float32"),
                np.array([1, 4], "int32"),
            ],
        ),
    ],
    ids=["regressor", "condition_encoder", "small_classifier", "mlp_generator", "velocity"],
)
def test_functional_networks(tmp_path, build, inputs):
    model = build()
    x = inputs()
    _check(
        model,
        tmp_path,
        lambda m: [keras.ops.convert_to_numpy(y) for y in keras.tree.flatten(m(x))],
        {},
    )


def _wrapped(layer, inputs):
    """A functional model holding ``layer`` (layers are saved inside a model)."""
    outputs = layer(*inputs)
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize(
    ("make", "input_specs", "fields"),
    [
        (
            lambda: conv.ConvEncoder(
                latent_dim=3, filters=(4, 8), hidden_units=8, condition_dim=2, kernel_size=5
            ),
            [((28, 28, 1), "float32"), ((2,), "float32")],
            dict(latent_dim=3, condition_dim=2, kernel_size=5),
        ),
        (
            lambda: conv.ConvDecoder(latent_dim=3, filters=(8, 4), hidden_units=6, kernel_size=5),
            [((3,), "float32")],
            dict(latent_dim=3, hidden_units=6, kernel_size=5),
        ),
        (
            lambda: blocks.TransformerBlock(8, 2, mlp_ratio=3, dropout=0.1, residual_scale=0.5),
            [((5, 8), "float32")],
            dict(embed_dim=8, num_heads=2, mlp_ratio=3, dropout=0.1, residual_scale=0.5),
        ),
        (
            lambda: blocks.CausalSelfAttention(8, 4, residual_scale=0.25),
            [((5, 8), "float32")],
            dict(embed_dim=8, num_heads=4, residual_scale=0.25),
        ),
        (
            lambda: diffusion_networks.SinusoidalTimeEmbedding(6, max_frequency=50.0),
            [((), "float32")],
            dict(dim=6, max_frequency=50.0),
        ),
        (
            lambda: ClusterPrior(7),
            [((), "int32")],
            dict(num_clusters=7),
        ),
    ],
    ids=["conv_encoder", "conv_decoder", "transformer_block", "attention", "time", "clusters"],
)
def test_layers(tmp_path, make, input_specs, fields):
    layer = make()
    config = layer.get_config()
    for key, value in fields.items():
        assert config[key] == value, key
    _config_round_trip(layer)
    inputs = [keras.Input(shape, dtype=dtype) for shape, dtype in input_specs]
    model = _wrapped(layer, inputs)
    rng = np.random.default_rng(2)
    data = [
        rng.integers(0, 7, size=(2, *shape)).astype(dtype)
        if dtype == "int32"
        else rng.uniform(size=(2, *shape)).astype(dtype)
        for shape, dtype in input_specs
    ]
    _check(
        model,
        tmp_path,
        lambda m: [keras.ops.convert_to_numpy(y) for y in keras.tree.flatten(m(data))],
        {},
    )


@pytest.mark.parametrize(
    ("make", "fit", "outputs"),
    [
        (
            lambda: pixel.IndependentBernoulli(pseudo_count=0.5),
            lambda m: m.fit(BINARY),
            lambda m: [m.log_prob(BINARY[:5]), m.sample(3, seed=1)],
        ),
        (
            lambda: pixel.BernoulliMixture(num_components=3, num_iterations=2, seed=4),
            lambda m: m.fit(BINARY),
            lambda m: [m.log_prob(BINARY[:5]), m.sample(3, seed=1)],
        ),
        (
            lambda: pixel.BernoulliMixtureClassifier(
                num_components=2, num_iterations=2, pseudo_count=0.5, num_classes=3, seed=1
            ),
            lambda m: m.fit(BINARY, np.arange(len(BINARY)) % 3),
            lambda m: [m.predict_proba(BINARY[:5]), m.sample(3, labels=[0, 1, 2], seed=1)],
        ),
    ],
    ids=["independent", "mixture", "classifier"],
)
def test_pixel_models_round_trip_their_files(tmp_path, make, fit, outputs):
    model = make()
    fit(model)
    path = model.save(tmp_path / "pixel.npz")
    loaded = type(model).load(path)
    assert loaded.get_config() == model.get_config()
    for a, b in zip(outputs(model), outputs(loaded), strict=True):
        np.testing.assert_array_equal(a, b)
