"""A character-level decoder-only transformer (a tiny GPT) in Keras 3.

The model reads ``T`` character ids and returns, at every position ``t``, the logits
of the categorical distribution ``p(x_{t+1} | x_1..x_t)``. A causal mask keeps each
position from seeing the future, so one forward pass scores all ``T`` next-character
predictions of a window at once; training minimises their average cross-entropy in
nats per character. Generation samples one character at a time and feeds it back,
with a key/value cache so that each new character costs one position, not a full
forward pass.

Everything in the model is ``keras.ops``; the one backend-specific speed trick
(compiling the one-character decoding step with XLA under TensorFlow) is
``genai_keras.backend.compile_function``. Training minimises
``genai_keras.losses.causal_lm_loss``.

Used in chapter 05.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from genai_keras import backend as gk_backend
from genai_keras.checks import positive_int
from genai_keras.losses import causal_lm_loss
from genai_keras.recipes import Recipe
from genai_keras.text import (CharVocabulary, eval_windows, make_window_dataset, nats_to_bits,
                              split_train_val)

_NEG_INF = -1e9


def _normal_init() -> keras.initializers.Initializer:
    return keras.initializers.RandomNormal(stddev=0.02)


# --------------------------------------------------------------------------- layers
@keras.saving.register_keras_serializable(package="genai_keras")
class CausalSelfAttention(layers.Layer):
    """Multi-head self-attention where position ``t`` attends only to positions ``<= t``.

    Used in chapter 05.

    Args:
        embed_dim: model width ``D``; split into ``num_heads`` heads of ``D / H``.
        num_heads: number of heads ``H``.
        residual_scale: standard deviation multiplier of the output projection's
            initial weights (GPT-2 uses ``1 / sqrt(2 * num_layers)``).
    """

    def __init__(self, embed_dim: int, num_heads: int, residual_scale: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = positive_int(embed_dim, "embed_dim")
        self.num_heads = positive_int(num_heads, "num_heads")
        if self.embed_dim % self.num_heads:
            raise ValueError(f"embed_dim={embed_dim} must be divisible by num_heads={num_heads}.")
        self.residual_scale = float(residual_scale)
        self.head_dim = self.embed_dim // self.num_heads
        self.qkv = layers.Dense(3 * self.embed_dim, kernel_initializer=_normal_init(), name="qkv")
        self.proj = layers.Dense(self.embed_dim, name="proj", kernel_initializer=keras.initializers.RandomNormal(
            stddev=0.02 * self.residual_scale))

    def build(self, input_shape):
        self.qkv.build(input_shape)
        self.proj.build(tuple(input_shape[:-1]) + (self.embed_dim,))

    def project(self, x):
        """``x`` (B, T, D) -> queries, keys, values, each (B, H, T, D/H)."""
        qkv = self.qkv(x)
        B, T = ops.shape(x)[0], ops.shape(x)[1]
        qkv = ops.reshape(qkv, (B, T, 3, self.num_heads, self.head_dim))
        qkv = ops.transpose(qkv, (2, 0, 3, 1, 4))
        return qkv[0], qkv[1], qkv[2]

    def attend(self, q, k, v, mask):
        """Scaled dot-product attention.

        Args:
            q: (B, H, Tq, Dh); k, v: (B, H, Tk, Dh).
            mask: boolean, broadcastable to (B, H, Tq, Tk); True = may attend.

        Returns:
            ``(output (B, Tq, D) after the output projection, weights (B, H, Tq, Tk))``.
        """
        scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / math.sqrt(self.head_dim)
        scores = ops.where(mask, scores, ops.cast(_NEG_INF, scores.dtype))
        scores = scores - ops.max(scores, axis=-1, keepdims=True)
        weights = ops.exp(scores)
        weights = weights / ops.sum(weights, axis=-1, keepdims=True)
        out = ops.matmul(weights, v)  # (B, H, Tq, Dh)
        B, Tq = ops.shape(out)[0], ops.shape(out)[2]
        out = ops.reshape(ops.transpose(out, (0, 2, 1, 3)), (B, Tq, self.embed_dim))
        return self.proj(out), weights

    def call(self, x, return_weights: bool = False):
        T = ops.shape(x)[1]
        q, k, v = self.project(x)
        out, weights = self.attend(q, k, v, causal_mask(T))
        return (out, weights) if return_weights else out

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(embed_dim=self.embed_dim, num_heads=self.num_heads,
                      residual_scale=self.residual_scale)
        return config


def causal_mask(length) -> Any:
    """Boolean (T, T) mask, True on and below the diagonal: query ``i`` sees keys ``j <= i``."""
    idx = ops.arange(length)
    return ops.greater_equal(idx[:, None], idx[None, :])


@keras.saving.register_keras_serializable(package="genai_keras")
class TransformerBlock(layers.Layer):
    """Pre-norm transformer block: ``x + Attn(LN(x))`` then ``x + MLP(LN(x))``.

    Used in chapter 05.

    Args:
        embed_dim: width ``D``.
        num_heads: attention heads.
        mlp_ratio: hidden width of the MLP is ``mlp_ratio * D`` (GELU).
        dropout: dropout rate on both residual branches (0 for small data runs).
        residual_scale: see ``CausalSelfAttention``.
    """

    def __init__(self, embed_dim: int, num_heads: int, mlp_ratio: int = 4, dropout: float = 0.0,
                 residual_scale: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = positive_int(embed_dim, "embed_dim")
        self.num_heads = positive_int(num_heads, "num_heads")
        self.mlp_ratio = positive_int(mlp_ratio, "mlp_ratio")
        self.dropout = float(dropout)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout!r}.")
        self.residual_scale = float(residual_scale)
        self.ln1 = layers.LayerNormalization(epsilon=1e-5, name="ln1")
        self.attn = CausalSelfAttention(embed_dim, num_heads, residual_scale, name="attn")
        self.ln2 = layers.LayerNormalization(epsilon=1e-5, name="ln2")
        self.fc = layers.Dense(self.mlp_ratio * self.embed_dim, activation="gelu",
                               kernel_initializer=_normal_init(), name="mlp_fc")
        self.fc_out = layers.Dense(self.embed_dim, name="mlp_out", kernel_initializer=keras.initializers.RandomNormal(
            stddev=0.02 * self.residual_scale))
        self.drop = layers.Dropout(self.dropout, name="drop")

    def build(self, input_shape):
        self.ln1.build(input_shape)
        self.attn.build(input_shape)
        self.ln2.build(input_shape)
        self.fc.build(input_shape)
        self.fc_out.build(tuple(input_shape[:-1]) + (self.mlp_ratio * self.embed_dim,))

    def _mlp(self, x, training=None):
        return self.drop(self.fc_out(self.fc(self.ln2(x))), training=training)

    def call(self, x, training=None, return_weights: bool = False):
        out, weights = self.attn(self.ln1(x), return_weights=True)
        x = x + self.drop(out, training=training)
        x = x + self._mlp(x, training=training)
        return (x, weights) if return_weights else x

    def prefill(self, x):
        """Like ``call`` (inference) but also return this block's keys and values (B, H, T, Dh)."""
        q, k, v = self.attn.project(self.ln1(x))
        out, _ = self.attn.attend(q, k, v, causal_mask(ops.shape(x)[1]))
        x = x + out
        return x + self._mlp(x), k, v

    def step(self, x, k_cache, v_cache, pos):
        """One new position with a key/value cache.

        Args:
            x: (B, 1, D), the new position's input.
            k_cache, v_cache: (B, H, T_max, Dh); slots ``< pos`` hold earlier positions.
            pos: int32 scalar tensor, the new position's index (``< T_max``).

        Returns:
            ``(y (B, 1, D), k_cache, v_cache)`` with slot ``pos`` filled.
        """
        q, k, v = self.attn.project(self.ln1(x))
        slots = ops.arange(ops.shape(k_cache)[2])
        here = ops.cast(ops.equal(slots, pos), k_cache.dtype)[None, None, :, None]
        k_cache = k_cache * (1.0 - here) + k * here
        v_cache = v_cache * (1.0 - here) + v * here
        visible = ops.less_equal(slots, pos)[None, None, None, :]
        out, _ = self.attn.attend(q, k_cache, v_cache, visible)
        x = x + out
        return x + self._mlp(x), k_cache, v_cache

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(embed_dim=self.embed_dim, num_heads=self.num_heads, mlp_ratio=self.mlp_ratio,
                      dropout=self.dropout, residual_scale=self.residual_scale)
        return config


