"""How data and samples are distributed: histograms, densities, class counts, 2-D scatter.

Used in chapters 00 (class counts, pixel values), 01 (densities), 03 (toy GAN, class
histograms of samples) and 04 (feature embeddings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from genai_keras.arrays import to_numpy


def plot_class_counts(
    labels: Any, title: str = "Images per class", xlabel: str = "digit", num_classes: int = 10
):
    """Bar chart of how many examples each class has (chapter 00)."""
    counts = np.bincount(to_numpy(labels, dtype=int), minlength=num_classes)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(np.arange(len(counts)), counts, color="tab:blue")
    ax.set_xticks(np.arange(len(counts)))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_pixel_histogram(images: Any, bins: int = 51, title: str = "Pixel intensities"):
    """Histogram of pixel values in [0, 1] on a log count axis (chapter 00)."""
    values = to_numpy(images, dtype=np.float32).ravel()
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(values, bins=bins, range=(0.0, 1.0), color="tab:gray")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel("pixel value (0 = background, 1 = full ink)")
    ax.set_ylabel("number of pixels (log scale)")
    fig.tight_layout()
    return fig


def plot_density_with_samples(
    grid: Any,
    density: Any,
    samples: Any,
    discrete: bool = False,
    title: str = "Samples and the exact density",
    xlabel: str = "x",
    ylabel: str | None = None,
    bins: int = 50,
):
    """Normalised histogram of samples under the exact density or mass (chapter 01).

    Args:
        grid: x values where ``density`` is given (integers 0..k for a mass function).
        density: the exact pdf (continuous) or pmf (``discrete=True``) on ``grid``.
        samples: draws from the distribution.
        discrete: draw a mass function (bars at integers) instead of a density.
    """
    grid = to_numpy(grid, dtype=float)
    density = to_numpy(density, dtype=float)
    samples = to_numpy(samples, dtype=float).ravel()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    if discrete:
        values, counts = np.unique(samples, return_counts=True)
        ax.bar(
            values,
            counts / samples.size,
            width=0.8,
            alpha=0.5,
            color="tab:blue",
            label=f"{samples.size:,} samples (frequency)",
        )
        ax.plot(grid, density, "o-", color="tab:red", ms=4, label="exact mass P(X=k)")
    else:
        ax.hist(
            samples,
            bins=bins,
            density=True,
            alpha=0.5,
            color="tab:blue",
            label=f"{samples.size:,} samples (histogram)",
        )
        ax.plot(grid, density, color="tab:red", lw=2, label="exact density p(x)")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or ("probability" if discrete else "density"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_curve_family(
    grid: Any,
    curves: Mapping[str, Any],
    discrete: bool = False,
    title: str = "A family of distributions",
    xlabel: str = "x",
    ylabel: str = "density",
    ax=None,
):
    """Several densities (lines) or mass functions (markers) on one axis (chapter 01).

    Args:
        grid: shared x values.
        curves: ``{legend label: y values on grid}``.
        discrete: draw markers joined by thin lines (mass functions at integers).
        ax: draw into this axis (for side-by-side panels); a new figure otherwise.

    Returns:
        The ``Figure`` holding the axis.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.2))
    else:
        fig = ax.figure
    grid = to_numpy(grid, dtype=float)
    step = float(np.min(np.diff(grid))) if grid.size > 1 else 1.0
    for i, (label, y) in enumerate(curves.items()):
        y = to_numpy(y, dtype=float)
        if discrete:  # stems, side by side, so that masses at the same k do not hide each other
            x = grid + (i - (len(curves) - 1) / 2) * 0.12 * step
            (dots,) = ax.plot(x, y, "o", ms=4, label=label)
            ax.vlines(x, 0.0, y, color=dots.get_color(), lw=1.5)
        else:
            ax.plot(grid, y, lw=2, label=label)
    if discrete and grid.size <= 10:
        ax.set_xticks(grid)
        ax.set_xlim(grid[0] - 0.5 * step, grid[-1] + 0.5 * step)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_embedding_2d(
    points: Any,
    labels: Any,
    title: str = "Feature space (PCA)",
    xlabel: str = "principal component 1",
    ylabel: str = "principal component 2",
    max_points: int = 3000,
):
    """Scatter 2-D projected features coloured by digit label (chapter 04).

    Args:
        points: ``(N, 2)`` projected features.
        labels: ``(N,)`` integer labels (one colour each, with a legend).
        max_points: draw at most this many points (the first ones).
    """
    pts = to_numpy(points, dtype=float)[:max_points]
    lab = to_numpy(labels)[:max_points]
    if pts.ndim != 2 or pts.shape[1] != 2 or lab.shape != (pts.shape[0],):
        raise ValueError(f"points must be (N, 2) with N labels, got {pts.shape} and {lab.shape}.")
    fig, ax = plt.subplots(figsize=(6, 5))
    cmap = plt.get_cmap("tab10")
    for c in np.unique(lab):
        sel = lab == c
        ax.scatter(pts[sel, 0], pts[sel, 1], s=4, alpha=0.6, color=cmap(int(c) % 10), label=str(c))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(title="digit", markerscale=3, fontsize=8, loc="best", ncol=2)
    fig.tight_layout()
    return fig


