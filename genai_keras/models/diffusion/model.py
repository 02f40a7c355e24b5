"""Latent flow matching with classifier-free guidance: :class:`LatentAutoencoder`,
:class:`FlowMatching`.

Training has two stages (``training.train``): the autoencoder learns to compress digits
to 7x7xC codes and back; then :class:`FlowMatching` learns the velocity field that carries
standard normal noise to the (standardised) codes. Both train through ``compute_loss``,
so every backend's own ``fit`` trains them. Sampling integrates the velocity from noise
to a code (``samplers``) and decodes it.

Used in chapters 06 and 04.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from keras import ops

from genai_keras import backend
from genai_keras.checks import (
    InputTypeError,
    as_finite_array,
    as_images,
    as_labels,
    as_seed,
    positive_int,
    to_numpy,
)
from genai_keras.losses import bernoulli_nll_from_logits
from genai_keras.models.diffusion import networks
from genai_keras.models.diffusion.samplers import check_sampler, sample_path
from genai_keras.models.diffusion.schedules import NoiseSchedule
from genai_keras.protocol import default_labels
from genai_keras.utils import batched, count_parameters, sampling_rng

TIME_SAMPLING = ("uniform", "logit_normal")


def _guidance_weight(guidance: Any) -> float:
    """The guidance weight ``w`` as a float, else an error naming ``guidance``."""
    what = "guidance must be a number >= 0 (0: no label, 1: plain conditional, > 1: stronger)"
    if isinstance(guidance, (bool, np.bool_)) or not isinstance(
        guidance, (int, float, np.integer, np.floating)
    ):
        raise InputTypeError(
            f"{what}, got {guidance!r} ({type(guidance).__name__}); "
            f"pass a number such as guidance=3.0."
        )
    if not np.isfinite(float(guidance)) or float(guidance) < 0:
        raise ValueError(f"{what}, got {guidance!r}.")
    return float(guidance)


@keras.saving.register_keras_serializable(package="genai_keras")
class LatentAutoencoder(keras.Model):
    """Digits ``(batch, 28, 28, 1)`` <-> codes ``(batch, 7, 7, code_channels)`` in [-1, 1].

    The loss is the Bernoulli negative log-likelihood of the pixels (nats per image) of the
    image decoded from the code plus Gaussian noise of standard deviation ``code_noise``:
    the decoder learns to forgive small errors in a code, which is what a diffusion
    sampler's codes have.
    """

    def __init__(
        self,
        code_channels: int = 4,
        filters: int = 64,
        code_noise: float = 0.1,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("name", "latent_autoencoder")
        super().__init__(**kwargs)
        self.code_channels, self.filters = int(code_channels), int(filters)
        self.code_noise, self.seed = float(code_noise), as_seed(seed)
        self.encoder = networks.build_encoder(self.code_channels, self.filters)
        self.decoder = networks.build_decoder(self.code_channels, self.filters)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="seed_generator")
        self.built = True  # functional parts: every weight exists already

    def call(self, images, training=None):
        codes = self.encoder(images)
        if training and self.code_noise > 0:
            codes = codes + self.code_noise * keras.random.normal(
                ops.shape(codes), seed=self.seed_generator
            )
        return self.decoder(codes)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Pixel negative log-likelihood in nats per image, averaged over the batch."""
        return backend.scale_loss_for_replicas(ops.mean(bernoulli_nll_from_logits(x, y_pred)))

    def encode(self, images: Any, batch_size: int = 1000) -> np.ndarray:
        """Codes ``(N, 7, 7, C)`` of images ``(N, 28, 28, 1)`` in [0, 1].

        Raises:
            ValueError: wrong shape, NaN, or pixels outside [0, 1] (e.g. raw 0..255).
        """
        return batched(
            lambda x: ops.convert_to_numpy(self.encoder(x, training=False)),
            [as_images(images)],
            batch_size,
        )

    def decode(self, codes: Any, batch_size: int = 1000) -> np.ndarray:
        """Images ``(N, 28, 28, 1)``, pixels in [0, 1] (the Bernoulli means), of codes
        ``(N, 7, 7, C)``.

        Raises:
            ValueError: codes of the wrong shape, NaN or infinite.
        """
        shape = tuple(int(d) for d in self.decoder.inputs[0].shape[1:])
        codes = as_finite_array(
            codes, "codes", (None, *shape), what="Codes come from encode(images)."
        )
        logits = batched(
            lambda z: ops.convert_to_numpy(self.decoder(z, training=False)), [codes], batch_size
        )
        with np.errstate(over="ignore"):  # logits below -88: exp overflows, the sigmoid is 0
            return (1.0 / (1.0 + np.exp(-logits))).astype("float32")

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "code_channels": self.code_channels,
            "filters": self.filters,
            "code_noise": self.code_noise,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="genai_keras")
