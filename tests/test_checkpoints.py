"""Tests for genai_keras.checkpoints: storage round trips, load-or-train, the comparison."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from genai_keras import checkpoints as ck


def test_unknown_model_name_raises():
    with pytest.raises(ValueError, match="Unknown model 'gan'.*dcgan"):
        ck.load_or_train("gan")
    with pytest.raises(ValueError, match="Unknown model"):
        ck.checkpoint_path("pixelcnn")


def test_keras_model_round_trip_in_float16(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, name="hidden"),
                              keras.layers.Dense(2, name="out")], name="tiny")
    path = ck.save_keras_model(model, tmp_path / "tiny.npz")
    again = ck.load_keras_model(path)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-2, atol=1e-2)
    with np.load(path) as data:
        assert data["w000"].dtype == np.float16


def test_weights_from_another_architecture_raise(tmp_path):
    small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    path = ck.save_keras_model(small, tmp_path / "m.npz")
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["w002"] = np.zeros(3, np.float16)  # one array too many
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="weight arrays"):
        ck.load_keras_model(path)


def test_missing_checkpoint_is_trained_fast_and_not_saved(tmp_path):
    model, record = ck.load_or_train("bernoulli_mixture", fast=True, return_record=True,
                                     directory=tmp_path)
    assert record["source"] == "trained" and record["fast"] is True
    assert list(tmp_path.iterdir()) == []
    samples = ck.sample_images("bernoulli_mixture", model, 6, seed=1)
    assert samples.shape == (6, 28, 28, 1) and set(np.unique(samples)) <= {0.0, 1.0}


def test_checkpoint_in_a_directory_is_loaded(tmp_path):
    model, _ = ck.train("independent_bernoulli", fast=True)
    ck._save("independent_bernoulli", model, ck.checkpoint_path("independent_bernoulli", tmp_path))
    (tmp_path / ck.MANIFEST).write_text(json.dumps({"independent_bernoulli": {"train_seconds": 1.5}}))
    loaded, record = ck.load_or_train("independent_bernoulli", return_record=True,
                                      directory=tmp_path)
    assert record == {"train_seconds": 1.5, "source": "checkpoint"}
    np.testing.assert_allclose(loaded.probs, model.probs)


def test_test_nll_of_independent_bernoulli_matches_the_formula():
    import genai_keras as gk

    model, _ = ck.train("independent_bernoulli", fast=True)
    x, _ = gk.data.load_mnist("test", binarize="static", limit=50)
    p = model.probs.reshape(1, -1)
    flat = x.reshape(50, -1)
    expected = -np.mean(np.sum(flat * np.log(p) + (1 - flat) * np.log1p(-p), axis=1))
    assert ck.test_nll("independent_bernoulli", model, num_images=50) == pytest.approx(expected)
    assert ck.test_nll("dcgan", object()) is None  # GANs have no likelihood


@pytest.mark.parametrize("name", list(ck.MODELS))
def test_shipped_checkpoints_load_and_sample(name):
    path = ck.checkpoint_path(name)
    if not path.is_file():
        pytest.skip(f"{path.name} not shipped yet (run scripts/train_checkpoints.py)")
    model, record = ck.load_or_train(name, return_record=True)
    assert record["source"] == "checkpoint" and record["train_seconds"] > 0
    samples = ck.sample_images(name, model, 10, seed=0)
    assert samples.shape == (10, 28, 28, 1)
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    assert ck.num_parameters(model) == record["parameters"]
    assert path.stat().st_size < 4_000_000  # float16 weights, compressed


def test_compare_models_rows_and_markdown():
    def loader(name, fast=None, return_record=False):
        return ck.train(name, fast=True)[0], {"train_seconds": 0.5, "source": "trained"}

    rows = ck.compare_models(["independent_bernoulli", "bernoulli_mixture"], num_samples=300,
                             nll_images=100, loader=loader)
    assert [r["name"] for r in rows] == ["independent_bernoulli", "bernoulli_mixture"]
    for r in rows:
        assert r["test_nll"] > 0 and r["fid"] > 0 and 0 <= r["recall"] <= 1
        assert r["num_samples"] == 300 and r["source"] == "trained"
    # The mixture models digits far better than independent pixels.
    assert rows[1]["test_nll"] < rows[0]["test_nll"]
    table = ck.comparison_markdown(rows)
    assert table.count("\n") == 4 and "| Bernoulli mixture (K=100) | 01 |" in table
