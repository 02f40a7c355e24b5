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
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
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
