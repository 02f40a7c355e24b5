"""The fixed MNIST classifier behind FID, KID, Inception Score and precision/recall.

Sample-quality metrics compare generated and real images in the feature space of a
trained network. FID on natural images uses Inception-v3; for 28x28 digits a small
CNN trained on MNIST plays that role. What matters is that **everyone uses the same
fixed network**: a FID computed with other weights (or another architecture, or
other preprocessing) is a different number, not comparable across runs, machines or
chapters. The weights therefore ship inside the package
(``genai_keras/assets/feature_net.weights.h5``), their SHA-256 is checked at load
time, and ``scripts/train_feature_net.py`` documents how they were made.

Architecture (about 99k parameters)::

    image (28, 28, 1) in [0, 1]
    -> [conv 3x3 -> batch norm -> ReLU -> max-pool 2x2] x 3   (16, 32, 64 channels)
    -> flatten (3 * 3 * 64 = 576)
    -> "embedding": dense 128             <- the features for FID / KID / PR
    -> ReLU
    -> dropout (training only)
    -> "probs": dense 10 + softmax        <- the class probabilities for IS

Used in chapter 04 (and by every chapter that scores samples).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras.backend import compile_function
from genai_keras.checks import as_images, as_labels, positive_int
from genai_keras.utils import sha256_of

#: Where the shipped weights live.
WEIGHTS_PATH = Path(__file__).resolve().parent / "assets" / "feature_net.weights.h5"

#: SHA-256 of the shipped weights file (written by scripts/train_feature_net.py).
WEIGHTS_SHA256 = "10d72ed6fabf404016d2f3ac682a7568ea68c6aeb85b9754a5d2b8ac52137eaa"

#: Dimension of the embedding used by FID, KID and precision/recall.
EMBEDDING_DIM = 128
#: The layer whose output is the feature vector (before its ReLU), and a version tag:
#: both go into the cache key of precomputed reference features.
FEATURE_LAYER = "embedding"
FEATURE_VERSION = 2
NUM_CLASSES = 10
CHANNELS = (16, 32, 64)

RETRAIN_COMMAND = "python scripts/train_feature_net.py"


class WeightsIntegrityError(ValueError):
    """The feature-network weights file is missing or not the shipped version."""


def build_feature_net(dropout: float = 0.3, augment: bool = False, seed: int = 0):
    """Build the feature CNN as a Keras functional model.

    Args:
        dropout: dropout rate between the embedding and the softmax head (training only).
        augment: if True, put random shifts (up to 2 pixels) and rotations (up to
            10 degrees) in front of the network; they are active only in training.
        seed: seed of the augmentation layers.

    Returns:
        A ``keras.Model`` named ``"feature_net"`` mapping images ``(batch, 28, 28, 1)``
        with pixels in [0, 1] to class probabilities ``(batch, 10)``. Its layer
        ``"embedding"`` gives the 128-D features.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = inputs
    if augment:
        x = layers.RandomRotation(
            10.0 / 360.0, fill_mode="constant", seed=seed, name="augment_rotate"
        )(x)
        x = layers.RandomTranslation(
            2.0 / 28.0, 2.0 / 28.0, fill_mode="constant", seed=seed + 1, name="augment_shift"
        )(x)
    for i, channels in enumerate(CHANNELS, start=1):
        x = layers.Conv2D(channels, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(EMBEDDING_DIM, name="embedding")(x)
    x = layers.ReLU(name="embedding_relu")(x)
    x = layers.Dropout(dropout, seed=seed + 2, name="dropout")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="feature_net")


def verify_weights(path: str | Path, expected: str | None = None) -> str:
    """Check that a weights file exists and has the expected SHA-256; return the hash.

    Raises:
        WeightsIntegrityError: the file is missing or its hash differs (the message
            names the file, both hashes and the command that retrains the network).
    """
    path = Path(path)
    expected = WEIGHTS_SHA256 if expected is None else expected
    if not path.is_file():
        raise WeightsIntegrityError(
            f"The feature-network weights {path} are missing. Reinstall genai_keras, or "
            f"retrain them with `{RETRAIN_COMMAND}` (then update WEIGHTS_SHA256 in "
            f"genai_keras/feature_net.py)."
        )
    found = sha256_of(path)
    if found != expected:
        raise WeightsIntegrityError(
            f"The feature-network weights {path} are not the shipped version: SHA-256 "
            f"expected {expected}, found {found}. Metrics computed with other weights are "
            f"not comparable. Restore the file from the package, or retrain with "
            f"`{RETRAIN_COMMAND}` and update WEIGHTS_SHA256 in genai_keras/feature_net.py."
        )
    return found


