"""Self-conditioning without labels: k-means clusters of the training images.

A conditional GAN (labels in both networks) makes far sharper digits than an
unconditional one, because each label splits a hard, many-mode problem into easier
ones. Self-conditioning (Liu et al., 2020, "Diverse Image Generation via Self-Conditioned
GANs") gets that split without labels: cluster the training images, train a conditional
GAN on the cluster ids, and sample unconditionally by first drawing a cluster with its
frequency in the data, ``p(x) = sum_c p(c) p(x | c)``. Here the clusters come from
k-means on the raw pixels (the paper clusters discriminator features); no digit label
is used anywhere. Used in chapter 03.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers, ops

from genai_keras.checks import as_images, positive_int


def kmeans(
    points: Any, k: int, iterations: int = 25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's k-means with k-means++ seeding, in float32 NumPy.

    Args:
        points: ``(N, D)`` array (e.g. flattened images).
        k: number of clusters, ``2 <= k <= N``.
        iterations: Lloyd iterations (assign each point to its nearest centre, move each
            centre to the mean of its points); an empty cluster keeps its centre.
        seed: seed of the k-means++ draws.

    Returns:
        ``(centres (k, D) float32, assignments (N,) int32)``.
    """
    x = np.asarray(points, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"points must be a 2-D array (N, D), got shape {x.shape}.")
    k = positive_int(k, "k", minimum=2)
    if k > len(x):
        raise ValueError(f"k={k} clusters need at least {k} points, got {len(x)}.")
    iterations = positive_int(iterations, "iterations")
    rng = np.random.default_rng(seed)
    sq_norms = np.einsum("nd,nd->n", x, x)
    centres = np.empty((k, x.shape[1]), np.float32)
    centres[0] = x[rng.integers(len(x))]
    nearest = ((x - centres[0]) ** 2).sum(1)
    for j in range(1, k):  # k-means++: next centre drawn with probability ~ squared distance
        centres[j] = x[rng.choice(len(x), p=nearest / nearest.sum())]
        nearest = np.minimum(nearest, ((x - centres[j]) ** 2).sum(1))
    for _ in range(iterations):
        dists = sq_norms[:, None] - 2.0 * x @ centres.T + np.einsum("kd,kd->k", centres, centres)
        assignments = dists.argmin(axis=1)
        counts = np.bincount(assignments, minlength=k)
        sums = np.zeros_like(centres)
        np.add.at(sums, assignments, x)
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled, None]
    dists = sq_norms[:, None] - 2.0 * x @ centres.T + np.einsum("kd,kd->k", centres, centres)
    return centres, dists.argmin(axis=1).astype(np.int32)


def pixel_clusters(images: Any, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cluster images ``(N, 28, 28, 1)`` (pixels in [0, 1]) by k-means on their pixels.

    Returns ``(assignments (N,) int32, frequencies (k,) float32 summing to 1)``.
    """
    x = as_images(images, name="images").reshape(len(images), -1)
    _, assignments = kmeans(x, k, seed=seed)
    freq = np.bincount(assignments, minlength=k).astype(np.float32)
    return assignments, freq / freq.sum()


def cluster_purity(assignments: Any, labels: Any) -> float:
    """Fraction of points whose cluster's most common label is their own label (in [0, 1]).

    Diagnostic only (it uses labels, which self-conditioning never sees).
    """
    a, y = np.asarray(assignments).ravel(), np.asarray(labels).ravel()
    if a.shape != y.shape:
        raise ValueError(
            f"assignments and labels must have the same length, got {a.size} and {y.size}."
        )
    return float(sum(np.bincount(y[a == c]).max() for c in np.unique(a)) / max(len(a), 1))


@keras.saving.register_keras_serializable(package="genai_keras")
class ClusterPrior(layers.Layer):
    """Pass-through on the generator's cluster input that stores the cluster frequencies.

    Keeping ``p(c)`` inside the generator saves it with the generator's weights, so a
    loaded checkpoint samples clusters as often as they occur in the data.
    ``probabilities``: non-trainable ``(num_clusters,)``; set by :meth:`set_frequencies`.
    """

    def __init__(self, num_clusters: int, **kwargs):
        super().__init__(**kwargs)
        self.num_clusters = positive_int(num_clusters, "num_clusters", minimum=2)
        self.probabilities = self.add_weight(
            shape=(self.num_clusters,),
            initializer=keras.initializers.Constant(1.0 / self.num_clusters),
            trainable=False,
            name="probabilities",
        )

    def call(self, clusters: Any) -> Any:
        return ops.cast(clusters, "int32")

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def set_frequencies(self, frequencies: Any) -> None:
        """Store ``p(c)``: ``(num_clusters,)`` non-negative values summing to 1."""
        f = np.asarray(frequencies, dtype=np.float32).ravel()
        if f.shape != (self.num_clusters,) or (f < 0).any() or abs(f.sum() - 1.0) > 1e-3:
            raise ValueError(
                f"frequencies must be {self.num_clusters} non-negative numbers "
                f"summing to 1, got shape {f.shape} and sum {f.sum():.4f}."
            )
        self.probabilities.assign(f / f.sum())

    def get_config(self) -> dict:
        return {**super().get_config(), "num_clusters": self.num_clusters}
