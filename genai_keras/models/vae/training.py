"""Building and training a VAE from a recipe: :func:`build`, :func:`train`, :func:`make_optimizer`.

Used in chapters 02 and 04 (and by benchmarks/vae.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from genai_keras.checks import as_images, as_labels, non_negative_float, positive_int
from genai_keras.models.vae.model import VAE, ConditionalVAE
from genai_keras.recipes import Recipe, expect


def make_optimizer(learning_rate: float, total_steps: int, warmup_steps: int = 0,
                   final_fraction: float = 0.05) -> keras.optimizers.Optimizer:
    """Adam with a cosine learning-rate decay to ``final_fraction`` of its peak.

    Used in chapter 02 (and by benchmarks/vae.py).
    """
    learning_rate = non_negative_float(learning_rate, "learning_rate")
    total_steps = positive_int(total_steps, "total_steps")
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=learning_rate / 10 if warmup_steps else learning_rate,
        decay_steps=max(1, total_steps - warmup_steps), alpha=final_fraction,
        warmup_target=learning_rate if warmup_steps else None, warmup_steps=warmup_steps)
    return keras.optimizers.Adam(schedule)


def build(recipe: Recipe) -> VAE:
    """The untrained :class:`VAE` (or :class:`ConditionalVAE` when the recipe's model has
    ``num_classes``) of a recipe. Initial weights follow Keras' global seed (``train``
    sets it to the recipe's seed first); the model's own noise uses the recipe's seed."""
    cls = ConditionalVAE if expect(recipe, "vae").conditional else VAE
    return cls(seed=recipe.seed, **recipe.model)


def train(recipe: Recipe, images: Any = None, labels: Any = None,
          callbacks: Sequence[Any] | None = None, verbose: int = 0,
          jit_compile: Any = "auto") -> tuple[VAE, dict[str, list[float]]]:
    """Train a VAE recipe (chapters 02 and 04).

    Adam with a cosine learning-rate decay (:func:`make_optimizer`) for ``recipe.epochs``
    epochs of ``recipe.batch_size`` images, the loss :func:`negative_elbo` through
    ``compute_loss`` (so every backend's own ``fit`` trains it).

    Args:
        recipe: a VAE recipe (``gk.recipes.get("vae")``, ``"vae_2d"``,
            ``"conditional_vae"``).
        images, labels: training images ``(N, 28, 28, 1)`` in [0, 1] (grey levels) and,
            for a conditional VAE, their digits; default the first ``recipe.limit`` (all)
            MNIST training digits.
        callbacks: Keras callbacks for ``fit``.
        verbose: passed to ``fit``.
        jit_compile: passed to ``compile`` ("auto": XLA only where Keras enables it).

    Returns:
        ``(model, history)``: the trained model and per-epoch ``loss``,
        ``reconstruction`` and ``kl`` in nats per image.
    """
    from genai_keras.config import set_seed
    from genai_keras.data import load_mnist

    set_seed(recipe.seed)
    model = build(recipe)
    if images is None and labels is None:
        x, y = load_mnist("train", limit=recipe.limit)
    elif images is None:
        raise ValueError("Labels without images: pass both, or neither (MNIST training digits).")
    else:
        x = as_images(images)
        if labels is not None and not model.num_classes:
            raise ValueError(f"Recipe {recipe.name!r} is unconditional: train it on images only "
                             f"(labels=None), or use a conditional recipe such as "
                             f"gk.recipes.get('conditional_vae').")
        y = None if labels is None else as_labels(labels, num_classes=model.num_classes,
                                                  count=len(x))
    if model.num_classes and y is None:
        raise ValueError("A conditional VAE recipe needs the labels: train(recipe, images, labels).")
    inputs = {"images": x, "labels": np.asarray(y, dtype=np.int32)} if model.num_classes else x
    epochs = positive_int(recipe.epochs, "epochs")
    batch_size = positive_int(recipe.batch_size, "batch_size")
    steps = math.ceil(len(x) / batch_size) * epochs
    model.compile(optimizer=make_optimizer(recipe.optimizer["learning_rate"], steps),
                  jit_compile=jit_compile)
    history = model.fit(inputs, epochs=epochs, batch_size=batch_size, shuffle=True,
                        verbose=verbose, callbacks=list(callbacks or []))
    model.recipe = recipe
    return model, history.history
