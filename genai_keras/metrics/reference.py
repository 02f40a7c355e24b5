"""The real-data reference: features and statistics of the 10,000 MNIST test digits, cached.

Computed once per process and also cached on disk in :func:`cache_dir`
(``$GENAI_KERAS_CACHE`` or ``~/.cache/genai_keras``). The cache file is verified before
use: it stores the SHA-256 of its arrays, and the features of ``SPOT_CHECK``
test digits are recomputed and compared; a file that fails either check is recomputed
with a warning (every FID, KID and precision/recall of the course rests on it).
"""

from __future__ import annotations

import functools
import hashlib
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras.checks import positive_int
from genai_keras.data import load_mnist
from genai_keras.feature_net import load_feature_net
from genai_keras.files import atomic_open
from genai_keras.metrics.frechet import feature_statistics
from genai_keras.metrics.manifold import knn_radii

CACHE_ENV_VAR = "GENAI_KERAS_CACHE"
#: Test digits whose features are recomputed to check a cache file (100, spread out).
SPOT_CHECK = np.arange(0, 10000, 100)
_SHAPES = {"features": (10000, 128), "probs": (10000, 10)}


class ReferenceCacheWarning(UserWarning):
    """A cached reference file failed its checks and was recomputed."""


def arrays_sha256(features: np.ndarray, probs: np.ndarray) -> str:
    """SHA-256 (hex) of the reference arrays as float32 bytes: what a cache file stores."""
    digest = hashlib.sha256()
    for array in (features, probs):
        digest.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    return digest.hexdigest()


def _check_cache(path: Path, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Read a cache file: ``(features, probs, problem)``, problem None when it passes."""
    try:
        with np.load(path, allow_pickle=False) as data:
            feats, probs = data["features"], data["probs"]
            stored = str(data["sha256"]) if "sha256" in data.files else None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as err:
        return None, None, f"is unreadable ({type(err).__name__})"
    if feats.shape != _SHAPES["features"] or probs.shape != _SHAPES["probs"]:
        return None, None, f"has the wrong shapes {feats.shape}, {probs.shape}"
    if stored is None:
        return None, None, "records no SHA-256 (an older release's cache)"
    if stored != arrays_sha256(feats, probs):
        return None, None, "does not match the SHA-256 it records (corrupt or edited)"
    fresh, fresh_probs = load_feature_net().features_and_probs(images[SPOT_CHECK])
    scale = float(np.abs(fresh).max()) or 1.0
    if not (
        np.allclose(feats[SPOT_CHECK], fresh, rtol=1e-3, atol=1e-3 * scale)
        and np.allclose(probs[SPOT_CHECK], fresh_probs, atol=1e-3)
    ):
        return (
            None,
            None,
            (
                f"differs from the feature network's output on {len(SPOT_CHECK)} "
                "spot-checked test digits (written by another network, or edited)"
            ),
        )
    return feats, probs, None


def cache_dir() -> Path:
    """Folder for cached reference features: ``$GENAI_KERAS_CACHE`` or ``~/.cache/genai_keras``."""
    return Path(os.environ.get(CACHE_ENV_VAR) or Path.home() / ".cache" / "genai_keras")


@functools.lru_cache(maxsize=2)
def _mnist_test_reference(key: str, use_file_cache: bool) -> tuple[np.ndarray, np.ndarray]:
    path = cache_dir() / f"mnist_test_features_{key}.npz"
    images, _ = load_mnist("test")
    if use_file_cache and path.is_file():
        feats, probs, problem = _check_cache(path, images)
        if problem is None:
            feats.setflags(write=False)
            probs.setflags(write=False)
            return feats, probs
        if "older release" not in problem:
            warnings.warn(
                f"The cached MNIST reference features {path} {problem}; recomputing "
                "them (seconds) and rewriting the file.",
                ReferenceCacheWarning,
                stacklevel=3,
            )
    feats, probs = load_feature_net().features_and_probs(images)
    if use_file_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_open(path, "wb") as f:
                np.savez(
                    f, features=feats, probs=probs, sha256=np.array(arrays_sha256(feats, probs))
                )
        except OSError:
            pass  # read-only home: keep the in-memory cache only
    feats.setflags(write=False)
    probs.setflags(write=False)
    return feats, probs


def mnist_test_features(use_file_cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Features ``(10000, 128)`` and class probabilities ``(10000, 10)`` of the MNIST test set.

    Computed once per process; also cached in ``cache_dir()`` under a name keyed by
    the feature network's ``cache_key`` (weights SHA-256 and feature layer), so later
    processes load them in well under a second. A cache file is used only when the
    SHA-256 it stores matches its arrays and the ``SPOT_CHECK`` digits' features
    match a fresh computation; otherwise it is recomputed with a
    ``ReferenceCacheWarning``. The arrays are read-only.
    """
    return _mnist_test_reference(load_feature_net().cache_key, bool(use_file_cache))


@functools.lru_cache(maxsize=4)
def _reference_stats(key: str, num_real: int) -> tuple[np.ndarray, np.ndarray]:
    return feature_statistics(mnist_test_features()[0][:num_real])


@functools.lru_cache(maxsize=4)
def _reference_radii(key: str, num_real: int, k: int) -> np.ndarray:
    return knn_radii(mnist_test_features()[0][:num_real], k)


def mnist_test_statistics(num_real: int = 10000) -> tuple[np.ndarray, np.ndarray]:
    """Feature mean ``(128,)`` and covariance ``(128, 128)`` of the first ``num_real`` test
    images (cached)."""
    num_real = _check_num_real(num_real)
    return _reference_stats(load_feature_net().cache_key, num_real)


def _check_num_real(num_real: Any) -> int:
    num_real = positive_int(num_real, "num_real", minimum=2)
    if num_real > 10000:
        raise ValueError(f"num_real={num_real} exceeds the 10,000 MNIST test images.")
    return num_real
