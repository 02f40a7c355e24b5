"""Scoring a flow-matching model's samples at given sampler settings (chapter 06, the
benchmark ``benchmarks/diffusion.py``): time, chapter 04's metrics, class accuracy."""

from __future__ import annotations

import time
import warnings

from genai_keras.models.diffusion.model import FlowMatching
from genai_keras.models.diffusion.samplers import network_calls
from genai_keras.protocol import default_labels


def evaluate(model: FlowMatching, n: int, steps: int | None = None, sampler: str | None = None,
             guidance: float | None = None, seed: int = 1, quiet_bias: bool = False,
             log: Callable[[str], None] | None = None) -> dict:
    """Draw ``n`` samples and score them against the MNIST test set.

    Conditional models are asked for the digits 0, 1, ..., 9 in turn and are also scored
    by ``class_accuracy``: the share of samples that the fixed feature network classifies
    as the digit that was asked for.

    Args:
        model: a trained :class:`FlowMatching`.
        n: number of samples (FID is biased upwards below 5,000: compare at equal ``n``).
        steps, sampler, guidance, seed: passed to :meth:`FlowMatching.sample` (None: the
            model's defaults).
        quiet_bias: hide the small-sample FID warning (sweeps that compare at equal n).
        log: passed to :meth:`FlowMatching.sample` (a progress line per batch).

    Returns:
        ``{"sampler", "steps", "network_calls", "guidance" (conditional), "sample_seconds",
        "sample_seconds_10k", "fid", "kid_mean", "kid_std", "is_mean", "is_std",
        "precision", "recall", "class_accuracy" (conditional)}``.
    """
    from genai_keras.feature_net import load_feature_net
    from genai_keras.metrics import evaluate_samples

    labels = default_labels(n, model.num_classes) if model.conditional else None
    sampler = model.sampler if sampler is None else sampler
    steps = model.steps if steps is None else steps
    start = time.perf_counter()
    images = model.sample(n, labels=labels, seed=seed, steps=steps, sampler=sampler,
                          guidance=guidance, log=log)
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
