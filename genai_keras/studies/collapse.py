"""Mode collapse, measured: a small MLP GAN on MNIST, with and without self-conditioning.

A GAN whose generator and discriminator are small fully connected networks (the setting
of Goodfellow et al., 2014) is where mode collapse shows most clearly: the generator
settles on a few digits that fool the current discriminator, and the discriminator's
answer moves it to other few digits. :func:`train_and_score` trains such a GAN
(:func:`genai_keras.models.gan.build_mlp_image_gan`) for a fixed budget and records,
after every epoch, which digits its samples are (the shipped classifier's classes); with
``self_conditioned=True`` the same networks also take a k-means cluster id
(``genai_keras.models.gan.clusters``; no labels), which keeps every cluster, and so
every digit, in play. The final samples get chapter 04's metrics too. Used in chapter 03
and by ``benchmarks/gan.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from genai_keras import metrics
from genai_keras.checks import positive_int
from genai_keras.data import load_mnist
from genai_keras.feature_net import load_feature_net
from genai_keras.models.gan.clusters import pixel_clusters
from genai_keras.models.gan.networks import build_mlp_image_gan

#: The demonstration's setting (the same for both variants and every seed).
SETTING: dict[str, Any] = dict(
    limit=20_000,
    epochs=25,
    batch_size=128,
    learning_rate=2e-4,
    beta_1=0.5,
    latent_dim=64,
    units=(256, 512),
    clusters=50,
    loss="nonsaturating",
    ema_decay=0.0,
)


def class_histogram(images: Any) -> np.ndarray:
    """Share of ``images`` (pixels in [0, 1]) that the shipped classifier puts in each
    digit class, ``(10,)`` summing to 1."""
    predicted = load_feature_net().predict(images)
    return np.bincount(predicted, minlength=10) / max(len(predicted), 1)


class ClassShareMonitor(keras.callbacks.Callback):
    """After every epoch: the class histogram of ``num_samples`` samples (fixed noise and,
    self-conditioned, fixed clusters). ``histograms``: list of ``(10,)`` arrays."""

    def __init__(
        self,
        num_samples: int = 2000,
        seed: int = 0,
        log: Callable[[str], None] | None = None,
        every: int = 5,
        tag: str = "",
    ):
        super().__init__()
        self.num_samples, self.seed = positive_int(num_samples, "num_samples"), seed
        self.histograms: list[np.ndarray] = []
        self.log, self.every, self.tag = log, positive_int(every, "every"), tag

    def on_epoch_end(self, epoch, logs=None):
        gan = self.model
        z = np.random.default_rng(self.seed).standard_normal((self.num_samples, gan.latent_dim))
        clusters = (
            gan.draw_clusters(self.num_samples, seed=self.seed) if gan.self_conditioned else None
        )
        self.histograms.append(class_histogram(gan.generate(z.astype("float32"), clusters)))
        if self.log is not None and (epoch + 1) % self.every == 0:
            self.log(
                f"{self.tag}epoch {epoch + 1}: largest class {self.histograms[-1].max():.0%} "
                f"of the samples"
            )


def train_and_score(
    self_conditioned: bool,
    seed: int = 0,
    num_samples: int = 10_000,
    setting: dict[str, Any] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train the MLP GAN of :data:`SETTING` (or ``setting``) once and score it; ``log``
    (e.g. ``print``) receives a progress line every 5 epochs.

    Returns a dict: ``train_seconds``, ``max_class_per_epoch`` (the largest class's share
    of the samples after each epoch), ``class_histogram`` and ``max_class_fraction`` of
    the final ``num_samples`` samples, and chapter 04's ``fid``, ``is_mean``,
    ``precision``, ``recall``.
    """
    unknown = sorted(set(setting or {}) - set(SETTING))
    if unknown:
        raise ValueError(
            f"Unknown setting(s) {', '.join(map(repr, unknown))}; known: {', '.join(SETTING)}."
        )
    s = dict(SETTING, **(setting or {}))
    images, _ = load_mnist("train", limit=s["limit"])
    t = time.perf_counter()
    clusters = s["clusters"] if self_conditioned else None
    gan = build_mlp_image_gan(
        s["latent_dim"],
        tuple(s["units"]),
        clusters=clusters,
        seed=seed,
        loss=s["loss"],
        ema_decay=s["ema_decay"],
    )
    y = None
    if clusters:
        y, frequencies = pixel_clusters(images, clusters, seed=seed)
        gan.set_cluster_frequencies(frequencies)

    def adam(name: str) -> keras.optimizers.Optimizer:
        return keras.optimizers.Adam(s["learning_rate"], beta_1=s["beta_1"], name=name)

    gan.compile(d_optimizer=adam("d_adam"), g_optimizer=adam("g_adam"))
    tag = f"{'self-conditioned' if self_conditioned else 'plain'} MLP GAN, seed {seed}, "
    monitor = ClassShareMonitor(seed=seed, log=log, tag=tag)
    gan.fit(
        images,
        y,
        epochs=s["epochs"],
        batch_size=s["batch_size"],
        shuffle=True,
        verbose=0,
        callbacks=[monitor],
    )
    train_s = time.perf_counter() - t  # includes the monitor's classification passes
    samples = gan.sample(num_samples, seed=seed + 1)
    scores = metrics.evaluate_samples(samples)
    hist = class_histogram(samples)
    return {
        "seed": seed,
        "train_seconds": round(train_s, 1),
        "max_class_per_epoch": [round(float(h.max()), 3) for h in monitor.histograms],
        "class_histogram": [round(float(v), 4) for v in hist],
        "max_class_fraction": round(float(hist.max()), 4),
        **{k: round(float(scores[k]), 4) for k in ("fid", "is_mean", "precision", "recall")},
    }


__all__ = ["SETTING", "ClassShareMonitor", "class_histogram", "train_and_score"]