def plot_toy_gan(
    grid: Any,
    p_data: Any,
    snapshots: Mapping[str, tuple[Any, Any]],
    title: str = "A 1-D GAN during training",
    bins: int = 60,
):
    """One panel per training moment: data density, histogram of generated points, D(x).

    Used in chapter 03.

    Args:
        grid: ``(G,)`` x values.
        p_data: ``(G,)`` data density at ``grid``.
        snapshots: ``{panel title: (generated samples (n,) or (n, 1), D(grid) (G,))}``.
        title: the figure's title.
    """
    if not snapshots:
        raise ValueError("snapshots is empty; give {title: (samples, d_values)}.")
    x = to_numpy(grid, dtype=float).ravel()
    fig, axes = plt.subplots(
        1, len(snapshots), figsize=(3.2 * len(snapshots), 3.0), sharey=True, squeeze=False
    )
    for ax, (name, (samples, d_vals)) in zip(axes[0], snapshots.items(), strict=True):
        ax.plot(x, to_numpy(p_data, dtype=float).ravel(), color="black", label="$p_{data}$")
        ax.hist(
            to_numpy(samples, dtype=float).ravel(),
            bins=bins,
            range=(x.min(), x.max()),
            density=True,
            color="tab:orange",
            alpha=0.6,
            label="$p_g$ (samples)",
        )
        ax.plot(
            x,
            to_numpy(d_vals, dtype=float).ravel(),
            color="tab:blue",
            linestyle="--",
            label="$D(x)$",
        )
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("density / probability")
    axes[0, 0].legend(fontsize=8, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_class_histograms(
    counts: Mapping[str, Any],
    title: str = "Digit classes of generated samples",
    xlabel: str = "digit (feature-net prediction)",
):
    """Grouped bars: fraction of samples in each class, one colour per model.

    A flat histogram (about 10% each) means every digit is generated; missing or
    towering bars show mode collapse. Used in chapter 03.

    Args:
        counts: ``{label: class counts (10,)}``.
    """
    if not counts:
        raise ValueError("counts is empty; give {label: counts per class}.")
    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / len(counts)
    for i, (name, c) in enumerate(counts.items()):
        c = to_numpy(c, dtype=float)
        if c.shape != (10,):
            raise ValueError(
                f"counts[{name!r}] must have 10 entries (one per digit), got shape "
                f"{c.shape}; use np.bincount(predicted_labels, minlength=10)."
            )
        frac = c / max(1, c.sum())
        ax.bar(np.arange(10) + (i - (len(counts) - 1) / 2) * width, frac, width, label=name)
    ax.axhline(0.1, color="black", linestyle=":", linewidth=1, label="uniform (10%)")
    ax.set_xticks(np.arange(10))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of samples")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
