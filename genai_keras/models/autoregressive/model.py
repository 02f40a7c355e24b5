"""The character-level decoder-only transformer (a tiny GPT): :class:`CharTransformer`.

Forward pass over windows of ids, inspection of attention weights, and generation one
character at a time with a key/value cache.

Used in chapter 05.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from genai_keras import backend as gk_backend
from genai_keras.checks import as_ids, positive_int
from genai_keras.models.autoregressive.blocks import TransformerBlock, _normal_init
from genai_keras.models.autoregressive.sampling import _check_sampling, next_char_probs
from genai_keras.text import CharVocabulary
from genai_keras.utils import logsumexp, sampling_rng

#: The most ids one ``generate_ids`` call writes (about 2 minutes at :data:`GENERATE_RATE`).
MAX_GENERATE_LENGTH = 100_000
#: Characters per second of cached generation on a 2-core CPU (benchmarks/results/text.json).
GENERATE_RATE = 700


@keras.saving.register_keras_serializable(package="genai_keras")
class CharTransformer(keras.Model):
    """A decoder-only transformer over characters (a tiny GPT).

    ``call(ids)`` maps int ids ``(B, T)`` (``T <= context_length``) to next-character
    logits ``(B, T, V)``; position ``t``'s logits depend only on ids ``0..t``.
    Train with ``fit`` on (window, window shifted by one) pairs and
    ``SparseCategoricalCrossentropy(from_logits=True)``: the loss is in nats per
    character.

    Used in chapter 05.

    Args:
        vocabulary: a ``CharVocabulary`` (or its config dict), saved with the model so
            that ``generate`` works on strings after loading.
        context_length: the longest window ``T`` the model reads.
        embed_dim: width ``D``.
        num_heads: attention heads per block.
        num_layers: transformer blocks.
        mlp_ratio: MLP hidden width over ``D``.
        dropout: residual dropout rate.
        tie_weights: reuse the token-embedding matrix as the output layer
            (``logits = h E^T + b``), which saves ``V * D`` parameters.
    """

    def __init__(
        self,
        vocabulary: CharVocabulary | dict,
        context_length: int = 128,
        embed_dim: int = 128,
        num_heads: int = 4,
        num_layers: int = 4,
        mlp_ratio: int = 4,
        dropout: float = 0.0,
        tie_weights: bool = True,
        name: str = "char_transformer",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        if isinstance(vocabulary, dict):
            vocabulary = CharVocabulary.from_config(vocabulary)
        if not isinstance(vocabulary, CharVocabulary):
            raise ValueError(
                "vocabulary must be a CharVocabulary (CharVocabulary.from_text(text))."
            )
        self.vocabulary = vocabulary
        self.vocab_size = vocabulary.size
        self.context_length = positive_int(context_length, "context_length", minimum=2)
        self.embed_dim = positive_int(embed_dim, "embed_dim")
        self.num_heads = positive_int(num_heads, "num_heads")
        self.num_layers = positive_int(num_layers, "num_layers")
        self.mlp_ratio = positive_int(mlp_ratio, "mlp_ratio")
        self.dropout = float(dropout)
        self.tie_weights = bool(tie_weights)
        scale = 1.0 / math.sqrt(2 * self.num_layers)
        self.token_embedding = layers.Embedding(
            self.vocab_size,
            self.embed_dim,
            embeddings_initializer=_normal_init(),
            name="token_embedding",
        )
        self.position_embedding = layers.Embedding(
            self.context_length,
            self.embed_dim,
            embeddings_initializer=_normal_init(),
            name="position_embedding",
        )
        self.embed_drop = layers.Dropout(self.dropout, name="embed_drop")
        self.blocks = [
            TransformerBlock(
                self.embed_dim,
                self.num_heads,
                self.mlp_ratio,
                self.dropout,
                residual_scale=scale,
                name=f"block_{i}",
            )
            for i in range(self.num_layers)
        ]
        self.final_norm = layers.LayerNormalization(epsilon=1e-5, name="final_norm")
        self.lm_head = (
            None
            if self.tie_weights
            else layers.Dense(self.vocab_size, kernel_initializer=_normal_init(), name="lm_head")
        )
        self._step_fn = self._prefill_fn = None
        self.build((None, self.context_length))

    # -- building and the forward pass
    def build(self, input_shape):
        if self.built:
            return
        shape = (input_shape[0], input_shape[1], self.embed_dim)
        self.token_embedding.build(input_shape)
        self.position_embedding.build((input_shape[1],))
        for block in self.blocks:
            block.build(shape)
        self.final_norm.build(shape)
        if self.tie_weights:
            self.output_bias = self.add_weight(
                shape=(self.vocab_size,), initializer="zeros", name="output_bias"
            )
        else:
            self.lm_head.build(shape)
        self.built = True

    def _embed(self, ids, start: int = 0, training=None):
        T = ops.shape(ids)[1]
        pos = self.position_embedding(ops.arange(start, start + T))
        return self.embed_drop(self.token_embedding(ids) + pos[None], training=training)

    def _logits(self, h):
        h = self.final_norm(h)
        if self.tie_weights:
            return ops.matmul(h, ops.transpose(self.token_embedding.embeddings)) + self.output_bias
        return self.lm_head(h)

    def call(self, ids, training=None):
        """ids (B, T) int, T <= context_length -> logits (B, T, V)."""
        T = ids.shape[1]
        if T is not None and self.context_length < T:
            raise ValueError(
                f"The model reads at most context_length={self.context_length} ids, "
                f"got {T}; crop the input to its last {self.context_length}."
            )
        h = self._embed(ops.cast(ids, "int32"), training=training)
        for block in self.blocks:
            h = block(h, training=training)
        return self._logits(h)

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "vocabulary": self.vocabulary.get_config(),
            "context_length": self.context_length,
            "embed_dim": self.embed_dim,
            "num_heads": self.num_heads,
            "num_layers": self.num_layers,
            "mlp_ratio": self.mlp_ratio,
            "dropout": self.dropout,
            "tie_weights": self.tie_weights,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CharTransformer:
        return cls(**config)

    # -- inspection
    def attention_weights(self, prompt: str) -> np.ndarray:
        """Attention weights of every block and head on a short prompt.

        Returns:
            float32 array ``(num_layers, num_heads, T, T)``; row ``i`` is the
            distribution over the positions query ``i`` attends to (zero above the
            diagonal).
        """
        ids = self._prompt_ids(prompt)[-self.context_length :]
        h = self._embed(ops.convert_to_tensor(ids[None]))
        out = []
        for block in self.blocks:
            h, w = block(h, return_weights=True)
            out.append(ops.convert_to_numpy(w)[0])
        return np.stack(out).astype(np.float32)

    # -- generation
    def _prompt_ids(self, prompt: str) -> np.ndarray:
        if not isinstance(prompt, str) or not prompt:
            raise ValueError(
                "prompt must be a non-empty string: the model has no start symbol, "
                "so it needs at least one character to continue (e.g. '\\n')."
            )
        return self.vocabulary.encode(prompt)

    def _prefill(self, ids: np.ndarray):
        """Run a window (t <= T ids) once; return last-position logits (V,) and the caches.

        The window is padded to T ids (:meth:`_padded_window`); the cache slots after it
        are masked by :meth:`_step` until it fills them.
        """
        if self._prefill_fn is None:
            self._prefill_fn = gk_backend.compile_function(self._prefill_window, self.variables)
        logits, caches = self._prefill_fn(
            self._padded_window(ids), np.asarray(len(ids) - 1, dtype=np.int32)
        )
        return ops.convert_to_numpy(logits), caches

    def _padded_window(self, ids: Sequence[int]) -> np.ndarray:
        """``ids`` (at most T) padded with zeros to ``(1, T)`` int32.

        A causal model's outputs up to a position do not depend on what follows it, and
        one input shape means one compilation on JAX/XLA (a growing window recompiled at
        every step: 40 steps took 44 s on a CPU).
        """
        window = np.zeros((1, self.context_length), dtype=np.int32)
        window[0, : len(ids)] = ids
        return window

    def _prefill_window(self, window, last):
        """window (1, T) int32, last int32 scalar -> logits at ``last`` (V,), caches."""
        h = self._embed(window)
        caches = []
        for block in self.blocks:
            h, k, v = block.prefill(h)
            caches += [k, v]
        return ops.take(self._logits(h)[0], last, axis=0), tuple(caches)

    def _step(self, token, pos, caches):
        """One cached step: token (1, 1) int32, pos int32 scalar -> logits (V,), caches."""
        h = (
            self.token_embedding(token)
            + ops.take(self.position_embedding.embeddings, pos, axis=0)[None, None]
        )
        new = []
        for i, block in enumerate(self.blocks):
            h, k, v = block.step(h, caches[2 * i], caches[2 * i + 1], pos)
            new += [k, v]
        return self._logits(h)[0, 0], tuple(new)

    def _full_logits(self, ids: Sequence[int]) -> np.ndarray:
        """Logits after the last of ``ids`` (at most T), from one forward pass of the window
        padded to T ids (:meth:`_padded_window`)."""
        logits = self(ops.convert_to_tensor(self._padded_window(ids)))
        return ops.convert_to_numpy(logits[0, len(ids) - 1])

    def generate_ids(
        self,
        prompt_ids: Sequence[int] | np.ndarray,
        length: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | np.random.Generator | None = None,
        use_cache: bool = True,
        return_logits: bool = False,
    ):
        """Sample ``length`` new ids after ``prompt_ids``, one at a time.

        The model reads a window of at most ``T = context_length`` ids. With the cache,
        each new id costs one position; when the window is full it restarts from its
        last ``T // 2`` ids (one forward pass), so every prediction sees between
        ``T // 2`` and ``T`` previous characters. ``use_cache=False`` recomputes the
        same windows from scratch at every step (same logits, slower).

        Args:
            prompt_ids: at least one id.
            length: number of new ids (>= 0, at most ``MAX_GENERATE_LENGTH``: longer
                would run for hours without a word; the error says how long).
            temperature, top_k, top_p: see ``next_char_probs``.
            seed: an int, a NumPy Generator (its stream continues) or None (follows
                ``gk.set_seed``): ``gk.utils.sampling_rng``; the categorical draws are made
                in NumPy from the model's probabilities, the same on every backend.
            use_cache: use the key/value cache.
            return_logits: also return the raw logits of every step, (length, V).

        Returns:
            int32 array ``(length,)`` (and the logits array if asked).
        """
        ids = [int(i) for i in as_ids(prompt_ids, self.vocab_size, name="prompt_ids")]
        if not ids:
            raise ValueError(
                "prompt_ids must hold at least one id (the model has no start symbol)."
            )
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"length must be an integer >= 0, got {length!r}.")
        if length > MAX_GENERATE_LENGTH:
            hours = length / GENERATE_RATE / 3600
            logits_gib = length * self.vocab_size * 4 / 2**30
            raise ValueError(
                f"length={length:,} characters would take about {hours:,.1f} hours (one "
                f"forward pass per character, about {GENERATE_RATE:,} per second on a "
                f"laptop CPU)"
                + (f" and {logits_gib:,.1f} GiB of logits" if return_logits else "")
                + f"; generate at most {MAX_GENERATE_LENGTH:,} per call (each call can "
                f"continue from the end of the previous one)."
            )
        _check_sampling(temperature, top_k, top_p, self.vocab_size)
        rng = sampling_rng(seed)
        T, keep = self.context_length, max(1, self.context_length // 2)
        start = max(0, len(ids) - T)
        if use_cache:
            if self._step_fn is None:
                self._step_fn = gk_backend.compile_function(self._step, self.variables)
            logits, caches = self._prefill(ids[start:])
        else:
            logits = self._full_logits(ids[start:])
        new, all_logits = [], []
        for i in range(int(length)):
            all_logits.append(np.asarray(logits, dtype=np.float32))
            token = int(
                rng.choice(self.vocab_size, p=next_char_probs(logits, temperature, top_k, top_p))
            )
            ids.append(token)
            new.append(token)
            if i == length - 1:
                break
            if len(ids) - start > T:  # window full: restart it from its last `keep` ids
                start = len(ids) - keep
                if use_cache:
                    logits, caches = self._prefill(ids[start:])
                else:
                    logits = self._full_logits(ids[start:])
            elif use_cache:
                pos = np.asarray(len(ids) - 1 - start, dtype=np.int32)
                logits, caches = self._step_fn(np.asarray([[token]], dtype=np.int32), pos, caches)
                logits = ops.convert_to_numpy(logits)
            else:
                logits = self._full_logits(ids[start:])
        out = np.asarray(new, dtype=np.int32)
        if return_logits:
            return out, np.stack(all_logits) if all_logits else np.zeros(
                (0, self.vocab_size), np.float32
            )
        return out

    def generate(
        self,
        prompt: str,
        length: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | np.random.Generator | None = None,
        use_cache: bool = True,
    ) -> str:
        """Continue ``prompt`` with ``length`` sampled characters (returned without the prompt).

        ``seed``: as in :meth:`generate_ids` (``gk.utils.sampling_rng``).

        Raises:
            ValueError: empty prompt, characters outside the vocabulary, ``length < 0``,
                ``temperature <= 0``, ``top_k`` outside [1, V], ``top_p`` outside (0, 1].
        """
        ids = self._prompt_ids(prompt)
        return self.vocabulary.decode(
            self.generate_ids(ids, length, temperature, top_k, top_p, seed, use_cache=use_cache)
        )

    # -- the common model shape (genai_keras.protocol)
    conditional = False

    def sample(
        self,
        n: int,
        labels: Any = None,
        seed: int | None = None,
        length: int = 200,
        prompt: str = "\n",
        temperature: float = 1.0,
    ) -> list[str]:
        """Draw ``n`` texts of ``length`` characters, each continuing ``prompt``.

        Args:
            n: number of texts.
            labels: must be None (the model is unconditional).
            seed: an int (or a NumPy Generator) for repeatable draws, the same on every
                backend; None follows ``gk.set_seed``. One generator per call
                (``gk.utils.sampling_rng``) draws the ``n`` texts in turn.
            length: characters per text.
            prompt: the context every text starts from (default a newline).
            temperature: see :func:`next_char_probs`.

        Returns:
            A list of ``n`` strings (without the prompt).
        """
        n = positive_int(n, "n")
        if labels is not None:
            raise ValueError(
                "The character transformer is unconditional: pass labels=None "
                "and steer it with prompt=... instead."
            )
        rng = sampling_rng(seed)
        return [self.generate(prompt, length, temperature=temperature, seed=rng) for _ in range(n)]

    def log_likelihood(self, text: str) -> float:
        """Log-likelihood of ``text`` in nats, every character after the first predicted
        from the ones before it (within windows of ``context_length``).

        Raises:
            ValueError: text shorter than 2 characters, or characters outside the
                vocabulary.
        """
        if not isinstance(text, str) or len(text) < 2:
            raise ValueError("log_likelihood needs a string of at least 2 characters.")
        ids = self.vocabulary.encode(text)
        total = 0.0
        T = self.context_length
        for start in range(0, len(ids) - 1, T):
            window = ids[start : start + T + 1]
            logits = ops.convert_to_numpy(self(ops.convert_to_tensor(window[None, :-1])))[0]
            logits = logits.astype(np.float64)
            log_probs = logits - logsumexp(logits, axis=-1)[:, None]
            total += float(log_probs[np.arange(len(window) - 1), window[1:]].sum())
        return total
