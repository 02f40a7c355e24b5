r"""The VAE and the conditional VAE: encoder, reparameterised sample, decoder, loss.

:class:`VAE` is a ``keras.Model`` whose ``call`` and ``compute_loss`` use
``keras.ops`` only, so ``fit`` trains it on TensorFlow, JAX and PyTorch; ``encode``,
``decode``, ``reconstruct``, ``sample`` and ``interpolate`` work on NumPy arrays. Its
``elbo`` and ``log_likelihood`` come from :class:`.likelihood.VAELikelihood`.

Used in chapters 02 and 04.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from genai_keras import backend
from genai_keras.checks import (
    IMAGE_SHAPE,
    as_finite_array,
    as_images,
    as_labels,
    as_seed,
    concrete_or_none,
    dataset_batches,
    is_dataset,
    non_negative_float,
    positive_int,
)
from genai_keras.data import binarize_dynamic
from genai_keras.losses import negative_elbo
from genai_keras.models.conv import ConvDecoder, ConvEncoder, check_static_image_shape
from genai_keras.models.vae.likelihood import VAELikelihood
from genai_keras.protocol import default_labels
from genai_keras.utils import batched as _batched
from genai_keras.utils import sampling_rng


@keras.saving.register_keras_serializable(package="genai_keras")
class VAE(VAELikelihood, keras.Model):
    """Convolutional VAE with a Gaussian posterior and a Bernoulli decoder (logits).

    Train with ``model.compile(optimizer=keras.optimizers.Adam(...))`` and
    ``model.fit(images, ...)`` where images are grey levels ``(N, 28, 28, 1)`` in
    [0, 1]. With ``dynamic_binarization=True`` every training batch is redrawn as
    binary pixels (``P(x_i = 1)`` = grey level), the standard protocol for likelihood
    results on MNIST; ``evaluate`` and the methods below use the images as given (pass
    ``gk.data.load_mnist("test", binarize="static")`` for likelihoods in nats).

    Logged metrics: ``loss`` (negative ELBO with ``beta``), ``reconstruction`` and
    ``kl``, all in nats per image.

    Args:
        latent_dim: size of ``z`` (>= 1).
        encoder_filters, hidden_units: encoder sizes
            (:class:`~genai_keras.models.conv.ConvEncoder`).
        decoder_filters, decoder_hidden_units: decoder sizes
            (:class:`~genai_keras.models.conv.ConvDecoder`).
        beta: weight of the KL term (>= 0); 1 gives the true ELBO.
        dynamic_binarization: redraw binary training images every batch.
        seed: seed of the model's ``SeedGenerator`` (None: from Keras' global seed).

    Used in chapters 02 and 04.
    """

    num_classes = 0

    @property
    def conditional(self) -> bool:
        """True for a :class:`ConditionalVAE` (samples need labels)."""
        return bool(self.num_classes)

    def __init__(
        self,
        latent_dim: int = 2,
        encoder_filters: Sequence[int] = (32, 64),
        decoder_filters: Sequence[int] = (64, 32),
        hidden_units: int = 256,
        decoder_hidden_units: int = 0,
        beta: float = 1.0,
        dynamic_binarization: bool = True,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("name", "vae")
        super().__init__(**kwargs)
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        self.beta = non_negative_float(beta, "beta")
        self.encoder_filters = tuple(encoder_filters)
        self.decoder_filters = tuple(decoder_filters)
        self.hidden_units = positive_int(hidden_units, "hidden_units")
        self.decoder_hidden_units = positive_int(
            decoder_hidden_units, "decoder_hidden_units", minimum=0
        )
        self.dynamic_binarization = bool(dynamic_binarization)
        self.seed = as_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="seed_generator")
        self.encoder = ConvEncoder(
            self.latent_dim,
            self.encoder_filters,
            self.hidden_units,
            variational=True,
            condition_dim=self.num_classes,
            name="encoder",
        )
        self.decoder = ConvDecoder(
            self.latent_dim,
            self.decoder_filters,
            hidden_units=self.decoder_hidden_units,
            condition_dim=self.num_classes,
            name="decoder",
        )
        self.encoder.build((None, *IMAGE_SHAPE))
        self.decoder.build((None, self.latent_dim))
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.built = True

    # ------------------------------------------------------------------ training
    def _check_training_data(self, x: Any, name: str) -> Any:
        """What ``fit`` trains on: images in [0, 1] (and, conditional, labels), as arrays
        or in a ``tf.data.Dataset`` (every batch of a finite one, checked in one pass
        before training; the first batch of an infinite one). Generators pass unchecked."""
        if is_dataset(x):
            for i, batch in enumerate(dataset_batches(x)):
                element = batch[0] if isinstance(batch, tuple) else batch
                self._check_training_data(element, f"{name} (tf.data.Dataset, batch {i})")
            return x
        if isinstance(x, dict):
            if not self.num_classes:
                raise ValueError(
                    f"This VAE is unconditional: call fit(images) with an array "
                    f"of images, not a dict (keys {sorted(x)})."
                )
            if not {"images", "labels"} <= set(x):
                raise ValueError(
                    f"{type(self).__name__}.fit needs {name}={{'images': x, "
                    f"'labels': y}}, got keys {sorted(x)}."
                )
            images = x["images"]
            if isinstance(images, (np.ndarray, list)) or hasattr(images, "__array__"):
                images = as_images(images, name=f"{name}['images']")
                return {
                    **x,
                    "images": images,
                    "labels": as_labels(
                        x["labels"], self.num_classes, count=len(images), name=f"{name}['labels']"
                    ),
                }
            return x
        if isinstance(x, (np.ndarray, list)) or hasattr(x, "__array__"):
            if self.num_classes:
                raise ValueError(
                    f"{type(self).__name__} needs labels: call "
                    f"fit({{'images': x, 'labels': y}}, ...)."
                )
            return as_images(x, name=name)
        return x

    def fit(self, x: Any = None, y: Any = None, **kwargs: Any):
        """``keras.Model.fit`` after checking array inputs: images ``(N, 28, 28, 1)``,
        finite, pixels in [0, 1] (raw 0..255 pixels or NaN would train a broken model
        without a word); a ConditionalVAE's ``{"images", "labels"}`` dict, labels in
        ``[0, num_classes)``. A ``tf.data.Dataset`` is checked the same way, batch by
        batch (one pass before training); a Python generator passes unchecked.

        Raises:
            ValueError: bad images or labels (the message says which and how to fix it).
        """
        x = self._check_training_data(x, "x")
        validation = kwargs.get("validation_data")
        if isinstance(validation, tuple) and validation:
            kwargs["validation_data"] = (
                self._check_training_data(validation[0], "validation_data"),
                *validation[1:],
            )
        elif validation is not None:
            kwargs["validation_data"] = self._check_training_data(validation, "validation_data")
        return super().fit(x, y, **kwargs)

    def _split_inputs(self, inputs, training=None):
        """Images and (for conditional models) one-hot condition from ``call``'s input."""
        if isinstance(inputs, dict):
            images, labels = inputs.get("images"), inputs.get("labels")
        elif isinstance(inputs, (list, tuple)):
            images, labels = (inputs[0], inputs[1]) if len(inputs) == 2 else (inputs[0], None)
        else:
            images, labels = inputs, None
        if images is None:
            raise ValueError("Pass images (a tensor, or a dict with key 'images').")
        check_static_image_shape(images)
        if labels is not None and not self.num_classes:
            raise ValueError(
                "This VAE is unconditional: call it with images only "
                "(use ConditionalVAE for labels)."
            )
        condition = None
        if self.num_classes:
            if labels is None:
                raise ValueError("ConditionalVAE needs labels: pass {'images': x, 'labels': y}.")
            values = None if training else concrete_or_none(labels)
            if values is not None:  # a direct call (fit's data were checked by fit)
                labels = as_labels(values.reshape(-1), self.num_classes, name="labels")
            condition = ops.one_hot(ops.reshape(ops.cast(labels, "int32"), (-1,)), self.num_classes)
        return ops.cast(images, "float32"), condition

    def call(self, inputs, training=None):
        """One pass of the model.

        Args:
            inputs: images ``(batch, 28, 28, 1)`` in [0, 1] (conditional models: a dict
                ``{"images": ..., "labels": (batch,) ints}``).
            training: when True (and ``dynamic_binarization``), images are redrawn as
                binary pixels before encoding; they are also the reconstruction targets.

        Returns:
            Dict of tensors: ``targets`` (batch, 28, 28, 1), ``z_mean``, ``z_log_var``,
            ``z`` (batch, latent_dim) and ``logits`` (batch, 28, 28, 1).
        """
        images, condition = self._split_inputs(inputs, training)
        if training and self.dynamic_binarization:
            targets = binarize_dynamic(images, self.seed_generator)
        else:
            targets = images
        z_mean, z_log_var = self.encoder(targets, condition)
        eps = backend.draw_for_replica(
            lambda shape: keras.random.normal(shape, seed=self.seed_generator), ops.shape(z_mean)
        )
        z = z_mean + ops.exp(0.5 * z_log_var) * eps
        logits = self.decoder(z, condition)
        return {
            "targets": targets,
            "z_mean": z_mean,
            "z_log_var": z_log_var,
            "z": z,
            "logits": logits,
        }

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Negative ELBO (with ``beta``) in nats per image, averaged over the batch.

        Under ``tf.distribute`` (several replicas, each with part of the batch) the mean is
        divided by the number of replicas, as Keras does for its own losses, so that the
        summed gradients are those of the whole batch (:mod:`genai_keras.distributed`)."""
        if y_pred is None:
            y_pred = self(x, training=training)
        loss, reconstruction, kl = negative_elbo(
            y_pred["targets"], y_pred["logits"], y_pred["z_mean"], y_pred["z_log_var"], self.beta
        )
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return backend.scale_loss_for_replicas(ops.mean(loss))

    # ------------------------------------------------------------------ helpers
    def _condition(self, labels: Any, count: int) -> np.ndarray | None:
        if not self.num_classes:
            if labels is not None:
                raise ValueError(
                    "This VAE is unconditional: do not pass labels "
                    "(use ConditionalVAE for digits on request)."
                )
            return None
        if labels is None:
            raise ValueError(f"{type(self).__name__} needs labels: one digit per image.")
        y = as_labels(labels, num_classes=self.num_classes, count=count)
        return np.eye(self.num_classes, dtype=np.float32)[y]

    def _check_codes(self, codes: Any) -> np.ndarray:
        return as_finite_array(
            codes,
            "codes",
            (None, self.latent_dim),
            what=f"One latent code of size latent_dim={self.latent_dim} per row.",
        )

    # ------------------------------------------------------------------ public API
    def encode(
        self, images: Any, labels: Any = None, batch_size: int = 1000
    ) -> tuple[np.ndarray, np.ndarray]:
        """Posterior parameters of images ``(N, 28, 28, 1)`` in [0, 1].

        Returns:
            ``(z_mean, z_log_var)``, each float32 ``(N, latent_dim)``.
        """
        x = as_images(images)
        c = self._condition(labels, len(x))

        def enc(xb, cb):
            m, v = self.encoder(xb, cb)
            return np.stack([ops.convert_to_numpy(m), ops.convert_to_numpy(v)], axis=1)

        out = _batched(enc, [x, c], batch_size)
        return out[:, 0], out[:, 1]

    def decode(self, codes: Any, labels: Any = None, batch_size: int = 1000) -> np.ndarray:
        """Bernoulli means (pixel probabilities in [0, 1]) ``(N, 28, 28, 1)`` of codes
        ``(N, latent_dim)``."""
        z = self._check_codes(codes)
        c = self._condition(labels, len(z))
        return _batched(
            lambda zb, cb: ops.convert_to_numpy(ops.sigmoid(self.decoder(zb, cb))),
            [z, c],
            batch_size,
        ).astype(np.float32)

    def reconstruct(self, images: Any, labels: Any = None) -> np.ndarray:
        """Decode the posterior means of the images: ``(N, 28, 28, 1)`` in [0, 1]."""
        z_mean, _ = self.encode(images, labels)
        return self.decode(z_mean, labels)

    def sample(self, n: int, labels: Any = None, seed: int | None = None) -> np.ndarray:
        """Generate digits: ``z ~ N(0, I)``, then the decoder's Bernoulli means.

        Args:
            n: number of images.
            labels: conditional models only: ``n`` digits to draw (default ``0, 1, ...,
                9, 0, ...``).
            seed: an int (or a NumPy Generator) for repeatable samples, the same on
                every backend; None follows ``gk.set_seed`` (``gk.utils.sampling_rng``).

        Returns:
            float32 ``(n, 28, 28, 1)``, pixel probabilities in [0, 1].
        """
        n = positive_int(n, "n")
        rng = sampling_rng(seed)
        if self.num_classes and labels is None:
            labels = default_labels(n, self.num_classes)
        c = self._condition(labels, n)
        z = rng.standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.decode(z, None if c is None else np.argmax(c, axis=1))

    def interpolate(
        self,
        image_a: Any,
        image_b: Any,
        steps: int = 10,
        label_a: int | None = None,
        label_b: int | None = None,
    ) -> np.ndarray:
        """Decode ``steps`` codes on the straight line between two images' posterior means.

        Args:
            image_a, image_b: one image each, ``(28, 28, 1)``, ``(28, 28)`` or ``(1, 28, 28, 1)``.
            steps: number of images (>= 2), endpoints included.
            label_a, label_b: conditional models: the digit of each endpoint (the
                condition is interpolated too).

        Returns:
            float32 ``(steps, 28, 28, 1)`` in [0, 1].
        """
        steps = positive_int(steps, "steps", minimum=2)
        singles = []
        for image, name in ((image_a, "image_a"), (image_b, "image_b")):
            arr = np.asarray(image, dtype=np.float32)
            if arr.size != 784:
                raise ValueError(
                    f"{name} must be one 28x28 image, e.g. x[0] of shape (28, 28, 1); "
                    f"got shape {arr.shape}."
                )
            singles.append(as_images(arr.reshape(1, 28, 28, 1), name=name))
        pair = np.concatenate(singles)
        labels = None if not self.num_classes else [label_a, label_b]
        if labels is not None and None in labels:
            raise ValueError("ConditionalVAE.interpolate needs label_a and label_b.")
        z_mean, _ = self.encode(pair, labels)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        z = (1 - t) * z_mean[0] + t * z_mean[1]
        if not self.num_classes:
            return self.decode(z)
        c = self._condition(labels, 2)
        cond = (1 - t) * c[0] + t * c[1]
        return ops.convert_to_numpy(ops.sigmoid(self.decoder(z, cond)))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            encoder_filters=list(self.encoder_filters),
            decoder_filters=list(self.decoder_filters),
            hidden_units=self.hidden_units,
            decoder_hidden_units=self.decoder_hidden_units,
            beta=self.beta,
            dynamic_binarization=self.dynamic_binarization,
            seed=self.seed,
        )
        return config


@keras.saving.register_keras_serializable(package="genai_keras")
class ConditionalVAE(VAE):
    """VAE conditioned on a digit label: ``q(z | x, y)`` and ``p(x | z, y)``.

    The one-hot label is concatenated to the encoder's flattened features and to the
    decoder's input code, so ``sample(n, labels=[3] * n)`` draws threes. Train with
    ``model.fit({"images": x, "labels": y}, ...)``.

    Args:
        num_classes: number of labels (10 for digits); other arguments as :class:`VAE`.

    Used in chapters 02 and 04.
    """

    def __init__(self, latent_dim: int = 4, num_classes: int = 10, **kwargs: Any) -> None:
        self.num_classes = positive_int(num_classes, "num_classes", minimum=2)
        kwargs.setdefault("name", "conditional_vae")
        super().__init__(latent_dim=latent_dim, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["num_classes"] = self.num_classes
        return config
