"""The transformer's layers: causal multi-head self-attention and the pre-norm block.

Both layers also run incrementally (``prefill`` and ``step`` with a key/value cache),
which :class:`~genai_keras.models.autoregressive.CharTransformer` uses to generate.

Used in chapter 05.
"""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import layers, ops

from genai_keras.checks import positive_int

_NEG_INF = -1e9


def _normal_init() -> keras.initializers.Initializer:
    return keras.initializers.RandomNormal(stddev=0.02)


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
        self.proj = layers.Dense(
            self.embed_dim,
            name="proj",
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.02 * self.residual_scale),
        )

    def build(self, input_shape):
        self.qkv.build(input_shape)
        self.proj.build((*tuple(input_shape[:-1]), self.embed_dim))

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
        config.update(
            embed_dim=self.embed_dim, num_heads=self.num_heads, residual_scale=self.residual_scale
        )
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

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        mlp_ratio: int = 4,
        dropout: float = 0.0,
        residual_scale: float = 1.0,
        **kwargs,
    ):
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
        self.fc = layers.Dense(
            self.mlp_ratio * self.embed_dim,
            activation="gelu",
            kernel_initializer=_normal_init(),
            name="mlp_fc",
        )
        self.fc_out = layers.Dense(
            self.embed_dim,
            name="mlp_out",
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.02 * self.residual_scale),
        )
        self.drop = layers.Dropout(self.dropout, name="drop")

    def build(self, input_shape):
        self.ln1.build(input_shape)
        self.attn.build(input_shape)
        self.ln2.build(input_shape)
        self.fc.build(input_shape)
        self.fc_out.build((*tuple(input_shape[:-1]), self.mlp_ratio * self.embed_dim))

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
        config.update(
            embed_dim=self.embed_dim,
            num_heads=self.num_heads,
            mlp_ratio=self.mlp_ratio,
            dropout=self.dropout,
            residual_scale=self.residual_scale,
        )
        return config
