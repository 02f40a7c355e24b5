"""Characters as data: a vocabulary, a position split, training windows, n-gram baselines.

A character-level language model sees text as a sequence of integer ids
``x_1, ..., x_N`` (one id per character) and assigns it a probability by the chain
rule, ``p(x_1..x_N) = prod_i p(x_i | x_<i)``. This module holds everything that does
not need a neural network: the vocabulary (characters <-> ids), the split into
training and validation text, batches of training windows, and unigram / bigram /
n-gram models with add-k smoothing, the baselines every neural model must beat.

All log-likelihoods are in nats (natural log); divide by ``ln 2`` for bits.

Used in chapter 05.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from genai_keras.checks import positive_int

LN2 = math.log(2.0)
UNKNOWN_CHAR = "\ufffd"  # the Unicode replacement character, used as the unknown symbol


def nats_to_bits(nats: float) -> float:
    """Convert nats (natural-log units) to bits: divide by ``ln 2``."""
    return float(nats) / LN2


# --------------------------------------------------------------------------- vocabulary
class CharVocabulary:
    """A fixed set of characters, each with an integer id in ``[0, size)``.

    Ids follow the sorted order of the characters, so a vocabulary built from the same
    text always gives the same ids. Characters outside the vocabulary are never
    silently dropped: ``encode`` raises by default, or maps them to an explicit
    unknown id when the vocabulary was built with ``add_unknown=True`` and
    ``encode(..., errors="replace")`` is asked for.

    Used in chapter 05.

    Args:
        chars: the characters (a string or a sequence of one-character strings);
            duplicates are removed.
        add_unknown: add one extra symbol, ``UNKNOWN_CHAR`` (U+FFFD), with id
            ``size - 1``, for characters not seen when the vocabulary was built.

    Raises:
        ValueError: no characters, or an entry that is not a single character.
    """

    def __init__(self, chars: str | Sequence[str], add_unknown: bool = False):
        items = list(chars)
        if not items:
            raise ValueError("A vocabulary needs at least one character; got an empty list.")
        bad = [c for c in items if not isinstance(c, str) or len(c) != 1]
        if bad:
            raise ValueError(f"Every vocabulary entry must be a single character; got {bad[:5]!r}.")
        symbols = sorted(set(items) - {UNKNOWN_CHAR})
        self.add_unknown = bool(add_unknown)
        if self.add_unknown:
            symbols.append(UNKNOWN_CHAR)
        self.chars: str = "".join(symbols)
        self._index = {c: i for i, c in enumerate(self.chars)}
        # A lookup table over code points makes encoding a whole corpus one NumPy step.
        self._table = np.full(max(map(ord, self.chars)) + 1, -1, dtype=np.int64)
        for i, c in enumerate(self.chars):
            self._table[ord(c)] = i

    @classmethod
    def from_text(cls, text: str, add_unknown: bool = False) -> CharVocabulary:
        """Build the vocabulary of every distinct character in ``text``."""
        if not isinstance(text, str) or not text:
            raise ValueError("from_text needs a non-empty string.")
        return cls(set(text), add_unknown=add_unknown)

    @property
    def size(self) -> int:
        """Number of symbols (including the unknown symbol if any)."""
        return len(self.chars)

    def __len__(self) -> int:
        return self.size

    @property
    def unknown_id(self) -> int | None:
        """The id of the unknown symbol, or None if the vocabulary has none."""
        return self.size - 1 if self.add_unknown else None

    def encode(self, text: str, errors: str = "strict") -> np.ndarray:
        """Map a string to ids.

        Args:
            text: any string (may be empty).
            errors: ``"strict"`` raises on characters outside the vocabulary;
                ``"replace"`` maps them to ``unknown_id`` (needs ``add_unknown=True``).

        Returns:
            int32 array of shape ``(len(text),)``.

        Raises:
            ValueError: characters outside the vocabulary (strict), ``errors`` not
                understood, or ``"replace"`` without an unknown symbol.
        """
        if not isinstance(text, str):
            raise ValueError(f"encode expects a string, got {type(text).__name__}.")
        if errors not in ("strict", "replace"):
            raise ValueError(f"errors must be 'strict' or 'replace', got {errors!r}.")
        if errors == "replace" and not self.add_unknown:
            raise ValueError(
                "errors='replace' needs an unknown symbol: build the vocabulary with add_unknown=True."
            )
        if not text:
            return np.zeros((0,), dtype=np.int32)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        ids = np.full(codes.shape, -1, dtype=np.int64)
        inside = codes < self._table.shape[0]
        ids[inside] = self._table[codes[inside]]
        missing = ids < 0
        if missing.any():
            if errors == "strict":
                unknown = sorted({text[i] for i in np.flatnonzero(missing)[:1000]})
                raise ValueError(
                    f"{int(missing.sum())} character(s) are not in the vocabulary, e.g. {unknown[:10]!r}. "
                    f"Remove them, build the vocabulary from text that contains them, or use "
                    f"CharVocabulary(..., add_unknown=True) and encode(..., errors='replace')."
                )
            ids[missing] = self.unknown_id
        return ids.astype(np.int32)

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """Map ids back to a string.

        Args:
            ids: integers in ``[0, size)``, any 1-D array-like.

        Raises:
            ValueError: ids outside ``[0, size)`` or not one-dimensional.
        """
        arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
        if arr.size == 0:
            return ""
        if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"decode expects a 1-D sequence of integer ids, got shape {arr.shape}, "
                             f"dtype {arr.dtype}.")
        if arr.min() < 0 or arr.max() >= self.size:
            raise ValueError(f"ids must lie in [0, {self.size - 1}], found values in "
                             f"[{int(arr.min())}, {int(arr.max())}].")
        return "".join(self.chars[i] for i in arr.tolist())

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-friendly)."""
        chars = self.chars[:-1] if self.add_unknown else self.chars
        return {"chars": chars, "add_unknown": self.add_unknown}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CharVocabulary:
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharVocabulary) and other.chars == self.chars

    def __repr__(self) -> str:
        return f"CharVocabulary(size={self.size}, add_unknown={self.add_unknown})"