class FlowMatching(keras.Model):
    """A flow-matching (rectified flow) model of an autoencoder's codes.

    Args:
        code_shape: shape of one code, e.g. ``(7, 7, 4)``.
        width, depth: the velocity network's size (``networks.build_velocity_network``).
        num_classes: None (unconditional) or the number of classes (conditional, with
            classifier-free guidance).
        label_dropout: during training, the share of labels replaced by "no label" (the
            unconditional model that guidance needs).
        guidance: the default guidance weight ``w`` of :meth:`sample`.
        schedule: ``"linear"`` (flow matching) or ``"cosine"`` (``schedules``).
        time_sampling: ``"uniform"`` or ``"logit_normal"`` (more training on the middle
            times, where the velocity is hardest to predict; Esser et al., 2024).
        sampler, steps: the default sampler of :meth:`sample` (``samplers``).
        autoencoder: a :class:`LatentAutoencoder` (kept inside so one checkpoint holds all).
        seed: seeds the training noise.
    """

    def __init__(
        self,
        code_shape: tuple[int, ...] = (7, 7, 4),
        width: int = 512,
        depth: int = 4,
        num_classes: int | None = None,
        label_dropout: float = 0.1,
        guidance: float = 1.0,
        schedule: str = "linear",
        time_sampling: str = "logit_normal",
        sampler: str = "ddpm",
        steps: int = 50,
        autoencoder: LatentAutoencoder | None = None,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("name", "flow_matching")
        super().__init__(**kwargs)
        if time_sampling not in TIME_SAMPLING:
            raise ValueError(
                f"Unknown time_sampling {time_sampling!r}; choose one of {TIME_SAMPLING}."
            )
        if not 0.0 <= float(label_dropout) < 1.0:
            raise ValueError(f"label_dropout must be in [0, 1), got {label_dropout!r}.")
        self.code_shape = tuple(int(s) for s in code_shape)
        self.dim = int(np.prod(self.code_shape))
        self.width, self.depth = positive_int(width, "width"), positive_int(depth, "depth")
        self.num_classes = None if num_classes is None else positive_int(num_classes, "num_classes")
        self.label_dropout, self.guidance = float(label_dropout), float(guidance)
        self.schedule = NoiseSchedule(schedule)
        self.time_sampling, self.seed = time_sampling, as_seed(seed)
        self.steps = check_sampler(sampler, steps)
        self.sampler = sampler
        self.velocity_network = networks.build_velocity_network(
            self.dim, self.width, self.depth, num_classes=self.num_classes
        )
        self.autoencoder = autoencoder or LatentAutoencoder(self.code_shape[-1], seed=seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="seed_generator")
        # Codes are standardised (zero mean, unit variance overall) before diffusion.
        self.code_mean = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="code_mean"
        )
        self.code_std = self.add_weight(
            shape=(), initializer="ones", trainable=False, name="code_std"
        )
        self._velocity_fn = None
        self.built = True  # functional parts: every weight exists already

    @property
    def conditional(self) -> bool:
        """True when the model takes labels (and supports guidance)."""
        return self.num_classes is not None

    # ----- training ---------------------------------------------------------------------
    def _inputs(self, x_t, t, labels):
        return [x_t, t] if labels is None else [x_t, t, labels]

    def call(self, inputs, training=None):
        """One training pass: noise the codes, predict the velocity.

        Args:
            inputs: standardised flat codes ``(batch, dim)`` (conditional: a dict
                ``{"codes": ..., "labels": (batch,) ints}``).

        Returns:
            A dict with the target and predicted velocities.
        """
        x0, labels = (
            (inputs["codes"], inputs["labels"]) if isinstance(inputs, dict) else (inputs, None)
        )
        batch = ops.shape(x0)[0]
        if self.time_sampling == "uniform":
            t = keras.random.uniform((batch,), seed=self.seed_generator)
        else:
            t = ops.sigmoid(keras.random.normal((batch,), seed=self.seed_generator))
        eps = keras.random.normal(ops.shape(x0), seed=self.seed_generator)
        x_t = self.schedule.add_noise(x0, eps, t)
        if labels is not None:
            labels = ops.cast(labels, "int32")
            if training and self.label_dropout > 0:
                drop = keras.random.uniform((batch,), seed=self.seed_generator) < self.label_dropout
                labels = ops.where(drop, self.num_classes, labels)
        return {
            "target": self.schedule.velocity(x0, eps, t),
            "velocity": self.velocity_network(self._inputs(x_t, t, labels)),
        }

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The flow-matching loss: mean squared error of the velocity, per code entry."""
        if y_pred is None:
            y_pred = self(x, training=training)
        error = ops.mean(ops.square(y_pred["velocity"] - y_pred["target"]))
        return backend.scale_loss_for_replicas(error)

    def set_code_statistics(self, codes: Any) -> np.ndarray:
        """Store the codes' mean and standard deviation; return the standardised flat codes."""
        codes = np.asarray(codes, dtype="float32").reshape(len(codes), -1)
        self.code_mean.assign(float(codes.mean()))
        self.code_std.assign(float(codes.std()))
        return (codes - codes.mean()) / codes.std()

    def num_parameters(self) -> int:
        """Parameters used to generate: the velocity network and the decoder."""
        return count_parameters(self.velocity_network) + count_parameters(self.autoencoder.decoder)

    # ----- sampling ---------------------------------------------------------------------
    def _check_guidance(self, guidance: Any) -> float:
        if guidance is None:
            return self.guidance if self.conditional else 0.0
        if not self.conditional:
            raise ValueError(
                "guidance needs a conditional model (trained with labels and label "
                "dropout, e.g. gk.recipes.get('guided_flow_matching')); this model "
                "is unconditional: leave guidance=None."
            )
        return _guidance_weight(guidance)

    def _labels(self, n: int, labels: Any) -> np.ndarray | None:
        if not self.conditional:
            if labels is not None:
                raise ValueError(
                    "This model is unconditional: call sample(n) without labels, "
                    "or use a conditional recipe (guided_flow_matching)."
                )
            return None
        if labels is None:
            return default_labels(n, self.num_classes)
        return as_labels(labels, num_classes=self.num_classes, count=n)

    def _velocity_labels(self, labels: Any, x_t: Any) -> np.ndarray:
        """``velocity``'s labels: one class in [0, num_classes) per row of ``x_t`` (a single
        int is used for every row), checked as ``sample``'s are."""
        if not self.conditional:
            raise ValueError(
                "This model is unconditional: call velocity(x_t, t) without labels, or "
                "train a conditional model (recipe 'guided_flow_matching')."
            )
        batch = int(ops.shape(x_t)[0])
        values = to_numpy(labels)
        if values.ndim == 0:
            values = np.full(batch, values[()])
        return as_labels(values, num_classes=self.num_classes, count=batch, name="labels")

    def _network_velocity(self, inputs: list) -> Any:
        return self.velocity_network(inputs, training=False)

    def velocity(self, x_t: Any, t: Any, labels: Any = None, guidance: float = 1.0) -> Any:
        """The (guided) velocity ``v_null + w (v_label - v_null)`` at ``x_t``, ``t``.

        ``w = 1``: the conditional velocity; ``w = 0``: the unconditional one ("no label");
        ``w > 1``: classifier-free guidance, pushing samples towards their class.

        ``labels``: conditional models only, one class in ``[0, num_classes)`` per row of
        ``x_t`` (or one int for all rows); checked as ``sample``'s labels are (11, -1 or
        a fraction raise ValueError). None on a conditional model: the "no label" velocity.

        Raises:
            ValueError: labels out of range, of the wrong count, not integers, or given to
                an unconditional model; a bad ``guidance``.
        """
        guidance = _guidance_weight(guidance)
        if self._velocity_fn is None:
            self._velocity_fn = backend.compile_function(
                self._network_velocity, self.velocity_network.variables
            )
        x_t, t = ops.convert_to_tensor(x_t, "float32"), ops.convert_to_tensor(t, "float32")
        if labels is None:
            if self.conditional:  # the network takes a label: "no label" is num_classes
                labels = np.full(int(ops.shape(x_t)[0]), self.num_classes, "int32")
                return self._velocity_fn([x_t, t, ops.convert_to_tensor(labels)])
            return self._velocity_fn([x_t, t])
        labels = ops.convert_to_tensor(self._velocity_labels(labels, x_t), dtype="int32")
        null = ops.full(ops.shape(labels), self.num_classes, dtype="int32")
        if guidance == 1.0:
            return self._velocity_fn([x_t, t, labels])
        if guidance == 0.0:
            return self._velocity_fn([x_t, t, null])
        both = self._velocity_fn(
            [ops.concatenate([x_t, x_t]), ops.concatenate([t, t]), ops.concatenate([labels, null])]
        )
        v_label, v_null = ops.split(both, 2)
        return v_null + guidance * (v_label - v_null)

    def sample_codes(
        self,
        n: int,
        labels: Any = None,
        seed: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        sampler: str | None = None,
        batch_size: int = 2500,
        trajectory: bool = False,
        log: Callable[[str], None] | None = None,
    ) -> Any:
        """Standardised flat codes ``(n, dim)`` drawn with ``sampler`` in ``steps`` steps
        (None: the model's defaults; with ``trajectory=True`` also the list of
        intermediate points; ``log``, e.g. ``print``, gets a line per batch of codes)."""
        n = positive_int(n, "n")
        sampler = self.sampler if sampler is None else sampler
        steps = check_sampler(sampler, self.steps if steps is None else steps)
        w = self._check_guidance(guidance)
        y = self._labels(n, labels)
        batch_size = positive_int(batch_size, "batch_size")
        rng = sampling_rng(seed)  # one generator: the initial noise, then every step's
        noise = rng.standard_normal((n, self.dim)).astype("float32")
        parts, paths = [], []
        for start in range(0, n, batch_size):
            rows = slice(start, start + batch_size)
            yb = None if y is None else y[rows]
            out = sample_path(
                lambda x, t, yb=yb: self.velocity(x, t, yb, w),
                noise[rows],
                self.schedule,
                steps,
                sampler,
                seed=rng,
                trajectory=trajectory,
            )
            if trajectory:
                out, path = out
                paths.append(path)
            parts.append(ops.convert_to_numpy(out))
            if log is not None:
                log(f"sampled {min(start + batch_size, n):,} of {n:,} ({steps} {sampler} steps)")
        codes = np.concatenate(parts)
        if trajectory:
            return codes, [np.concatenate(step) for step in zip(*paths, strict=True)]
        return codes

    def decode(self, codes: Any) -> np.ndarray:
        """Standardised flat codes ``(n, dim)`` -> images ``(n, 28, 28, 1)`` in [0, 1].

        Raises:
            ValueError: codes not of shape ``(n, dim)`` (``dim`` = the product of
                ``code_shape``), NaN or infinite.
        """
        codes = as_finite_array(
            codes,
            "codes",
            (None, self.dim),
            what=f"Standardised flat codes of size {self.dim} = "
            f"prod{self.code_shape}, as sample_codes(n) returns.",
        )
        mean = float(ops.convert_to_numpy(self.code_mean))
        std = float(ops.convert_to_numpy(self.code_std))
        return self.autoencoder.decode((codes * std + mean).reshape((-1, *self.code_shape)))

    def sample(
        self,
        n: int,
        labels: Any = None,
        seed: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        sampler: str | None = None,
        log: Callable[[str], None] | None = None,
    ) -> np.ndarray:
        """Draw ``n`` digits ``(n, 28, 28, 1)``, pixels in [0, 1].

        Args:
            n: number of samples.
            labels: conditional models only: one class per sample (None: 0, 1, ..., 9, 0, ...).
            seed: an int (or a NumPy Generator) makes the draw repeatable, the same on
                every backend (all noise is drawn in NumPy); None follows ``gk.set_seed``
                (``gk.utils.sampling_rng``).
            steps: sampler steps (>= 1; None: the model's, 50); Heun makes
                ``2 * steps - 1`` network calls, the others one per step.
            guidance: conditional models only: the guidance weight ``w`` (None: the
                model's default; 1: no guidance; 0: ignore the label).
            sampler: ``"ddpm"``, ``"heun"``, ``"euler"`` or ``"ddim"`` (None: the model's,
                ``"ddpm"``).
            log: called with a progress line per batch of 2,500 (e.g. ``print``).

        Raises:
            ValueError: steps < 1, an unknown sampler, labels or guidance for an
                unconditional model, labels out of range.
        """
        return self.decode(self.sample_codes(n, labels, seed, steps, guidance, sampler, log=log))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "code_shape": list(self.code_shape),
            "width": self.width,
            "depth": self.depth,
            "num_classes": self.num_classes,
            "label_dropout": self.label_dropout,
            "guidance": self.guidance,
            "schedule": self.schedule.name,
            "time_sampling": self.time_sampling,
            "sampler": self.sampler,
            "steps": self.steps,
            "autoencoder": keras.saving.serialize_keras_object(self.autoencoder),
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config: dict) -> FlowMatching:
        config = dict(config)
        if isinstance(config.get("autoencoder"), dict):
            config["autoencoder"] = keras.saving.deserialize_keras_object(config["autoencoder"])
        return cls(**config)
