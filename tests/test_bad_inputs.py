"""Bad inputs across the public API raise clear errors instead of crashing obscurely or
returning silently wrong results (issue 25, "Nothing lost, nothing silent")."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import genai_keras as gk
from genai_keras import applications as A
from genai_keras.applications import augmentation, baselines, degradations, restoration
from genai_keras.checks import InputTypeError, as_finite_array, as_labels, as_seed, to_numpy
from genai_keras.metrics.corruptions import corrupt
from genai_keras.metrics.image_quality import psnr
from genai_keras.metrics.manifold import knn_radii, precision_recall_from_features
from genai_keras.models import diffusion as D
from genai_keras.models import pixel
from genai_keras.models.gan import networks
from genai_keras.models.gan.model import GAN
from genai_keras.models.vae.model import VAE, ConditionalVAE
from genai_keras.utils import batched

RNG = np.random.default_rng(0)
IMAGES = RNG.random((8, 28, 28, 1)).astype(np.float32)
LABELS = np.arange(8) % 10
SEED_MSG = r"seed must be an int in \[0, 2\*\*32\)"


# ---------------------------------------------------------------- small models
@pytest.fixture(scope="module")
def vae():
    return VAE(
        latent_dim=2, encoder_filters=(4, 8), decoder_filters=(8, 4), hidden_units=16, seed=0
    )


@pytest.fixture(scope="module")
def cvae():
    return ConditionalVAE(
        latent_dim=2, encoder_filters=(4, 8), decoder_filters=(8, 4), hidden_units=16, seed=0
    )


@pytest.fixture(scope="module")
def gan():
    return GAN(networks.build_generator(latent_dim=8, channels=8), None, seed=0)


@pytest.fixture(scope="module")
def flow():
    return D.FlowMatching(
        (7, 7, 2),
        width=16,
        depth=1,
        num_classes=10,
        steps=2,
        sampler="euler",
        autoencoder=D.LatentAutoencoder(2, filters=8),
    )


# ---------------------------------------------------------------- seeds: one check everywhere
def test_as_seed_accepts_ints_and_none_and_rejects_the_rest():
    assert as_seed(None) is None and as_seed(0) == 0 and as_seed(2**32 - 1) == 2**32 - 1
    assert as_seed(np.int64(5)) == 5 and type(as_seed(np.uint32(5))) is int
    for bad, kind in ((1.7, "float"), ("0", "str"), (True, "bool"), (np.float64(2.0), "float64")):
        with pytest.raises(
            InputTypeError, match=SEED_MSG + rf" or None, got .* \({kind}\); pass an integer seed"
        ):
            as_seed(bad)
    for bad in (-1, 2**32, 2**64):
        with pytest.raises(
            ValueError, match=SEED_MSG + rf" or None, got {bad}; pass an integer seed"
        ):
            as_seed(bad)
    with pytest.raises(ValueError, match=r"seed must be an int in \[0, 2\*\*32\), got None"):
        as_seed(None, allow_none=False)
    assert issubclass(InputTypeError, TypeError) and issubclass(InputTypeError, ValueError)


@pytest.mark.parametrize("bad", [1.7, -1, "0", True, 2**64])
def test_every_sampler_rejects_bad_seeds(vae, gan, flow, bad):
    ib = pixel.IndependentBernoulli().fit((IMAGES > 0.5).astype(np.float32))
    many = np.concatenate([IMAGES] * 3)[:20]
    calls = [
        lambda: vae.sample(2, seed=bad),
        lambda: gan.sample(2, seed=bad),
        lambda: flow.sample(2, seed=bad),
        lambda: flow.sample_codes(2, seed=bad),
        lambda: ib.sample(2, seed=bad),
        lambda: gk.metrics.kid(IMAGES, IMAGES, seed=bad),
        lambda: gk.data.load_mnist("test", limit=5, seed=bad),
        lambda: corrupt(IMAGES, "noise", 0.1, seed=bad),
        lambda: degradations.make_mask(2, seed=bad),
        lambda: degradations.salt_and_pepper(IMAGES, 0.1, seed=bad),
        lambda: augmentation.labelled_subset(many, np.arange(20) % 10, 10, seed=bad),
        lambda: VAE(latent_dim=2, seed=bad),
        lambda: pixel.BernoulliMixture(seed=bad),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=SEED_MSG):
            call()


def test_valid_seeds_keep_their_draws(vae, gan):
    a = vae.sample(3, seed=1)
    np.testing.assert_array_equal(vae.sample(3, seed=np.int64(1)), a)
    z = np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32)  # the seed policy
    np.testing.assert_allclose(a, vae.decode(z), atol=1e-6)
    np.testing.assert_array_equal(gan.sample(2, seed=7), gan.sample(2, seed=np.int32(7)))
    assert vae.sample(1, seed=2**32 - 1).shape == (1, 28, 28, 1)


def test_autoregressive_and_cvae_seeds():
    from genai_keras.models.autoregressive.model import CharTransformer
    from genai_keras.text import CharVocabulary

    model = CharTransformer(
        CharVocabulary("ab \n"), context_length=4, embed_dim=8, num_heads=2, num_layers=1
    )
    with pytest.raises(ValueError, match=SEED_MSG):
        model.sample(1, seed=1.5, length=2)
    with pytest.raises(ValueError, match=SEED_MSG):
        model.generate("a", 2, seed="1")
    cv = A.RestorationCVAE(channels=1, filters=(4, 8), hidden_units=8, latent_dim=2)
    with pytest.raises(ValueError, match=SEED_MSG):
        cv.restore(IMAGES, seed=-3)


# ---------------------------------------------------------------- images where training starts
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (IMAGES * 255, r"x must hold pixels in \[0, 1\].*divide by 255"),
        (np.where(IMAGES > 0.5, np.nan, IMAGES), "x contains NaN or infinite values"),
        (np.zeros((4, 32, 32, 1), np.float32), r"x must have shape \(N, 28, 28, 1\)"),
    ],
)
def test_vae_fit_checks_images_before_training(vae, cvae, bad, message):
    vae.compile(optimizer="adam")
    with pytest.raises(ValueError, match=message):
        vae.fit(bad, epochs=1, verbose=0)
    cvae.compile(optimizer="adam")
    with pytest.raises(ValueError, match=message.replace("x ", r"x\['images'\] ")):
        cvae.fit({"images": bad, "labels": LABELS[: len(bad)]}, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=message.replace("x ", "validation_data ")):
        vae.fit(IMAGES, validation_data=(bad,), epochs=1, verbose=0)


def test_vae_fit_checks_labels_and_passes_datasets(cvae, vae):
    cvae.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"x\['labels'\] must lie in \[0, 9\]"):
        cvae.fit({"images": IMAGES, "labels": LABELS + 5}, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="needs labels"):
        cvae.fit(IMAGES, epochs=1, verbose=0)
    # A generator is not an array: it is passed to keras unchecked.
    checked = vae._check_training_data(iter([IMAGES]), "x")
    assert not isinstance(checked, np.ndarray)


def test_encoders_and_restorers_refuse_raw_pixels():
    ae = D.LatentAutoencoder(2, filters=8)
    with pytest.raises(ValueError, match=r"images must hold pixels in \[0, 1\].*divide by 255"):
        ae.encode(IMAGES * 255)
    with pytest.raises(ValueError, match=r"codes must have shape \(N, 7, 7, 2\)"):
        ae.decode(np.zeros((2, 7, 7, 3)))
    cv = A.RestorationCVAE(channels=1, filters=(4, 8), hidden_units=8, latent_dim=2)
    with pytest.raises(ValueError, match=r"condition must hold pixels in \[0, 1\].*divide by 255"):
        cv.restore(IMAGES * 255)
    with pytest.raises(ValueError, match=r"condition must hold pixels in \[0, 1\]"):
        restoration.restore(cv, IMAGES * 255)
    reg = A.build_regressor(2, filters=(4, 8), hidden_units=8)
    with pytest.raises(ValueError, match=r"condition must hold pixels in \[0, 1\].*divide by 255"):
        restoration.restore(reg, np.concatenate([IMAGES, IMAGES], -1) * 255)
    with pytest.raises(
        ValueError, match=r"condition must have shape \(N, 28, 28, 2\), got \(8, 28, 28, 1\)"
    ):
        restoration.restore(reg, IMAGES)
    assert restoration.restore(reg, np.concatenate([IMAGES, IMAGES], -1)).shape == (1, 8, 28, 28, 1)


# ---------------------------------------------------------------- generators
def test_gan_generate_rejects_nan_noise_and_bad_batch_size(gan):
    z = np.zeros((3, 8), np.float32)
    z[1, 2] = np.nan
    with pytest.raises(ValueError, match="noise z contains 1 NaN or infinite values"):
        gan.generate(z)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        gan.generate(np.zeros((3, 8)), batch_size=0)
    with pytest.raises(ValueError, match=r"Noise must have shape \(n, 8\).*standard_normal"):
        gan.generate(np.zeros((3, 7)))


def test_flow_decode_and_guidance(flow):
    with pytest.raises(
        ValueError, match=r"codes must have shape \(N, 98\), got \(2, 7\).*prod\(7, 7, 2\)"
    ):
        flow.decode(np.zeros((2, 7)))
    with pytest.raises(ValueError, match="codes contains 98 NaN or infinite values"):
        flow.decode(np.full((1, 98), np.nan))
    assert flow.decode(np.zeros((1, 98))).shape == (1, 28, 28, 1)
    with pytest.raises(ValueError, match=r"guidance must be a number >= 0 .*got 'strong' \(str\)"):
        flow.sample(2, guidance="strong")
    with pytest.raises(ValueError, match=r"guidance must be a number >= 0 .*got 'strong' \(str\)"):
        flow.velocity(np.zeros((1, 98)), np.zeros((1,)), labels=[1], guidance="strong")
    with pytest.raises(ValueError, match=r"guidance must be a number >= 0 .*got nan"):
        flow.sample(2, guidance=float("nan"))


# ---------------------------------------------------------------- degradations and baselines
def test_corruption_and_baseline_parameters_are_named():
    mask = degradations.make_mask(8, side=4, top=0, left=0)
    with pytest.raises(ValueError, match=r"fill must be a number in \[0, 1\], got 5.0"):
        degradations.apply_mask(IMAGES, mask, fill=5.0)
    with pytest.raises(ValueError, match=r"fill must be a number in \[0, 1\], got 'x' \(str\)"):
        degradations.apply_mask(IMAGES, mask, fill="x")
    with pytest.raises(ValueError, match=r"top must be an integer >= 0, got 1\.5"):
        degradations.make_mask(2, top=1.5, left=0)
    with pytest.raises(ValueError, match=r"level must be a finite number >= 0, got '0.5' \(str\)"):
        corrupt(IMAGES, "noise", "0.5")
    with pytest.raises(
        ValueError, match="size of a median filter is its window side: a whole number >= 1"
    ):
        baselines.apply_filter(IMAGES, "median", 0.5)
    with pytest.raises(ValueError, match=r"size must be a finite number > 0, got 'big' \(str\)"):
        baselines.apply_filter(IMAGES, "gaussian", "big")
    assert (
        baselines.apply_filter(IMAGES, "median", 3.0).shape == IMAGES.shape
    )  # choose_filter's float sizes


# ---------------------------------------------------------------- metrics
def test_psnr_max_db_and_real_radii():
    with pytest.raises(ValueError, match="max_db must be a finite number > 0, got -5"):
        psnr(IMAGES, IMAGES, max_db=-5)
    with pytest.raises(ValueError, match="max_db must be a finite number > 0, got 0"):
        psnr(IMAGES, IMAGES, max_db=0)
    assert psnr(IMAGES, IMAGES)[0] == 100.0
    real, fake = RNG.normal(size=(20, 4)), RNG.normal(size=(20, 4))
    radii = knn_radii(real, 3)
    with pytest.raises(ValueError, match="real_radii must be squared distances >= 0"):
        precision_recall_from_features(real, fake, real_radii=-radii)
    with pytest.raises(ValueError, match="real_radii contains 20 NaN or infinite values"):
        precision_recall_from_features(real, fake, real_radii=radii * np.nan)
    with pytest.raises(ValueError, match=r"real_radii must have shape \(20,\), got \(5,\)"):
        precision_recall_from_features(real, fake, real_radii=radii[:5])
    assert precision_recall_from_features(
        real, fake, real_radii=radii
    ) == precision_recall_from_features(real, fake)


def test_metrics_take_backend_tensors():
    real, fake = (
        RNG.normal(size=(20, 4)).astype("float32"),
        RNG.normal(size=(20, 4)).astype("float32"),
    )
    expected = precision_recall_from_features(real, fake)
    tensors = keras.ops.convert_to_tensor(real), keras.ops.convert_to_tensor(fake)
    assert precision_recall_from_features(*tensors) == expected
    x = keras.ops.convert_to_tensor(IMAGES)
    np.testing.assert_array_equal(
        psnr(x, keras.ops.convert_to_tensor(IMAGES * 0.5)), psnr(IMAGES, IMAGES * 0.5)
    )
    mu, cov = keras.ops.convert_to_tensor(real.mean(0)), keras.ops.convert_to_tensor(np.eye(4))
    assert gk.metrics.frechet_distance(mu, cov, mu, cov) == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_array_equal(to_numpy(x), IMAGES)


def test_to_numpy_uses_keras_convert(monkeypatch):
    calls = []
    real = keras.ops.convert_to_numpy
    monkeypatch.setattr(keras.ops, "convert_to_numpy", lambda t: calls.append(1) or real(t))
    to_numpy(keras.ops.convert_to_tensor(IMAGES))
    assert calls == [1]


# ---------------------------------------------------------------- labels, batches, saved models
def test_string_labels_are_named():
    with pytest.raises(
        ValueError, match=r"labels must be integers in \[0, 10\) \(class indices\), got dtype <U1"
    ):
        as_labels(np.array(["1", "2"]))
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 10\)"):
        as_labels([1.0, np.nan])


def test_batched_empty_input():
    with pytest.raises(ValueError, match=r"empty array \(0 rows\).*pass at least one row"):
        batched(lambda a: a, [np.zeros((0, 3))], 10)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        batched(lambda a: a, [np.zeros((2, 3))], 0)


def test_pixel_load_checks_probabilities(tmp_path):
    model = pixel.IndependentBernoulli().fit((IMAGES > 0.5).astype(np.float32))
    path = model.save(tmp_path / "ib.npz")
    assert np.array_equal(pixel.load(path).probs, model.probs)
    bad = tmp_path / "bad.npz"
    np.savez(
        bad,
        kind=np.array("IndependentBernoulli"),
        config=np.array('{"pseudo_count": 1.0}'),
        probs=np.full(784, 2.0),
    )
    with pytest.raises(
        ValueError,
        match=r"probs in .*bad.npz' must be probabilities in \[0, 1\], found values in \[2, 2\]",
    ):
        pixel.load(bad)
    np.savez(
        bad,
        kind=np.array("IndependentBernoulli"),
        config=np.array('{"pseudo_count": 1.0}'),
        probs=np.full(10, 0.5),
    )
    with pytest.raises(ValueError, match=r"probs must have shape \(784,\), got \(10,\).*damaged"):
        pixel.load(bad)
    mix = pixel.BernoulliMixture(num_components=2, num_iterations=1).fit(
        (IMAGES > 0.5).astype(np.float32)
    )
    path = mix.save(tmp_path / "mix.npz")
    with np.load(path) as data:
        arrays = dict(data)
    arrays["weights"] = np.array([0.9, 0.9])
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match=r"weights in .* must sum to 1"):
        pixel.load(bad)


def test_non_negative_float_rejects_text():
    with pytest.raises(ValueError, match=r"beta must be a finite number >= 0, got '1' \(str\)"):
        VAE(latent_dim=2, beta="1")
    with pytest.raises(ValueError, match=r"codes contains 1 NaN"):
        as_finite_array([[1.0, np.inf]], "codes")