# --------------------------------------------------------------------------- data split
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
    n_val = max(1, int(round(arr.size * float(val_fraction))))
    if n_val >= arr.size:
        raise ValueError("val_fraction leaves no training text; use a smaller fraction.")
    return arr[:-n_val], arr[-n_val:]


def _check_ids(ids: Any, context_length: int) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"ids must be a 1-D integer array, got shape {arr.shape}, dtype {arr.dtype}.")
    if arr.size < context_length + 1:
        raise ValueError(f"ids has {arr.size} entries; windows of context_length={context_length} need "
                         f"at least {context_length + 1}.")
    return arr.astype(np.int32, copy=False)


def eval_windows(ids: np.ndarray, context_length: int, max_windows: int | None = None
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


def random_windows(ids: np.ndarray, context_length: int, batch_size: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One batch of training windows at random offsets (one fancy-indexing step).

    Returns:
        ``(x, y)``, both int32 of shape ``(batch_size, T)``; ``y`` is ``x`` shifted
        one character ahead.
    """
    offsets = rng.integers(0, ids.shape[0] - context_length, size=batch_size)
    rows = ids[offsets[:, None] + np.arange(context_length + 1)[None, :]]
    return rows[:, :-1], rows[:, 1:]


def make_window_dataset(ids: np.ndarray, context_length: int, batch_size: int,
                        steps_per_epoch: int, seed: int = 0):
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


# --------------------------------------------------------------------------- n-grams
class NGramModel:
    """A character n-gram language model with add-k smoothing.

    ``p(x_i | x_{i-n+1..i-1}) = (count(context, x_i) + k) / (count(context) + k V)``:
    a categorical distribution over the ``V`` characters for every context of
    ``n - 1`` characters (chapter 01's categorical distribution, estimated by counting:
    the maximum-likelihood estimate when ``k = 0``). ``order=1`` is the unigram model
    (no context), ``order=2`` the bigram model. The first ``n - 1`` characters of a
    text have shorter contexts and use the lower-order models, so ``log_prob`` is the
    exact chain-rule log-likelihood of the whole text.

    Used in chapter 05.

    Args:
        vocab_size: ``V``, the number of character ids.
        order: ``n >= 1``; memory grows as ``V ** n`` (``n <= 4`` for 65 characters).
        k: add-k smoothing constant, ``k > 0`` so that unseen pairs keep a non-zero
            probability (``k = 0`` would give ``-inf`` log-likelihood on new text).
    """

    def __init__(self, vocab_size: int, order: int = 2, k: float = 1.0):
        self.vocab_size = positive_int(vocab_size, "vocab_size", minimum=1)
        self.order = positive_int(order, "order", minimum=1)
        if self.vocab_size ** self.order > 50_000_000:
            raise ValueError(f"order={order} with {vocab_size} characters needs "
                             f"{self.vocab_size ** self.order:,} counts; use a smaller order.")
        k = float(k)
        if not np.isfinite(k) or k <= 0:
            raise ValueError(f"k (add-k smoothing) must be a finite number > 0, got {k!r}.")
        self.k = k
        # counts[m] has shape (V,) * (m + 1): counts of (context of m chars, next char).
        self.counts: list[np.ndarray] | None = None

    def fit(self, ids: np.ndarray) -> NGramModel:
        """Count every m-gram (m = 1..n) in ``ids`` (shape ``(N,)``); returns self."""
        arr = np.asarray(ids)
        if arr.ndim != 1 or arr.size < self.order or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"fit needs a 1-D integer array with at least {self.order} ids, "
                             f"got shape {arr.shape}, dtype {arr.dtype}.")
        if arr.min() < 0 or arr.max() >= self.vocab_size:
            raise ValueError(f"ids must lie in [0, {self.vocab_size - 1}].")
        arr = arr.astype(np.int64)
        V = self.vocab_size
        self.counts = []
        for m in range(self.order):
            flat = np.zeros(arr.size - m, dtype=np.int64)
            for j in range(m + 1):  # combined index of (x_{i-m}, ..., x_i)
                flat = flat * V + arr[j: arr.size - m + j]
            self.counts.append(np.bincount(flat, minlength=V ** (m + 1)).reshape((V,) * (m + 1)))
        return self

    def _need_fit(self) -> list[np.ndarray]:
        if self.counts is None:
            raise ValueError("This n-gram model is not fitted yet; call fit(train_ids) first.")
        return self.counts

    def probs(self, context: Sequence[int] | np.ndarray = ()) -> np.ndarray:
        """The next-character distribution after ``context`` (its last ``n - 1`` ids used).

        Returns:
            float64 array of shape ``(V,)``, non-negative, summing to 1.
        """
        counts = self._need_fit()
        ctx = [int(c) for c in np.asarray(context, dtype=np.int64).reshape(-1)][-(self.order - 1):] \
            if self.order > 1 else []
        if any(c < 0 or c >= self.vocab_size for c in ctx):
            raise ValueError(f"context ids must lie in [0, {self.vocab_size - 1}].")
        row = counts[len(ctx)][tuple(ctx)].astype(np.float64)
        return (row + self.k) / (row.sum() + self.k * self.vocab_size)

    def log_prob(self, ids: np.ndarray) -> float:
        """Chain-rule log-likelihood ``sum_i log p(x_i | previous n-1 ids)`` in nats."""
        counts = self._need_fit()
        arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        if arr.size == 0:
            return 0.0
        if arr.min() < 0 or arr.max() >= self.vocab_size:
            raise ValueError(f"ids must lie in [0, {self.vocab_size - 1}].")
        V, k, total = self.vocab_size, self.k, 0.0
        for m in range(self.order):
            # positions that use context length m: i = m (short start) or all i >= n-1
            positions = np.arange(m, arr.size) if m == self.order - 1 else np.arange(m, min(m + 1, arr.size))
            if positions.size == 0:
                continue
            joint = np.zeros(positions.size, dtype=np.int64)
            for j in range(m, -1, -1):
                joint = joint * V + arr[positions - j]
            table = counts[m].reshape(-1, V) if m else counts[0].reshape(1, V)
            ctx_index = joint // V
            num = table.reshape(-1)[joint] + k
            den = table.sum(axis=1)[ctx_index] + k * V
            total += float(np.sum(np.log(num) - np.log(den)))
        return total

    def nats_per_char(self, ids: np.ndarray) -> float:
        """Average negative log-likelihood per character, in nats (``/ ln 2`` for bits)."""
        arr = np.asarray(ids).reshape(-1)
        if arr.size == 0:
            raise ValueError("nats_per_char needs at least one character.")
        return -self.log_prob(arr) / arr.size

    def sample(self, length: int, seed: int | None = None,
               prompt: Sequence[int] | np.ndarray = ()) -> np.ndarray:
        """Draw ``length`` ids, one at a time, each from ``probs(previous ids)``.

        Args:
            length: number of new ids (>= 0).
            seed: seed for ``np.random.default_rng``.
            prompt: ids to continue (may be empty).

        Returns:
            int32 array ``(length,)`` of the new ids (the prompt not included).
        """
        self._need_fit()
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"length must be an integer >= 0, got {length!r}.")
        rng = np.random.default_rng(seed)
        history = [int(c) for c in np.asarray(prompt, dtype=np.int64).reshape(-1)]
        out = []
        for _ in range(int(length)):
            p = self.probs(history[-(self.order - 1):] if self.order > 1 else ())
            nxt = int(rng.choice(self.vocab_size, p=p))
            history.append(nxt)
            out.append(nxt)
        return np.asarray(out, dtype=np.int32)


class CharNGram:
    """An n-gram model that speaks strings: a ``CharVocabulary`` plus an ``NGramModel``.

    Used in chapter 05.

    Args:
        vocabulary: the characters and their ids.
        order: 1 (unigram), 2 (bigram), ...
        k: add-k smoothing constant (> 0).
    """

    def __init__(self, vocabulary: CharVocabulary, order: int = 2, k: float = 1.0):
        if not isinstance(vocabulary, CharVocabulary):
            raise ValueError("vocabulary must be a CharVocabulary (build one with CharVocabulary.from_text).")
        self.vocabulary = vocabulary
        self.model = NGramModel(vocabulary.size, order=order, k=k)

    @property
    def order(self) -> int:
        return self.model.order

    def fit(self, text: str | np.ndarray) -> CharNGram:
        """Count n-grams in a string or in an array of ids; returns self."""
        self.model.fit(self.vocabulary.encode(text) if isinstance(text, str) else text)
        return self

    def probs(self, context: str = "") -> np.ndarray:
        """Next-character distribution, shape ``(V,)``, after the string ``context``."""
        return self.model.probs(self.vocabulary.encode(context))

    def log_prob(self, text: str | np.ndarray) -> float:
        """Chain-rule log-likelihood of the text, in nats."""
        return self.model.log_prob(self.vocabulary.encode(text) if isinstance(text, str) else text)

    def nats_per_char(self, text: str | np.ndarray) -> float:
        """Average negative log-likelihood per character, in nats."""
        return self.model.nats_per_char(self.vocabulary.encode(text) if isinstance(text, str) else text)

    def bits_per_char(self, text: str | np.ndarray) -> float:
        """Average negative log-likelihood per character, in bits."""
        return nats_to_bits(self.nats_per_char(text))

    def sample(self, length: int, seed: int | None = None, prompt: str = "") -> str:
        """A sampled continuation of ``prompt`` (returned without the prompt)."""
        return self.vocabulary.decode(self.model.sample(length, seed=seed,
                                                        prompt=self.vocabulary.encode(prompt)))