# --------------------------------------------------------------------------- sampling
def _check_sampling(temperature: float, top_k: int | None, top_p: float | None, vocab_size: int):
    try:
        temperature = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}.") from None
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r} "
                         f"(use a small value such as 1e-3 for near-greedy decoding).")
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or not 1 <= top_k <= vocab_size:
            raise ValueError(f"top_k must be None or an integer in [1, {vocab_size}], got {top_k!r}.")
    if top_p is not None:
        try:
            p = float(top_p)
        except (TypeError, ValueError):
            raise ValueError(f"top_p must be None or a number in (0, 1], got {top_p!r}.") from None
        if not 0.0 < p <= 1.0:
            raise ValueError(f"top_p must be None or a number in (0, 1], got {top_p!r}.")
    return temperature


def next_char_probs(logits: Any, temperature: float = 1.0, top_k: int | None = None,
                    top_p: float | None = None) -> np.ndarray:
    """Turn next-character logits into the distribution actually sampled from.

    ``softmax(logits / temperature)``, then (optionally) keep only the ``top_k`` most
    likely characters, then (optionally) keep the smallest set of most likely
    characters whose probability mass is ``>= top_p`` (nucleus sampling), and
    renormalise. ``temperature -> 0`` tends to the arg-max (greedy decoding).

    Used in chapter 05.

    Args:
        logits: shape ``(V,)``.
        temperature: > 0; < 1 sharpens, > 1 flattens.
        top_k: None or an integer in [1, V].
        top_p: None or a number in (0, 1].

    Returns:
        float64 array ``(V,)`` summing to 1.
    """
    z = np.asarray(logits, dtype=np.float64).reshape(-1)
    temperature = _check_sampling(temperature, top_k, top_p, z.size)
    z = z / temperature
    probs = np.exp(z - z.max())
    probs /= probs.sum()
    order = np.argsort(-probs, kind="stable")
    keep = np.zeros(z.size, dtype=bool)
    n_keep = z.size if top_k is None else int(top_k)
    if top_p is not None:
        sorted_p = probs[order] / probs[order[:n_keep]].sum()
        mass_before = np.cumsum(sorted_p) - sorted_p  # mass of strictly more likely characters
        # (a tolerance of 1e-9 so that rounding never adds a character exactly at the boundary)
        n_keep = min(n_keep, int(np.sum(mass_before[:n_keep] < float(top_p) - 1e-9)))
        n_keep = max(n_keep, 1)
    keep[order[:n_keep]] = True
    probs = np.where(keep, probs, 0.0)
    return probs / probs.sum()


