"""Character n-gram language models with add-k smoothing: the baselines to beat.

Also :func:`nats_to_bits`, the unit conversion for their (and every model's) scores.

Used in chapter 05.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from genai_keras.checks import positive_int
from genai_keras.text.vocabulary import CharVocabulary
from genai_keras.utils import sampling_rng

LN2 = math.log(2.0)


def nats_to_bits(nats: float) -> float:
    """Convert nats (natural-log units) to bits: divide by ``ln 2``."""
    return float(nats) / LN2


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
        if self.vocab_size**self.order > 50_000_000:
            raise ValueError(
                f"order={order} with {vocab_size} characters needs "
                f"{self.vocab_size**self.order:,} counts; use a smaller order."
            )
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
            raise ValueError(
                f"fit needs a 1-D integer array with at least {self.order} ids, "
                f"got shape {arr.shape}, dtype {arr.dtype}."
            )
        if arr.min() < 0 or arr.max() >= self.vocab_size:
            raise ValueError(f"ids must lie in [0, {self.vocab_size - 1}].")
        arr = arr.astype(np.int64)
        V = self.vocab_size
        self.counts = []
        for m in range(self.order):
            flat = np.zeros(arr.size - m, dtype=np.int64)
            for j in range(m + 1):  # combined index of (x_{i-m}, ..., x_i)
                flat = flat * V + arr[j : arr.size - m + j]
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
        ctx = (
            [int(c) for c in np.asarray(context, dtype=np.int64).reshape(-1)][-(self.order - 1) :]
            if self.order > 1
            else []
        )
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
            positions = (
                np.arange(m, arr.size)
                if m == self.order - 1
                else np.arange(m, min(m + 1, arr.size))
            )
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

    def sample(
        self, length: int, seed: int | None = None, prompt: Sequence[int] | np.ndarray = ()
    ) -> np.ndarray:
        """Draw ``length`` ids, one at a time, each from ``probs(previous ids)``.

        Args:
            length: number of new ids (>= 0).
            seed: an int, a NumPy Generator or None (follows ``gk.set_seed``):
                ``gk.utils.sampling_rng``.
            prompt: ids to continue (may be empty).

        Returns:
            int32 array ``(length,)`` of the new ids (the prompt not included).
        """
        self._need_fit()
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"length must be an integer >= 0, got {length!r}.")
        rng = sampling_rng(seed)
        history = [int(c) for c in np.asarray(prompt, dtype=np.int64).reshape(-1)]
        out = []
        for _ in range(int(length)):
            p = self.probs(history[-(self.order - 1) :] if self.order > 1 else ())
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
            raise ValueError(
                "vocabulary must be a CharVocabulary (build one with CharVocabulary.from_text)."
            )
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
        return self.model.nats_per_char(
            self.vocabulary.encode(text) if isinstance(text, str) else text
        )

    def bits_per_char(self, text: str | np.ndarray) -> float:
        """Average negative log-likelihood per character, in bits."""
        return nats_to_bits(self.nats_per_char(text))

    def sample(self, length: int, seed: int | None = None, prompt: str = "") -> str:
        """A sampled continuation of ``prompt`` (returned without the prompt)."""
        return self.vocabulary.decode(
            self.model.sample(length, seed=seed, prompt=self.vocabulary.encode(prompt))
        )
