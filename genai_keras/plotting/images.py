"""Pictures: grids of images, labelled rows of samples, a decoded latent map, attention maps.

Used in every image chapter (02 latent maps, 04 rows per model) and chapter 05 (attention).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from genai_keras.arrays import to_numpy


def show_images(
    images: Any,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    title: str | None = None,
    cmap: str = "gray_r",
    size: float = 1.1,
    vmin: float = 0.0,
    vmax: float = 1.0,
):
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
    arr = to_numpy(images, dtype=np.float32)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (3, 4) or arr.shape[0] == 0:
        raise ValueError(
            "images must have shape (N, H, W), (N, H, W, 1) or (N, H, W, 3) with N >= 1, "
            f"got {arr.shape}."
        )
    n = arr.shape[0]
    if titles is not None and len(titles) != n:
        raise ValueError(f"Got {len(titles)} titles for {n} images; give one per image.")
    ncols = min(n, 10) if ncols is None else max(1, int(ncols))
    nrows = math.ceil(n / ncols)
    extra = 0.25 if titles is not None else 0.0
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(size * ncols, (size + extra) * nrows + (0.4 if title else 0)),
        squeeze=False,
    )
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(
                arr[i],
                cmap=cmap if arr.ndim == 3 else None,
                vmin=vmin,
                vmax=vmax,
                interpolation="nearest",
            )
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_image_rows(
    rows: Mapping[str, Any], title: str | None = None, size: float = 0.9, cmap: str = "gray_r"
):
    """A grid with one labelled row of images per entry, e.g. one row per model (chapter 04).

    Args:
        rows: ``{row label: images (n, 28, 28[, 1]) in [0, 1]}``; rows may differ in length.
        title: the figure's title.
    """
    if not rows:
        raise ValueError("rows is empty; give {label: images}.")
    arrays = {k: to_numpy(v, dtype=np.float32).reshape(len(v), 28, 28) for k, v in rows.items()}
    ncols = max(len(v) for v in arrays.values())
    fig, axes = plt.subplots(
        len(arrays),
        ncols + 1,
        squeeze=False,
        figsize=(size * (ncols + 2.2), size * len(arrays) + (0.5 if title else 0)),
        gridspec_kw={"width_ratios": [2.2] + [1] * ncols},
    )
    for r, (label, imgs) in enumerate(arrays.items()):
        axes[r, 0].set_axis_off()
        axes[r, 0].text(
            1.0, 0.5, label, ha="right", va="center", fontsize=9, transform=axes[r, 0].transAxes
        )
        for c in range(ncols):
            ax = axes[r, c + 1]
            ax.set_axis_off()
            if c < len(imgs):
                ax.imshow(imgs[c], cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_latent_map(
    decoded: Any,
    grid: Any,
    title: str = "Decoded 2-D latent space",
    xlabel: str = "$z_1$",
    ylabel: str = "$z_2$",
    size: float = 6.0,
):
    """Tile digits decoded on a regular grid of 2-D codes into one labelled picture (chapter 02).

    Args:
        decoded: ``(n * n, 28, 28[, 1])`` images in [0, 1], row-major with ``z_2``
            decreasing down the rows (top row = largest ``z_2``) and ``z_1`` increasing
            along them.
        grid: the ``n`` code values along each axis (increasing).
        title, xlabel, ylabel: the labels.
        size: figure size in inches.
    """
    g = to_numpy(grid, dtype=float)
    n = g.shape[0]
    imgs = to_numpy(decoded, dtype=np.float32)
    if imgs.shape[0] != n * n:
        raise ValueError(
            f"decoded must hold n*n = {n * n} images for a grid of {n} values, got {imgs.shape[0]}."
        )
    imgs = imgs.reshape(n, n, 28, 28)
    canvas = imgs.transpose(0, 2, 1, 3).reshape(n * 28, n * 28)
    fig, ax = plt.subplots(figsize=(size, size))
    half = (g[-1] - g[0]) / (2 * max(n - 1, 1))
    ax.imshow(
        canvas,
        cmap="gray_r",
        vmin=0.0,
        vmax=1.0,
        interpolation="nearest",
        extent=(g[0] - half, g[-1] + half, g[0] - half, g[-1] + half),
    )
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def plot_attention(
    weights: Any,
    chars: str,
    title: str = "Causal self-attention",
    head_titles: Sequence[str] | None = None,
):
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
    w = to_numpy(weights, dtype=np.float32)
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3 or w.shape[1] != w.shape[2] or w.shape[1] != len(chars):
        raise ValueError(
            f"weights must be (heads, T, T) with T = len(chars) = {len(chars)}, got {w.shape}."
        )
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
