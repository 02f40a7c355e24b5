"""The real-data reference: features and statistics of the 10,000 MNIST test digits, cached.

Computed once per process and also cached on disk in :func:`cache_dir`
(``$GENAI_KERAS_CACHE`` or ``~/.cache/genai_keras``).
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras.checks import positive_int
from genai_keras.metrics.frechet import feature_statistics
from genai_keras.metrics.manifold import knn_radii

CACHE_ENV_VAR = "GENAI_KERAS_CACHE"


def cache_dir() -> Path:
    """Folder for cached reference features: ``$GENAI_KERAS_CACHE`` or ``~/.cache/genai_keras``."""
    return Path(os.environ.get(CACHE_ENV_VAR) or Path.home() / ".cache" / "genai_keras")


@functools.lru_cache(maxsize=2)
def _mnist_test_reference(key: str, use_file_cache: bool) -> tuple[np.ndarray, np.ndarray]:
    path = cache_dir() / f"mnist_test_features_{key}.npz"
    if use_file_cache and path.is_file():
        try:
            with np.load(path) as data:
                feats, probs = data["features"], data["probs"]
            if feats.shape == (10000, 128) and probs.shape == (10000, 10):
                return feats, probs
        except (OSError, KeyError, ValueError):
            pass  # a broken cache file is recomputed below
    from genai_keras.data import load_mnist
    from genai_keras.feature_net import load_feature_net

    images, _ = load_mnist("test")
    feats, probs = load_feature_net().features_and_probs(images)
    if use_file_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
                np.savez(tmp, features=feats, probs=probs)
            os.replace(tmp.name, path)
        except OSError:
            pass  # read-only home: keep the in-memory cache only
    feats.setflags(write=False)
    probs.setflags(write=False)
    return feats, probs


def mnist_test_features(use_file_cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Features ``(10000, 128)`` and class probabilities ``(10000, 10)`` of the MNIST test set.

    Computed once per process; also cached in ``cache_dir()`` under a name keyed by
    the feature network's ``cache_key`` (weights SHA-256 and feature layer), so later
    processes load them in milliseconds. The arrays are read-only.
    """
    from genai_keras.feature_net import load_feature_net

    return _mnist_test_reference(load_feature_net().cache_key, bool(use_file_cache))


@functools.lru_cache(maxsize=4)
def _reference_stats(key: str, num_real: int) -> tuple[np.ndarray, np.ndarray]:
    return feature_statistics(mnist_test_features()[0][:num_real])


@functools.lru_cache(maxsize=4)
def _reference_radii(key: str, num_real: int, k: int) -> np.ndarray:
    return knn_radii(mnist_test_features()[0][:num_real], k)


def mnist_test_statistics(num_real: int = 10000) -> tuple[np.ndarray, np.ndarray]:
    """Feature mean ``(128,)`` and covariance ``(128, 128)`` of the first ``num_real`` test images (cached)."""
    from genai_keras.feature_net import load_feature_net

    num_real = _check_num_real(num_real)
    return _reference_stats(load_feature_net().cache_key, num_real)


def _check_num_real(num_real: Any) -> int:
    num_real = positive_int(num_real, "num_real", minimum=2)
    if num_real > 10000:
        raise ValueError(f"num_real={num_real} exceeds the 10,000 MNIST test images.")
    return num_real
