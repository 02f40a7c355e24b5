"""Text as training data: a position split, evaluation windows, batches of random windows.

Keras is imported only when :func:`make_window_dataset` is called.

Used in chapter 05.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.checks import positive_int


def split_train_val(ids: np.ndarray, val_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Split a sequence by position: the first part trains, the last ``val_fraction`` validates.

    A position split (not a random one) keeps validation text unseen as a whole:
    random windows would overlap the training text.

    Used in chapter 05.

    Args:
        ids: 1-D array of character ids, shape ``(N,)``.
        val_fraction: fraction in (0, 1) kept at the end for validation.

    Returns:
        ``(train_ids, val_ids)`` views of shapes ``(N - n_val,)`` and ``(n_val,)``.
    """
    arr = np.asarray(ids)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"ids must be a 1-D array with at least 2 entries, got shape {arr.shape}.")
    if not 0.0 < float(val_fraction) < 1.0:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction!r}.")
    n_val = max(1, round(arr.size * float(val_fraction)))
    if n_val >= arr.size:
        raise ValueError("val_fraction leaves no training text; use a smaller fraction.")
    return arr[:-n_val], arr[-n_val:]


def _check_ids(ids: Any, context_length: int) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"ids must be a 1-D integer array, got shape {arr.shape}, dtype {arr.dtype}."
        )
    if arr.size < context_length + 1:
        raise ValueError(
            f"ids has {arr.size} entries; windows of context_length={context_length} need "
            f"at least {context_length + 1}."
        )
    return arr.astype(np.int32, copy=False)


def eval_windows(
    ids: np.ndarray, context_length: int, max_windows: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping (input, target) windows covering a sequence, for evaluation.

    Window ``w`` holds ids ``[w*T, w*T + T]``: the input is the first ``T`` and the
    target the last ``T`` (the same text shifted by one character). Built as a strided
    view, no Python loop. With ``max_windows``, an evenly spaced subset is kept.

    Used in chapter 05.

    Returns:
        ``(x, y)``, both int32 of shape ``(num_windows, T)``.
    """
    T = positive_int(context_length, "context_length")
    arr = _check_ids(ids, T)
    view = np.lib.stride_tricks.sliding_window_view(arr, T + 1)[::T]
    if max_windows is not None:
        m = positive_int(max_windows, "max_windows")
        if m < view.shape[0]:
            view = view[np.linspace(0, view.shape[0] - 1, m).round().astype(int)]
    view = np.ascontiguousarray(view)
    return view[:, :-1], view[:, 1:]


def _keras_py_dataset_base():
    import keras  # imported lazily: the vocabulary and n-grams do not need Keras

    return keras.utils.PyDataset


def random_windows(
    ids: np.ndarray, context_length: int, batch_size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One batch of training windows at random offsets (one fancy-indexing step).

    Returns:
        ``(x, y)``, both int32 of shape ``(batch_size, T)``; ``y`` is ``x`` shifted
        one character ahead.
    """
    offsets = rng.integers(0, ids.shape[0] - context_length, size=batch_size)
    rows = ids[offsets[:, None] + np.arange(context_length + 1)[None, :]]
    return rows[:, :-1], rows[:, 1:]


def make_window_dataset(
    ids: np.ndarray, context_length: int, batch_size: int, steps_per_epoch: int, seed: int = 0
):
    """A ``keras.utils.PyDataset`` of random training windows that ``fit`` accepts.

    Each batch draws ``batch_size`` random offsets and gathers the windows with one
    fancy-indexing step (no Python loop over characters). Batch ``i`` of epoch ``e``
    uses the generator seeded with ``(seed, e, i)``, so runs are reproducible.

    Used in chapter 05.

    Args:
        ids: training ids, shape ``(N,)``.
        context_length: characters per window ``T``.
        batch_size: windows per batch ``B``.
        steps_per_epoch: batches per epoch (an "epoch" here is just a reporting unit).
        seed: base seed.

    Returns:
        A ``PyDataset`` yielding ``(x, y)`` int32 pairs of shape ``(B, T)``.
    """
    base = _keras_py_dataset_base()
    T = positive_int(context_length, "context_length")
    B = positive_int(batch_size, "batch_size")
    steps = positive_int(steps_per_epoch, "steps_per_epoch")
    data = _check_ids(ids, T)

    class CharWindowDataset(base):
        """Random (input, next-character target) windows; see ``make_window_dataset``."""

        def __init__(self) -> None:
            super().__init__(workers=1, use_multiprocessing=False)
            self.epoch = 0

        def __len__(self) -> int:
            return steps

        def __getitem__(self, index: int):
            rng = np.random.default_rng([int(seed), self.epoch, int(index)])
            return random_windows(data, T, B, rng)

        def on_epoch_end(self) -> None:
            self.epoch += 1

    return CharWindowDataset()
