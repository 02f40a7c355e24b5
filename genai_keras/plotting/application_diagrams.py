r"""The schematic of chapter 07: one damaged digit, a classical baseline, a regression net
and a conditional VAE, all scored the same way.

Drawn with the parts of :mod:`._diagram_parts` (blue = data, orange = networks,
green = latent variables, purple = noise, red = losses).

Used in chapter 07.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from genai_keras.plotting._diagram_parts import COLORS, arrow, box, canvas, note, route

__all__ = ["applications_diagram", "plot_augmentation_gain"]


def applications_diagram() -> Figure:
    r"""Restoration three ways: ``x -> damage -> c``; then a filter / interpolation, a
    regression net :math:`f(c)` (the mean, best PSNR) and a conditional VAE
    :math:`g(c, z)` with :math:`z \sim \mathcal N(0, I)` (several plausible answers);
    every answer is scored with PSNR, SSIM and the fixed classifier.

    Used in chapter 07.
    """
    fig, ax = canvas("Chapter 07: restoring damaged digits, three ways", height=4.0)
    x = box(ax, 0.7, 2.05, 1.05, 0.6, "clean digit\n$x$", "data")
    dmg = box(ax, 2.05, 2.05, 1.2, 0.75, "damage\nnoise / 4x smaller\n/ hole", "loss", fontsize=8.5)
    c = box(ax, 3.4, 2.05, 0.95, 0.6, "damaged\n$c$", "data", dashed=True)
    base = box(
        ax,
        5.05,
        3.25,
        1.75,
        0.55,
        "baseline: filter,\nbicubic, nearest fill",
        "plain",
        fontsize=8.5,
    )
    reg = box(ax, 5.05, 2.05, 1.75, 0.6, "regression net $f(c)$\n(BCE to $x$)", fontsize=8.5)
    cvae = box(ax, 5.05, 0.85, 1.75, 0.6, "conditional VAE\n$g(c, z)$ (-ELBO)", fontsize=8.5)
    z = box(ax, 3.4, 0.70, 0.95, 0.5, r"$z \sim \mathcal{N}(0, \mathbf{I})$", "noise", fontsize=8.5)
    one = box(ax, 6.85, 2.05, 1.15, 0.6, "one answer:\nthe mean $\\hat x$", "data", fontsize=8.5)
    many = box(ax, 6.85, 0.85, 1.15, 0.6, "several\nplausible $\\hat x$", "data", fontsize=8.5)
    b_out = box(ax, 6.85, 3.25, 1.15, 0.5, "$\\hat x$", "data", fontsize=9)
    score = box(
        ax, 8.35, 2.05, 1.05, 1.3, "scores\nPSNR\nSSIM\nclassifier\naccuracy", "loss", fontsize=8.5
    )
    arrow(ax, x.right, dmg.left)
    arrow(ax, dmg.right, c.left)
    arrow(ax, c.at(1, 0.8), base.left)
    arrow(ax, c.right, reg.left)
    arrow(ax, c.at(1, 0.2), cvae.at(0, 0.7))
    arrow(ax, z.right, cvae.at(0, 0.3), kind="noise")
    arrow(ax, base.right, b_out.left)
    arrow(ax, reg.right, one.left)
    arrow(ax, cvae.right, many.left)
    for out in (b_out, one, many):
        arrow(ax, out.right, score.left, rad=0.0)
    route(ax, [x.bottom, (x.x, 0.35), (cvae.x, 0.35), cvae.bottom], kind="latent", dashed=True)
    note(
        ax,
        2.2,
        0.17,
        "training only: the encoder $q(z\\mid x, c)$ sees the clean digit",
        fontsize=8,
        color=COLORS["latent"][1],
    )
    return fig


def plot_augmentation_gain(results, title: str = "Classifier accuracy with few labels"):
    """Test accuracy (mean and standard deviation over seeds) against the number of
    labelled digits N, one line per augmentation variant (chapter 07).

    Args:
        results: ``{str(N): {variant: {"mean", "std", ...}}}`` from
            ``genai_keras.applications.augmentation.run``.
        title: the figure's title.
    """
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("results must hold at least one N (see augmentation.run).")
    ns = sorted(results, key=int)
    variants = list(results[ns[0]])
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    for i, v in enumerate(variants):
        means = [100 * results[n][v]["mean"] for n in ns]
        stds = [100 * results[n][v]["std"] for n in ns]
        xs = [int(n) * (1 + 0.03 * (i - 1.5)) for n in ns]  # small offsets keep bars apart
        ax.errorbar(xs, means, yerr=stds, marker="o", capsize=3, label=v)
    ax.set_xscale("log")
    ax.set_xticks([int(n) for n in ns], labels=ns)
    ax.set_xlabel("labelled training digits N (log scale)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(title)
    ax.legend(title="augmentation", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
