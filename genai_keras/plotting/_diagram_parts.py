"""Shared drawing parts of the schematic diagrams: a canvas, boxes, nodes, arrows, notes.

The canvas's data units are inches (``x`` from 0 to the figure width, ``y`` from 0 to
the height below the title), so circles stay round and sizes mean the same thing in
every diagram. Colours say what a part is: ``data``, ``network``, ``latent``,
``noise``, ``label`` or ``loss``.

Used by :mod:`genai_keras.plotting.diagrams`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

Point = tuple[float, float]

# (face, edge) per kind of part; the same everywhere.
COLORS: dict[str, tuple[str, str]] = {
    "data": ("#dbe9f6", "#2b6ca3"),
    "network": ("#fde3c4", "#c46a12"),
    "latent": ("#dcefd9", "#3b8a3e"),
    "noise": ("#ece3f3", "#7a4e9c"),
    "label": ("#fbf3c2", "#a08a12"),
    "loss": ("#f9d9d7", "#b8322b"),
    "plain": ("#ffffff", "#555555"),
}
TITLE_BAND = 0.45  # inches kept above the canvas for the title


@dataclass(frozen=True)
class Box:
    """A drawn box: centre ``(x, y)``, width ``w``, height ``h`` (inches), with its edge
    midpoints."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> Point:
        return (self.x - self.w / 2, self.y)

    @property
    def right(self) -> Point:
        return (self.x + self.w / 2, self.y)

    @property
    def top(self) -> Point:
        return (self.x, self.y + self.h / 2)

    @property
    def bottom(self) -> Point:
        return (self.x, self.y - self.h / 2)

    def at(self, fx: float, fy: float) -> Point:
        """The point at fractions ``(fx, fy)`` of the box, ``(0, 0)`` = lower left."""
        return (self.x - self.w / 2 + fx * self.w, self.y - self.h / 2 + fy * self.h)


def _kind(kind: str) -> tuple[str, str]:
    if kind not in COLORS:
        raise ValueError(f"Unknown part kind {kind!r}; use one of {sorted(COLORS)}.")
    return COLORS[kind]


def canvas(title: str, width: float = 9.0, height: float = 3.5) -> tuple[Figure, plt.Axes]:
    """A titled figure whose single axes spans it below the title, in inch units, axis off."""
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0 - TITLE_BAND / height))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height - TITLE_BAND)
    ax.set_axis_off()
    fig.suptitle(title, y=1.0 - 0.08 / height, va="top", fontsize=12, fontweight="bold")
    return fig, ax


def box(
    ax: plt.Axes,
    x: float,
    y: float,
    w: float,
    h: float,
    text: str,
    kind: str = "network",
    fontsize: float = 9.5,
    dashed: bool = False,
    bold: bool = False,
) -> Box:
    """A rounded box centred at ``(x, y)`` with centred (possibly multi-line) text."""
    face, edge = _kind(kind)
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0,rounding_size=0.07",
            facecolor=face,
            edgecolor=edge,
            linewidth=1.4,
            linestyle="--" if dashed else "-",
            zorder=2,
        )
    )
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=fontsize,
        zorder=4,
        fontweight="bold" if bold else "normal",
        linespacing=1.35,
    )
    return Box(x, y, w, h)


def frame(ax: plt.Axes, x0: float, y0: float, x1: float, y1: float, kind: str = "plain") -> Box:
    """A dashed, unfilled rectangle (a plate or a repeated block) behind other parts."""
    ax.add_patch(
        FancyBboxPatch(
            (x0, y0),
            x1 - x0,
            y1 - y0,
            boxstyle="round,pad=0,rounding_size=0.1",
            facecolor="none",
            edgecolor=_kind(kind)[1],
            linewidth=1.2,
            linestyle="--",
            zorder=1,
        )
    )
    return Box((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0)


def node(
    ax: plt.Axes,
    x: float,
    y: float,
    text: str,
    r: float = 0.32,
    kind: str = "latent",
    observed: bool = False,
    fontsize: float = 13,
) -> Box:
    """A graphical-model node: a circle, grey-filled when the variable is observed."""
    face, edge = _kind(kind)
    ax.add_patch(
        Circle(
            (x, y),
            r,
            facecolor="#c9c9c9" if observed else face,
            edgecolor=edge,
            linewidth=1.6,
            zorder=2,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)
    return Box(x, y, 2 * r, 2 * r)


def summation(ax: plt.Axes, x: float, y: float, r: float = 0.12) -> Box:
    """A small circled plus (elementwise sum, e.g. a residual connection)."""
    ax.add_patch(Circle((x, y), r, facecolor="white", edgecolor="#333333", linewidth=1.2, zorder=3))
    ax.text(x, y, "+", ha="center", va="center", fontsize=11, zorder=4)
    return Box(x, y, 2 * r, 2 * r)


def arrow(
    ax: plt.Axes,
    start: Point,
    end: Point,
    kind: str = "plain",
    dashed: bool = False,
    rad: float = 0.0,
    text: str | None = None,
    text_offset: Point = (0.0, 0.12),
    fontsize: float = 8.5,
    width: float = 1.3,
) -> FancyArrowPatch:
    """An arrow from ``start`` to ``end`` (curved by ``rad``), optionally labelled near its
    middle."""
    color = "#333333" if kind == "plain" else _kind(kind)[1]
    patch = FancyArrowPatch(
        start,
        end,
        arrowstyle="-|>",
        mutation_scale=12,
        color=color,
        linewidth=width,
        linestyle="--" if dashed else "-",
        connectionstyle=f"arc3,rad={rad}",
        shrinkA=1,
        shrinkB=1,
        zorder=3,
    )
    ax.add_patch(patch)
    if text:
        note(
            ax,
            (start[0] + end[0]) / 2 + text_offset[0],
            (start[1] + end[1]) / 2 + text_offset[1],
            text,
            fontsize=fontsize,
            color=color,
        )
    return patch


def route(
    ax: plt.Axes,
    points: Sequence[Point],
    kind: str = "plain",
    dashed: bool = False,
    width: float = 1.3,
    head: bool = True,
) -> FancyArrowPatch:
    """An arrow (a plain line if not ``head``) along straight segments through ``points``."""
    color = "#333333" if kind == "plain" else _kind(kind)[1]
    path = Path(list(points), [Path.MOVETO] + [Path.LINETO] * (len(points) - 1))
    patch = FancyArrowPatch(
        path=path,
        arrowstyle="-|>" if head else "-",
        mutation_scale=12,
        color=color,
        linewidth=width,
        linestyle="--" if dashed else "-",
        zorder=3,
    )
    ax.add_patch(patch)
    return patch


def note(
    ax: plt.Axes,
    x: float,
    y: float,
    text: str,
    fontsize: float = 8.5,
    color: str = "#333333",
    ha: str = "center",
    va: str = "center",
    style: str = "normal",
):
    """Free text (an annotation), drawn on a white halo so that lines behind it stay readable."""
    return ax.text(
        x,
        y,
        text,
        ha=ha,
        va=va,
        fontsize=fontsize,
        color=color,
        style=style,
        zorder=5,
        linespacing=1.3,
        bbox=dict(boxstyle="round,pad=0.12", facecolor="white", edgecolor="none", alpha=0.85),
    )
