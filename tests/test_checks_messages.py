"""genai_keras.checks: each message in full (what was wrong, what to do), and the edges of
each accepted range. Fast (NumPy only); the mutation run of ``checks`` selects it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from genai_keras import checks


def _exactly(message: str) -> str:
    return "^" + re.escape(message) + "$"


def test_as_seed_messages():
    with pytest.raises(
        checks.InputTypeError,
        match=_exactly(
            "seed must be an int in [0, 2**32) or None, got 1.5 (float); pass an integer seed, "
            "e.g. seed=0."
        ),
    ):
        checks.as_seed(1.5)
    with pytest.raises(
        checks.InputTypeError,
        match=_exactly(
            "s must be an int in [0, 2**32), got True (bool); pass an integer s, e.g. s=0."
        ),
    ):
        checks.as_seed(True, name="s", allow_none=False)
    with pytest.raises(
        ValueError,
        match=_exactly(
            "seed must be an int in [0, 2**32), got -1; pass an integer seed in that range, "
            "e.g. seed=0."
        ),
    ):
        checks.as_seed(-1, allow_none=False)


def test_as_finite_array_messages_and_copy():
    with pytest.raises(
        checks.InputTypeError, match=_exactly("z must be an array of numbers, got dtype bool.")
    ):
        checks.as_finite_array(np.array([True]), "z")
    with pytest.raises(
        checks.InputTypeError, match=_exactly("z must be an array of numbers, got dtype <U1.")
    ):
        checks.as_finite_array(np.array(["a"]), "z")
    with pytest.raises(ValueError, match=_exactly("z must have shape (3,), got (2,).")):
        checks.as_finite_array(np.zeros(2), "z", shape=(3,))
    with pytest.raises(
        ValueError, match=_exactly("z must have shape (N, 3), got (2, 2). Draw it again.")
    ):
        checks.as_finite_array(np.zeros((2, 2)), "z", shape=(None, 3), what="Draw it again.")
    x = np.zeros((2, 3), np.float32)
    assert checks.as_finite_array(x, "z") is x  # float32 already: no copy
    np.testing.assert_array_equal(checks.as_finite_array([[1, 2]], "z"), [[1.0, 2.0]])


def test_real_number_messages_and_edges():
    for value in (0.0, 1.0, np.float64(0.25), np.array(0.5)):
        assert checks.unit_interval(value, "p") == float(value)
    assert checks.positive_float(np.array(2.0), "x") == 2.0
    with pytest.raises(ValueError, match=_exactly("p must be a number in [0, 1], got 1.5.")):
        checks.unit_interval(1.5, "p")
    with pytest.raises(ValueError, match=_exactly("p must be a number in [0, 1], got NaN.")):
        checks.unit_interval(float("nan"), "p")
    with pytest.raises(
        checks.InputTypeError,
        match=_exactly("p must be a number in [0, 1], got 'a' (str); pass a number, e.g. p=0.5."),
    ):
        checks.unit_interval("a", "p")
    with pytest.raises(
        checks.InputTypeError,
        match=_exactly(
            "x must be a finite number > 0, got None (NoneType); pass a number, e.g. x=0.5."
        ),
    ):
        checks.positive_float(None, "x")
    with pytest.raises(
        checks.InputTypeError,
        match=_exactly(
            "x must be a finite number >= 0, got [1.0] (list); pass a number, e.g. x=0.5."
        ),
    ):
        checks.non_negative_float([1.0], "x")
    with pytest.raises(checks.InputTypeError, match=r"got array\(\[1\.\]\) \(ndarray\)"):
        checks.non_negative_float(np.array([1.0]), "x")  # only a 0-d array is a number


def test_as_images_messages_and_edges():
    grey = np.full((2, 28, 28), 1.0, np.float32)
    out = checks.as_images(grey)  # a channel axis is added; 1.0 is a pixel
    assert out.shape == (2, 28, 28, 1) and out.dtype == np.float32
    assert checks.as_images(np.zeros((1, 28, 28, 1), bool)).dtype == np.float32
    with pytest.raises(
        ValueError,
        match=_exactly(
            "images must have shape (N, 28, 28, 1), got (2, 28, 1). Load digits with "
            "genai_keras.data.load_mnist(), which returns that shape."
        ),
    ):
        checks.as_images(np.zeros((2, 28, 1)))
    with pytest.raises(
        ValueError, match=_exactly("x must have shape (N, 28, 28, 3), got (2, 28, 28).")
    ):
        checks.as_images(np.zeros((2, 28, 28)), name="x", shape=(28, 28, 3))
    with pytest.raises(ValueError, match=_exactly("x must have shape (N, 4, 4), got (2, 3, 4).")):
        checks.as_images(np.zeros((2, 3, 4)), name="x", shape=(4, 4))
    with pytest.raises(ValueError, match=_exactly("images needs at least 3 images, got 2.")):
        checks.as_images(np.zeros((2, 28, 28, 1)), min_count=3)
    with pytest.raises(
        checks.InputTypeError, match=_exactly("images must be numeric, got dtype <U1.")
    ):
        checks.as_images(np.full((1, 28, 28, 1), "a"))
    with pytest.raises(
        ValueError,
        match=_exactly(
            "images must hold pixels in [0, 1], found values in [0, 1.5] (it looks like raw "
            "0..255 pixels: divide by 255)."
        ),
    ):
        checks.as_images(np.concatenate([np.zeros((1, 28, 28, 1)), np.full((1, 28, 28, 1), 1.5)]))
    with pytest.raises(ValueError, match=r"found values in \[255, 255\] \(it looks like raw"):
        checks.as_images(np.full((1, 28, 28, 1), 255.0))
    with pytest.raises(
        ValueError, match=_exactly("images must hold pixels in [0, 1], found values in [0, 256].")
    ):
        checks.as_images(np.concatenate([np.zeros((1, 28, 28, 1)), np.full((1, 28, 28, 1), 256)]))
    with pytest.raises(
        ValueError, match=_exactly("images must hold pixels in [0, 1], found values in [-1, -1].")
    ):
        checks.as_images(np.full((1, 28, 28, 1), -1.0))
    with pytest.raises(
        ValueError,
        match=_exactly(  # a maximum of 1 is no 0..255 image
            "images must hold pixels in [0, 1], found values in [-1, 1]."
        ),
    ):
        checks.as_images(np.concatenate([np.full((1, 28, 28, 1), -1.0), np.ones((1, 28, 28, 1))]))


def test_as_labels_messages_and_edges():
    np.testing.assert_array_equal(checks.as_labels(np.array([1.0, 3.0, 9.0])), [1, 3, 9])
    assert checks.as_labels(np.array([], np.float64)).shape == (0,)
    with pytest.raises(
        ValueError, match=_exactly("labels must be a 1-D array of class indices, got shape (2, 2).")
    ):
        checks.as_labels(np.zeros((2, 2), int))
    with pytest.raises(
        checks.InputTypeError,
        match=_exactly(
            "y must be integers in [0, 4) (class indices), got dtype <U1 (e.g. np.str_('a')); "
            "convert them, e.g. np.asarray(y, int)."
        ),
    ):
        checks.as_labels(np.array(["a", "b"]), 4, name="y")
    with pytest.raises(checks.InputTypeError, match="got dtype bool"):
        checks.as_labels(np.array([True, False]))
    with pytest.raises(
        ValueError,
        match=_exactly(
            "labels must be integers in [0, 10) (class indices), got dtype float64 with "
            "non-integer or NaN values."
        ),
    ):
        checks.as_labels(np.array([1.0, 2.5]))


def test_positive_int_refuses_what_is_not_an_int():
    for bad in (2.5, "3", None, True):
        with pytest.raises(ValueError, match=_exactly(f"n must be an integer >= 1, got {bad!r}.")):
            checks.positive_int(bad, "n")
    assert checks.positive_int(np.int64(1), "n") == 1 and checks.positive_int(0, "n", 0) == 0
