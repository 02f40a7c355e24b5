r"""Schematic diagrams of the models, drawn with matplotlib only (no image files).

Each function returns a titled ``Figure`` about 9 x 3.5 inches, readable at notebook
width. Colours mean the same thing in every diagram: blue = data, orange = networks,
green = latent variables, purple = noise, yellow = labels, red = losses.

* :func:`mixture_diagram` (chapter 01), :func:`latent_variable_diagram` (chapters 01-02)
* :func:`autoencoder_diagram`, :func:`vae_diagram` (chapter 02)
* :func:`gan_diagram` (chapter 03)
* :func:`evaluation_diagram` (chapter 04)
* :func:`transformer_diagram` (chapter 05)
* :func:`diffusion_diagram` (an outlook beyond the chapters' models)
* :func:`data_parallel_diagram` (chapter 08)
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from genai_keras.plotting._diagram_parts import (
    COLORS,
    arrow,
    box,
    canvas,
    frame,
    node,
    note,
    route,
    summation,
)

__all__ = [
    "autoencoder_diagram",
    "data_parallel_diagram",
    "diffusion_diagram",
    "evaluation_diagram",
    "gan_diagram",
    "latent_variable_diagram",
    "mixture_diagram",
    "transformer_diagram",
    "vae_diagram",
]

_N01 = r"$\mathcal{N}(0, \mathbf{I})$"


def _check_flag(value: object, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def _check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"Unknown {name} {value!r}; use one of {', '.join(map(repr, choices))}.")
    return str(value)


# -- chapters 01 and 02: graphical models


def _latent_panel(
    ax,
    x0: float,
    x1: float,
    top: float,
    heading: str,
    latent: str,
    prior: str,
    likelihood: str,
    inference: str,
    count: str,
) -> None:
    """One graphical model ``latent -> x`` in a plate, with the dashed inference arrow back."""
    y = 1.45
    note(ax, (x0 + x1) / 2, top - 0.18, heading, fontsize=9.5, style="italic")
    frame(ax, x0 + 0.1, 0.35, x1 - 0.1, top - 0.45)
    note(ax, x1 - 0.2, 0.5, count, fontsize=8.5, ha="right")
    zx, xx = x0 + 0.35 * (x1 - x0) - 0.35, x0 + 0.65 * (x1 - x0) + 0.35
    z = node(ax, zx, y, latent, kind="latent")
    x = node(ax, xx, y, "$x$", kind="data", observed=True)
    note(ax, zx, y + 0.9, prior, fontsize=9, color=COLORS["latent"][1])
    arrow(ax, (z.right[0], y + 0.08), (x.left[0], y + 0.08), rad=-0.25, width=1.6)
    note(ax, (zx + xx) / 2, y + 0.48, likelihood, fontsize=8.5)
    arrow(ax, (x.left[0], y - 0.08), (z.right[0], y - 0.08), rad=-0.25, dashed=True, kind="network")
    note(ax, (zx + xx) / 2, y - 0.58, inference, fontsize=8.5, color=COLORS["network"][1])


def _legend(ax, width: float) -> None:
    note(
        ax,
        width / 2,
        0.12,
        "grey = observed     solid = generative model     dashed = inference",
        fontsize=8,
        color="#666666",
    )


_MIXTURE = (
    "Chapter 01 · Bernoulli mixture (discrete latent)",
    "$k$",
    r"$k \sim \mathrm{Cat}(\pi)$",
    "$x_d \\mid k \\sim \\mathrm{Bernoulli}(\\theta_{kd})$",
    "$p(k \\mid x)$ exact:\nBayes' rule (E-step)",
    "N images",
)


def mixture_diagram() -> Figure:
    r"""The Bernoulli mixture as a graphical model: ``k -> x``, with exact inference ``p(k|x)``.

    Used in chapter 01.
    """
    fig, ax = canvas("Chapter 01: a mixture is a latent-variable model", width=5.6)
    _latent_panel(ax, 0.0, 5.6, 3.05, *_MIXTURE)
    _legend(ax, 5.6)
    return fig


def latent_variable_diagram(mixture: bool = True) -> Figure:
    r"""The VAE's graphical model ``z -> x`` (prior, Bernoulli decoder, dashed ``q_phi(z|x)``).

    Used in chapter 02 (and 01 for the mixture panel).

    Args:
        mixture: also draw chapter 01's Bernoulli mixture ``k -> x`` beside it.
    """
    mixture = _check_flag(mixture, "mixture")
    width = 9.0 if mixture else 5.6
    title = (
        "Latent-variable models: a hidden cause generates each image"
        if mixture
        else "Chapter 02: the VAE's latent-variable model"
    )
    fig, ax = canvas(title, width=width)
    _latent_panel(
        ax,
        0.0,
        5.6,
        3.05,
        "Chapter 02 · VAE (continuous latent)",
        "$z$",
        r"$p(z) = \mathcal{N}(0, \mathbf{I})$",
        "generative: $p_\\theta(x \\mid z)$ = Bernoulli(decoder($z$))",
        "inference: $q_\\phi(z \\mid x)$ = encoder($x$), approximate",
        "N images",
    )
    if mixture:
        ax.plot([5.65, 5.65], [0.3, 2.85], color="#bbbbbb", linewidth=1)
        _latent_panel(ax, 5.7, 9.0, 3.05, *_MIXTURE)
    _legend(ax, width)
    return fig


# -- chapter 02: autoencoder and VAE


def vae_diagram(variant: str = "vae") -> Figure:
    r"""The VAE: encoder -> ``(mu, log sigma^2)`` -> ``z = mu + sigma * eps`` -> decoder ->
    Bernoulli.

    Used in chapter 02. ``variant="autoencoder"`` draws the deterministic autoencoder
    (encoder -> code -> decoder, no sampling, reconstruction loss only).

    Raises:
        ValueError: an unknown ``variant``.
    """
    variant = _check_choice(variant, "variant", ("vae", "autoencoder"))
    vae = variant == "vae"
    title = (
        "Chapter 02: variational autoencoder (VAE)"
        if vae
        else "Chapter 02: autoencoder (deterministic code, no sampling)"
    )
    fig, ax = canvas(title)
    y = 1.7
    x = box(ax, 0.55, y, 0.85, 0.75, "image\n$x$", "data")
    enc = box(ax, 1.85, y, 1.05, 0.8, "encoder\n" + ("$q_\\phi(z \\mid x)$" if vae else "conv net"))
    arrow(ax, x.right, enc.left)
    if vae:
        mu = box(ax, 3.2, y + 0.33, 0.8, 0.45, r"$\mu$", "latent", fontsize=11)
        logvar = box(ax, 3.2, y - 0.33, 0.8, 0.45, r"$\log \sigma^2$", "latent", fontsize=10)
        z = box(
            ax, 4.75, y, 1.45, 0.7, r"$z = \mu + \sigma \odot \epsilon$", "latent", fontsize=10.5
        )
        for part in (mu, logvar):
            arrow(ax, enc.right, part.left)
            arrow(ax, part.right, z.left)
        eps = box(ax, 4.75, 0.45, 1.3, 0.45, r"$\epsilon \sim$" + _N01, "noise")
        arrow(ax, eps.top, z.bottom, kind="noise", width=1.6)
        note(
            ax,
            6.75,
            0.45,
            "reparameterisation: the randomness\nenters from the side, so gradients"
            "\nflow through $\\mu$ and $\\sigma$ to the encoder",
            fontsize=8,
            color=COLORS["noise"][1],
        )
        route(ax, [logvar.bottom, (logvar.x, 0.95)], kind="loss", dashed=True)
        note(
            ax,
            2.45,
            0.55,
            r"KL: $D_{\mathrm{KL}}(q_\phi(z \mid x) \,\|\, \mathcal{N}(0, \mathbf{I}))$"
            "\nloss = reconstruction + KL  (= $-$ELBO)",
            fontsize=8.5,
            color=COLORS["loss"][1],
        )
    else:
        z = box(ax, 3.65, y, 1.2, 0.7, "code $z$\n(a point)", "latent")
        arrow(ax, enc.right, z.left)
        note(
            ax,
            3.65,
            0.6,
            "no noise and no prior on $z$: random codes decode badly\nloss = reconstruction only",
            fontsize=8.5,
            color=COLORS["loss"][1],
        )
    dec = box(
        ax,
        6.3 if vae else 5.45,
        y,
        1.0,
        0.8,
        "decoder\n" + ("$p_\\theta(x \\mid z)$" if vae else "conv net"),
    )
    logits = box(ax, dec.x + 1.2, y, 0.75, 0.55, "logits")
    out = box(
        ax,
        8.45 if vae else 7.95,
        y,
        0.9 if vae else 1.3,
        0.8,
        "Bernoulli\n$p_\\theta(x \\mid z)$" if vae else "$\\hat{x}$ = sigmoid\n(logits)",
        "data",
    )
    arrow(ax, z.right, dec.left)
    arrow(ax, dec.right, logits.left)
    arrow(ax, logits.right, out.left)
    top = 2.8
    route(ax, [x.top, (x.x, top), (out.x, top), out.top], kind="loss", dashed=True, head=False)
    note(
        ax,
        (x.x + out.x) / 2,
        top,
        "reconstruction: "
        + ("$-\\log p_\\theta(x \\mid z)$ = " if vae else "")
        + "binary cross-entropy of the logits against $x$",
        fontsize=8.5,
        color=COLORS["loss"][1],
    )
    return fig


def autoencoder_diagram() -> Figure:
    """The deterministic autoencoder: encoder -> code -> decoder (no sampling).

    Used in chapter 02; the same layout as :func:`vae_diagram`.
    """
    return vae_diagram("autoencoder")


# -- chapter 03: GAN


def gan_diagram(conditional: bool = False) -> Figure:
    r"""The GAN loop: ``z -> G -> fake``; real and fake -> ``D`` -> losses; gradients back
    into ``G``.

    Used in chapter 03.

    Args:
        conditional: draw the conditional GAN, whose label ``y`` enters both networks.
    """
    cond = _check_flag(conditional, "conditional")
    fig, ax = canvas(
        "Chapter 03: " + ("conditional GAN" if cond else "generative adversarial network (GAN)")
    )
    args = "(z, y)" if cond else "(z)"
    z = box(ax, 0.75, 2.2, 1.25, 0.6, "noise\n$z \\sim$" + _N01, "noise", fontsize=9)
    g = box(ax, 2.3, 2.2, 1.0, 0.7, "generator\n$G_\\theta$")
    fake = box(ax, 3.8, 2.2, 1.15, 0.6, f"fake image\n$G{args}$", "data", dashed=True)
    pair = "$(x, y)$" if cond else "$x$"
    real = box(
        ax, 3.8, 0.95, 1.15, 0.6, "real image\n" + pair + r"$\sim p_{\mathrm{data}}$", "data"
    )
    d = box(
        ax,
        5.3,
        1.575,
        1.1,
        0.8,
        "discriminator\n" + ("$D_\\psi(\\cdot, y)$" if cond else "$D_\\psi$"),
        fontsize=9,
    )
    dx = box(ax, 6.65, 1.575, 0.85, 0.6, "$D(\\cdot)$\nP(real)", "data", fontsize=9)
    g_loss = box(
        ax,
        8.15,
        2.25,
        1.55,
        0.85,
        "generator loss\n$-\\log D(G" + args + ")$\n(non-saturating)",
        "loss",
        fontsize=8.5,
    )
    d_loss = box(
        ax,
        8.15,
        0.9,
        1.55,
        0.85,
        "discriminator loss\n$-\\log D(x)$\n$-\\log(1 - D(G" + args + "))$",
        "loss",
        fontsize=8.5,
    )
    arrow(ax, z.right, g.left)
    arrow(ax, g.right, fake.left)
    arrow(ax, fake.right, d.at(0, 0.7))
    arrow(ax, real.right, d.at(0, 0.3))
    arrow(ax, d.right, dx.left)
    arrow(ax, dx.at(1, 0.7), g_loss.left)
    arrow(ax, dx.at(1, 0.3), d_loss.left)
    top = 2.9
    route(ax, [g_loss.top, (g_loss.x, top), (g.x, top), g.top], kind="loss", dashed=True)
    note(
        ax,
        5.2,
        top,
        "generator step: gradients flow back through $D$ (not updated) into $G$",
        fontsize=8.5,
        color=COLORS["loss"][1],
    )
    route(
        ax,
        [d_loss.bottom, (d_loss.x, 0.2), (d.x + 0.2, 0.2), d.at(0.68, 0)],
        kind="loss",
        dashed=True,
    )
    note(ax, 6.7, 0.2, "discriminator step: update $D$ only", fontsize=8.5, color=COLORS["loss"][1])
    if cond:
        y = box(ax, 1.5, 0.95, 1.0, 0.5, "label $y$", "label")
        arrow(ax, y.at(0.7, 1), g.at(0.3, 0), kind="label")
        arrow(ax, y.at(0.75, 0), d.at(0.3, 0), kind="label", rad=0.25)
    return fig


# -- chapter 04: evaluation


def evaluation_diagram() -> Figure:
    r"""How samples are scored: real and generated images -> one fixed feature network -> metrics.

    Both image sets pass through the same frozen MNIST classifier; its 128-D features
    feed FID, KID and precision/recall (real against generated), its class
    probabilities ``p(y|x)`` of the generated images feed the Inception Score. Used in
    chapter 04.
    """
    fig, ax = canvas("Chapter 04: every sample metric looks through one fixed feature network")
    real = box(ax, 0.75, 2.15, 1.3, 0.7, "real images\n(MNIST test set)", "data")
    fake = box(
        ax,
        0.75,
        0.95,
        1.3,
        0.7,
        "generated images\n(model samples)",
        "data",
        dashed=True,
        fontsize=9,
    )
    net = box(ax, 2.85, 1.55, 1.5, 1.1, "fixed feature\nnetwork\n(MNIST CNN, frozen)", fontsize=9)
    note(
        ax,
        2.85,
        0.42,
        "the same weights for every\nmodel (SHA-256 checked)",
        fontsize=8,
        color=COLORS["network"][1],
    )
    arrow(ax, real.right, net.at(0, 0.72))
    arrow(ax, fake.right, net.at(0, 0.28))
    feats = box(
        ax, 5.0, 2.15, 1.5, 0.7, "128-D features\n(penultimate layer)", "latent", fontsize=9
    )
    probs = box(
        ax,
        5.0,
        0.75,
        1.5,
        0.7,
        "class probabilities\n$p(y \\mid x)$ (softmax)",
        "label",
        fontsize=9,
    )
    arrow(ax, net.at(1, 0.72), feats.left, text="both sets", text_offset=(-0.1, 0.27), fontsize=8)
    arrow(
        ax,
        net.at(1, 0.28),
        probs.left,
        text="generated\nset only",
        text_offset=(-0.2, -0.3),
        fontsize=8,
    )
    metrics = [
        (2.7, "FID: squared Fréchet distance\nof Gaussians $(\\mu, \\Sigma)$ fitted to each set"),
        (1.95, "KID: unbiased MMD$^2$,\ncubic polynomial kernel"),
        (1.2, "precision / recall:\n$k$-NN balls around each set"),
    ]
    for y, text in metrics:
        target = box(ax, 7.7, y, 2.2, 0.62, text, "plain", fontsize=8.5)
        arrow(ax, feats.right, target.left)
    score = box(
        ax,
        7.7,
        0.4,
        2.2,
        0.62,
        "Inception Score: confident and\nvaried classes (no real data)",
        "plain",
        fontsize=8.5,
    )
    arrow(ax, probs.right, score.left)
    return fig


# -- chapter 05: character transformer


def _mask_inset(ax, x0: float, y0: float, size: int = 6, cell: float = 0.13) -> None:
    """A lower-triangular grid: query row ``i`` may attend to key column ``j <= i``."""
    for i in range(size):
        for j in range(size):
            on = j <= i
            ax.add_patch(
                Rectangle(
                    (x0 + j * cell, y0 + (size - 1 - i) * cell),
                    cell,
                    cell,
                    facecolor=COLORS["network"][1] if on else "white",
                    edgecolor="#999999",
                    linewidth=0.6,
                    alpha=0.85 if on else 1,
                    zorder=3,
                )
            )
    note(ax, x0 + size * cell / 2, y0 + size * cell + 0.1, "keys $j$", fontsize=7.5)
    ax.text(
        x0 + size * cell + 0.06,
        y0 + size * cell / 2,
        "queries $i$",
        rotation=-90,
        fontsize=7.5,
        ha="left",
        va="center",
    )


def transformer_diagram(num_layers: int | None = None, tie_weights: bool = True) -> Figure:
    r"""The decoder-only character transformer, drawn as the package builds it.

    Pre-norm blocks ``x + Attn(LN(x))`` then ``x + MLP(LN(x))``, a final LayerNorm, and
    (with ``tie_weights``) logits ``h E^T + b`` from the token embedding ``E``. An inset
    shows the causal mask. Used in chapter 05.

    Args:
        num_layers: the number of blocks to print (``None``: "N").
        tie_weights: draw the tied output layer (else a separate linear head).
    """
    tie = _check_flag(tie_weights, "tie_weights")
    if num_layers is not None and (
        isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1
    ):
        raise ValueError(f"num_layers must be a positive int or None, got {num_layers!r}.")
    fig, ax = canvas("Chapter 05: decoder-only character transformer (a tiny GPT)")
    y = 1.45
    chars = box(ax, 0.5, y, 0.85, 0.75, 'characters\n"the ca"', "data", fontsize=8.5)
    pos = box(ax, 1.7, 2.15, 1.05, 0.55, "position\nembedding $P$", fontsize=8.5)
    tok = box(ax, 1.7, 0.75, 1.05, 0.55, "token\nembedding $E$", fontsize=8.5)
    arrow(ax, chars.at(1, 0.7), pos.left, text="index $t$", text_offset=(-0.25, 0.2), fontsize=7.5)
    arrow(ax, chars.at(1, 0.3), tok.left)
    add0 = summation(ax, 2.55, y)
    arrow(ax, pos.right, add0.top, rad=-0.3)
    arrow(ax, tok.right, add0.bottom, rad=0.3)
    frame(ax, 2.8, 0.95, 6.35, 2.55, kind="network")
    count = "N" if num_layers is None else str(num_layers)
    note(
        ax,
        4.575,
        2.38,
        f"\N{MULTIPLICATION SIGN} {count} blocks (pre-norm)",
        fontsize=8.5,
        color=COLORS["network"][1],
    )
    ln1 = box(ax, 3.2, y, 0.42, 0.55, "LN", fontsize=8.5)
    attn = box(ax, 3.9, y, 0.82, 0.75, "causal\nself-attn", fontsize=8.5)
    add1 = summation(ax, 4.53, y)
    ln2 = box(ax, 5.0, y, 0.42, 0.55, "LN", fontsize=8.5)
    mlp = box(ax, 5.56, y, 0.6, 0.75, "MLP\nGELU", fontsize=8.5)
    add2 = summation(ax, 6.13, y)
    for a, b in [
        (add0.right, ln1.left),
        (ln1.right, attn.left),
        (attn.right, add1.left),
        (add1.right, ln2.left),
        (ln2.right, mlp.left),
        (mlp.right, add2.left),
    ]:
        arrow(ax, a, b)
    route(ax, [(2.86, y), (2.86, 2.05), (add1.x, 2.05), add1.top])
    route(ax, [(4.71, y), (4.71, 2.05), (add2.x, 2.05), add2.top])
    ln_f = box(ax, 6.75, y, 0.42, 0.55, "LN", fontsize=8.5)
    logits = box(
        ax,
        7.55,
        y,
        0.8,
        0.75,
        "logits\n" + ("$hE^{\\top} + b$" if tie else "$Wh + b$"),
        fontsize=8.5,
    )
    out = box(ax, 8.5, y, 0.85, 0.75, 'next chars\n"he cat"', "data", fontsize=8.5)
    arrow(ax, add2.right, ln_f.left)
    arrow(ax, ln_f.right, logits.left)
    arrow(ax, logits.right, out.left)
    note(ax, 8.5, 0.85, "softmax, then\nsample one", fontsize=7.5)
    if tie:
        route(
            ax,
            [tok.bottom, (tok.x, 0.2), (logits.x, 0.2), logits.bottom],
            kind="network",
            dashed=True,
        )
        note(
            ax,
            4.6,
            0.2,
            "weight tying: the output layer reuses the token embedding $E$",
            fontsize=8,
            color=COLORS["network"][1],
        )
    _mask_inset(ax, 7.75, 1.98)
    note(
        ax,
        7.65,
        2.37,
        "causal mask:\nposition $i$ sees\nonly $j \\leq i$",
        fontsize=7.5,
        ha="right",
    )
    return fig


# -- outlook: diffusion


def _digit_frames(levels: tuple[float, ...], seed: int = 0) -> list[np.ndarray]:
    """A synthetic "0" (28x28, in [-1, 1]) noised to each level t:
    ``cos(pi t/2) x0 + sin(pi t/2) eps``."""
    yy, xx = np.mgrid[:28, :28]
    r = np.hypot((xx - 13.5) / 0.75, yy - 13.5)
    x0 = 2.0 * np.exp(-(((r - 8.5) / 2.2) ** 2)) - 1.0
    eps = np.random.default_rng(seed).standard_normal((28, 28))
    return [np.cos(np.pi * t / 2) * x0 + np.sin(np.pi * t / 2) * eps for t in levels]


def diffusion_diagram(prediction: str = "epsilon", guidance: bool = True) -> Figure:
    r"""Diffusion: forward noising ``x_t = alpha_t x0 + sigma_t eps`` and learned reverse steps.

    Left: a digit noised over a few steps (forward, fixed) and denoised back (reverse,
    learned). Right: the denoiser network ``(x_t, t, y) -> eps_hat`` (or velocity) and
    its loss; with ``guidance`` the label dropout of classifier-free guidance. An
    outlook beyond chapters 02-05.

    Args:
        prediction: what the network predicts, ``"epsilon"`` or ``"velocity"``.
        guidance: annotate classifier-free guidance.

    Raises:
        ValueError: an unknown ``prediction``.
    """
    prediction = _check_choice(prediction, "prediction", ("epsilon", "velocity"))
    guidance = _check_flag(guidance, "guidance")
    fig, ax = canvas("Diffusion model: noise data step by step, learn to undo each step")
    y, size = 1.55, 0.7
    names = ["$x_0$ (data)", "$x_{t_1}$", "$x_{t_2}$", "$x_T \\approx$ noise"]
    xs = [0.6, 1.85, 3.1, 4.35]
    for i, (cx, img) in enumerate(zip(xs, _digit_frames((0.0, 0.3, 0.55, 1.0)), strict=True)):
        ax.imshow(
            np.clip((img + 1) / 2, 0, 1),
            cmap="gray_r",
            vmin=0,
            vmax=1,
            interpolation="nearest",
            extent=(cx - size / 2, cx + size / 2, y - size / 2, y + size / 2),
            zorder=2,
        )
        ax.add_patch(
            Rectangle(
                (cx - size / 2, y - size / 2),
                size,
                size,
                facecolor="none",
                edgecolor=COLORS["data"][1],
                linewidth=1.2,
                zorder=3,
            )
        )
        note(ax, cx, y + size / 2 + 0.17, names[i], fontsize=8.5)
        if i:
            arrow(ax, (xs[i - 1] + size / 2, y + 0.14), (cx - size / 2, y + 0.14), kind="noise")
            arrow(ax, (cx - size / 2, y - 0.14), (xs[i - 1] + size / 2, y - 0.14), kind="network")
    ax.set_aspect("auto")
    note(
        ax,
        2.47,
        2.7,
        "forward (fixed): $x_t = \\alpha_t x_0 + \\sigma_t \\epsilon$,  $\\epsilon \\sim$" + _N01,
        fontsize=9,
        color=COLORS["noise"][1],
    )
    note(
        ax,
        2.47,
        0.75,
        "reverse (learned): each step $x_t \\to x_{t-\\Delta}$\n"
        "uses the denoiser's prediction (right)",
        fontsize=9,
        color=COLORS["network"][1],
    )
    ax.plot([5.0, 5.0], [0.45, 2.5], color="#bbbbbb", linewidth=1)
    velocity = prediction == "velocity"
    xt = box(ax, 5.75, 2.05, 0.9, 0.45, "noisy $x_t$", "data", fontsize=9)
    t = box(ax, 5.75, 1.4, 0.9, 0.45, "time $t$", "plain", fontsize=9)
    lab = box(ax, 5.75, 0.75, 0.9, 0.45, "label $y$", "label", fontsize=9)
    net = box(ax, 7.0, 1.4, 0.95, 1.0, "denoiser\nnetwork\n$\\theta$", fontsize=9)
    for part in (xt, t, lab):
        arrow(ax, part.right, net.left)
    head = "\\hat{v}" if velocity else "\\hat{\\epsilon}"
    out = box(ax, 8.35, 1.95, 1.05, 0.55, f"${head}_\\theta(x_t, t, y)$", "network", fontsize=8.5)
    loss = box(
        ax,
        8.35,
        0.85,
        1.05,
        0.75 if velocity else 0.55,
        "$\\|v - \\hat{v}\\|^2$\n$v = \\alpha_t \\epsilon - \\sigma_t x_0$"
        if velocity
        else "$\\|\\epsilon - \\hat{\\epsilon}\\|^2$",
        "loss",
        fontsize=9,
    )
    arrow(ax, net.right, out.left)
    arrow(ax, out.bottom, loss.top, kind="loss")
    if guidance:
        note(
            ax,
            6.1,
            0.22,
            "training: label dropped, $y \\to \\varnothing$, with prob. $p$",
            fontsize=8,
            color=COLORS["label"][1],
        )
        guided = head.replace("hat", "tilde")
        note(
            ax,
            6.95,
            2.72,
            f"classifier-free guidance: ${guided} = (1 + w)\\,{head}(x_t, t, y)"
            f" - w\\,{head}(x_t, t, \\varnothing)$",
            fontsize=8.5,
            color=COLORS["label"][1],
        )
    return fig


# -- chapter 08: data parallelism


def data_parallel_diagram(num_devices: int = 4) -> Figure:
    r"""Data parallelism: one global batch split over ``N`` replicas, gradients all-reduced.

    Each device holds a copy of the weights ``theta``, computes the loss and its gradient
    ``g_k`` on its slice of ``B / N`` examples; an all-reduce averages the ``N`` gradients
    and every replica applies the same update, so the copies stay identical.

    Used in chapter 08.

    Args:
        num_devices: replicas drawn, from 2 to 6.

    Raises:
        ValueError: ``num_devices`` not an int from 2 to 6.
    """
    if (
        isinstance(num_devices, bool)
        or not isinstance(num_devices, (int, np.integer))
        or not 2 <= num_devices <= 6
    ):
        raise ValueError(
            f"num_devices must be an int from 2 to 6 (the replicas drawn), got {num_devices!r}."
        )
    n = int(num_devices)
    fig, ax = canvas(f"Chapter 08: data parallelism on {n} devices (one training step)")
    top, bottom = 2.5, 0.55
    ys = [top - i * (top - bottom) / (n - 1) for i in range(n)]
    row_h = min(0.5, 0.8 * (top - bottom) / (n - 1))
    batch = box(ax, 0.7, 1.525, 1.1, 1.0, "global batch\n$B$ images", "data")
    reduce = box(
        ax,
        6.05,
        1.525,
        1.45,
        1.0,
        "all-reduce:\nthe average\n$g = (g_1 + \\dots + g_N) / N$",
        "loss",
        fontsize=8.5,
    )
    update = box(
        ax,
        7.95,
        1.525,
        1.6,
        1.0,
        "same update\non every replica\n$\\theta \\leftarrow$ Adam$(\\theta, g)$",
        "plain",
        fontsize=9,
    )
    replicas = []
    for k, y in enumerate(ys, start=1):
        part = box(ax, 2.2, y, 1.0, row_h, f"slice {k}: $B/N$", "data", fontsize=8.5)
        rep = box(
            ax,
            3.85,
            y,
            1.7,
            row_h,
            f"device {k}: copy of $\\theta$\nloss on slice $\\to g_{k}$",
            "network",
            fontsize=8,
        )
        arrow(ax, batch.right, part.left)
        arrow(ax, part.right, rep.left)
        arrow(ax, rep.right, reduce.left, kind="loss")
        replicas.append(rep)
    arrow(ax, reduce.right, update.left)
    line = 2.95
    route(ax, [update.top, (update.x, line), (replicas[0].x, line), replicas[0].top], dashed=True)
    note(ax, 6.0, line, "new $\\theta$ on every device: the copies stay identical", fontsize=8.5)
    note(
        ax,
        6.95,
        0.35,
        f"$N$ = {n}: the same gradient as one device with batch $B$\n"
        "(JAX: one program split by XLA; TensorFlow: one replica per device)",
        fontsize=8,
        color="#666666",
    )
    return fig
