"""Tests for chapter 03's self-conditioned GAN (k-means clusters instead of labels) and
the spectral-normalised discriminator."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import genai_keras as gk
from genai_keras.models import gan as G
from genai_keras.models.gan import clusters as C


def _blobs(seed=0):
    """Three well separated 2-D blobs of 50 points each, and their true ids."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    ids = np.repeat(np.arange(3), 50)
    return (centres[ids] + rng.normal(0, 0.5, (150, 2))).astype("float32"), ids


def test_kmeans_recovers_separated_blobs():
    points, ids = _blobs()
    centres, assignments = C.kmeans(points, 3, seed=1)
    assert C.cluster_purity(assignments, ids) == 1.0
    # every centre is the mean of its points (a fixed point of Lloyd's step)
    for c in range(3):
        np.testing.assert_allclose(centres[c], points[assignments == c].mean(0), atol=1e-4)


def test_kmeans_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="2-D"):
        C.kmeans(np.zeros(5), 2)
    with pytest.raises(ValueError, match="need at least"):
        C.kmeans(np.zeros((3, 2)), 4)
    with pytest.raises(ValueError, match="same length"):
        C.cluster_purity([0, 1], [0])


def _self_conditioned_gan(k=4):
    keras.utils.set_random_seed(0)
    gan = G.GAN(
        G.build_generator(8, 16, num_classes=k, self_conditioned=True),
        G.build_discriminator(8, num_classes=k, spectral_norm=True),
        loss="hinge",
        ema_decay=0.9,
        seed=0,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    )
    return gan


def test_self_conditioned_gan_is_unconditional_and_samples_clusters_by_frequency():
    gan = _self_conditioned_gan()
    assert gan.self_conditioned and not gan.conditional and gan.num_classes == 4
    assert isinstance(gan, gk.protocol.GenerativeModel)
    gan.set_cluster_frequencies([0.7, 0.1, 0.1, 0.1])
    drawn = gan.draw_clusters(20_000, seed=3)
    np.testing.assert_allclose(
        np.bincount(drawn, minlength=4) / 20_000, [0.7, 0.1, 0.1, 0.1], atol=0.01
    )
    a, b = gan.sample(6, seed=5), gan.sample(6, seed=5)
    assert a.shape == (6, 28, 28, 1) and np.array_equal(a, b) and a.min() >= 0 and a.max() <= 1
    with pytest.raises(ValueError, match="draws its own clusters"):
        gan.sample(4, labels=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="summing to 1"):
        gan.set_cluster_frequencies([0.5, 0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="self-conditioned"):
        G.GAN(G.build_generator(8, 16), None).set_cluster_frequencies([1.0])


def test_self_conditioned_step_trains_and_frequencies_survive_saving(tmp_path):
    gan = _self_conditioned_gan()
    images = np.random.default_rng(0).uniform(0, 1, (32, 28, 28, 1)).astype("float32")
    gan.set_cluster_frequencies([0.25, 0.25, 0.4, 0.1])
    with pytest.raises(ValueError, match="cluster ids"):
        gan.fit(images, epochs=1, batch_size=16, verbose=0)
    before = [np.array(w) for w in gan.discriminator.trainable_weights]
    gan.fit(images, np.arange(32) % 4, epochs=1, batch_size=16, verbose=0)
    assert any(
        not np.allclose(a, np.array(b))
        for a, b in zip(before, gan.discriminator.trainable_weights, strict=True)
    )
    path = str(tmp_path / "g.weights.h5")
    gan.sampling_generator.save_weights(path)
    fresh = G.GAN(G.build_generator(8, 16, num_classes=4, self_conditioned=True), None, seed=0)
    fresh.generator.load_weights(path)
    p = keras.ops.convert_to_numpy(fresh.cluster_prior.probabilities)
    np.testing.assert_allclose(p, [0.25, 0.25, 0.4, 0.1], atol=1e-6)
    np.testing.assert_allclose(fresh.sample(5, seed=1), gan.sample(5, seed=1), atol=1e-5)


def test_spectral_norm_discriminator_has_unit_spectral_norm_after_training_calls():
    keras.utils.set_random_seed(0)
    d = G.build_discriminator(8, spectral_norm=True)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    for _ in range(30):  # power iterations converge over training calls
        d(x, training=True)
    # Every wrapped layer (both convolutions and the output) is normalised, not only one.
    for name in ("conv_1_sn", "conv_2_sn", "logit_sn"):
        kernel = keras.ops.convert_to_numpy(d.get_layer(name).layer.kernel)
        matrix = kernel.reshape(-1, kernel.shape[-1])
        sigma = np.linalg.svd(matrix, compute_uv=False)[0]
        assert sigma == pytest.approx(1.0, rel=2e-2), name
    with pytest.raises(ValueError, match="not both"):
        G.build_discriminator(8, spectral_norm=True, batch_norm=True)


def test_recipe_rejects_labels_and_clusters_together():
    bad = gk.recipes.get("dcgan").replace(conditional=True, clusters=5)
    with pytest.raises(ValueError, match="not both"):
        G.build_sampler(bad)
