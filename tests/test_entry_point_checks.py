"""The same input checks at every entry point (issue 34): a ``tf.data.Dataset``, a Python
list, a NumPy scalar or a bool is checked as an array is, on every backend."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import genai_keras.text as gt
from genai_keras import recipes
from genai_keras.models import autoregressive as ar
from genai_keras.models import diffusion, vae
from genai_keras.models.autoregressive.model import MAX_GENERATE_LENGTH
from genai_keras.models.autoregressive.sampling import next_char_probs


def _dataset(data, batch=8):
    tf = pytest.importorskip("tensorflow")  # tf.data works on every Keras backend
    return tf.data.Dataset.from_tensor_slices(data).batch(batch)


@pytest.fixture(scope="module")
def vae_model():
    model = vae.build(recipes.get("vae", fast=True))
    model.compile(optimizer="adam")
    return model


@pytest.fixture(scope="module")
def cvae_model():
    model = vae.build(recipes.get("conditional_vae", fast=True))
    model.compile(optimizer="adam")
    return model


@pytest.fixture(scope="module")
def flow():
    return diffusion.build(recipes.get("guided_flow_matching", fast=True))


@pytest.fixture(scope="module")
def text_model():
    keras.utils.set_random_seed(0)
    return ar.CharTransformer(
        gt.CharVocabulary("abcdefgh \n"), context_length=8, embed_dim=16, num_heads=2, num_layers=1
    )


def _images(n=16, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype("float32")


# ------------------------------------------------------------------- VAE.fit on a dataset
def test_vae_fit_refuses_a_dataset_of_raw_pixels(vae_model):
    raw = np.round(_images() * 255)
    with pytest.raises(ValueError, match=r"tf\.data\.Dataset, batch 0.*pixels in \[0, 1\].*255"):
        vae_model.fit(_dataset(raw), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"pixels in \[0, 1\]"):  # (images, targets) pairs
        vae_model.fit(_dataset((raw, raw)), epochs=1, verbose=0)


def test_vae_fit_checks_every_batch_of_a_finite_dataset(vae_model):
    images = _images(24)
    images[20] = np.nan  # only in the third batch
    with pytest.raises(ValueError, match=r"batch 2"):
        vae_model.fit(_dataset(images), epochs=1, verbose=0)


def test_cvae_fit_refuses_a_dataset_with_label_12(cvae_model):
    labels = np.arange(16) % 10
    labels[3] = 12
    data = _dataset({"images": _images(), "labels": labels})
    with pytest.raises(ValueError, match=r"\['labels'\] must lie in \[0, 9\], found values in"):
        cvae_model.fit(data, epochs=1, verbose=0)
    history = cvae_model.fit(
        _dataset({"images": _images(), "labels": np.arange(16) % 10}), epochs=1, verbose=0
    )
    assert np.isfinite(history.history["loss"][-1])  # a good dataset still trains


def test_cvae_call_refuses_label_12(cvae_model):
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\], found values in \[1, 12\]"):
        cvae_model({"images": _images(2), "labels": np.array([12, 1])})
    with pytest.raises(ValueError, match=r"labels must be integers"):
        cvae_model({"images": _images(2), "labels": np.array([True, False])})
    out = cvae_model({"images": _images(2), "labels": np.array([9, 0])})
    assert tuple(out["logits"].shape) == (2, 28, 28, 1)


# ----------------------------------------------------------------- FlowMatching.velocity
@pytest.mark.parametrize("labels", [11, -1, [3, 10], np.array([0.5, 1.0])])
def test_velocity_refuses_labels_out_of_range(flow, labels):
    x = np.zeros((2, flow.dim), "float32")
    t = np.full(2, 0.5, "float32")
    with pytest.raises(ValueError, match=r"labels must (lie in \[0, 9\]|be integers)"):
        flow.velocity(x, t, labels=labels)


def test_velocity_labels_count_and_bools(flow):
    x = np.zeros((2, flow.dim), "float32")
    t = np.full(2, 0.5, "float32")
    with pytest.raises(ValueError, match=r"labels has 3 entries but 2 were expected"):
        flow.velocity(x, t, labels=[1, 2, 3])
    with pytest.raises(ValueError, match=r"labels must be integers .* got dtype bool"):
        flow.velocity(x, t, labels=np.bool_(True))
    one = keras.ops.convert_to_numpy(flow.velocity(x, t, labels=3))
    both = keras.ops.convert_to_numpy(flow.velocity(x, t, labels=[3, 3]))
    np.testing.assert_allclose(one, both, atol=1e-6)  # one int: the same class for every row


# ----------------------------------------------------------------- generate_ids, temperature
def test_generate_ids_refuses_fractional_ids(text_model):
    with pytest.raises(ValueError, match=r"prompt_ids must be integers .*non-integer"):
        text_model.generate_ids([1.7, 2.2], 3, seed=0)
    with pytest.raises(ValueError, match=r"prompt_ids must be integers .*got dtype bool"):
        text_model.generate_ids(np.array([True, False]), 3, seed=0)
    with pytest.raises(ValueError, match=r"prompt_ids must lie in \[0, 9\]"):
        text_model.generate_ids([1, 10], 3, seed=0)
    ids = text_model.generate_ids([1.0, 2.0], 3, seed=0)  # whole floats are ids
    np.testing.assert_array_equal(ids, text_model.generate_ids([1, 2], 3, seed=0))


@pytest.mark.parametrize("temperature", [True, np.bool_(True), "1.0"])
def test_temperature_must_be_a_number_not_a_bool(text_model, temperature):
    with pytest.raises(ValueError, match=r"temperature must be a finite number > 0"):
        text_model.generate_ids([1, 2], 3, temperature=temperature, seed=0)
    with pytest.raises(ValueError, match=r"temperature must be a finite number > 0"):
        next_char_probs(np.zeros(10), temperature=temperature)


def test_a_billion_characters_is_refused_with_the_time_it_would_take(text_model):
    with pytest.raises(
        ValueError, match=r"length=1,000,000,000 characters would take about .* hours"
    ):
        text_model.generate_ids([1, 2], 10**9, seed=0)
    with pytest.raises(ValueError, match=r"GiB of logits"):
        text_model.generate_ids([1, 2], 10**9, seed=0, return_logits=True)
    with pytest.raises(ValueError, match=r"at most 100,000 per call"):
        text_model.generate("ab", MAX_GENERATE_LENGTH + 1, seed=0)
