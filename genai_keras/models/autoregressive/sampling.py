"""From next-character logits to the distribution sampled from: temperature, top-k, top-p.

Used in chapter 05.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _check_sampling(temperature: float, top_k: int | None, top_p: float | None, vocab_size: int):
    try:
        temperature = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}.") from None
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(
            f"temperature must be a finite number > 0, got {temperature!r} "
            f"(use a small value such as 1e-3 for near-greedy decoding)."
        )
    if top_k is not None and (
        isinstance(top_k, bool)
        or not isinstance(top_k, (int, np.integer))
        or not 1 <= top_k <= vocab_size
    ):
        raise ValueError(f"top_k must be None or an integer in [1, {vocab_size}], got {top_k!r}.")
    if top_p is not None:
        try:
            p = float(top_p)
        except (TypeError, ValueError):
            raise ValueError(f"top_p must be None or a number in (0, 1], got {top_p!r}.") from None
        if not 0.0 < p <= 1.0:
            raise ValueError(f"top_p must be None or a number in (0, 1], got {top_p!r}.")
    return temperature


def next_char_probs(
    logits: Any, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> np.ndarray:
    """Turn next-character logits into the distribution actually sampled from.

    ``softmax(logits / temperature)``, then (optionally) keep only the ``top_k`` most
    likely characters, then (optionally) keep the smallest set of most likely
    characters whose probability mass is ``>= top_p`` (nucleus sampling), and
    renormalise. ``temperature -> 0`` tends to the arg-max (greedy decoding).

    Used in chapter 05.

    Args:
        logits: shape ``(V,)``.
        temperature: > 0; < 1 sharpens, > 1 flattens.
        top_k: None or an integer in [1, V].
        top_p: None or a number in (0, 1].

    Returns:
        float64 array ``(V,)`` summing to 1.
    """
    z = np.asarray(logits, dtype=np.float64).reshape(-1)
    temperature = _check_sampling(temperature, top_k, top_p, z.size)
    z = z / temperature
    probs = np.exp(z - z.max())
    probs /= probs.sum()
    order = np.argsort(-probs, kind="stable")
    keep = np.zeros(z.size, dtype=bool)
    n_keep = z.size if top_k is None else int(top_k)
    if top_p is not None:
        sorted_p = probs[order] / probs[order[:n_keep]].sum()
        mass_before = np.cumsum(sorted_p) - sorted_p  # mass of strictly more likely characters
        # (a tolerance of 1e-9 so that rounding never adds a character exactly at the boundary)
        n_keep = min(n_keep, int(np.sum(mass_before[:n_keep] < float(top_p) - 1e-9)))
        n_keep = max(n_keep, 1)
    keep[order[:n_keep]] = True
    probs = np.where(keep, probs, 0.0)
    return probs / probs.sum()