class FeatureNet:
    """The fixed MNIST classifier, wrapped for batched feature extraction.

    Get the shared instance with :func:`load_feature_net`. All methods take images
    ``(N, 28, 28, 1)`` (or ``(N, 28, 28)``) with pixels in [0, 1] and work in batches.

    Attributes:
        weights_sha256: the SHA-256 of the loaded weights file (a cache key).
        embedding_dim: D, the size of the feature vectors (128).
    """

    def __init__(self, weights_path: str | Path | None = None, expected_sha256: str | None = None):
        import keras

        path = WEIGHTS_PATH if weights_path is None else Path(weights_path)
        self.weights_sha256 = verify_weights(path, expected_sha256)
        self.weights_path = path
        #: Identifies these exact features (weights + layer + version) for caches.
        self.cache_key = f"{self.weights_sha256[:16]}-{FEATURE_LAYER}-v{FEATURE_VERSION}"
        self.embedding_dim = EMBEDDING_DIM
        classifier = build_feature_net()
        classifier.load_weights(str(path))
        self.classifier = classifier
        # One inference model with both outputs, so one pass gives features and
        # probabilities (metrics usually need both).
        self._both = keras.Model(
            classifier.input,
            [classifier.get_layer(FEATURE_LAYER).output, classifier.output],
            name="feature_net_inference",
        )
        self._forward = self._make_forward()

    def _make_forward(self):
        """The inference function, XLA-compiled where the backend allows it."""
        import keras

        model = self._both
        forward = compile_function(lambda x: model(x, training=False), model.variables)
        return lambda x: [keras.ops.convert_to_numpy(t) for t in forward(x)]

    def features_and_probs(
        self, images: Any, batch_size: int = 1000, name: str = "images"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Features and class probabilities in one batched pass.

        Args:
            images: ``(N, 28, 28, 1)`` or ``(N, 28, 28)``, pixels in [0, 1].
            batch_size: images per forward pass (memory vs. speed).
            name: what to call the input in error messages.

        Returns:
            ``(features, probs)``: float32 arrays of shapes ``(N, 128)`` and ``(N, 10)``.

        Raises:
            ValueError: wrong shape, pixels outside [0, 1], NaN, or a bad batch size.
        """
        x = as_images(images, name=name)
        batch_size = positive_int(batch_size, "batch_size")
        n = x.shape[0]
        feats = np.empty((n, self.embedding_dim), dtype=np.float32)
        probs = np.empty((n, NUM_CLASSES), dtype=np.float32)
        # Pad every batch to one of a few fixed sizes (batch_size, or a power of two
        # for small inputs) so that the compiled function is traced only a few times.
        step = (
            batch_size if n >= batch_size else min(batch_size, max(32, 1 << (n - 1).bit_length()))
        )
        for start in range(0, n, step):
            chunk = x[start : start + step]
            m = chunk.shape[0]
            if m < step:
                pad = np.zeros((step - m, *chunk.shape[1:]), np.float32)
                chunk = np.concatenate([chunk, pad])
            f, p = self._forward(chunk)
            feats[start : start + m] = f[:m]
            probs[start : start + m] = p[:m]
        return feats, probs

    def features(self, images: Any, batch_size: int = 1000) -> np.ndarray:
        """Embedding-layer features, float32 ``(N, 128)``.

        They are taken before the ReLU: after it, units that are negative for every
        digit would be constant zeros and make the feature covariance singular.
        """
        return self.features_and_probs(images, batch_size)[0]

    def predict_proba(self, images: Any, batch_size: int = 1000) -> np.ndarray:
        """Class probabilities p(y | x), float32 ``(N, 10)``; rows sum to 1."""
        return self.features_and_probs(images, batch_size)[1]

    def predict(self, images: Any, batch_size: int = 1000) -> np.ndarray:
        """Predicted digit classes, int64 ``(N,)``."""
        return np.argmax(self.predict_proba(images, batch_size), axis=1).astype(np.int64)

    def accuracy(self, images: Any, labels: Any, batch_size: int = 1000) -> float:
        """Fraction of ``images`` classified as their ``labels`` (in [0, 1])."""
        x = as_images(images)
        y = as_labels(labels, count=x.shape[0])
        return float(np.mean(self.predict(x, batch_size) == y))

    def __repr__(self) -> str:
        return (
            f"FeatureNet(embedding_dim={self.embedding_dim}, "
            f"weights={self.weights_path.name}, sha256={self.weights_sha256[:12]}...)"
        )


@functools.lru_cache(maxsize=1)
def load_feature_net() -> FeatureNet:
    """Return the shared, fixed feature network (loaded once per process).

    The weights file's SHA-256 is checked against ``WEIGHTS_SHA256`` first.

    Example:
        >>> net = gk.feature_net.load_feature_net()
        >>> net.features(images).shape     # (N, 128)

    Raises:
        WeightsIntegrityError: the weights file is missing or was modified.
    """
    return FeatureNet()
