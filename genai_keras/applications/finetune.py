"""Pretrain, then adapt: chapter 05's character transformer on one speaker's lines.

GPT-style transfer in miniature. The corpus is split by *speaker*: every speech of one
character (say PETRUCHIO) is held out of pretraining; a small slice of those speeches
is the new task's training text and the rest of them its validation text. Then, at
the same small number of updates,

- ``"scratch"``: a fresh transformer trains on the slice only;
- ``"fine_tuned"``: the pretrained transformer continues on the slice (lower
  learning rate);
- ``"pretrained"``: the pretrained model as it is (no update on the slice), for scale.

All three are scored in nats per character on the held-out speeches
(:func:`genai_keras.models.autoregressive.nats_per_char`).

Used in chapter 07.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras

from genai_keras import backend as gk_backend
from genai_keras.checks import positive_int
from genai_keras.losses import causal_lm_loss
from genai_keras.models.autoregressive import CharTransformer, nats_per_char
from genai_keras.optim import build_optimizer, optimizer_from_recipe
from genai_keras.recipes import Recipe, expect
from genai_keras.text import CharVocabulary, eval_windows, make_window_dataset


def speeches(text: str) -> list[tuple[str, str]]:
    """The corpus as ``(speaker, speech)`` pairs: blocks separated by a blank line whose
    first line is ``NAME:`` (Tiny Shakespeare's layout). Each speech keeps its name line."""
    out = []
    for block in text.split("\n\n"):
        head = block.split("\n", 1)[0].strip()
        if head.endswith(":") and "\n" in block:
            out.append((head[:-1], block.strip("\n") + "\n\n"))
    return out


def split_by_speaker(
    text: str, speaker: str, train_chars: int, val_fraction: float = 0.3
) -> dict[str, str]:
    """Hold one speaker out of the corpus and cut a small training slice of their lines.

    Args:
        text: the corpus (``gk.data.load_text("tinyshakespeare")``).
        speaker: the name as it stands before the colon, e.g. ``"PETRUCHIO"``.
        train_chars: characters of the speaker's first speeches used for training.
        val_fraction: share of the speaker's speeches, from the end, kept for
            validation (never trained on by any model).

    Returns:
        ``{"pretrain": every other speech, "train": the slice, "val": the held-out
        speeches}``, each one string.

    Raises:
        ValueError: an unknown speaker (the message lists the biggest ones), or a slice
            larger than the speaker's lines before the validation part.
    """
    all_speeches = speeches(text)
    mine = [s for who, s in all_speeches if who == speaker]
    if not mine:
        sizes: dict[str, int] = {}
        for who, s in all_speeches:
            sizes[who] = sizes.get(who, 0) + len(s)
        top = sorted(sizes, key=sizes.get, reverse=True)[:8]
        raise ValueError(
            f"No speech by {speaker!r} in the text; speakers with the most lines: {', '.join(top)}."
        )
    others = "".join(s for who, s in all_speeches if who != speaker)
    own = "".join(mine)
    n_val = round(len(own) * float(val_fraction))
    available = len(own) - n_val
    train_chars = positive_int(train_chars, "train_chars")
    if train_chars > available:
        raise ValueError(
            f"{speaker} has {available:,} characters of training text (after "
            f"keeping {n_val:,} for validation); use train_chars <= {available:,}."
        )
    return {"pretrain": others, "train": own[:train_chars], "val": own[available:]}


class _EvalLog(keras.callbacks.Callback):
    """One line per validation point of :func:`fit_text` (progress in a long cell)."""

    def __init__(self, log: Callable[[str], None], name: str, per_epoch: int, steps: int) -> None:
        super().__init__()
        self.log, self.name, self.per_epoch, self.steps = log, name, per_epoch, steps
        self.start = None

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        val = logs.get("val_loss")
        val_text = "" if val is None else f", validation {float(val):.3f} nats/char"
        self.log(
            f"{self.name}: {self.per_epoch * (epoch + 1)}/{self.steps} updates, training "
            f"{float(logs.get('loss', float('nan'))):.3f}{val_text} "
            f"({time.perf_counter() - self.start:.0f} s)"
        )


def fit_text(
    recipe: Recipe,
    vocabulary: CharVocabulary,
    train_text: str,
    val_text: str,
    model: CharTransformer | None = None,
    evals: int = 5,
    val_windows: int = 200,
    log: Callable[[str], None] | None = None,
) -> tuple[CharTransformer, dict[str, list[float]]]:
    """Train a character transformer (new, or the given one) on ``train_text``.

    AdamW with warm-up and cosine decay (:func:`genai_keras.optim.optimizer_from_recipe`)
    for ``recipe.steps`` updates of random windows, as in chapter 05.

    Args:
        recipe: a text recipe (its ``model`` settings build a new model).
        vocabulary: the characters (shared by pretraining and fine-tuning).
        train_text, val_text: training and validation text.
        model: continue training this model instead of building a new one.
        evals: validation estimates during training (the curve's points).
        val_windows: validation windows per estimate.
        log: optional ``print``-like function, called with one line per validation point.

    Returns:
        ``(model, curves)`` with ``step``, ``loss`` and ``val_loss`` (nats per character);
        ``model.val_nats_per_char`` holds the score on all of ``val_text``.
    """
    expect(recipe, "text")
    cfg = recipe.model
    steps, evals = positive_int(recipe.steps, "steps"), positive_int(evals, "evals")
    per_epoch = max(1, steps // evals)
    train_ids, val_ids = vocabulary.encode(train_text), vocabulary.encode(val_text)
    keras.utils.set_random_seed(recipe.seed)
    if model is None:
        model = CharTransformer(vocabulary, **cfg)
    model.compile(
        optimizer=optimizer_from_recipe(recipe, per_epoch * evals),
        loss=causal_lm_loss,
        jit_compile=gk_backend.default_jit_compile(),
    )
    build_optimizer(model)
    data = make_window_dataset(
        train_ids, model.context_length, recipe.batch_size, per_epoch, seed=recipe.seed
    )
    callbacks = [] if log is None else [_EvalLog(log, recipe.name, per_epoch, per_epoch * evals)]
    history = model.fit(
        data,
        epochs=evals,
        verbose=0,
        validation_data=eval_windows(val_ids, model.context_length, max_windows=val_windows),
        validation_batch_size=128,
        callbacks=callbacks,
    )
    model.val_nats_per_char = nats_per_char(model, val_ids)
    curves = {
        "step": [float(per_epoch * (i + 1)) for i in range(evals)],
        "loss": [float(v) for v in history.history["loss"]],
        "val_loss": [float(v) for v in history.history["val_loss"]],
    }
    return model, curves


def compare(
    text: str,
    speaker: str,
    train_chars: int,
    pretrain_recipe: Recipe,
    finetune_recipe: Recipe,
    scratch_recipe: Recipe,
    evals: int = 5,
    log: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], dict[str, CharTransformer]]:
    """Pretrain on everyone but ``speaker``; then fine-tune vs train from scratch on the slice.

    Args:
        text: the corpus.
        speaker, train_chars: see :func:`split_by_speaker`.
        pretrain_recipe: the pretraining run (its model settings are shared).
        finetune_recipe, scratch_recipe: the two runs on the slice; they should have the
            same ``steps`` and ``batch_size`` (equal budgets).
        evals: validation points per run.
        log: called with one line after each of the three runs (e.g. ``print``), and
            during pretraining, the longest run, one line per validation point.

    Returns:
        ``(results, models)``: ``results[variant] = {"val_nats_per_char", "curve"}`` for
        ``"pretrained"``, ``"fine_tuned"`` and ``"scratch"`` (plus ``"sizes"``: the
        characters of each text), and the three models (the pretrained one is the
        fine-tuned one's starting point, so ``models`` holds ``"fine_tuned"`` and
        ``"scratch"``).

    Raises:
        ValueError: the two runs on the slice differ in steps or batch size.
    """
    if (finetune_recipe.steps, finetune_recipe.batch_size) != (
        scratch_recipe.steps,
        scratch_recipe.batch_size,
    ):
        raise ValueError(
            "Fine-tuning and training from scratch must get the same budget: give "
            "both recipes the same steps and batch_size."
        )
    parts = split_by_speaker(text, speaker, train_chars)
    vocab = CharVocabulary.from_text(text)
    pre, pre_curve = fit_text(
        pretrain_recipe, vocab, parts["pretrain"], parts["val"], evals=evals, log=log
    )  # the longest of the three runs: a line per point
    pretrained_score = nats_per_char(pre, vocab.encode(parts["val"]))
    say = log or (lambda line: None)
    say(
        f"pretrained on {len(parts['pretrain']):,} characters: {pretrained_score:.3f} nats/char "
        f"on {speaker}'s held-out lines"
    )
    tuned, tune_curve = fit_text(
        finetune_recipe, vocab, parts["train"], parts["val"], model=pre, evals=evals
    )
    say(
        f"fine-tuned on {len(parts['train']):,} characters: {tuned.val_nats_per_char:.3f} nats/char"
    )
    cfg = dict(scratch_recipe.model)
    if cfg != dict(pretrain_recipe.model):
        raise ValueError(
            "The scratch model must have the pretrained model's architecture "
            "(same model settings in both recipes)."
        )
    scratch, scratch_curve = fit_text(
        scratch_recipe, vocab, parts["train"], parts["val"], evals=evals
    )
    say(f"trained from scratch on the same characters: {scratch.val_nats_per_char:.3f} nats/char")
    results = {
        "pretrained": {"val_nats_per_char": float(pretrained_score), "curve": pre_curve},
        "fine_tuned": {"val_nats_per_char": float(tuned.val_nats_per_char), "curve": tune_curve},
        "scratch": {"val_nats_per_char": float(scratch.val_nats_per_char), "curve": scratch_curve},
        "sizes": {k: len(v) for k, v in parts.items()},
    }
    return results, {"fine_tuned": tuned, "scratch": scratch}