# --------------------------------------------------------------------------- model
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

    def __init__(self, vocabulary: CharVocabulary | dict, context_length: int = 128,
                 embed_dim: int = 128, num_heads: int = 4, num_layers: int = 4, mlp_ratio: int = 4,
                 dropout: float = 0.0, tie_weights: bool = True, name: str = "char_transformer",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        if isinstance(vocabulary, dict):
            vocabulary = CharVocabulary.from_config(vocabulary)
        if not isinstance(vocabulary, CharVocabulary):
            raise ValueError("vocabulary must be a CharVocabulary (CharVocabulary.from_text(text)).")
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
        self.token_embedding = layers.Embedding(self.vocab_size, self.embed_dim,
                                                embeddings_initializer=_normal_init(), name="token_embedding")
        self.position_embedding = layers.Embedding(self.context_length, self.embed_dim,
                                                   embeddings_initializer=_normal_init(),
                                                   name="position_embedding")
        self.embed_drop = layers.Dropout(self.dropout, name="embed_drop")
        self.blocks = [TransformerBlock(self.embed_dim, self.num_heads, self.mlp_ratio, self.dropout,
                                        residual_scale=scale, name=f"block_{i}")
                       for i in range(self.num_layers)]
        self.final_norm = layers.LayerNormalization(epsilon=1e-5, name="final_norm")
        self.lm_head = None if self.tie_weights else layers.Dense(
            self.vocab_size, kernel_initializer=_normal_init(), name="lm_head")
        self._step_fn = None
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
            self.output_bias = self.add_weight(shape=(self.vocab_size,), initializer="zeros",
                                               name="output_bias")
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
        if T is not None and T > self.context_length:
            raise ValueError(f"The model reads at most context_length={self.context_length} ids, "
                             f"got {T}; crop the input to its last {self.context_length}.")
        h = self._embed(ops.cast(ids, "int32"), training=training)
        for block in self.blocks:
            h = block(h, training=training)
        return self._logits(h)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "vocabulary": self.vocabulary.get_config(),
                "context_length": self.context_length, "embed_dim": self.embed_dim,
                "num_heads": self.num_heads, "num_layers": self.num_layers, "mlp_ratio": self.mlp_ratio,
                "dropout": self.dropout, "tie_weights": self.tie_weights}

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
        ids = self._prompt_ids(prompt)[-self.context_length:]
        h = self._embed(ops.convert_to_tensor(ids[None]))
        out = []
        for block in self.blocks:
            h, w = block(h, return_weights=True)
            out.append(ops.convert_to_numpy(w)[0])
        return np.stack(out).astype(np.float32)

    # -- generation
    def _prompt_ids(self, prompt: str) -> np.ndarray:
        if not isinstance(prompt, str) or not prompt:
            raise ValueError("prompt must be a non-empty string: the model has no start symbol, "
                             "so it needs at least one character to continue (e.g. '\\n').")
        return self.vocabulary.encode(prompt)

    def _prefill(self, ids: np.ndarray):
        """Run a window (t <= T ids) once; return last-position logits (V,) and padded caches."""
        x = ops.convert_to_tensor(np.asarray(ids, dtype=np.int32)[None])
        h = self._embed(x)
        pad = self.context_length - len(ids)
        caches = []
        for block in self.blocks:
            h, k, v = block.prefill(h)
            caches.append(ops.pad(k, ((0, 0), (0, 0), (0, pad), (0, 0))))
            caches.append(ops.pad(v, ((0, 0), (0, 0), (0, pad), (0, 0))))
        return ops.convert_to_numpy(self._logits(h)[0, -1]), tuple(caches)

    def _step(self, token, pos, caches):
        """One cached step: token (1, 1) int32, pos int32 scalar -> logits (V,), caches."""
        h = self.token_embedding(token) + ops.take(self.position_embedding.embeddings, pos, axis=0)[None, None]
        new = []
        for i, block in enumerate(self.blocks):
            h, k, v = block.step(h, caches[2 * i], caches[2 * i + 1], pos)
            new += [k, v]
        return self._logits(h)[0, 0], tuple(new)

    def _full_logits(self, ids: np.ndarray) -> np.ndarray:
        logits = self(ops.convert_to_tensor(np.asarray(ids, dtype=np.int32)[None]))
        return ops.convert_to_numpy(logits[0, -1])

    def generate_ids(self, prompt_ids: Sequence[int] | np.ndarray, length: int, temperature: float = 1.0,
                     top_k: int | None = None, top_p: float | None = None, seed: int | None = None,
                     use_cache: bool = True, return_logits: bool = False):
        """Sample ``length`` new ids after ``prompt_ids``, one at a time.

        The model reads a window of at most ``T = context_length`` ids. With the cache,
        each new id costs one position; when the window is full it restarts from its
        last ``T // 2`` ids (one forward pass), so every prediction sees between
        ``T // 2`` and ``T`` previous characters. ``use_cache=False`` recomputes the
        same windows from scratch at every step (same logits, slower).

        Args:
            prompt_ids: at least one id.
            length: number of new ids (>= 0).
            temperature, top_k, top_p: see ``next_char_probs``.
            seed: seed for the sampler (``np.random.default_rng``).
            use_cache: use the key/value cache.
            return_logits: also return the raw logits of every step, (length, V).

        Returns:
            int32 array ``(length,)`` (and the logits array if asked).
        """
        ids = [int(i) for i in np.asarray(prompt_ids).reshape(-1)]
        if not ids:
            raise ValueError("prompt_ids must hold at least one id (the model has no start symbol).")
        if min(ids) < 0 or max(ids) >= self.vocab_size:
            raise ValueError(f"prompt ids must lie in [0, {self.vocab_size - 1}].")
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"length must be an integer >= 0, got {length!r}.")
        _check_sampling(temperature, top_k, top_p, self.vocab_size)
        rng = np.random.default_rng(seed)
        T, keep = self.context_length, max(1, self.context_length // 2)
        start = max(0, len(ids) - T)
        if use_cache:
            if self._step_fn is None:
                self._step_fn = gk_backend.compile_function(self._step)
            logits, caches = self._prefill(ids[start:])
        else:
            logits = self._full_logits(ids[start:])
        new, all_logits = [], []
        for i in range(int(length)):
            all_logits.append(np.asarray(logits, dtype=np.float32))
            token = int(rng.choice(self.vocab_size, p=next_char_probs(logits, temperature, top_k, top_p)))
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
            return out, np.stack(all_logits) if all_logits else np.zeros((0, self.vocab_size), np.float32)
        return out

    def generate(self, prompt: str, length: int, temperature: float = 1.0, top_k: int | None = None,
                 top_p: float | None = None, seed: int | None = None, use_cache: bool = True) -> str:
        """Continue ``prompt`` with ``length`` sampled characters (returned without the prompt).

        Raises:
            ValueError: empty prompt, characters outside the vocabulary, ``length < 0``,
                ``temperature <= 0``, ``top_k`` outside [1, V], ``top_p`` outside (0, 1].
        """
        ids = self._prompt_ids(prompt)
        return self.vocabulary.decode(self.generate_ids(ids, length, temperature, top_k, top_p, seed,
                                                        use_cache=use_cache))


    # -- the common model shape (genai_keras.protocol)
    conditional = False

    def sample(self, n: int, labels: Any = None, seed: int | None = None, length: int = 200,
               prompt: str = "\n", temperature: float = 1.0) -> list[str]:
        """Draw ``n`` texts of ``length`` characters, each continuing ``prompt``.

        Args:
            n: number of texts.
            labels: must be None (the model is unconditional).
            seed: an int for repeatable draws (text ``i`` uses ``seed + i``).
            length: characters per text.
            prompt: the context every text starts from (default a newline).
            temperature: see :func:`next_char_probs`.

        Returns:
            A list of ``n`` strings (without the prompt).
        """
        n = positive_int(n, "n")
        if labels is not None:
            raise ValueError("The character transformer is unconditional: pass labels=None "
                             "and steer it with prompt=... instead.")
        base = np.random.default_rng(seed).integers(2**31) if seed is None else int(seed)
        return [self.generate(prompt, length, temperature=temperature, seed=base + i)
                for i in range(n)]

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
            window = ids[start:start + T + 1]
            logits = ops.convert_to_numpy(self(ops.convert_to_tensor(window[None, :-1])))[0]
            logits = logits.astype(np.float64)
            top = logits.max(axis=-1, keepdims=True)
            log_probs = logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))
            total += float(log_probs[np.arange(len(window) - 1), window[1:]].sum())
        return total


