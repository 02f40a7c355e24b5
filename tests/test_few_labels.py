"""``genai_keras.studies.few_labels`` (chapter 01): the logistic regression, the learning
curves of the generative and the discriminative classifier, and the crossover sentence.

Each result is recomputed here from its parts (the labelled subset, the two classifiers)
and compared exactly, and every message is checked whole, so a changed seed, size, step
count, batch or sentence fails a test.
"""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from test_chapter_changes_33 import _binary_digits  # ten easy binary classes

from genai_keras.applications import labelled_subset
from genai_keras.models.pixel import BernoulliMixtureClassifier
from genai_keras.studies import few_labels


def _exactly(message: str) -> str:
    return re.escape(message) + r"\Z"


# ------------------------------------------------------------------ logistic regression
def test_logistic_regression_is_one_dense_layer_trained_for_steps_updates():
    x, y = _binary_digits(60, 0)
    model = few_labels.logistic_regression(x, y, steps=7, learning_rate=0.05, seed=3)
    assert model.name == "logistic_regression"
    assert [layer.name for layer in model.layers] == ["flatten", "logits"]
    assert tuple(model.get_layer("logits").kernel.shape) == (784, 10)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 7
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.05)
    assert model.loss.get_config()["from_logits"] is True


def test_logistic_regression_learns_separable_classes():
    x, y = _binary_digits(100, 1)
    model = few_labels.logistic_regression(x, y, steps=60, seed=0)
    logits = model.predict(x, verbose=0)
    assert np.mean(np.argmax(logits, axis=1) == y) == 1.0


def test_logistic_regression_batch_is_at_most_the_number_of_examples():
    """With 20 examples a batch of 500 is a batch of 20: the same draws, the same weights."""
    x, y = _binary_digits(20, 2)
    large = few_labels.logistic_regression(x, y, steps=4, batch_size=500, seed=1)
    exact = few_labels.logistic_regression(x, y, steps=4, batch_size=20, seed=1)
    smaller = few_labels.logistic_regression(x, y, steps=4, batch_size=5, seed=1)
    for a, b in zip(large.get_weights(), exact.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(large.get_weights()[0], smaller.get_weights()[0])


def test_logistic_regression_follows_its_seed():
    x, y = _binary_digits(40, 3)
    first, again, other = (
        few_labels.logistic_regression(x, y, steps=3, seed=s).get_weights()[0] for s in (5, 5, 6)
    )
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "steps must be an integer >= 1, got 0."),
        ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0."),
        (
            {"seed": -1},
            "seed must be an int in [0, 2**32), got -1; pass an integer seed in that range, "
            "e.g. seed=0.",
        ),
    ],
)
def test_logistic_regression_refusals_name_the_argument(kwargs, message):
    x, y = _binary_digits(20, 0)
    with pytest.raises(ValueError, match=_exactly(message)):
        few_labels.logistic_regression(x, y, **kwargs)


# ---------------------------------------------------------------------- learning curves
def test_learning_curves_equal_their_parts_and_log_each_run():
    train, test = _binary_digits(200, 4), _binary_digits(60, 5)
    lines: list[str] = []
    results = few_labels.learning_curves(
        train, test, (30, 20), (2, 7), components=2, steps=4, log=lines.append
    )
    assert list(results) == ["30", "20"]
    expected_lines = []
    for n in (30, 20):
        expected = {"generative": [], "discriminative": []}
        for seed in (2, 7):
            xs, ys = labelled_subset(*train, n, seed=seed)
            mixture = BernoulliMixtureClassifier(num_components=2, seed=seed).fit(xs, ys)
            expected["generative"].append(float(np.mean(mixture.classify(test[0]) == test[1])))
            model = few_labels.logistic_regression(xs, ys, steps=4, seed=seed)
            predicted = np.argmax(model.predict(test[0], verbose=0), axis=1)
            expected["discriminative"].append(float(np.mean(predicted == test[1])))
            expected_lines.append(
                f"N={n} seed={seed}: generative {expected['generative'][-1]:.3f}, "
                f"discriminative {expected['discriminative'][-1]:.3f}"
            )
        for name in few_labels.CLASSIFIERS:
            row = results[str(n)][name]
            assert row["seeds"] == expected[name]
            assert row["mean"] == float(np.mean(expected[name]))
            assert row["std"] == float(np.std(expected[name]))
    assert lines == expected_lines


