"""Inception Score (Salimans et al., 2016): ``exp E_x KL(p(y|x) || p(y))``, in [1, classes].

Computed from the fixed MNIST classifier's class probabilities, not Inception-v3.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.checks import positive_int
from genai_keras.metrics.inputs import _as_features, _features


def inception_score_from_probs(probs: Any, splits: int = 10) -> tuple[float, float]:
    """Inception Score from class probabilities ``(N, C)`` (rows summing to 1).

    .. math::
        \\mathrm{IS} = \\exp\\Big(\\mathbb{E}_x\\, \\mathrm{KL}\\big(p(y \\mid x)
            \\,\\Vert\\, p(y)\\big)\\Big), \\qquad p(y) = \\mathbb{E}_x\\, p(y \\mid x),

    computed on each of ``splits`` equal parts (the remainder is dropped).

    Returns:
        ``(mean, std)`` over the splits; each value lies in ``[1, C]``.

    Raises:
        ValueError: not 2-D, rows not summing to 1, or fewer rows than splits.
    """
    p = _as_features(probs, "probs").astype(np.float64)
    splits = positive_int(splits, "splits")
    if p.shape[0] < splits:
        raise ValueError(
            f"inception_score needs at least splits={splits} images, got {p.shape[0]}; "
            f"pass more images or fewer splits."
        )
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probs must be probabilities: non-negative rows summing to 1.")
    size = p.shape[0] // splits
    scores = []
    for s in range(splits):
        part = p[s * size : (s + 1) * size]
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(part + 1e-12) - np.log(marginal + 1e-12)), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def inception_score(images: Any, splits: int = 10) -> tuple[float, float]:
    """Inception Score of an image set with the fixed MNIST classifier.

    Between 1 (every image gets the same class distribution: no diversity, or no
    confidence) and 10 (confident predictions, classes used equally). It never looks
    at real data, so it cannot tell whether samples look like MNIST beyond being
    classifiable.

    Args:
        images: ``(N, 28, 28, 1)``, pixels in [0, 1], N >= splits.
        splits: number of parts whose scores give the mean and std.

    Returns:
        ``(mean, std)`` over the splits.
    """
    splits = positive_int(splits, "splits")
    _, probs = _features(images, "images", min_count=splits)
    return inception_score_from_probs(probs, splits)
