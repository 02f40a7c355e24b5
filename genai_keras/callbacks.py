"""Keras callbacks shared by the training code of several model families.

:class:`TimeLimit` stops ``fit`` after a wall-clock budget: the GAN benchmark's
equal-time comparison (``gk.models.gan.TimeLimit``, chapter 03) and the time budget of
flow-matching training (chapter 06, ``benchmarks/diffusion.py``).
"""

from __future__ import annotations

import time
from typing import Any

import keras


class TimeLimit(keras.callbacks.Callback):
    """Stop ``fit`` after ``seconds`` of wall time (checked after every batch).

    Used by chapter 03's benchmark to train two GANs for the same wall-clock budget.
    ``epochs_done`` counts started epochs; ``steps_done`` finished batches.

    Raises:
        ValueError: ``seconds`` is not > 0.
    """

    def __init__(self, seconds: float):
        super().__init__()
        if not seconds > 0:
            raise ValueError(f"seconds must be > 0, got {seconds!r}.")
        self.seconds = float(seconds)
        self.steps_done = 0
        self.epochs_done = 0
        self._start = 0.0

    def on_train_begin(self, logs: Any = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.epochs_done = epoch + 1

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.steps_done += 1
        if time.perf_counter() - self._start > self.seconds:
            self.model.stop_training = True
