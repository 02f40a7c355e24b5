"""Curves and values: training histories, learning curves, metric panels, trade-offs, bars.

Line plots share one house style, :func:`_label_axes` (title, axis labels, optional
log y-axis, light grid).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from genai_keras.arrays import to_numpy


def _label_axes(ax, title: str, xlabel: str, ylabel: str, logy: bool = False) -> None:
    """Title, axis labels, optional log y-axis and a light grid: the house style of line plots."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)


def plain_log_ticks(ax, axis: str = "x", subs: Sequence[float] = (1.0, 2.0, 5.0)) -> None:
    """Put ``axis`` (``"x"``, ``"y"`` or ``"both"``) of ``ax`` on a log scale with plain tick
    labels at 1, 2, 5, 10, 20, 50, ... (``subs`` times powers of ten) and no minor labels:
    readable when the values span only a decade or two (steps, network calls).

    Raises:
        ValueError: ``axis`` is not ``"x"``, ``"y"`` or ``"both"``.
    """
    if axis not in ("x", "y", "both"):
        raise ValueError(f"axis must be 'x', 'y' or 'both', got {axis!r}.")
    for name in ("x", "y") if axis == "both" else (axis,):
        getattr(ax, f"set_{name}scale")("log")
        target = getattr(ax, f"{name}axis")
        target.set_major_locator(matplotlib.ticker.LogLocator(base=10.0, subs=tuple(subs)))
        target.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        target.set_minor_formatter(matplotlib.ticker.NullFormatter())


def plot_history(
    history: Any,
    keys: Sequence[str] | None = None,
    title: str = "Training curves",
    xlabel: str = "epoch",
    ylabel: str = "loss",
    logy: bool = False,
):
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
        raise ValueError(
            "history must be a keras History or a non-empty dict of name -> list of values."
        )
    if keys is None:
        keys = [k for k in logs if not k.startswith("val_")]
    missing = [k for k in keys if k not in logs]
    if missing:
        raise ValueError(f"No curve named {missing} in the history; it has {sorted(logs)}.")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys:
        values = to_numpy(logs[key], dtype=float)
        epochs = np.arange(1, len(values) + 1)
        (line,) = ax.plot(epochs, values, marker="o" if len(values) < 30 else None, label=key)
        if f"val_{key}" in logs:
            val = to_numpy(logs[f"val_{key}"], dtype=float)
            ax.plot(
                np.arange(1, len(val) + 1),
                val,
                linestyle="--",
                color=line.get_color(),
                label=f"val_{key}",
            )
    _label_axes(ax, title, xlabel, ylabel, logy)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_bits_per_char(
    curves: Mapping[str, Sequence[float]],
    steps: Sequence[float],
    baselines: Mapping[str, float] | None = None,
    title: str = "Validation bits per character",
    xlabel: str = "training step",
):
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
        ax.axhline(
            value, linestyle="--", color=f"C{i + len(curves)}", label=f"{name} ({value:.2f})"
        )
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("bits per character")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_bar_values(
    values: Mapping[str, float],
    title: str = "Validation bits per character",
    ylabel: str = "bits per character (lower is better)",
):
    """A small labelled bar chart of one number per model (value printed on each bar).

    Used in chapter 05.
    """
    if not values:
        raise ValueError("values must map at least one name to a number.")
    names, nums = list(values), [float(v) for v in values.values()]
    fig, ax = plt.subplots(figsize=(1.4 * len(names) + 2, 3.4))
    bars = ax.bar(names, nums, color=[f"C{i}" for i in range(len(names))])
    for bar, v in zip(bars, nums, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.2f}", ha="center", va="bottom")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("model")
    ax.set_ylim(0, max(nums) * 1.15)
    fig.tight_layout()
    return fig


def plot_error_vs_n(
    ns: Any,
    errors: Mapping[str, Any],
    theory: Mapping[str, Any] | None = None,
    title: str = "Estimation error shrinks like 1/sqrt(n)",
    xlabel: str = "number of samples n",
    ylabel: str = "RMS error of the estimate",
):
    """Measured estimation error against sample size on log-log axes (chapter 01).

    Args:
        ns: sample sizes.
        errors: ``{name: measured error per n}`` (markers).
        theory: ``{name: predicted error per n}`` (dashed lines, same colour), e.g.
            sigma / sqrt(n). Without it a single 1/sqrt(n) guide line is drawn.
    """
    ns = to_numpy(ns, dtype=float)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for name, err in errors.items():
        (line,) = ax.plot(ns, to_numpy(err, dtype=float), "o", label=f"{name} (measured)")
        if theory is not None and name in theory:
            ax.plot(
                ns,
                to_numpy(theory[name], dtype=float),
                "--",
                color=line.get_color(),
                label=f"{name}: theory",
            )
    if theory is None:
        first = to_numpy(next(iter(errors.values())), dtype=float)
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


def plot_metric_panels(
    panels: Mapping[str, tuple[Any, Mapping[str, Any], str]],
    title: str = "Metrics under controlled corruption",
    logy: bool = False,
):
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
    for ax, (name, (xs, curves, xlabel)) in zip(axes[0], panels.items(), strict=True):
        ylabel = "value"
        for label, ys in curves.items():
            if label.startswith("ylabel:"):
                ylabel = label[len("ylabel:") :]
                continue
            ax.plot(to_numpy(xs, dtype=float), to_numpy(ys, dtype=float), "o-", label=label)
        _label_axes(ax, name, xlabel, ylabel, logy)
        if len([k for k in curves if not k.startswith("ylabel:")]) > 1:
            ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_rate_distortion(
    betas: Sequence[float],
    kl: Sequence[float],
    reconstruction: Sequence[float],
    title: str = "The beta trade-off: reconstruction vs KL",
):
    """Two panels for a beta sweep (chapter 02): both terms against beta, and the trade-off curve.

    Args:
        betas: the KL weights tried.
        kl: test KL term (rate) per beta, nats per image.
        reconstruction: test reconstruction term (distortion) per beta, nats per image.
    """
    b = to_numpy(betas, dtype=float)
    r = to_numpy(kl, dtype=float)
    d = to_numpy(reconstruction, dtype=float)
    if not (b.shape == r.shape == d.shape) or b.ndim != 1 or b.size == 0:
        raise ValueError("betas, kl and reconstruction must be 1-D sequences of the same length.")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.5, 3.6))
    ax1.plot(b, d, "o-", label="reconstruction  -E[log p(x|z)]")
    ax1.plot(b, r, "s-", label="KL(q(z|x) || p(z))")
    ax1.set_xscale("log")
    # Label only the betas tried: a log axis spanning about a decade otherwise labels its
    # minor ticks too (2x10^-1, 3x10^-1, ...), and the labels overlap.
    ax1.set_xticks(b)
    ax1.set_xticklabels([f"{v:g}" for v in b])
    ax1.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax1.set_xlabel("beta (KL weight)")
    ax1.set_ylabel("nats per image")
    ax1.set_title("Both terms against beta")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    ax2.plot(r, d, "o-")
    for bi, ri, di in zip(b, r, d, strict=True):
        ax2.annotate(
            f"beta={bi:g}", (ri, di), textcoords="offset points", xytext=(5, 5), fontsize=8
        )
    ax2.margins(x=0.2, y=0.1)  # room for the annotations
    ax2.set_xlabel("KL (rate), nats per image")
    ax2.set_ylabel("reconstruction (distortion), nats per image")
    ax2.set_title("Rate-distortion curve")
    ax2.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
