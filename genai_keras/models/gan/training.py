"""Training GANs from a recipe, and the callbacks chapter 03 watches them with.

:func:`build` makes the (untrained, compiled) GAN a :class:`~genai_keras.recipes.Recipe`
describes; :func:`train` trains it on MNIST and returns ``(gan, history)``.
:class:`GANMonitor` records samples of a fixed noise batch during training;
:class:`~genai_keras.callbacks.TimeLimit` (from :mod:`genai_keras.callbacks`, re-exported
here) stops ``fit`` after a wall-clock budget (the benchmark's equal-time comparison).
Used in chapters 03 and 04 and by ``benchmarks/gan.py``.
"""

from __future__ import annotations

import math
import time
from typing import Any

import keras
import numpy as np
from keras import ops

from genai_keras.callbacks import TimeLimit
from genai_keras.checks import positive_int
from genai_keras.data import training_images
from genai_keras.models.gan.clusters import pixel_clusters
from genai_keras.models.gan.model import GAN
from genai_keras.models.gan.networks import build_discriminator, build_generator
from genai_keras.optim import optimizer_from_recipe
from genai_keras.recipes import Recipe, expect


class GANMonitor(keras.callbacks.Callback):
    """Record, at the start and after every epoch, samples from a fixed noise batch,
    the epoch's losses and its wall time.

    Attributes after ``fit``:
        samples: list of arrays ``(num_samples, *data_shape)`` (images in [0, 1]); entry
            0 is before training, entry k after epoch k.
        probe_scores: list of ``D(probe)`` probabilities ``(len(probe),)`` when a
            ``probe`` array is given (toy GANs: D over a grid of x values).
        history: dict of lists, one value per epoch, under the keys ``d_loss``,
            ``g_loss``, ``d_real``, ``d_fake`` and ``epoch_seconds``.

    Args:
        num_samples: size of the fixed noise batch.
        seed: seed of the fixed noise.
        labels: fixed labels for a conditional GAN (default: 0, 1, ..., 9, 0, ...,
            ``gk.protocol.default_labels``).
        probe: optional points at which to record ``D``.
    Used in chapter 03.
    """

    def __init__(self, num_samples: int = 16, seed: int = 0, labels: Any = None, probe: Any = None):
        super().__init__()
        self.num_samples = positive_int(num_samples, "num_samples")
        self.seed = seed
        self.labels = labels
        self.probe = None if probe is None else np.asarray(probe, dtype=np.float32)
        self.samples: list[np.ndarray] = []
        self.probe_scores: list[np.ndarray] = []
        self.history: dict[str, list[float]] = {}
        self._t0 = 0.0
        self._z = None

    def _record(self) -> None:
        gan = self.model
        if self._z is None:
            self._z = (
                np.random.default_rng(self.seed)
                .standard_normal((self.num_samples, gan.latent_dim))
                .astype(np.float32)
            )
        # seed: a self-conditioned GAN draws the same clusters at every epoch
        self.samples.append(gan.generate(self._z, self.labels, seed=self.seed))
        if self.probe is not None:
            logits = ops.convert_to_numpy(gan.discriminator(self.probe, training=False))[:, 0]
            self.probe_scores.append(1.0 / (1.0 + np.exp(-logits)))

    def on_train_begin(self, logs=None):
        if not self.samples:
            self._record()

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.history.setdefault("epoch_seconds", []).append(time.perf_counter() - self._t0)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(float(v))
        self._record()


def interpolate_latents(
    z_start: Any, z_end: Any, steps: int = 10, spherical: bool = True
) -> np.ndarray:
    """Points between two noise vectors, ``(steps, latent_dim)``.

    ``spherical=True`` uses slerp, which keeps the norm typical of a Gaussian sample
    (a straight line passes through low-norm points the generator rarely saw).
    Used in chapter 03.
    """
    a = np.asarray(z_start, dtype=np.float64).ravel()
    b = np.asarray(z_end, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"z_start and z_end must have the same size, got {a.size} and {b.size}.")
    t = np.linspace(0.0, 1.0, positive_int(steps, "steps", minimum=2))[:, None]
    if not spherical:
        return ((1 - t) * a + t * b).astype(np.float32)
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return ((1 - t) * a + t * b).astype(np.float32)
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(
        np.float32
    )