def test_learning_curves_without_a_log_returns_the_same_results():
    train, test = _binary_digits(100, 6), _binary_digits(30, 7)
    quiet = few_labels.learning_curves(train, test, (20,), (0,), steps=2)
    lines: list[str] = []
    logged = few_labels.learning_curves(train, test, (20,), (0,), steps=2, log=lines.append)
    assert quiet == logged and len(lines) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            {"sizes": (10,), "components": 2},
            "N = 10 gives some class fewer than 2 images; use N >= 20 or fewer components.",
        ),
        ({"sizes": (20,), "seeds": ()}, "Give at least one size N and one seed."),
        ({"sizes": ()}, "Give at least one size N and one seed."),
        ({"sizes": (9,)}, "N must be an integer >= 10, got 9."),
        ({"components": 0}, "components must be an integer >= 1, got 0."),
    ],
)
def test_learning_curves_refusals(call, message):
    train = _binary_digits(100, 0)
    kwargs = {"sizes": (20,), "seeds": (0,), **call}
    sizes, seeds = kwargs.pop("sizes"), kwargs.pop("seeds")
    with pytest.raises(ValueError, match=_exactly(message)):
        few_labels.learning_curves(train, train, sizes, seeds, steps=1, **kwargs)


@pytest.mark.parametrize("which", ["train", "test"])
def test_learning_curves_name_the_bad_images(which):
    good = _binary_digits(40, 0)
    bad = (good[0] * 255.0, good[1])
    train, test = (bad, good) if which == "train" else (good, bad)
    message = (
        f"{which} images must hold pixels in [0, 1], found values in [0, 255] (it looks like "
        "raw 0..255 pixels: divide by 255)."
    )
    with pytest.raises(ValueError, match=_exactly(message)):
        few_labels.learning_curves(train, test, (20,), (0,), steps=1)


# ---------------------------------------------------------------------------- crossover
def _means(pairs):
    return {str(n): {"generative": {"mean": g}, "discriminative": {"mean": d}} for n, g, d in pairs}


@pytest.mark.parametrize(
    ("pairs", "sentence"),
    [
        (
            [(200, 0.8, 0.7), (20, 0.6, 0.5)],
            "The generative classifier is ahead at every N measured (20, 200).",
        ),
        (
            [(20, 0.5, 0.6), (100, 0.7, 0.7), (200, 0.7, 0.8)],
            "The discriminative classifier is ahead at every N measured (20, 100, 200).",
        ),
        (
            [(20, 0.6, 0.5), (50, 0.7, 0.6), (200, 0.7, 0.8), (500, 0.7, 0.9)],
            "The generative classifier is ahead with few labels (N = 20, 50), the "
            "discriminative one from N = 200 on: the curves cross, as Ng and Jordan predict.",
        ),
        (
            [(20, 0.5, 0.6), (200, 0.8, 0.7), (500, 0.7, 0.9)],
            "The lead changes back and forth: generative ahead at N = 200, discriminative at "
            "N = 20, 500.",
        ),
    ],
)
def test_crossover_sentence_is_exact(pairs, sentence):
    """Sizes are read as numbers (20 before 200), and a tie counts for neither classifier
    as ahead: the generative one must be strictly better."""
    assert few_labels.crossover(_means(pairs)) == sentence


def test_crossover_of_nothing_is_refused():
    with pytest.raises(
        ValueError, match=_exactly("results is empty; pass the output of learning_curves.")
    ):
        few_labels.crossover({})
