"""Training a character transformer from a recipe, and scoring it in nats per character.

Used in chapter 05.
"""

from __future__ import annotations

import time

import keras
import numpy as np
from keras import ops

from genai_keras import backend as gk_backend
from genai_keras import data as gk_data
from genai_keras.checks import positive_int
from genai_keras.losses import causal_lm_loss
from genai_keras.models.autoregressive.model import CharTransformer
from genai_keras.optim import build_optimizer, optimizer_from_recipe
from genai_keras.recipes import Recipe, expect
from genai_keras.text import (
    CharVocabulary,
    eval_windows,
    make_window_dataset,
    nats_to_bits,
    split_train_val,
)


def nats_per_char(
    model: CharTransformer, ids: np.ndarray, max_windows: int | None = None, batch_size: int = 128
) -> float:
    """Average next-character cross-entropy on non-overlapping windows of ``ids``, in nats.

    Every window of ``T + 1`` ids contributes its ``T`` predictions (contexts of
    1..T characters), as in nanoGPT's ``estimate_loss``. Uses the model's compiled
    ``evaluate``; a model that was never compiled is compiled first with the
    sparse cross-entropy loss.

    Used in chapter 05.
    """
    x, y = eval_windows(ids, model.context_length, max_windows=max_windows)
    if not getattr(model, "compiled", False):
        model.compile(loss=causal_lm_loss, jit_compile=gk_backend.default_jit_compile())
    # every window has the same number of targets, so the mean over batches is the mean per
    # character
    return float(model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)["loss"])


def nats_at_positions(
    model: CharTransformer, ids: np.ndarray, positions: np.ndarray, batch_size: int = 256
) -> float:
    """Average cross-entropy of the characters at ``positions``, each with a full context.

    Character ``ids[p]`` is predicted from the ``T = model.context_length`` characters
    before it (the last position of the window ``ids[p - T:p]``), so every prediction has
    the longest context the model can read. Models with different ``T`` scored on the same
    ``positions`` predict the same characters: a fair comparison of context lengths, which
    :func:`nats_per_char` (an average over contexts of 1 to ``T`` characters) is not.

    Args:
        model: a trained :class:`~genai_keras.models.autoregressive.CharTransformer`.
        ids: ``(L,)`` int character ids (e.g. the validation text).
        positions: int positions to predict, each ``>= T`` and ``< L``.
        batch_size: windows per forward pass.

    Returns:
        Nats per character (float).

    Raises:
        ValueError: no positions, a position with fewer than ``T`` characters before it,
            or one past the end of ``ids``.

    Used in chapter 05.
    """
    ids = np.asarray(ids).astype(np.int64)
    where = np.asarray(positions).astype(np.int64).reshape(-1)
    t = int(model.context_length)
    if where.size == 0:
        raise ValueError("positions is empty; give at least one position to predict.")
    if where.min() < t or where.max() >= ids.size:
        raise ValueError(
            f"positions must lie in [{t}, {ids.size - 1}]: each needs context_length={t} "
            f"characters before it and must be inside ids (got {where.min()} to {where.max()})."
        )
    batch_size = positive_int(batch_size, "batch_size")
    total = 0.0
    for start in range(0, where.size, batch_size):
        chunk = where[start : start + batch_size]
        windows = ids[chunk[:, None] + np.arange(-t, 0)[None, :]]
        logits = ops.convert_to_numpy(model(windows, training=False))[:, -1].astype(np.float64)
        top = logits.max(axis=-1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=-1))
        total += float(np.sum(log_norm - logits[np.arange(chunk.size), ids[chunk]]))
    return total / where.size


class _StepClock(keras.callbacks.Callback):
    """Record the step count and the seconds of training at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.steps: list[int] = []
        self.seconds: list[float] = []
        self._start = 0.0
        self._eval = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_test_begin(self, logs=None):
        self._eval_start = time.perf_counter()

    def on_test_end(self, logs=None):
        self._eval += time.perf_counter() - self._eval_start

    def on_epoch_end(self, epoch, logs=None):
        self.steps.append(int(ops.convert_to_numpy(self.model.optimizer.iterations)))
        self.seconds.append(time.perf_counter() - self._start - self._eval)  # training only


def train(
    recipe: Recipe,
    text: str | None = None,
    evals: int = 10,
    val_windows: int = 300,
    verbose: int = 0,
) -> tuple[CharTransformer, dict[str, list[float]]]:
    """Train a character-transformer recipe on Tiny Shakespeare (chapter 05).

    Text is split by position (the last 10% validates); training windows are drawn at
    random offsets; AdamW with warm-up and cosine decay minimises
    :func:`genai_keras.losses.causal_lm_loss`, XLA-compiled where the backend allows.

    Args:
        recipe: ``gk.recipes.get("char_transformer")`` or a variant of it.
        text: the corpus (default ``gk.data.load_text("tinyshakespeare")``).
        evals: number of "epochs": the training steps are split into this many chunks,
            each followed by a validation estimate.
        val_windows: validation windows (of ``T + 1`` characters) for those estimates;
            the full validation text is scored once at the end.
        verbose: passed to ``fit``.

    Returns:
        ``(model, history)``: the trained ``CharTransformer`` and its curves (``step``,
        ``loss``, ``val_loss`` in nats per character, ``seconds``). The model's
        ``training_log`` also holds ``train_seconds``, ``val_nats_per_char`` (full
        validation text) and ``tokens_seen``.
    """
    expect(recipe, "text")
    cfg = recipe.model
    text = gk_data.load_text("tinyshakespeare") if text is None else text
    vocab = CharVocabulary.from_text(text)
    train_ids, val_ids = split_train_val(vocab.encode(text), 0.1)
    evals = positive_int(evals, "evals")
    steps = positive_int(recipe.steps, "steps")
    batch_size = positive_int(recipe.batch_size, "batch_size")
    per_epoch = max(1, steps // evals)
    keras.utils.set_random_seed(recipe.seed)
    model = CharTransformer(vocab, **cfg)
    model.compile(
        optimizer=optimizer_from_recipe(recipe, per_epoch * evals),
        loss=causal_lm_loss,
        jit_compile=gk_backend.default_jit_compile(),
    )
    build_optimizer(model)
    data = make_window_dataset(
        train_ids, cfg["context_length"], batch_size, per_epoch, seed=recipe.seed
    )
    val_subset = eval_windows(val_ids, cfg["context_length"], max_windows=val_windows)
    clock = _StepClock()
    history = model.fit(
        data,
        epochs=evals,
        callbacks=[clock],
        validation_data=val_subset,
        validation_batch_size=128,
        verbose=verbose,
    )
    val = nats_per_char(model, val_ids)
    curves = {
        "step": [float(v) for v in clock.steps],
        "loss": [float(v) for v in history.history["loss"]],
        "val_loss": [float(v) for v in history.history["val_loss"]],
        "seconds": clock.seconds,
    }
    model.training_log = {
        **curves,
        "step": clock.steps,
        "train_seconds": clock.seconds[-1],
        "val_nats_per_char": val,
        "val_bits_per_char": nats_to_bits(val),
        "recipe": recipe.as_dict(),
        "fast": recipe.fast,
        "seed": recipe.seed,
        "tokens_seen": per_epoch * evals * batch_size * cfg["context_length"],
    }
    model.recipe = recipe
    return model, curves
