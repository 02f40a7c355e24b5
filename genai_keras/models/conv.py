"""The convolutional encoder and decoder of 28x28 digits that chapter 02's models share.

:class:`ConvEncoder` maps images ``(batch, 28, 28, 1)`` to a code ``(batch, latent_dim)``
(or, for a variational autoencoder, to the mean and log-variance of a Gaussian over
codes); :class:`ConvDecoder` maps codes to Bernoulli *logits* ``(batch, 28, 28, 1)``
(apply a sigmoid for pixel probabilities in [0, 1]). Both take an optional *condition*
vector (e.g. a one-hot digit label) concatenated to their dense part.

Two callers: the deterministic :class:`~genai_keras.models.autoencoder.Autoencoder` and
the :class:`~genai_keras.models.vae.VAE` (and its conditional variant). Layer names and
order are those of the shipped checkpoints.

Used in chapter 02.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from genai_keras.checks import IMAGE_SHAPE, positive_int

__all__ = ["ConvDecoder", "ConvEncoder", "check_static_image_shape"]


def _check_filters(filters: Sequence[int], name: str, lengths: tuple[int, ...]) -> tuple[int, ...]:
    try:
        values = tuple(filters)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of integers, got {filters!r}.") from None
    if len(values) not in lengths:
        raise ValueError(
            f"{name} must have {' or '.join(map(str, lengths))} entries (one per resolution), "
            f"got {values!r}."
        )
    return tuple(positive_int(f, f"each entry of {name}") for f in values)


def check_static_image_shape(images) -> None:
    """Refuse a symbolic/eager batch whose static shape is not ``(batch, 28, 28, 1)``."""
    shape = tuple(images.shape[1:])
    if len(shape) != 3 or any(
        s is not None and s != t for s, t in zip(shape, IMAGE_SHAPE, strict=True)
    ):
        raise ValueError(
            f"images must have shape (batch, 28, 28, 1), got "
            f"(batch, {', '.join(map(str, shape))}). "
            f"Load digits with genai_keras.data.load_mnist()."
        )


@keras.saving.register_keras_serializable(package="genai_keras")
class ConvEncoder(keras.layers.Layer):
    """Two stride-2 convolutions (28 -> 14 -> 7), a dense layer, then the code head(s).

    Args:
        latent_dim: size of the code.
        filters: channels of the two convolutions, e.g. ``(32, 64)``.
        hidden_units: width of the dense layer after flattening.
        variational: if True, ``call`` returns ``(z_mean, z_log_var)`` (two heads);
            otherwise one code.
        condition_dim: size of an optional condition vector concatenated after
            flattening (0: unconditional).
        kernel_size: convolution kernel size.

    Call:
        ``encoder(images, condition=None)`` with images ``(batch, 28, 28, 1)`` in [0, 1]
        and condition ``(batch, condition_dim)``; returns ``(batch, latent_dim)`` or a
        pair of them.

    Used in chapter 02.
    """

    def __init__(
        self,
        latent_dim: int = 2,
        filters: Sequence[int] = (32, 64),
        hidden_units: int = 256,
        variational: bool = True,
        condition_dim: int = 0,
        kernel_size: int = 3,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("name", "encoder")
        super().__init__(**kwargs)
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        self.filters = _check_filters(filters, "encoder filters", (2,))
        self.hidden_units = positive_int(hidden_units, "hidden_units")
        self.variational = bool(variational)
        self.condition_dim = positive_int(condition_dim, "condition_dim", minimum=0)
        self.kernel_size = positive_int(kernel_size, "kernel_size")
        self.convs = [
            keras.layers.Conv2D(
                f,
                self.kernel_size,
                strides=2,
                padding="same",
                activation="relu",
                name=f"enc_conv{i + 1}",
            )
            for i, f in enumerate(self.filters)
        ]
        self.flatten = keras.layers.Flatten(name="enc_flatten")
        self.hidden = keras.layers.Dense(self.hidden_units, activation="relu", name="enc_hidden")
        if self.variational:
            self.mean_head = keras.layers.Dense(self.latent_dim, name="z_mean")
            self.log_var_head = keras.layers.Dense(self.latent_dim, name="z_log_var")
        else:
            self.code_head = keras.layers.Dense(self.latent_dim, name="code")

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        for conv in self.convs:
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
        flat = (shape[0], int(np.prod(shape[1:])) + self.condition_dim)
        self.hidden.build(flat)
        heads = [self.mean_head, self.log_var_head] if self.variational else [self.code_head]
        for head in heads:
            head.build((shape[0], self.hidden_units))
        self.built = True

    def call(self, images, condition=None):
        h = images
        for conv in self.convs:
            h = conv(h)
        h = self.flatten(h)
        if self.condition_dim:
            if condition is None:
                raise ValueError(
                    "This encoder is conditional: pass condition=(batch, "
                    f"{self.condition_dim}) (e.g. one-hot labels)."
                )
            h = ops.concatenate([h, ops.cast(condition, h.dtype)], axis=-1)
        h = self.hidden(h)
        if self.variational:
            return self.mean_head(h), self.log_var_head(h)
        return self.code_head(h)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            filters=list(self.filters),
            hidden_units=self.hidden_units,
            variational=self.variational,
            condition_dim=self.condition_dim,
            kernel_size=self.kernel_size,
        )
        return config


@keras.saving.register_keras_serializable(package="genai_keras")
class ConvDecoder(keras.layers.Layer):
    """Dense layer to a 7x7 feature map, then upsample-and-convolve twice to 28x28 logits.

    Each step doubles the resolution by nearest-neighbour upsampling (every pixel copied
    into a 2x2 block) and then applies a stride-1 convolution ("resize-convolution").
    ``filters=(c7, c14)``: a ``7x7xc7`` map, one step to ``14x14xc14`` and a last step
    straight to the ``28x28x1`` logits (cheap: no wide layer at full resolution).
    ``filters=(c7, c14, c28)`` steps to ``28x28xc28`` and adds a final 3x3 convolution to
    the logits (more capacity, about four times the compute).

    Why not stride-2 transposed convolutions? With a 3x3 kernel and stride 2 the copies
    of the kernel overlap unevenly: some output pixels receive one kernel tap, their
    neighbours two or four, and the decoded digits show a checkerboard grain. Resizing
    first gives every output pixel the same number of taps (Odena, Dumoulin and Olah,
    "Deconvolution and Checkerboard Artifacts", Distill, 2016).

    Args:
        latent_dim: size of the code it decodes.
        filters: channels per resolution, 2 or 3 entries.
        hidden_units: optional dense layer before the 7x7 projection (0: none).
        condition_dim: size of an optional condition vector concatenated to the code.
        kernel_size: kernel size of the convolutions after each upsampling.

    Call:
        ``decoder(z, condition=None)`` with ``z`` of shape ``(batch, latent_dim)``;
        returns Bernoulli logits ``(batch, 28, 28, 1)`` (sigmoid them for pixel
        probabilities in [0, 1]).

    Used in chapter 02.
    """

    def __init__(
        self,
        latent_dim: int = 2,
        filters: Sequence[int] = (64, 32),
        hidden_units: int = 0,
        condition_dim: int = 0,
        kernel_size: int = 3,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("name", "decoder")
        super().__init__(**kwargs)
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        self.filters = _check_filters(filters, "decoder filters", (2, 3))
        self.hidden_units = positive_int(hidden_units, "hidden_units", minimum=0)
        self.condition_dim = positive_int(condition_dim, "condition_dim", minimum=0)
        self.kernel_size = positive_int(kernel_size, "kernel_size")
        self.hidden = (
            keras.layers.Dense(self.hidden_units, activation="relu", name="dec_hidden")
            if self.hidden_units
            else None
        )
        self.project = keras.layers.Dense(
            7 * 7 * self.filters[0], activation="relu", name="dec_project"
        )
        self.reshape = keras.layers.Reshape((7, 7, self.filters[0]), name="dec_reshape")
        # Two (upsample, convolution) steps, 7 -> 14 -> 28. With two filters the second
        # convolution outputs the logits; with three a final 3x3 convolution does.
        if len(self.filters) == 2:
            steps = [(self.filters[1], "relu", "dec_conv1"), (1, None, "dec_logits")]
        else:
            steps = [(self.filters[1], "relu", "dec_conv1"), (self.filters[2], "relu", "dec_conv2")]
        self.upsamples = [
            keras.layers.UpSampling2D(2, interpolation="nearest", name=f"dec_up{i + 1}")
            for i in range(2)
        ]
        self.convs = [
            keras.layers.Conv2D(c, self.kernel_size, padding="same", activation=act, name=name)
            for c, act, name in steps
        ]
        self.to_logits = (
            keras.layers.Conv2D(1, 3, padding="same", name="dec_logits")
            if len(self.filters) == 3
            else None
        )

    def build(self, input_shape) -> None:
        batch = input_shape[0]
        shape = (batch, self.latent_dim + self.condition_dim)
        if self.hidden is not None:
            self.hidden.build(shape)
            shape = (batch, self.hidden_units)
        self.project.build(shape)
        shape = (batch, 7, 7, self.filters[0])
        for up, conv in zip(self.upsamples, self.convs, strict=True):
            shape = up.compute_output_shape(shape)
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
        if self.to_logits is not None:
            self.to_logits.build(shape)
        self.built = True

    def call(self, z, condition=None):
        h = z
        if self.condition_dim:
            if condition is None:
                raise ValueError(
                    "This decoder is conditional: pass condition=(batch, "
                    f"{self.condition_dim}) (e.g. one-hot labels)."
                )
            h = ops.concatenate([h, ops.cast(condition, h.dtype)], axis=-1)
        if self.hidden is not None:
            h = self.hidden(h)
        h = self.reshape(self.project(h))
        for up, conv in zip(self.upsamples, self.convs, strict=True):
            h = conv(up(h))  # resize, then convolve: no checkerboard
        return h if self.to_logits is None else self.to_logits(h)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            filters=list(self.filters),
            hidden_units=self.hidden_units,
            condition_dim=self.condition_dim,
            kernel_size=self.kernel_size,
        )
        return config
