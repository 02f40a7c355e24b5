"""Tests for genai_keras.studies: chapter 04's comparison, chapter 03's collapse study and
chapter 06's sampler sweep (what trains, samples and scores the models)."""

from __future__ import annotations

import numpy as np
import pytest

import genai_keras as gk
from genai_keras import checkpoints as ck
from genai_keras.studies import collapse, comparison, sampler_sweep


# --------------------------------------------------------------------------- comparison
def test_heldout_nll_of_independent_bernoulli_matches_the_formula():
    model, _ = ck.train("independent_bernoulli", fast=True)
    x, _ = gk.data.load_mnist("test", binarize="static", limit=50)
    p = model.probs.reshape(1, -1)
    flat = x.reshape(50, -1)
    expected = -np.mean(np.sum(flat * np.log(p) + (1 - flat) * np.log1p(-p), axis=1))
    assert comparison.heldout_nll("independent_bernoulli", model, num_images=50) == pytest.approx(
        expected
    )
    assert comparison.heldout_nll("dcgan", object()) is None  # GANs have no likelihood
    with pytest.raises(
        ValueError, match="Unknown model 'nope'; choose one of: independent_bernoulli"
    ):
        comparison.heldout_nll("nope", model)


@pytest.mark.filterwarnings("ignore:FID is biased upwards")
def test_compare_models_rows_and_markdown():
    def loader(name, fast=None, return_record=False):
        return ck.train(name, fast=True)[0], {"train_seconds": 0.5, "source": "trained"}

    rows = comparison.compare_models(
        ["independent_bernoulli", "bernoulli_mixture"],
        num_samples=300,
        nll_images=100,
        loader=loader,
    )
    assert [r["name"] for r in rows] == ["independent_bernoulli", "bernoulli_mixture"]
    for r in rows:
        assert 0 < r["test_nll"] < 784 * np.log(2), r  # better than a fair coin per pixel
        assert r["num_samples"] == 300 and r["source"] == "trained" and r["nll_kind"] == "exact"
    # The mixture models digits far better than independent pixels: likelihood and FID agree.
    assert rows[1]["test_nll"] < rows[0]["test_nll"] and rows[1]["fid"] < rows[0]["fid"], rows
    table = comparison.comparison_markdown(rows)
    assert table.count("\n") == 4 and "| Bernoulli mixture (K=100) | 01 |" in table


def test_sample_images_asks_conditional_models_for_digits_in_turn():
    class Recorder:
        def __init__(self, conditional):
            self.conditional = conditional

        def sample(self, n, labels=None, seed=None):
            self.labels = labels
            return np.zeros((n, 28, 28, 1), np.float64)

    model = Recorder(conditional=True)  # the model answers "conditional?", not its name
    images = comparison.sample_images("conditional_vae", model, 12, seed=3)
    assert images.dtype == np.float32 and images.shape == (12, 28, 28, 1)
    np.testing.assert_array_equal(model.labels, np.arange(12) % 10)
    model = Recorder(conditional=False)
    comparison.sample_images("vae", model, 4)
    assert model.labels is None


# ----------------------------------------------------------------------------- collapse
@pytest.mark.filterwarnings("ignore:FID is biased upwards")
@pytest.mark.parametrize("self_conditioned", [False, True])
def test_collapse_records_one_class_share_per_epoch(self_conditioned):
    r = collapse.train_and_score(
        self_conditioned, seed=0, num_samples=300, setting=dict(limit=512, epochs=2, clusters=5)
    )
    assert len(r["max_class_per_epoch"]) == 2
    # Shares of the monitor's 2,000 samples and of the final 300: whole counts of digits.
    for share in r["max_class_per_epoch"]:
        assert 0.1 <= share <= 1.0 and share * 2000 == pytest.approx(round(share * 2000), abs=1)
    counts = np.asarray(r["class_histogram"]) * 300
    np.testing.assert_allclose(counts, np.round(counts), atol=0.02)
    assert sum(r["class_histogram"]) == pytest.approx(1.0, abs=1e-3)
    assert r["max_class_fraction"] == pytest.approx(max(r["class_histogram"]), abs=1e-4)
    assert r["fid"] > 0 and 1.0 <= r["is_mean"] <= 10.0 and 0 <= r["recall"] <= 1
    assert 0 <= r["precision"] <= 1 and r["train_seconds"] > 0 and r["seed"] == 0


def test_class_histogram_is_the_classifiers_answer():
    x, y = gk.data.load_mnist("test", limit=400)
    hist = collapse.class_histogram(x)
    expected = np.bincount(gk.feature_net.load_feature_net().predict(x), minlength=10) / 400
    np.testing.assert_allclose(hist, expected)
    # The shipped classifier is accurate: the shares follow the true labels.
    np.testing.assert_allclose(hist, np.bincount(y, minlength=10) / 400, atol=0.03)
    threes = x[y == 3]
    assert collapse.class_histogram(threes)[3] > 0.9


def test_class_share_monitor_scores_what_the_generator_draws():
    x, y = gk.data.load_mnist("test", limit=400)
    sevens = x[y == 7]

    class Generator:  # draws only sevens; a monitor that ignores its classifier fails
        latent_dim, self_conditioned = 3, False

        def generate(self, z, labels=None):
            assert z.shape == (50, 3) and labels is None
            return sevens[np.arange(len(z)) % len(sevens)]

    monitor = collapse.ClassShareMonitor(num_samples=50, every=1, log=(lines := []).append)
    monitor.set_model(Generator())
    monitor.on_epoch_end(0)
    assert len(monitor.histograms) == 1 and monitor.histograms[0][7] > 0.9
    assert lines and "epoch 1: largest class" in lines[0]


def test_collapse_rejects_an_unknown_setting():
    with pytest.raises(ValueError, match="Unknown setting\\(s\\) 'epoch'; known: limit, epochs"):
        collapse.train_and_score(False, setting=dict(epoch=2))


# ------------------------------------------------------------------------ sampler sweep
@pytest.mark.filterwarnings("ignore:FID is biased upwards")
def test_sample_and_score_a_guided_flow_model():
    model = ck.load_or_train("guided_flow_matching", fast=True)
    r = sampler_sweep.sample_and_score(
        model, 256, steps=2, sampler="heun", guidance=1.0, quiet_bias=True
    )
    assert (r["sampler"], r["steps"], r["network_calls"], r["guidance"]) == ("heun", 2, 3, 1.0)
    # The scores are those of the samples asked for (digits 0..9 in turn, seed 1).
    labels = gk.protocol.default_labels(256, 10)
    images = model.sample(256, labels=labels, seed=1, steps=2, sampler="heun", guidance=1.0)
    expected = gk.metrics.evaluate_samples(images)  # (the FID bias warning is filtered)
    for key in ("fid", "kid_mean", "is_mean", "precision", "recall"):
        assert r[key] == pytest.approx(expected[key], abs=1e-3), key
    accuracy = gk.feature_net.load_feature_net().accuracy(images, labels)
    assert r["class_accuracy"] == pytest.approx(accuracy, abs=1e-4)
    assert r["class_accuracy"] > 0.2  # far above chance (0.1), even for the fast model
    assert r["sample_seconds_10k"] == pytest.approx(r["sample_seconds"] * 10_000 / 256, rel=0.05)


def test_sample_and_score_needs_a_flow_model():
    with pytest.raises(TypeError, match="needs a FlowMatching model, got object"):
        sampler_sweep.sample_and_score(object(), 256)