# --------------------------------------------------------------------------- training
def nats_per_char(model: CharTransformer, ids: np.ndarray, max_windows: int | None = None,
                  batch_size: int = 128) -> float:
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
    # every window has the same number of targets, so the mean over batches is the mean per character
    return float(model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)["loss"])


def make_optimizer(learning_rate: float, total_steps: int, warmup_steps: int,
                   weight_decay: float = 0.1) -> keras.optimizers.Optimizer:
    """AdamW with linear warm-up then cosine decay to 10% of ``learning_rate``.

    Biases, layer-norm scales/offsets are not decayed. Gradients are clipped to a
    global norm of 1.

    Used in chapter 05.
    """
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, warmup_target=float(learning_rate), warmup_steps=int(warmup_steps),
        decay_steps=max(1, int(total_steps) - int(warmup_steps)), alpha=0.1)
    opt = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=weight_decay, beta_1=0.9,
                                 beta_2=0.99, global_clipnorm=1.0)
    opt.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    return opt


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


def train(recipe: Recipe, text: str | None = None, evals: int = 10, val_windows: int = 300,
          verbose: int = 0) -> tuple[CharTransformer, dict[str, list[float]]]:
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
    from genai_keras import data as gk_data

    if not isinstance(recipe, Recipe) or recipe.family != "text":
        raise ValueError("Expected a text recipe, e.g. gk.recipes.get('char_transformer').")
    cfg, opt = recipe.model, recipe.optimizer
    text = gk_data.load_text("tinyshakespeare") if text is None else text
    vocab = CharVocabulary.from_text(text)
    train_ids, val_ids = split_train_val(vocab.encode(text), 0.1)
    evals = positive_int(evals, "evals")
    steps = positive_int(recipe.steps, "steps")
    batch_size = positive_int(recipe.batch_size, "batch_size")
    per_epoch = max(1, steps // evals)
    keras.utils.set_random_seed(recipe.seed)
    model = CharTransformer(vocab, **cfg)
    model.compile(optimizer=make_optimizer(opt["learning_rate"], per_epoch * evals, opt["warmup_steps"]),
                  loss=causal_lm_loss, jit_compile=gk_backend.default_jit_compile())
    data = make_window_dataset(train_ids, cfg["context_length"], batch_size, per_epoch, seed=recipe.seed)
    val_subset = eval_windows(val_ids, cfg["context_length"], max_windows=val_windows)
    clock = _StepClock()
    history = model.fit(data, epochs=evals, callbacks=[clock], validation_data=val_subset,
                        validation_batch_size=128, verbose=verbose)
    val = nats_per_char(model, val_ids)
    curves = {"step": [float(v) for v in clock.steps],
              "loss": [float(v) for v in history.history["loss"]],
              "val_loss": [float(v) for v in history.history["val_loss"]],
              "seconds": clock.seconds}
    model.training_log = {
        **curves, "step": clock.steps, "train_seconds": clock.seconds[-1],
        "val_nats_per_char": val, "val_bits_per_char": nats_to_bits(val),
        "recipe": recipe.as_dict(), "fast": recipe.fast, "seed": recipe.seed,
        "tokens_seen": per_epoch * evals * batch_size * cfg["context_length"],
    }
    model.recipe = recipe
    return model, curves