def _num_classes(recipe: Recipe) -> int | None:
    """10 digit labels (conditional), the number of clusters (self-conditioned) or None."""
    clusters = expect(recipe, "gan").model.get("clusters")
    if recipe.conditional and clusters:
        raise ValueError(
            f"Recipe {recipe.name!r}: choose conditional=True (digit labels) or "
            f"clusters=K (self-conditioning), not both."
        )
    return 10 if recipe.conditional else clusters or None


def _generator(recipe: Recipe) -> keras.Model:
    cfg = recipe.model
    return build_generator(
        cfg["latent_dim"],
        cfg["g_channels"],
        num_classes=_num_classes(recipe),
        self_conditioned=bool(cfg.get("clusters")),
    )


def build_sampler(recipe: Recipe) -> GAN:
    """A sampling-only GAN (no discriminator) around the recipe's untrained generator;
    ``gk.checkpoints.load`` builds one and assigns a checkpoint's weights to its generator."""
    expect(recipe, "gan")
    return GAN(_generator(recipe), None, num_classes=_num_classes(recipe), seed=recipe.seed)


def build(recipe: Recipe, total_steps: int | None = None) -> GAN:
    """Build and compile the untrained GAN of a recipe.

    Args:
        recipe: a GAN recipe (``gk.recipes.get("dcgan")``, ``"wgan_gp"``,
            ``"conditional_gan"``).
        total_steps: training steps over which the learning rate decays linearly to 0
            (when the recipe's ``decay_to_zero`` is set); None keeps it constant.
    """
    cfg = expect(recipe, "gan").model
    if total_steps is not None:
        total_steps = positive_int(total_steps, "total_steps")
    keras.utils.set_random_seed(recipe.seed)
    num_classes = _num_classes(recipe)
    gan = GAN(
        _generator(recipe),
        build_discriminator(
            cfg["d_channels"],
            num_classes=num_classes,
            spectral_norm=cfg.get("spectral_norm", False),
        ),
        loss=cfg["loss"],
        label_smoothing=cfg["label_smoothing"],
        d_steps=cfg["d_steps"],
        num_classes=num_classes,
        ema_decay=cfg["ema_decay"],
        seed=recipe.seed,
        split_batch=cfg.get("split_batch", False),
        name=f"{recipe.name}_gan",
    )
    gan.compile(
        d_optimizer=optimizer_from_recipe(recipe, total_steps, name="d_adam"),
        g_optimizer=optimizer_from_recipe(recipe, total_steps, name="g_adam"),
    )
    gan.recipe = recipe
    return gan


def train(
    recipe: Recipe,
    callbacks: list | None = None,
    max_seconds: float | None = None,
    verbose: int = 0,
) -> tuple[GAN, dict[str, list[float]]]:
    """Train a GAN recipe on the MNIST training digits.

    Args:
        recipe: a GAN recipe; its ``epochs``, ``batch_size``, ``limit`` and ``seed``
            set the run (the learning rate decays to 0 over exactly those epochs).
        callbacks: extra Keras callbacks (e.g. a :class:`GANMonitor`).
        max_seconds: also stop after this much wall time
            (:class:`~genai_keras.callbacks.TimeLimit`), wherever the learning-rate
            schedule is; None trains all epochs.
        verbose: ``fit`` verbosity.

    Returns:
        ``(gan, history)``: the trained :class:`GAN` and ``fit``'s per-epoch means
        (``d_loss``, ``g_loss``, ``d_real``, ``d_fake``, and ``gp`` for WGAN-GP).
    """
    expect(recipe, "gan")
    epochs = positive_int(recipe.epochs, "epochs")
    batch_size = positive_int(recipe.batch_size, "batch_size")
    images, labels = training_images(recipe, num_classes=10)  # labels: conditional GANs only
    gan = build(recipe, total_steps=epochs * math.ceil(len(images) / batch_size))
    cbs = list(callbacks or [])
    if max_seconds is not None:
        cbs.append(TimeLimit(max_seconds))
    y = labels if gan.conditional else None
    if gan.self_conditioned:  # k-means clusters of the pixels stand in for the labels
        y, frequencies = pixel_clusters(images, gan.num_classes, seed=recipe.seed)
        gan.set_cluster_frequencies(frequencies)
    history = gan.fit(
        images,
        y,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=verbose,
        callbacks=cbs,
    )
    gan.history_ = history.history
    return gan, history.history
