"""Building and training the chapter 06 models from a recipe: :func:`build`, :func:`train`.

Used in chapters 06 and 04 (and by benchmarks/diffusion.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from genai_keras.callbacks import TimeLimit
from genai_keras.checks import positive_int
from genai_keras.config import set_seed
from genai_keras.data import training_images
from genai_keras.models.diffusion.model import FlowMatching, LatentAutoencoder
from genai_keras.optim import build_optimizer, optimizer_from_recipe
from genai_keras.recipes import Recipe, expect

_AUTOENCODER_KEYS = ("code_channels", "ae_filters", "code_noise")
_FLOW_KEYS = (
    "width",
    "depth",
    "num_classes",
    "label_dropout",
    "guidance",
    "schedule",
    "time_sampling",
    "sampler",
    "steps",
)


def build(recipe: Recipe) -> FlowMatching:
    """The untrained :class:`FlowMatching` model (with its autoencoder) of a recipe."""
    cfg = dict(expect(recipe, "diffusion").model)
    autoencoder = LatentAutoencoder(
        cfg["code_channels"], cfg["ae_filters"], cfg["code_noise"], seed=recipe.seed
    )
    model = FlowMatching(
        (7, 7, cfg["code_channels"]),
        autoencoder=autoencoder,
        seed=recipe.seed,
        **{k: cfg[k] for k in _FLOW_KEYS if k in cfg},
    )
    return model


def train(
    recipe: Recipe,
    images: Any = None,
    labels: Any = None,
    callbacks: Sequence[Any] | None = None,
    verbose: int = 0,
    max_seconds: float | None = None,
) -> tuple[FlowMatching, dict[str, list[float]]]:
    """Train a flow-matching recipe in two stages: the autoencoder, then the flow.

    Stage 1 fits :class:`LatentAutoencoder` for ``model.ae_epochs`` epochs (pixel
    negative log-likelihood); stage 2 encodes every training image once, standardises
    the codes and fits the velocity network for ``recipe.epochs`` epochs with Adam, a
    cosine learning-rate decay and a weight average (``optimizer.ema``, Keras' built-in
    ``use_ema``: the averaged weights are the ones kept after ``fit``).

    Args:
        recipe: a diffusion recipe (``gk.recipes.get("flow_matching")`` or
            ``"guided_flow_matching"``).
        images, labels: training digits ``(N, 28, 28, 1)`` in [0, 1] (and their classes,
            for a conditional recipe); default the first ``recipe.limit`` MNIST digits.
        callbacks: Keras callbacks for stage 2's ``fit``.
        verbose: passed to ``fit``.
        max_seconds: stop stage 2 once the whole training has taken this long (benchmarks
            that compare models at equal time).

    Returns:
        ``(model, history)``; history holds ``autoencoder_loss`` (nats per image, per
        epoch), ``loss`` (the flow-matching loss per epoch), ``seconds`` (both stages),
        ``autoencoder_seconds`` and ``flow_seconds`` (stage 2, with encoding the images).
    """
    start = time.perf_counter()
    recipe = expect(recipe, "diffusion")
    cfg, opt = recipe.model, recipe.optimizer
    conditional = recipe.conditional
    x, y = training_images(recipe, images, labels, num_classes=cfg["num_classes"])
    set_seed(recipe.seed)
    model = build(recipe)
    batch_size = positive_int(recipe.batch_size, "batch_size")
    # Stage 1: the autoencoder.
    ae = model.autoencoder
    ae_epochs = positive_int(cfg["ae_epochs"], "ae_epochs")
    ae.compile(
        optimizer=optimizer_from_recipe(
            recipe,
            math.ceil(len(x) / batch_size) * ae_epochs,
            learning_rate=opt["ae_learning_rate"],
            ema=None,
        )
    )
    build_optimizer(ae)
    ae_history = ae.fit(x, epochs=ae_epochs, batch_size=batch_size, shuffle=True, verbose=verbose)
    ae.trainable = False
    ae_seconds = time.perf_counter() - start
    # Stage 2: flow matching on the standardised codes.
    codes = model.set_code_statistics(ae.encode(x))
    inputs = codes if not conditional else {"codes": codes, "labels": y.astype("int32")}
    epochs = positive_int(recipe.epochs, "epochs")
    model.compile(optimizer=optimizer_from_recipe(recipe, math.ceil(len(x) / batch_size) * epochs))
    build_optimizer(model)
    extra = []
    if max_seconds is not None:
        # A margin for what follows the last batch (the epoch's end, the weight average).
        # A budget already spent stops after the first batch (the smallest positive limit).
        left = max_seconds - (time.perf_counter() - start) - 10.0
        extra.append(TimeLimit(max(left, 1e-9)))
    history = model.fit(
        inputs,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=verbose,
        callbacks=list(callbacks or []) + extra,
    )
    model.recipe = recipe
    out = {
        "autoencoder_loss": [float(v) for v in ae_history.history["loss"]],
        "loss": [float(v) for v in history.history["loss"]],
        "seconds": [time.perf_counter() - start],
        "autoencoder_seconds": [ae_seconds],
        "flow_seconds": [time.perf_counter() - start - ae_seconds],
    }
    return model, out
