"""The one shape every generative model of the course has.

Every family (chapter 01's pixel models, chapter 02's VAEs, chapter 03's GANs, chapter
05's character transformer, and later ones) follows :class:`GenerativeModel`:

* ``sample(n, labels=None, seed=None)`` draws ``n`` samples: float32 images
  ``(n, 28, 28, 1)`` with pixels in [0, 1] (the text model: a list of ``n`` strings).
  ``seed=int`` makes the draw repeatable, the same on TensorFlow, JAX and PyTorch: all
  sampling noise comes from one NumPy generator per call (``gk.utils.sampling_rng``), and
  ``seed=None`` draws that generator's seed from NumPy's global RNG, so it repeats after
  ``gk.set_seed(s)``; for a *conditional* model ``labels`` holds one
  class per sample, and ``labels=None`` draws the classes 0, 1, ..., 9, 0, ... in turn
  (:func:`default_labels`: a balanced set, what chapter 04 scores); an unconditional
  model rejects labels.
* ``conditional``: True when the model takes labels, set once when the model is built
  (from its ``num_classes``); ask the model, or before one exists its recipe
  (:attr:`genai_keras.recipes.Recipe.conditional`).
* ``log_likelihood(x, ...)`` where the family has one: nats per image (exact for the
  pixel models, an importance-weighted lower bound for VAEs; binary pixels only), nats
  per text for the transformer. GANs have none (``has_likelihood`` says which).
* Training: ``genai_keras.families.train(recipe)`` (or the family module's
  ``train(recipe, ...)``) returns ``(model, history)``, the history a dict of per-epoch
  curves.
"""

from __future__ import annotations

import numbers
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class GenerativeModel(Protocol):
    """What chapter 04 and the benchmarks rely on (see the module docstring)."""

    conditional: bool

    def sample(self, n: int, labels: Any = None, seed: int | None = None) -> Any: ...


def has_likelihood(model: Any) -> bool:
    """True when ``model`` offers ``log_likelihood`` (pixel models, VAEs, the text model)."""
    return callable(getattr(model, "log_likelihood", None))


def default_labels(n: int, num_classes: int = 10) -> np.ndarray:
    """The labels a conditional model samples with when given none: 0, 1, ..., 0, 1, ...

    Class ``i % num_classes`` for sample ``i``: a balanced set (with ``n`` a multiple of
    ``num_classes``, every class equally often), the same on every call.

    Args:
        n: number of samples (0 gives an empty array).
        num_classes: number of classes (10 digits by default).

    Returns:
        int32 ``(n,)``.

    Raises:
        ValueError: ``n`` is not an integer >= 0, or ``num_classes`` not an integer >= 1.
    """
    for value, name, minimum in ((n, "n", 0), (num_classes, "num_classes", 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return (np.arange(int(n)) % int(num_classes)).astype(np.int32)
