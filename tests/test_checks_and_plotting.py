"""Tests of the shared input checks and the basic figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import genai_keras as gk


def test_as_images_adds_channel_and_keeps_values():
    x = np.random.default_rng(0).random((5, 28, 28))
    out = gk.checks.as_images(x)
    assert out.shape == (5, 28, 28, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[..., 0], x, rtol=1e-6)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((5, 32, 32, 1)), r"must have shape \(N, 28, 28, 1\), got \(5, 32, 32, 1\)"),
        (np.zeros((28, 28)), r"must have shape \(N, 28, 28, 1\)"),
        (np.full((2, 28, 28, 1), 255.0), r"found values in \[255, 255\].*divide by 255"),
        (np.full((2, 28, 28, 1), -0.5), r"pixels in \[0, 1\]"),
        (np.full((2, 28, 28, 1), np.nan), "NaN"),
    ],
)
def test_as_images_rejects(bad, message):
    with pytest.raises(ValueError, match=message):
        gk.checks.as_images(bad)


def test_as_images_min_count():
    with pytest.raises(ValueError, match="at least 3 images, got 2"):
        gk.checks.as_images(np.zeros((2, 28, 28, 1)), min_count=3)


def test_as_labels():
    np.testing.assert_array_equal(gk.checks.as_labels([0, 9, 3]), [0, 9, 3])
    with pytest.raises(ValueError, match=r"must lie in \[0, 9\], found values in \[0, 10\]"):
        gk.checks.as_labels([0, 10])
    with pytest.raises(ValueError, match="must be integers"):
        gk.checks.as_labels([0.5])
    with pytest.raises(ValueError, match="has 2 entries but 3 were expected"):
        gk.checks.as_labels([1, 2], count=3)


def test_number_checks():
    assert gk.checks.positive_int(3, "latent_dim") == 3
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1, got 0"):
        gk.checks.positive_int(0, "latent_dim")
    with pytest.raises(ValueError, match="beta must be a finite number >= 0"):
        gk.checks.non_negative_float(-1, "beta")


def test_show_images_grid_and_titles():
    images = np.random.default_rng(0).random((12, 28, 28, 1))
    fig = gk.plotting.show_images(
        images, titles=[str(i) for i in range(12)], ncols=5, title="Digits"
    )
    assert len(fig.axes) == 15  # 3 rows of 5
    assert fig.axes[0].get_title() == "0"
    assert fig._suptitle.get_text() == "Digits"
    with pytest.raises(ValueError, match="Got 2 titles for 12 images"):
        gk.plotting.show_images(images, titles=["a", "b"])
    with pytest.raises(ValueError, match="images must have shape"):
        gk.plotting.show_images(np.zeros((28, 28)))


def test_plot_history_from_dict():
    fig = gk.plotting.plot_history({"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]}, title="VAE")
    ax = fig.axes[0]
    assert ax.get_title() == "VAE" and ax.get_xlabel() == "epoch"
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss"]
    with pytest.raises(ValueError, match=r"No curve named \['kl'\]"):
        gk.plotting.plot_history({"loss": [1]}, keys=["kl"])
