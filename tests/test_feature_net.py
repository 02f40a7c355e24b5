"""Tests for genai_keras.feature_net: accuracy, shapes, weights integrity, bad input."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import genai_keras as gk
from genai_keras import feature_net


@pytest.fixture(scope="module")
def net():
    return feature_net.load_feature_net()


@pytest.fixture(scope="module")
def test_set():
    return gk.data.load_mnist("test")


@pytest.fixture(scope="module")
def test_outputs(net, test_set):
    return net.features_and_probs(test_set[0])


def test_accuracy_on_real_test_set(test_outputs, test_set):
    _, probs = test_outputs
    accuracy = float(np.mean(np.argmax(probs, axis=1) == test_set[1]))
    assert accuracy >= 0.993, f"test accuracy {accuracy:.4f} below 99.3%"


def test_shapes_dtypes_and_probabilities(net, test_outputs, test_set):
    feats, probs = test_outputs
    assert feats.shape == (10000, feature_net.EMBEDDING_DIM) and feats.dtype == np.float32
    assert probs.shape == (10000, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # Pre-ReLU features: no dimension is constant, so the covariance has full rank.
    assert np.linalg.matrix_rank(np.cov(feats, rowvar=False)) == feature_net.EMBEDDING_DIM
    labels = net.predict(test_set[0][:50])
    assert labels.shape == (50,) and labels.dtype == np.int64
    np.testing.assert_array_equal(labels, np.argmax(probs[:50], axis=1))


def test_batch_size_does_not_change_outputs(net, test_outputs, test_set):
    images = test_set[0][:37]
    small = net.features(images, batch_size=8)
    np.testing.assert_allclose(small, test_outputs[0][:37], rtol=1e-4, atol=1e-4)
    # A channel-less (N, 28, 28) batch is accepted too.
    np.testing.assert_allclose(
        net.predict_proba(images[..., 0]), test_outputs[1][:37], rtol=1e-4, atol=1e-5
    )


def test_loaded_once_per_process(net):
    assert feature_net.load_feature_net() is net
    assert net.weights_sha256 == feature_net.WEIGHTS_SHA256
    assert "FeatureNet" in repr(net)


def test_shipped_weights_are_small():
    assert feature_net.WEIGHTS_PATH.stat().st_size < 1_000_000


def test_tampered_weights_raise(tmp_path):
    copy = tmp_path / "feature_net.weights.h5"
    shutil.copy(feature_net.WEIGHTS_PATH, copy)
    with open(copy, "r+b") as handle:  # flip one byte near the end
        handle.seek(-100, 2)
        byte = handle.read(1)
        handle.seek(-100, 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(
        feature_net.WeightsIntegrityError,
        match=r"SHA-256 expected [0-9a-f]{64}, found [0-9a-f]{64}.*train_feature_net",
    ):
        feature_net.FeatureNet(copy)


def test_untampered_copy_loads(tmp_path, net, test_set):
    copy = tmp_path / "feature_net.weights.h5"
    shutil.copy(feature_net.WEIGHTS_PATH, copy)
    other = feature_net.FeatureNet(copy)
    np.testing.assert_allclose(
        other.predict_proba(test_set[0][:20]), net.predict_proba(test_set[0][:20]), atol=1e-6
    )


def test_missing_weights_raise(tmp_path):
    with pytest.raises(feature_net.WeightsIntegrityError, match="missing"):
        feature_net.FeatureNet(tmp_path / "nothing.weights.h5")


def test_bad_input(net):
    with pytest.raises(ValueError, match="shape"):
        net.features(np.zeros((4, 32, 32, 1), np.float32))
    with pytest.raises(ValueError, match="divide by 255"):
        net.features(np.full((4, 28, 28, 1), 255.0, np.float32))
    with pytest.raises(ValueError, match="batch_size"):
        net.features(np.zeros((4, 28, 28, 1), np.float32), batch_size=0)
    with pytest.raises(ValueError, match="labels"):
        net.accuracy(np.zeros((4, 28, 28, 1), np.float32), [0, 1])
