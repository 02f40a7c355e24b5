"""Shared by the pixel models: binary-pixel checks, log-sum-exp, seeds and ``.npz`` files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras.checks import IMAGE_SHAPE, as_finite_array, as_images
from genai_keras.utils import logsumexp as _logsumexp  # noqa: F401 (used by the models)
from genai_keras.utils import sampling_rng

NUM_PIXELS = int(np.prod(IMAGE_SHAPE))


def _binary_pixels(images: Any, name: str = "images") -> np.ndarray:
    """Check binary images and return them flattened, float32 ``(N, 784)``."""
    x = as_images(images, name=name)
    flat = x.reshape(x.shape[0], NUM_PIXELS)
    if np.any((flat != 0.0) & (flat != 1.0)):
        raise ValueError(
            f"{name} must be binary (every pixel 0 or 1) for a Bernoulli pixel model, but "
            f"some pixels are grey levels strictly between 0 and 1. Binarise first, e.g. "
            f"genai_keras.data.load_mnist(..., binarize='static')."
        )
    return flat


def _rng(seed: Any) -> np.random.Generator:
    """The sampling generator (:func:`genai_keras.utils.sampling_rng`)."""
    return sampling_rng(seed)


def _check_probabilities(
    values: Any, name: str, shape: tuple[int | None, ...], path: Any
) -> np.ndarray:
    """A saved model's probabilities: finite, of ``shape``, in [0, 1]; float64."""
    where = f" in {str(path)!r}"
    try:
        arr = as_finite_array(values, name, shape)
    except ValueError as exc:
        raise ValueError(
            f"{exc} (read{where}: the file is damaged or was not written by "
            f"this model's save(); save the fitted model again)."
        ) from None
    if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
        raise ValueError(
            f"{name}{where} must be probabilities in [0, 1], found values in "
            f"[{float(arr.min()):g}, {float(arr.max()):g}]; the file is damaged or "
            f"was not written by this model's save(): save the fitted model again."
        )
    return np.asarray(values, dtype=np.float64)


def _no_labels(labels: Any, model: str) -> None:
    if labels is not None:
        raise ValueError(
            f"{model} is an unconditional model: it cannot sample given labels. Call "
            f"sample(n, seed=...) (seed by keyword), or use BernoulliMixtureClassifier "
            f"for class-conditional samples."
        )


def _as_images(flat: np.ndarray) -> np.ndarray:
    return flat.reshape((flat.shape[0], *IMAGE_SHAPE)).astype(np.float32)


def _npz_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(
            f"Pixel models are saved as NumPy archives: give a path ending in "
            f".npz, got {str(path)!r}."
        )
    return path


def _write(path: str | os.PathLike, kind: str, config: dict, **arrays: np.ndarray) -> Path:
    path = _npz_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, kind=np.array(kind), config=np.array(json.dumps(config)), **arrays)
    return path


def _read(path: str | os.PathLike, expected: str | None = None) -> tuple[str, dict, dict]:
    path = _npz_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved pixel model at {str(path)!r}.")
    with np.load(path, allow_pickle=False) as data:
        if "kind" not in data or "config" not in data:
            raise ValueError(f"{str(path)!r} is not a genai_keras pixel model (no 'kind' entry).")
        kind = str(data["kind"])
        config = json.loads(str(data["config"]))
        arrays = {k: data[k] for k in data.files if k not in ("kind", "config")}
    if expected is not None and kind != expected:
        raise ValueError(
            f"{str(path)!r} holds a saved {kind}, not a {expected}; use "
            f"genai_keras.models.pixel.load(path) to load any pixel model."
        )
    return kind, config, arrays
