"""Sampling a flow-matching model at given sampler settings, timed and scored.

Chapter 06 sweeps the sampler (Euler, Heun, DDIM, DDPM), the number of steps and the
guidance weight; ``benchmarks/diffusion.py`` records the same sweep. Each point of such
a sweep is one call of :func:`sample_and_score`: draw samples with the settings, time
them, and score them with chapter 04's metrics (and, for a conditional model, by how
often the shipped classifier sees the digit that was asked for).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

from genai_keras.feature_net import load_feature_net
from genai_keras.metrics import evaluate_samples
from genai_keras.models.diffusion.model import FlowMatching
from genai_keras.models.diffusion.samplers import network_calls
from genai_keras.protocol import default_labels


def sample_and_score(
    model: FlowMatching,
    n: int,
    steps: int | None = None,
    sampler: str | None = None,
    guidance: float | None = None,
    seed: int = 1,
    quiet_bias: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Draw ``n`` samples with the given sampler settings and score them against the
    MNIST test set.

    Conditional models are asked for the digits 0, 1, ..., 9 in turn and are also scored
    by ``class_accuracy``: the share of samples that the fixed feature network classifies
    as the digit that was asked for.

    Args:
        model: a trained :class:`~genai_keras.models.diffusion.FlowMatching`.
        n: number of samples (FID is biased upwards below 5,000: compare at equal ``n``).
        steps, sampler, guidance, seed: passed to ``model.sample`` (None: the model's
            defaults).
        quiet_bias: hide the small-sample FID warning (sweeps that compare at equal n).
        log: passed to ``model.sample`` (a progress line per batch).

    Returns:
        ``{"sampler", "steps", "network_calls", "guidance" (conditional), "sample_seconds",
        "sample_seconds_10k", "fid", "kid_mean", "kid_std", "is_mean", "is_std",
        "precision", "recall", "class_accuracy" (conditional)}`` (seconds of wall time).
    """
    if not isinstance(model, FlowMatching):
        raise TypeError(f"sample_and_score needs a FlowMatching model, got {type(model).__name__}.")
    labels = default_labels(n, model.num_classes) if model.conditional else None
    sampler = model.sampler if sampler is None else sampler
    steps = model.steps if steps is None else steps
    start = time.perf_counter()
    images = model.sample(
        n, labels=labels, seed=seed, steps=steps, sampler=sampler, guidance=guidance, log=log
    )
    seconds = time.perf_counter() - start
    with warnings.catch_warnings():
        if quiet_bias:
            warnings.filterwarnings("ignore", message=".*biased.*")
        scores = evaluate_samples(images)
    out = {"sampler": sampler, "steps": steps, "network_calls": network_calls(sampler, steps)}
    if model.conditional:
        out["guidance"] = model.guidance if guidance is None else float(guidance)
    out.update(sample_seconds=round(seconds, 2), sample_seconds_10k=round(seconds * 10_000 / n, 2))
    out.update({k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in scores.items()})
    if model.conditional:
        out["class_accuracy"] = round(load_feature_net().accuracy(images, labels), 4)
    return out


__all__ = ["sample_and_score"]
