"""Building and training a VAE from a recipe: :func:`build`, :func:`train`.

Used in chapters 02 and 04 (and by benchmarks/vae.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from genai_keras.checks import positive_int
from genai_keras.config import set_seed
from genai_keras.data import training_images
from genai_keras.models.vae.model import VAE, ConditionalVAE
from genai_keras.optim import build_optimizer, optimizer_from_recipe
from genai_keras.recipes import Recipe, expect


def build(recipe: Recipe) -> VAE:
    """The untrained :class:`VAE` (or :class:`ConditionalVAE` when the recipe's model has
    ``num_classes``) of a recipe. Initial weights follow Keras' global seed (``train``
    sets it to the recipe's seed first); the model's own noise uses the recipe's seed."""
    cls = ConditionalVAE if expect(recipe, "vae").conditional else VAE
    return cls(seed=recipe.seed, **recipe.model)


def train(
    recipe: Recipe,
    images: Any = None,
    labels: Any = None,
    callbacks: Sequence[Any] | None = None,
    verbose: int = 0,
    jit_compile: Any = "auto",
) -> tuple[VAE, dict[str, list[float]]]:
    """Train a VAE recipe (chapters 02 and 04).

    Adam with a cosine learning-rate decay (:func:`genai_keras.optim.optimizer_from_recipe`)
    for ``recipe.epochs`` epochs of ``recipe.batch_size`` images, the loss
    :func:`~genai_keras.losses.negative_elbo` through ``compute_loss`` (so every backend's
    own ``fit`` trains it).

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
    set_seed(recipe.seed)
    model = build(recipe)
    x, y = training_images(recipe, images, labels, num_classes=model.num_classes or None)
    inputs = {"images": x, "labels": np.asarray(y, dtype=np.int32)} if model.num_classes else x
    epochs = positive_int(recipe.epochs, "epochs")
    batch_size = positive_int(recipe.batch_size, "batch_size")
    steps = math.ceil(len(x) / batch_size) * epochs
    model.compile(optimizer=optimizer_from_recipe(recipe, steps), jit_compile=jit_compile)
    build_optimizer(model)
    history = model.fit(
        inputs,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=verbose,
        callbacks=list(callbacks or []),
    )
    model.recipe = recipe
    return model, history.history
