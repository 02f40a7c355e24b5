"""Figures used across the chapters: image grids and training curves.

Every function returns the matplotlib ``Figure`` it drew, titled and with labelled
axes, so a notebook cell ends with the call and shows the picture.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np


def _label_axes(ax, title: str, xlabel: str, ylabel: str, logy: bool = False) -> None:
    """Title, axis labels, optional log y-axis and a light grid: the house style of line plots."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)


def show_images(images: Any, titles: Sequence[str] | None = None, ncols: int | None = None,
                title: str | None = None, cmap: str = "gray_r", size: float = 1.1,
                vmin: float = 0.0, vmax: float = 1.0):
    """Draw N images in one grid figure.

    Used in every image chapter.

    Args:
        images: array ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``, pixels in [0, 1].
        titles: optional N short strings, one above each image (e.g. labels).
        ncols: images per row (default: up to 10).
        title: the figure's title.
        cmap: colour map for grey images (``"gray_r"`` draws ink dark on white paper).
        size: inches per image.

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (3, 4) or arr.shape[0] == 0:
        raise ValueError(
            f"images must have shape (N, H, W), (N, H, W, 1) or (N, H, W, 3) with N >= 1, got {arr.shape}."
        )
    n = arr.shape[0]
    if titles is not None and len(titles) != n:
        raise ValueError(f"Got {len(titles)} titles for {n} images; give one per image.")
    ncols = min(n, 10) if ncols is None else max(1, int(ncols))
    nrows = math.ceil(n / ncols)
    extra = 0.25 if titles is not None else 0.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + extra) * nrows + (0.4 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(arr[i], cmap=cmap if arr.ndim == 3 else None, vmin=vmin, vmax=vmax,
                      interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(history: Any, keys: Sequence[str] | None = None, title: str = "Training curves",
                 xlabel: str = "epoch", ylabel: str = "loss", logy: bool = False):
    """Plot training curves from a Keras ``History`` or a dict of lists.

    Each key ``k`` is drawn with ``val_k`` (if present) dashed in the same colour.

    Args:
        history: ``keras.callbacks.History`` (``model.fit``'s return value) or
            ``{"loss": [...], "val_loss": [...], ...}``.
        keys: which curves to draw (default: every key without a ``val_`` prefix).
        title, xlabel, ylabel: the labels.
        logy: log-scale the y axis.

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    logs: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    if not isinstance(logs, Mapping) or not logs:
        raise ValueError("history must be a keras History or a non-empty dict of name -> list of values.")
    if keys is None:
        keys = [k for k in logs if not k.startswith("val_")]
    missing = [k for k in keys if k not in logs]
    if missing:
        raise ValueError(f"No curve named {missing} in the history; it has {sorted(logs)}.")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys:
        values = np.asarray(logs[key], dtype=float)
        epochs = np.arange(1, len(values) + 1)
        (line,) = ax.plot(epochs, values, marker="o" if len(values) < 30 else None, label=key)
        if f"val_{key}" in logs:
            val = np.asarray(logs[f"val_{key}"], dtype=float)
            ax.plot(np.arange(1, len(val) + 1), val, linestyle="--", color=line.get_color(),
                    label=f"val_{key}")
    _label_axes(ax, title, xlabel, ylabel, logy)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_class_counts(labels: Any, title: str = "Images per class", xlabel: str = "digit",
                      num_classes: int = 10):
    """Bar chart of how many examples each class has (chapter 00)."""
    counts = np.bincount(np.asarray(labels, dtype=int), minlength=num_classes)
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
    values = np.asarray(images, dtype=np.float32).ravel()
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(values, bins=bins, range=(0.0, 1.0), color="tab:gray")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel("pixel value (0 = background, 1 = full ink)")
    ax.set_ylabel("number of pixels (log scale)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- chapter 05: text
def plot_attention(weights: Any, chars: str, title: str = "Causal self-attention",
                   head_titles: Sequence[str] | None = None):
    """Draw attention matrices (query rows x key columns) with characters as tick labels.

    Used in chapter 05.

    Args:
        weights: ``(heads, T, T)`` or ``(T, T)``; row ``i`` is query ``i``'s distribution
            over keys ``j <= i``.
        chars: the ``T`` characters of the prompt (shown on both axes; spaces as
            ``␣``, newlines as ``↵``).
        title: the figure title.
        head_titles: one title per matrix (default ``head 0``, ``head 1``, ...).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3 or w.shape[1] != w.shape[2] or w.shape[1] != len(chars):
        raise ValueError(f"weights must be (heads, T, T) with T = len(chars) = {len(chars)}, got {w.shape}.")
    labels = [{" ": "␣", "\n": "↵"}.get(c, c) for c in chars]
    n = w.shape[0]
    fig, axes = plt.subplots(1, n, figsize=(2.9 * n + 0.6, 3.2), squeeze=False)
    for h, ax in enumerate(axes[0]):
        im = ax.imshow(w[h], cmap="viridis", vmin=0.0, vmax=1.0)
        ax.set_xticks(range(len(labels)), labels, fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        if h == 0:
            ax.set_ylabel("query (current character)")
        ax.set_title(head_titles[h] if head_titles else f"head {h}", fontsize=9)
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label="attention weight")
    fig.supxlabel("key (the character attended to)", y=0.02)
    fig.suptitle(title)
    return fig


def plot_bits_per_char(curves: Mapping[str, Sequence[float]], steps: Sequence[float],
                       baselines: Mapping[str, float] | None = None,
                       title: str = "Validation bits per character", xlabel: str = "training step"):
    """Learning curves in bits per character, with horizontal lines for baseline models.

    Used in chapter 05.

    Args:
        curves: name -> values (bits per character), one per entry of ``steps``.
        steps: the x positions (training steps).
        baselines: name -> bits per character of models that do not train (n-grams).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for name, values in curves.items():
        if len(values) != len(steps):
            raise ValueError(f"curve {name!r} has {len(values)} values for {len(steps)} steps.")
        ax.plot(steps, values, marker="o", label=name)
    for i, (name, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, linestyle="--", color=f"C{i + len(curves)}", label=f"{name} ({value:.2f})")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("bits per character")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_bar_values(values: Mapping[str, float], title: str = "Validation bits per character",
                    ylabel: str = "bits per character (lower is better)"):
    """A small labelled bar chart of one number per model (value printed on each bar).

    Used in chapter 05.
    """
    if not values:
        raise ValueError("values must map at least one name to a number.")
    names, nums = list(values), [float(v) for v in values.values()]
    fig, ax = plt.subplots(figsize=(1.4 * len(names) + 2, 3.4))
    bars = ax.bar(names, nums, color=[f"C{i}" for i in range(len(names))])
    for bar, v in zip(bars, nums):
        ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.2f}", ha="center", va="bottom")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("model")
    ax.set_ylim(0, max(nums) * 1.15)
    fig.tight_layout()
    return fig


def plot_density_with_samples(grid: Any, density: Any, samples: Any, discrete: bool = False,
                              title: str = "Samples and the exact density",
                              xlabel: str = "x", ylabel: str | None = None,
                              bins: int = 50):
    """Normalised histogram of samples under the exact density or mass (chapter 01).

    Args:
        grid: x values where ``density`` is given (integers 0..k for a mass function).
        density: the exact pdf (continuous) or pmf (``discrete=True``) on ``grid``.
        samples: draws from the distribution.
        discrete: draw a mass function (bars at integers) instead of a density.
    """
    grid = np.asarray(grid, dtype=float)
    density = np.asarray(density, dtype=float)
    samples = np.asarray(samples, dtype=float).ravel()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    if discrete:
        values, counts = np.unique(samples, return_counts=True)
        ax.bar(values, counts / samples.size, width=0.8, alpha=0.5, color="tab:blue",
               label=f"{samples.size:,} samples (frequency)")
        ax.plot(grid, density, "o-", color="tab:red", ms=4, label="exact mass P(X=k)")
    else:
        ax.hist(samples, bins=bins, density=True, alpha=0.5, color="tab:blue",
                label=f"{samples.size:,} samples (histogram)")
        ax.plot(grid, density, color="tab:red", lw=2, label="exact density p(x)")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or ("probability" if discrete else "density"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_curve_family(grid: Any, curves: Mapping[str, Any], discrete: bool = False,
                      title: str = "A family of distributions", xlabel: str = "x",
                      ylabel: str = "density", ax=None):
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
    grid = np.asarray(grid, dtype=float)
    step = float(np.min(np.diff(grid))) if grid.size > 1 else 1.0
    for i, (label, y) in enumerate(curves.items()):
        y = np.asarray(y, dtype=float)
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


def plot_error_vs_n(ns: Any, errors: Mapping[str, Any], theory: Mapping[str, Any] | None = None,
                    title: str = "Estimation error shrinks like 1/sqrt(n)",
                    xlabel: str = "number of samples n", ylabel: str = "RMS error of the estimate"):
    """Measured estimation error against sample size on log-log axes (chapter 01).

    Args:
        ns: sample sizes.
        errors: ``{name: measured error per n}`` (markers).
        theory: ``{name: predicted error per n}`` (dashed lines, same colour), e.g.
            sigma / sqrt(n). Without it a single 1/sqrt(n) guide line is drawn.
    """
    ns = np.asarray(ns, dtype=float)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for name, err in errors.items():
        (line,) = ax.plot(ns, np.asarray(err, dtype=float), "o", label=f"{name} (measured)")
        if theory is not None and name in theory:
            ax.plot(ns, np.asarray(theory[name], dtype=float), "--", color=line.get_color(),
                    label=f"{name}: theory")
    if theory is None:
        first = np.asarray(next(iter(errors.values())), dtype=float)
        ax.plot(ns, first[0] * np.sqrt(ns[0] / ns), "k--", label="slope -1/2 (1/sqrt(n))")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_embedding_2d(points: Any, labels: Any, title: str = "Feature space (PCA)",
                      xlabel: str = "principal component 1",
                      ylabel: str = "principal component 2", max_points: int = 3000):
    """Scatter 2-D projected features coloured by digit label (chapter 04).

    Args:
        points: ``(N, 2)`` projected features.
        labels: ``(N,)`` integer labels (one colour each, with a legend).
        max_points: draw at most this many points (the first ones).
    """
    pts = np.asarray(points, dtype=float)[:max_points]
    lab = np.asarray(labels)[:max_points]
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


def plot_metric_panels(panels: Mapping[str, tuple[Any, Mapping[str, Any], str]],
                       title: str = "Metrics under controlled corruption", logy: bool = False):
    """One subplot per panel, each with one or more curves (chapter 04).

    Args:
        panels: ``{panel title: (x values, {curve name: y values}, x label)}``; a y
            label can be given as curve name ``"ylabel:<text>"`` mapping to None.
        title: the figure's title.
        logy: log-scale the y axes.
    """
    n = len(panels)
    if n == 0:
        raise ValueError("panels is empty; give at least one {title: (x, {name: y}, xlabel)}.")
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.6), squeeze=False)
    for ax, (name, (xs, curves, xlabel)) in zip(axes[0], panels.items()):
        ylabel = "value"
        for label, ys in curves.items():
            if label.startswith("ylabel:"):
                ylabel = label[len("ylabel:"):]
                continue
            ax.plot(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), "o-", label=label)
        _label_axes(ax, name, xlabel, ylabel, logy)
        if len([k for k in curves if not k.startswith("ylabel:")]) > 1:
            ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_image_rows(rows: Mapping[str, Any], title: str | None = None, size: float = 0.9,
                    cmap: str = "gray_r"):
    """A grid with one labelled row of images per entry, e.g. one row per model (chapter 04).

    Args:
        rows: ``{row label: images (n, 28, 28[, 1]) in [0, 1]}``; rows may differ in length.
        title: the figure's title.
    """
    if not rows:
        raise ValueError("rows is empty; give {label: images}.")
    arrays = {k: np.asarray(v, dtype=np.float32).reshape(len(v), 28, 28) for k, v in rows.items()}
    ncols = max(len(v) for v in arrays.values())
    fig, axes = plt.subplots(len(arrays), ncols + 1, squeeze=False,
                             figsize=(size * (ncols + 2.2), size * len(arrays) + (0.5 if title else 0)),
                             gridspec_kw={"width_ratios": [2.2] + [1] * ncols})
    for r, (label, imgs) in enumerate(arrays.items()):
        axes[r, 0].set_axis_off()
        axes[r, 0].text(1.0, 0.5, label, ha="right", va="center", fontsize=9,
                        transform=axes[r, 0].transAxes)
        for c in range(ncols):
            ax = axes[r, c + 1]
            ax.set_axis_off()
            if c < len(imgs):
                ax.imshow(imgs[c], cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_latent_map(decoded: Any, grid: Any, title: str = "Decoded 2-D latent space",
                    xlabel: str = "$z_1$", ylabel: str = "$z_2$", size: float = 6.0):
    """Tile digits decoded on a regular grid of 2-D codes into one labelled picture (chapter 02).

    Args:
        decoded: ``(n * n, 28, 28[, 1])`` images in [0, 1], row-major with ``z_2``
            decreasing down the rows (top row = largest ``z_2``) and ``z_1`` increasing
            along them.
        grid: the ``n`` code values along each axis (increasing).
        title, xlabel, ylabel: the labels.
        size: figure size in inches.
    """
    g = np.asarray(grid, dtype=float)
    n = g.shape[0]
    imgs = np.asarray(decoded, dtype=np.float32)
    if imgs.shape[0] != n * n:
        raise ValueError(f"decoded must hold n*n = {n * n} images for a grid of {n} values, got {imgs.shape[0]}.")
    imgs = imgs.reshape(n, n, 28, 28)
    canvas = imgs.transpose(0, 2, 1, 3).reshape(n * 28, n * 28)
    fig, ax = plt.subplots(figsize=(size, size))
    half = (g[-1] - g[0]) / (2 * max(n - 1, 1))
    ax.imshow(canvas, cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest",
              extent=(g[0] - half, g[-1] + half, g[0] - half, g[-1] + half))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def plot_rate_distortion(betas: Sequence[float], kl: Sequence[float], reconstruction: Sequence[float],
                         title: str = "The beta trade-off: reconstruction vs KL"):
    """Two panels for a beta sweep (chapter 02): both terms against beta, and the trade-off curve.

    Args:
        betas: the KL weights tried.
        kl: test KL term (rate) per beta, nats per image.
        reconstruction: test reconstruction term (distortion) per beta, nats per image.
    """
    b = np.asarray(betas, dtype=float)
    r = np.asarray(kl, dtype=float)
    d = np.asarray(reconstruction, dtype=float)
    if not (b.shape == r.shape == d.shape) or b.ndim != 1 or b.size == 0:
        raise ValueError("betas, kl and reconstruction must be 1-D sequences of the same length.")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.5, 3.6))
    ax1.plot(b, d, "o-", label="reconstruction  -E[log p(x|z)]")
    ax1.plot(b, r, "s-", label="KL(q(z|x) || p(z))")
    ax1.set_xscale("log")
    ax1.set_xlabel("beta (KL weight)")
    ax1.set_ylabel("nats per image")
    ax1.set_title("Both terms against beta")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    ax2.plot(r, d, "o-")
    for bi, ri, di in zip(b, r, d):
        ax2.annotate(f"beta={bi:g}", (ri, di), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax2.set_xlabel("KL (rate), nats per image")
    ax2.set_ylabel("reconstruction (distortion), nats per image")
    ax2.set_title("Rate-distortion curve")
    ax2.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- chapter 03: GANs
def plot_toy_gan(grid: Any, p_data: Any, snapshots: Mapping[str, tuple[Any, Any]],
                 title: str = "A 1-D GAN during training", bins: int = 60):
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
    x = np.asarray(grid, dtype=float).ravel()
    fig, axes = plt.subplots(1, len(snapshots), figsize=(3.2 * len(snapshots), 3.0), sharey=True,
                             squeeze=False)
    for ax, (name, (samples, d_vals)) in zip(axes[0], snapshots.items()):
        ax.plot(x, np.asarray(p_data, dtype=float).ravel(), color="black", label="$p_{data}$")
        ax.hist(np.asarray(samples, dtype=float).ravel(), bins=bins, range=(x.min(), x.max()),
                density=True, color="tab:orange", alpha=0.6, label="$p_g$ (samples)")
        ax.plot(x, np.asarray(d_vals, dtype=float).ravel(), color="tab:blue", linestyle="--",
                label="$D(x)$")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("density / probability")
    axes[0, 0].legend(fontsize=8, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_class_histograms(counts: Mapping[str, Any], title: str = "Digit classes of generated samples",
                          xlabel: str = "digit (feature-net prediction)"):
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
        c = np.asarray(c, dtype=float)
        if c.shape != (10,):
            raise ValueError(f"counts[{name!r}] must have 10 entries (one per digit), got shape "
                             f"{c.shape}; use np.bincount(predicted_labels, minlength=10).")
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
