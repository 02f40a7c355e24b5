"""A deterministic convolutional autoencoder for 28x28 digits.

Its encoder and decoder are :mod:`genai_keras.models.conv`'s
:class:`~genai_keras.models.conv.ConvEncoder` (one code, not a Gaussian) and
:class:`~genai_keras.models.conv.ConvDecoder`, the ones the VAE uses too.

The :class:`Autoencoder` is the deterministic baseline of chapter 02: it reconstructs
well, but decoding codes drawn at random gives poor digits, because nothing makes the
codes of training images fill a known region of code space. The VAE
(:mod:`genai_keras.models.vae`) fixes exactly that.

Used in chapter 02.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from genai_keras.checks import IMAGE_SHAPE, as_images, positive_int
from genai_keras.config import set_seed
from genai_keras.data import training_images
from genai_keras.losses import bernoulli_nll_from_logits  # the one the VAE runs too
from genai_keras.models.conv import ConvDecoder, ConvEncoder, check_static_image_shape
from genai_keras.optim import build_optimizer, optimizer_from_recipe
from genai_keras.recipes import expect
from genai_keras.utils import batched as _batched
from genai_keras.utils import sampling_rng

__all__ = ["Autoencoder", "bernoulli_nll_from_logits", "train"]


@keras.saving.register_keras_serializable(package="genai_keras")
class Autoencoder(keras.Model):
    """Deterministic convolutional autoencoder (the baseline before the VAE).

    Loss: Bernoulli cross-entropy between the grey-level image and the decoder's
    pixel probabilities, summed over the 784 pixels and averaged over the batch (nats
    per image). Train with ``model.compile(optimizer=...)`` then ``model.fit(images)``:
    the images are both input and target.

    Args:
        latent_dim: size of the code.
        encoder_filters, decoder_filters, hidden_units: sizes of the encoder and decoder
            (see :class:`~genai_keras.models.conv.ConvEncoder`,
            :class:`~genai_keras.models.conv.ConvDecoder`).

    Used in chapter 02.
    """

    #: It takes no labels (``genai_keras.protocol``).
    conditional = False

    def __init__(
        self,
        latent_dim: int = 2,
        encoder_filters: Sequence[int] = (32, 64),
        decoder_filters: Sequence[int] = (64, 32),
        hidden_units: int = 256,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("name", "autoencoder")
        super().__init__(**kwargs)
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        self.encoder_filters = tuple(encoder_filters)
        self.decoder_filters = tuple(decoder_filters)
        self.hidden_units = positive_int(hidden_units, "hidden_units")
        self.encoder = ConvEncoder(
            latent_dim, self.encoder_filters, self.hidden_units, variational=False, name="encoder"
        )
        self.decoder = ConvDecoder(latent_dim, self.decoder_filters, name="decoder")
        self.encoder.build((None, *IMAGE_SHAPE))
        self.decoder.build((None, self.latent_dim))
        self.built = True

    def call(self, images, training=None):
        check_static_image_shape(images)
        return self.decoder(self.encoder(images))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Reconstruction cross-entropy in nats per image (batch mean)."""
        return ops.mean(bernoulli_nll_from_logits(ops.cast(x, y_pred.dtype), y_pred))

    def encode(self, images: Any, batch_size: int = 1000) -> np.ndarray:
        """Codes ``(N, latent_dim)`` of images ``(N, 28, 28, 1)`` in [0, 1]."""
        x = as_images(images)
        return _batched(lambda b: ops.convert_to_numpy(self.encoder(b)), [x], batch_size)

    def decode(self, codes: Any, batch_size: int = 1000) -> np.ndarray:
        """Pixel probabilities ``(N, 28, 28, 1)`` in [0, 1] for codes ``(N, latent_dim)``."""
        z = np.asarray(codes, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"codes must have shape (N, {self.latent_dim}), got {z.shape}.")
        return _batched(
            lambda b: ops.convert_to_numpy(ops.sigmoid(self.decoder(b))), [z], batch_size
        )

    def reconstruct(self, images: Any) -> np.ndarray:
        """Decoded codes of the images: ``(N, 28, 28, 1)`` pixel probabilities in [0, 1]."""
        return self.decode(self.encode(images))

    def sample(self, n: int, labels: Any = None, seed: int | None = None) -> np.ndarray:
        """Decode ``n`` codes drawn from N(0, I): what a naive "generator" would do.

        The autoencoder was never trained to make N(0, I) codes meaningful, so most of
        these images are blurry non-digits; chapter 02 shows why and fixes it.
        ``seed``: an int (or a NumPy Generator), the same codes on every backend; None
        follows ``gk.set_seed`` (``gk.utils.sampling_rng``).

        Returns:
            float32 ``(n, 28, 28, 1)`` in [0, 1].
        """
        n = positive_int(n, "n")
        if labels is not None:
            raise ValueError("Autoencoder is unconditional: call sample(n) without labels.")
        z = sampling_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.decode(z)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            encoder_filters=list(self.encoder_filters),
            decoder_filters=list(self.decoder_filters),
            hidden_units=self.hidden_units,
        )
        return config


def train(
    recipe: Any, images: Any = None, verbose: int = 0
) -> tuple[Autoencoder, dict[str, list[float]]]:
    """Train the chapter-02 autoencoder recipe (``gk.recipes.get("autoencoder")``) on MNIST
    training digits (grey levels).

    Args:
        recipe: an autoencoder recipe.
        images: training images ``(N, 28, 28, 1)`` in [0, 1]; default the first
            ``recipe.limit`` (all) MNIST training digits.
        verbose: passed to ``fit``.

    Returns:
        ``(model, history)``: the trained :class:`Autoencoder` and its per-epoch ``loss``
        (grey-level cross-entropy, nats per image: not a log-likelihood).

    Used in chapter 02.
    """
    expect(recipe, "autoencoder")
    x, _ = training_images(recipe, images)
    epochs = positive_int(recipe.epochs, "epochs")
    batch_size = positive_int(recipe.batch_size, "batch_size")
    set_seed(recipe.seed)
    model = Autoencoder(**recipe.model)
    model.compile(optimizer=optimizer_from_recipe(recipe))
    build_optimizer(model)
    history = model.fit(x, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=verbose)
    model.recipe = recipe
    return model, history.history
