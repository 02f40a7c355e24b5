"""The restoration networks of chapter 07: one regression net and one conditional VAE.

Both read the damaged digit as a ``(28, 28, C)`` *condition* (the noisy image; the
bicubic upscale of a small image; the image with its hole plus the mask as a second
channel) through the same small U-Net-like encoder::

    condition (28, 28, C) -> conv 28x28 (f1) -> conv /2 14x14 (f2) -> conv /2 7x7 (f2)
                          -> dense h (global summary)
    decoder: dense -> 7x7 map, concat -> up 14x14 (+ skip) -> up 28x28 (+ skip) -> 1x1 conv

- :func:`build_regressor` maps the condition to one image, the per-pixel mean it is
  trained for (binary cross-entropy to the clean digit): the best guess in PSNR, and
  a blur wherever the answer is uncertain.
- :class:`RestorationCVAE` adds a latent code ``z`` (prior N(0, I)) to the decoder's
  global path; an encoder sees the clean digit during training, and the loss is the
  negative ELBO of ``p(x | condition)``. Drawing several ``z`` gives several plausible
  restorations of one input (a 7x7 blob that may be a 4 or a 9).

Everything is ``keras.ops``/``keras.layers``; both train with ``fit`` on every backend.
Used in chapter 07.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from genai_keras.checks import as_images, as_seed, non_negative_float, positive_int
from genai_keras.losses import bernoulli_nll_from_logits


def _check_filters(filters: Sequence[int]) -> tuple[int, int]:
    filters = tuple(filters)
    if len(filters) != 2:
        raise ValueError(
            f"filters must be two channel counts (full, half/quarter resolution), got {filters!r}."
        )
    return positive_int(filters[0], "filters[0]"), positive_int(filters[1], "filters[1]")


def build_condition_encoder(
    channels: int,
    filters: Sequence[int] = (16, 32),
    hidden_units: int = 128,
    name: str = "condition_encoder",
) -> keras.Model:
    """The encoder of the damaged image: skip features at 28, 14 and 7 pixels and a global vector.

    Args:
        channels: channels C of the condition (1, or 2 with a mask).
        filters: ``(f1, f2)`` channels at full and reduced resolution.
        hidden_units: size of the global summary ``h``.

    Returns:
        A model ``(batch, 28, 28, C) -> [(batch, 28, 28, f1), (batch, 14, 14, f2),
        (batch, 7, 7, f2), (batch, hidden_units)]``.
    """
    f1, f2 = _check_filters(filters)
    c = keras.Input((28, 28, positive_int(channels, "channels")), name="condition")
    e1 = layers.Conv2D(f1, 3, padding="same", activation="relu", name="enc_28")(c)
    e2 = layers.Conv2D(f2, 3, strides=2, padding="same", activation="relu", name="enc_14")(e1)
    e3 = layers.Conv2D(f2, 3, strides=2, padding="same", activation="relu", name="enc_7")(e2)
    h = layers.Dense(
        positive_int(hidden_units, "hidden_units"), activation="relu", name="enc_global"
    )(layers.Flatten(name="enc_flat")(e3))
    return keras.Model(c, [e1, e2, e3, h], name=name)


def build_decoder(
    filters: Sequence[int] = (16, 32),
    hidden_units: int = 128,
    latent_dim: int = 0,
    name: str = "decoder",
) -> keras.Model:
    """The decoder: global vector (and code ``z``) plus skip features -> pixel logits.

    Args:
        filters: ``(f1, f2)`` as in :func:`build_condition_encoder`.
        hidden_units: size of the global vector.
        latent_dim: size of the code ``z`` (0: no code, the regression net).

    Returns:
        A model ``[e1, e2, e3, h(, z)] -> (batch, 28, 28, 1)`` logits.
    """
    f1, f2 = _check_filters(filters)
    e1 = keras.Input((28, 28, f1), name="skip_28")
    e2 = keras.Input((14, 14, f2), name="skip_14")
    e3 = keras.Input((7, 7, f2), name="skip_7")
    h = keras.Input((hidden_units,), name="global")
    inputs = [e1, e2, e3, h]
    g = h
    if latent_dim:
        z = keras.Input((positive_int(latent_dim, "latent_dim"),), name="z")
        inputs.append(z)
        g = layers.Concatenate(name="global_and_z")([h, z])
    g = layers.Dense(hidden_units, activation="relu", name="dec_global")(g)
    g = layers.Reshape((7, 7, f1), name="dec_map")(
        layers.Dense(7 * 7 * f1, activation="relu", name="dec_global_map")(g)
    )
    d = layers.Conv2D(f2, 3, padding="same", activation="relu", name="dec_7")(
        layers.Concatenate(name="dec_cat_7")([e3, g])
    )
    d = layers.Conv2DTranspose(f2, 3, strides=2, padding="same", activation="relu", name="up_14")(d)
    d = layers.Conv2D(f2, 3, padding="same", activation="relu", name="dec_14")(
        layers.Concatenate(name="dec_cat_14")([d, e2])
    )
    d = layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu", name="up_28")(d)
    d = layers.Conv2D(f1, 3, padding="same", activation="relu", name="dec_28")(
        layers.Concatenate(name="dec_cat_28")([d, e1])
    )
    logits = layers.Conv2D(1, 1, name="logits")(d)
    return keras.Model(inputs, logits, name=name)


def build_regressor(
    channels: int,
    filters: Sequence[int] = (16, 32),
    hidden_units: int = 128,
    name: str = "regressor",
) -> keras.Model:
    """The supervised restorer: damaged image -> one restored image in [0, 1].

    Train it with ``compile(loss="binary_crossentropy")`` and ``fit(conditions, clean)``:
    it learns the per-pixel mean of the clean digit given the damaged one.

    Returns:
        A functional model ``(batch, 28, 28, C) -> (batch, 28, 28, 1)`` (sigmoid output).
    """
    encoder = build_condition_encoder(channels, filters, hidden_units)
    decoder = build_decoder(filters, hidden_units, latent_dim=0)
    c = keras.Input((28, 28, channels), name="condition")
    out = layers.Activation("sigmoid", name="pixels")(decoder(encoder(c)))
    return keras.Model(c, out, name=name)


@keras.saving.register_keras_serializable(package="genai_keras")
class RestorationCVAE(keras.Model):
    """A conditional VAE of clean digits given damaged ones: ``p(x | c) = E_z p(x | z, c)``.

    Training input is a dict ``{"condition": (batch, 28, 28, C), "target": (batch, 28,
    28, 1)}`` (pixels in [0, 1]); ``compute_loss`` is the negative ELBO (nats per
    image) with ``q(z | x, c)`` from a small convolutional encoder and the prior N(0, I).

    The damaged image alone lets the decoder predict the mean restoration, so left to
    itself the model ignores ``z`` (posterior collapse: KL -> 0, all draws equal).
    "Free bits" (Kingma et al., 2016) prevent it: each latent dimension's KL, averaged
    over the batch, costs nothing below ``free_bits`` nats, so the encoder is free to
    put that much information about the details into ``z``.

    Args:
        channels: channels C of the condition.
        filters, hidden_units: as in :func:`build_condition_encoder`.
        latent_dim: size of ``z``.
        beta: weight of the KL term.
        free_bits: KL per latent dimension (nats, batch mean) that is not penalised.
        seed: seed of the model's noise (reparameterisation and draws).
    """

    def __init__(
        self,
        channels: int = 1,
        filters: Sequence[int] = (16, 32),
        hidden_units: int = 128,
        latent_dim: int = 16,
        beta: float = 1.0,
        free_bits: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("name", "restoration_cvae")
        super().__init__(**kwargs)
        self.channels = positive_int(channels, "channels")
        self.filters = _check_filters(filters)
        self.hidden_units = positive_int(hidden_units, "hidden_units")
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        self.beta = non_negative_float(beta, "beta")
        self.free_bits = non_negative_float(free_bits, "free_bits")
        self.seed = as_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="seed_generator")
        self.condition_encoder = build_condition_encoder(
            self.channels, self.filters, self.hidden_units
        )
        self.decoder = build_decoder(self.filters, self.hidden_units, self.latent_dim)
        f1, f2 = self.filters
        x = keras.Input((28, 28, 1 + self.channels), name="target_and_condition")
        q = layers.Conv2D(f1, 3, strides=2, padding="same", activation="relu", name="q_14")(x)
        q = layers.Conv2D(f2, 3, strides=2, padding="same", activation="relu", name="q_7")(q)
        q = layers.Dense(self.hidden_units, activation="relu", name="q_hidden")(
            layers.Flatten(name="q_flat")(q)
        )
        self.posterior = keras.Model(
            x,
            [
                layers.Dense(self.latent_dim, name="z_mean")(q),
                layers.Dense(self.latent_dim, name="z_log_var")(q),
            ],
            name="posterior",
        )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    def call(self, inputs, training=None):
        """Encode the clean digit, draw ``z``, decode: a dict of ``targets``, ``logits``,
        ``z_mean``, ``z_log_var`` (the tensors of the negative ELBO)."""
        if not isinstance(inputs, dict) or set(inputs) != {"condition", "target"}:
            raise ValueError(
                "RestorationCVAE is called with {'condition': damaged, 'target': "
                "clean}; to restore, use restore(condition)."
            )
        c = ops.cast(inputs["condition"], "float32")
        x = ops.cast(inputs["target"], "float32")
        z_mean, z_log_var = self.posterior(ops.concatenate([x, c], axis=-1))
        eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        z = z_mean + ops.exp(0.5 * z_log_var) * eps
        logits = self.decoder([*self.condition_encoder(c), z])
        return {"targets": x, "logits": logits, "z_mean": z_mean, "z_log_var": z_log_var}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Negative ELBO of ``p(target | condition)`` in nats per image, batch mean, with
        the KL of each latent dimension floored at ``free_bits`` (the trackers report the
        true reconstruction and KL terms)."""
        if y_pred is None:
            y_pred = self(x, training=training)
        rec = bernoulli_nll_from_logits(y_pred["targets"], y_pred["logits"])
        mu, log_var = y_pred["z_mean"], y_pred["z_log_var"]
        kl_dims = 0.5 * (ops.square(mu) + ops.exp(log_var) - 1.0 - log_var)  # (batch, latent)
        kl = ops.sum(kl_dims, axis=-1)
        penalised = ops.sum(ops.maximum(ops.mean(kl_dims, axis=0), self.free_bits))
        self.reconstruction_tracker.update_state(rec)
        self.kl_tracker.update_state(kl)
        return ops.mean(rec) + self.beta * penalised

    def restore(
        self,
        condition: Any,
        num_draws: int = 1,
        seed: int = 0,
        mean: bool = False,
        batch_size: int = 1000,
    ) -> np.ndarray:
        """Restorations of damaged digits: ``num_draws`` codes ``z ~ N(0, I)`` per input.

        Args:
            condition: ``(N, 28, 28, C)`` damaged digits (as in training).
            num_draws: draws K per input.
            seed: seed of the codes (repeatable).
            mean: if True, decode ``z = 0`` once (the prior's centre) instead of drawing.
            batch_size: images per forward pass.

        Returns:
            float32 ``(K, N, 28, 28, 1)`` pixel probabilities in [0, 1] (``K = 1`` if ``mean``).

        Raises:
            ValueError: a condition of the wrong shape, NaN or outside [0, 1] (raw 0..255
                pixels: divide by 255), a bad seed, ``num_draws`` or ``batch_size`` < 1.
        """
        c = as_images(condition, name="condition", shape=(28, 28, self.channels))
        k = 1 if mean else positive_int(num_draws, "num_draws")
        batch_size = positive_int(batch_size, "batch_size")
        rng = np.random.default_rng(as_seed(seed))
        out = np.empty((k, len(c), 28, 28, 1), np.float32)
        for start in range(0, len(c), batch_size):
            feats = self.condition_encoder(c[start : start + batch_size])
            n = len(c[start : start + batch_size])
            for j in range(k):
                z = (
                    np.zeros((n, self.latent_dim), np.float32)
                    if mean
                    else rng.standard_normal((n, self.latent_dim)).astype(np.float32)
                )
                logits = self.decoder([*feats, ops.convert_to_tensor(z)])
                out[j, start : start + n] = ops.convert_to_numpy(ops.sigmoid(logits))
        return out

    @property
    def metrics(self):
        return [*super().metrics, self.reconstruction_tracker, self.kl_tracker]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "channels": self.channels,
            "filters": list(self.filters),
            "hidden_units": self.hidden_units,
            "latent_dim": self.latent_dim,
            "beta": self.beta,
            "free_bits": self.free_bits,
            "seed": self.seed,
        }


def build_small_classifier(seed: int = 0, name: str = "small_classifier") -> keras.Model:
    """The small CNN of the data-augmentation experiment (about 30k parameters).

    ``(batch, 28, 28, 1)`` in [0, 1] -> class probabilities ``(batch, 10)``: two conv +
    max-pool stages (16, 32 channels), dropout 0.3, a 10-way softmax. Initial weights
    follow ``seed`` (an int in [0, 2**32)).
    """
    seed = as_seed(seed, allow_none=False)
    init = keras.initializers.GlorotUniform
    x0 = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(16, 3, activation="relu", kernel_initializer=init(seed), name="conv1")(x0)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(32, 3, activation="relu", kernel_initializer=init(seed + 1), name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    x = layers.Dropout(0.3, seed=seed, name="dropout")(layers.Flatten(name="flat")(x))
    out = layers.Dense(10, activation="softmax", kernel_initializer=init(seed + 2), name="probs")(x)
    return keras.Model(x0, out, name=name)
