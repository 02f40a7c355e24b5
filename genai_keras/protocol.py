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
  (a balanced set, what chapter 04 scores); an unconditional model rejects labels.
* ``conditional``: True when the model takes labels.
* ``log_likelihood(x, ...)`` where the family has one: nats per image (exact for the
  pixel models, an importance-weighted lower bound for VAEs; binary pixels only), nats
  per text for the transformer. GANs have none (``has_likelihood`` says which).
* Training: ``genai_keras.families.train(recipe)`` (or the family module's
  ``train(recipe, ...)``) returns ``(model, history)``, the history a dict of per-epoch
  curves.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class GenerativeModel(Protocol):
    """What chapter 04 and the benchmarks rely on (see the module docstring)."""

    conditional: bool

    def sample(self, n: int, labels: Any = None, seed: int | None = None) -> Any:
        ...


def has_likelihood(model: Any) -> bool:
    """True when ``model`` offers ``log_likelihood`` (pixel models, VAEs, the text model)."""
    return callable(getattr(model, "log_likelihood", None))
