"""Tests of the schematic model diagrams (matplotlib only, no training)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import genai_keras as gk
from genai_keras.plotting import diagrams


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text().strip()]


# (function, kwargs, minimum number of texts, labels that must appear in some text)
CASES = [
    (
        diagrams.latent_variable_diagram,
        {},
        12,
        [
            "$z$",
            "$x$",
            "$k$",
            r"\mathcal{N}(0, \mathbf{I})",
            r"q_\phi(z \mid x)",
            "Bernoulli",
            "Cat",
        ],
    ),
    (diagrams.latent_variable_diagram, {"mixture": False}, 7, ["$z$", r"p_\theta(x \mid z)"]),
    (diagrams.mixture_diagram, {}, 7, ["$k$", "Bernoulli", "E-step"]),
    (
        diagrams.vae_diagram,
        {},
        12,
        [
            "encoder",
            "decoder",
            r"z = \mu + \sigma \odot \epsilon",
            r"\log \sigma^2",
            "reparameterisation",
            "logits",
            "reconstruction",
            "KL",
            "ELBO",
        ],
    ),
    (diagrams.autoencoder_diagram, {}, 8, ["encoder", "decoder", "code", "reconstruction only"]),
    (
        diagrams.gan_diagram,
        {},
        10,
        [
            "generator",
            "discriminator",
            "fake",
            "real",
            "generator loss",
            "discriminator loss",
            "back through $D$",
        ],
    ),
    (
        diagrams.gan_diagram,
        {"conditional": True},
        11,
        ["label $y$", "G(z, y)", r"D_\psi(\cdot, y)"],
    ),
    (
        diagrams.evaluation_diagram,
        {},
        11,
        [
            "real images",
            "generated images",
            "fixed feature",
            "128-D features",
            r"p(y \mid x)",
            "FID",
            "squared Fréchet",
            "KID",
            "MMD$^2$",
            "precision / recall",
            "Inception Score",
            "no real data",
        ],
    ),
    (
        diagrams.transformer_diagram,
        {},
        15,
        [
            "token\nembedding",
            "position\nembedding",
            "causal\nself-attn",
            "LN",
            "MLP",
            "logits",
            "hE^{\\top}",
            "weight tying",
            "causal mask",
            "\N{MULTIPLICATION SIGN} N blocks",
        ],
    ),
    (
        diagrams.transformer_diagram,
        {"num_layers": 4, "tie_weights": False},
        14,
        ["\N{MULTIPLICATION SIGN} 4 blocks", "Wh + b"],
    ),
    (
        diagrams.diffusion_diagram,
        {},
        12,
        [
            r"x_t = \alpha_t x_0 + \sigma_t \epsilon",
            "denoiser",
            "reverse",
            "forward",
            r"\hat{\epsilon}_\theta(x_t, t, y)",
            "classifier-free guidance",
            r"\varnothing",
            "prob. $p$",
        ],
    ),
    (
        diagrams.diffusion_diagram,
        {"prediction": "velocity", "guidance": False},
        10,
        [r"\hat{v}_\theta", r"v = \alpha_t \epsilon - \sigma_t x_0"],
    ),
]


@pytest.mark.parametrize(
    ("function", "kwargs", "min_texts", "labels"),
    CASES,
    ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)],
)
def test_diagram_is_titled_figure_with_its_labels(function, kwargs, min_texts, labels):
    fig = function(**kwargs)
    try:
        assert isinstance(fig, Figure)
        assert fig.get_suptitle().strip()
        texts = _texts(fig)
        assert len(texts) >= min_texts, texts
        for label in labels:
            assert any(label in t for t in texts), f"{label!r} not among {texts}"
        fig.canvas.draw()  # every mathtext string must parse
    finally:
        plt.close(fig)


def test_diagrams_are_about_notebook_width_and_exported():
    for name in diagrams.__all__:
        fig = getattr(gk.plotting, name)()
        try:
            width, height = fig.get_size_inches()
            assert 4.5 <= width <= 9.5 and 3.0 <= height <= 4.0
            assert fig.get_suptitle()
        finally:
            plt.close(fig)


@pytest.mark.parametrize(
    ("function", "kwargs"),
    [(c[0], c[1]) for c in CASES],
    ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)],
)
def test_diagram_texts_stay_inside_the_figure(function, kwargs):
    fig = function(**kwargs)
    try:
        renderer = fig.canvas.get_renderer()
        frame = fig.bbox
        for text in fig.findobj(Text):
            if text.get_text().strip() and text.get_visible():
                box = text.get_window_extent(renderer)
                assert (
                    box.x0 >= frame.x0 - 1
                    and box.x1 <= frame.x1 + 1
                    and box.y0 >= frame.y0 - 1
                    and box.y1 <= frame.y1 + 1
                ), text.get_text()
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: diagrams.vae_diagram("beta-vae"),
            r"Unknown variant 'beta-vae'; use one of 'vae', 'autoencoder'",
        ),
        (
            lambda: diagrams.diffusion_diagram("x0"),
            r"Unknown prediction 'x0'; use one of 'epsilon', 'velocity'",
        ),
        (lambda: diagrams.gan_diagram(conditional="yes"), "conditional must be True or False"),
        (lambda: diagrams.latent_variable_diagram(mixture=1), "mixture must be True or False"),
        (
            lambda: diagrams.transformer_diagram(num_layers=0),
            "num_layers must be a positive int or None",
        ),
        (
            lambda: diagrams.transformer_diagram(tie_weights=None),
            "tie_weights must be True or False",
        ),
    ],
)
def test_bad_arguments_raise_clear_errors(call, message):
    before = plt.get_fignums()
    with pytest.raises(ValueError, match=message):
        call()
    assert plt.get_fignums() == before  # checked before any figure is opened


def test_unknown_part_kind_is_rejected():
    from genai_keras.plotting import _diagram_parts as parts

    fig, ax = parts.canvas("t")
    try:
        with pytest.raises(ValueError, match="Unknown part kind 'blob'"):
            parts.box(ax, 1, 1, 1, 1, "x", kind="blob")
    finally:
        plt.close(fig)
