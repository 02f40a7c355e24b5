"""Networks of chapter 06: a small latent autoencoder and the velocity network.

* :func:`build_encoder` / :func:`build_decoder` -- a convolutional autoencoder from 28x28
  digits to a 7x7xC code in [-1, 1] and back (Bernoulli logits). Diffusion then runs in
  this code space (the idea behind latent/Stable Diffusion): 196 numbers instead of 784
  pixels, and a network that needs no convolutions at full resolution.
* :func:`build_velocity_network` -- a residual MLP that reads a noisy code ``x_t``, the
  time ``t`` and (optionally) a class, and predicts the velocity ``v``. Time and class
  enter every block through a learned scale and shift of its normalised input (FiLM /
  "adaptive layer norm").

Used in chapter 06.
"""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import layers, ops

from genai_keras.checks import positive_int


@keras.saving.register_keras_serializable(package="genai_keras")
class SinusoidalTimeEmbedding(layers.Layer):
    """Time ``t`` in [0, 1] ``(batch,)`` -> ``(batch, dim)`` sines and cosines of ``t``
    at frequencies spaced geometrically from 1 to ``max_frequency`` (as the Transformer's
    position code)."""

    def __init__(self, dim: int, max_frequency: float = 1000.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if dim % 2:
            raise ValueError(f"The time embedding's size must be even, got {dim}.")
        self.dim, self.max_frequency = int(dim), float(max_frequency)

    def call(self, t):
        half = self.dim // 2
        freqs = ops.exp(ops.linspace(0.0, math.log(self.max_frequency), half))
        angles = ops.expand_dims(ops.cast(t, "float32"), -1) * ops.expand_dims(freqs, 0)
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.dim)

    def get_config(self) -> dict:
        return {**super().get_config(), "dim": self.dim, "max_frequency": self.max_frequency}


def build_encoder(code_channels: int = 4, filters: int = 64) -> keras.Model:
    """Images ``(batch, 28, 28, 1)`` in [0, 1] -> codes ``(batch, 7, 7, code_channels)`` in
    [-1, 1] (two stride-2 convolutions, then a 1x1 projection and tanh)."""
    code_channels, filters = (
        positive_int(code_channels, "code_channels"),
        positive_int(filters, "filters"),
    )
    x = inputs = keras.Input((28, 28, 1), name="images")
    x = layers.Conv2D(
        filters // 2, 3, strides=2, padding="same", activation="silu", name="enc_conv1"
    )(x)
    x = layers.Conv2D(filters, 3, strides=2, padding="same", activation="silu", name="enc_conv2")(x)
    x = layers.Conv2D(filters, 3, padding="same", activation="silu", name="enc_conv3")(x)
    x = layers.Conv2D(code_channels, 1, activation="tanh", name="enc_code")(x)
    return keras.Model(inputs, x, name="latent_encoder")


def build_decoder(code_channels: int = 4, filters: int = 64) -> keras.Model:
    """Codes ``(batch, 7, 7, code_channels)`` -> Bernoulli logits ``(batch, 28, 28, 1)``
    (resize-then-convolve upsampling, 7 -> 14 -> 28)."""
    code_channels, filters = (
        positive_int(code_channels, "code_channels"),
        positive_int(filters, "filters"),
    )
    x = inputs = keras.Input((7, 7, code_channels), name="codes")
    x = layers.Conv2D(filters, 3, padding="same", activation="silu", name="dec_conv1")(x)
    x = layers.Conv2D(filters, 3, padding="same", activation="silu", name="dec_conv2")(x)
    x = layers.UpSampling2D(2, name="dec_up1")(x)
    x = layers.Conv2D(filters // 2, 3, padding="same", activation="silu", name="dec_conv3")(x)
    x = layers.UpSampling2D(2, name="dec_up2")(x)
    x = layers.Conv2D(filters // 4, 3, padding="same", activation="silu", name="dec_conv4")(x)
    x = layers.Conv2D(1, 3, padding="same", name="dec_logits")(x)
    return keras.Model(inputs, x, name="latent_decoder")


def build_velocity_network(
    dim: int,
    width: int = 512,
    depth: int = 4,
    hidden: int | None = None,
    num_classes: int | None = None,
) -> keras.Model:
    """The velocity network ``v(x_t, t, class)`` on flat vectors of size ``dim``.

    Args:
        dim: size of the (flattened) data, e.g. 196 for a 7x7x4 code.
        width: width of the residual stream.
        depth: number of residual blocks.
        hidden: width inside each block (default ``2 * width``).
        num_classes: classes for a conditional model (None: unconditional). Class index
            ``num_classes`` is the "no label" token that classifier-free guidance trains
            with (label dropout) and samples with.

    Returns:
        A functional model with inputs ``[x_t (batch, dim), t (batch,)]`` (plus ``labels
        (batch,)`` int32 when conditional) and output ``v (batch, dim)``.
    """
    dim, width, depth = (
        positive_int(dim, "dim"),
        positive_int(width, "width"),
        positive_int(depth, "depth"),
    )
    hidden = 2 * width if hidden is None else positive_int(hidden, "hidden")
    x_in = keras.Input((dim,), name="x_t")
    t_in = keras.Input((), name="t")
    inputs = [x_in, t_in]
    emb = SinusoidalTimeEmbedding(128, name="time_embedding")(t_in)
    emb = layers.Dense(width, activation="silu", name="time_dense1")(emb)
    emb = layers.Dense(width, name="time_dense2")(emb)
    if num_classes is not None:
        label_in = keras.Input((), dtype="int32", name="labels")
        inputs.append(label_in)
        emb = emb + layers.Embedding(
            positive_int(num_classes, "num_classes") + 1, width, name="label_embedding"
        )(label_in)
    emb = layers.Activation("silu", name="embedding_silu")(emb)
    h = layers.Dense(width, name="input_projection")(x_in)
    for i in range(depth):
        scale_shift = layers.Dense(2 * width, kernel_initializer="zeros", name=f"block{i}_film")(
            emb
        )
        scale, shift = ops.split(scale_shift, 2, axis=-1)
        y = layers.LayerNormalization(center=False, scale=False, name=f"block{i}_norm")(h)
        y = y * (1.0 + scale) + shift
        y = layers.Dense(hidden, activation="silu", name=f"block{i}_dense1")(y)
        y = layers.Dense(width, name=f"block{i}_dense2")(y)
        h = h + y
    h = layers.LayerNormalization(name="output_norm")(h)
    out = layers.Dense(dim, kernel_initializer="zeros", name="velocity")(h)
    return keras.Model(inputs, out, name="velocity_network")
