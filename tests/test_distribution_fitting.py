"""genai_keras.distributions' maximum-likelihood fits: closed forms along any axis, the
pseudo-counts, and every refusal's message in full (fast: NumPy only)."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from genai_keras import distributions as D


def _exactly(message: str) -> str:
    return "^" + re.escape(message) + "$"


X = np.array([[0.0, 1.0, 4.0], [2.0, 1.0, 0.0], [1.0, 1.0, 2.0], [5.0, 1.0, 2.0]])


@pytest.mark.parametrize("axis", [0, 1])
def test_fit_normal_is_the_mean_and_the_biased_std(axis):
    mean, scale = D.fit_normal(X, axis=axis)
    np.testing.assert_allclose(mean, X.mean(axis=axis))
    n = X.shape[axis]
    expected = np.sqrt(((X - X.mean(axis=axis, keepdims=True)) ** 2).sum(axis=axis) / n)
    np.testing.assert_allclose(scale, expected)
    assert mean.dtype == np.float64


def test_fit_normal_takes_tensors_and_lists():
    mean, scale = D.fit_normal(keras.ops.convert_to_tensor(np.array([1.0, 3.0], "float32")))
    assert (float(mean), float(scale)) == (2.0, 1.0)
    assert D.fit_normal([1.0, 3.0])[0] == 2.0 and D.fit_normal((2.0, 2.0))[1] == 0.0


def test_fit_normal_refusals():
    with pytest.raises(
        ValueError, match=_exactly("fit_normal needs at least 2 samples to estimate a spread.")
    ):
        D.fit_normal([1.0])
    with pytest.raises(
        ValueError,
        match=_exactly("x must be an array with at least one sample along axis 0, got shape ()."),
    ):
        D.fit_normal(3.0)
    with pytest.raises(
        ValueError,
        match=_exactly(
            "x must be an array with at least one sample along axis 1, got shape (2, 0)."
        ),
    ):
        D.fit_normal(np.zeros((2, 0)), axis=1)
    with pytest.raises(ValueError, match=_exactly("x contains NaN or infinite values.")):
        D.fit_normal([1.0, np.inf])


@pytest.mark.parametrize("axis", [0, 1])
def test_fit_bernoulli_with_and_without_pseudo_counts(axis):
    bits = np.array([[1, 0, 0, 1], [1, 1, 0, 1], [1, 0, 0, 0]], float)
    n = bits.shape[axis]
    np.testing.assert_allclose(D.fit_bernoulli(bits, axis=axis), bits.mean(axis=axis))
    smoothed = D.fit_bernoulli(bits, axis=axis, pseudo_count=1.5)
    np.testing.assert_allclose(smoothed, (bits.sum(axis=axis) + 1.5) / (n + 3.0))
    assert D.fit_bernoulli(np.zeros(4), pseudo_count=1.0) == pytest.approx(1 / 6)


def test_fit_bernoulli_refusals():
    with pytest.raises(
        ValueError,
        match=_exactly(
            "fit_bernoulli needs data in {0, 1}; binarise grey levels first "
            "(e.g. load_mnist(binarize='static'))."
        ),
    ):
        D.fit_bernoulli([0.0, 0.5])
    with pytest.raises(ValueError, match=r"fit_bernoulli needs data in \{0, 1\}"):
        D.fit_bernoulli([1.0, 2.0])
    for bad in (-0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=_exactly(f"pseudo_count must be >= 0, got {bad!r}.")):
            D.fit_bernoulli([0.0, 1.0], pseudo_count=bad)


def test_fit_poisson():
    counts = np.array([[0, 2], [3, 0], [3, 1]])
    np.testing.assert_allclose(D.fit_poisson(counts), [2.0, 1.0])
    np.testing.assert_allclose(D.fit_poisson(counts, axis=1), [1.0, 1.5, 2.0])
    with pytest.raises(
        ValueError,
        match=_exactly(
            "Every count is 0, so the MLE rate is 0, which is not a valid Poisson rate; "
            "collect more data or add a pseudo-count."
        ),
    ):
        D.fit_poisson(np.array([[0, 1], [0, 2]]))
    with pytest.raises(ValueError, match=r"^k must be an array with at least one sample"):
        D.fit_poisson(np.zeros((0,)))


def test_fit_categorical():
    x = np.array([[0, 2], [2, 2]])
    np.testing.assert_allclose(D.fit_categorical(x, 4), [0.25, 0.0, 0.75, 0.0])
    np.testing.assert_allclose(
        D.fit_categorical(x, 4, pseudo_count=1.0), np.array([2.0, 1.0, 4.0, 1.0]) / 8.0
    )
    np.testing.assert_allclose(D.fit_categorical([0], 1), [1.0])
    np.testing.assert_allclose(D.fit_categorical(np.array([1.0, 1.0]), 2), [0.0, 1.0])


def test_fit_categorical_refusals():
    for bad in (0, 2.0, True, None):
        with pytest.raises(
            ValueError, match=_exactly(f"num_classes must be an integer >= 1, got {bad!r}.")
        ):
            D.fit_categorical([0], bad)
    with pytest.raises(
        ValueError,
        match=_exactly("x must hold integer class indices in [0, 3), found values in [0, 3]."),
    ):
        D.fit_categorical([0, 3], 3)
    with pytest.raises(
        ValueError,
        match=_exactly("x must hold integer class indices in [0, 3), found values in [-1, 1]."),
    ):
        D.fit_categorical([-1, 1], 3)
    with pytest.raises(ValueError, match=r"found values in \[0\.5, 1\]"):
        D.fit_categorical([0.5, 1.0], 3)
    with pytest.raises(ValueError, match=_exactly("pseudo_count must be >= 0, got -1.")):
        D.fit_categorical([0, 1], 3, pseudo_count=-1)
