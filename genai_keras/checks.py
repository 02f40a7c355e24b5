"""Input checks shared by the package: one clear error per kind of bad input."""

from __future__ import annotations

from typing import Any

import numpy as np

IMAGE_SHAPE = (28, 28, 1)


def as_images(x: Any, name: str = "images", shape: tuple[int, ...] = IMAGE_SHAPE,
              min_count: int = 1) -> np.ndarray:
    """Check a batch of images and return it as float32 NumPy, shape ``(N, *shape)``.

    Accepts arrays or tensors of shape ``(N, 28, 28, 1)`` or ``(N, 28, 28)`` (a
    channel axis is added) with pixels in [0, 1].

    Raises:
        ValueError: wrong rank or size, fewer than ``min_count`` images, NaN/inf,
            or values outside [0, 1] (e.g. raw 0..255 pixels: divide by 255).
    """
    arr = np.asarray(x)
    if arr.ndim == len(shape) and shape[-1] == 1 and arr.shape[1:] == shape[:-1]:
        arr = arr[..., None]
    if arr.ndim != len(shape) + 1 or arr.shape[1:] != tuple(shape):
        raise ValueError(
            f"{name} must have shape (N, {', '.join(map(str, shape))}), got {arr.shape}. "
            f"Load digits with genai_keras.data.load_mnist(), which returns that shape."
        )
    if arr.shape[0] < min_count:
        raise ValueError(f"{name} needs at least {min_count} images, got {arr.shape[0]}.")
    if not np.issubdtype(arr.dtype, np.number) and arr.dtype != bool:
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}.")
    arr = arr.astype(np.float32, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0.0 or hi > 1.0:
        hint = " (it looks like raw 0..255 pixels: divide by 255)" if hi > 1.0 and hi <= 255.0 else ""
        raise ValueError(
            f"{name} must hold pixels in [0, 1], found values in [{lo:g}, {hi:g}]{hint}."
        )
    return arr


def as_labels(y: Any, num_classes: int = 10, count: int | None = None,
              name: str = "labels") -> np.ndarray:
    """Check integer class labels in ``[0, num_classes)`` and return them as int32.

    Raises:
        ValueError: non-integer values, wrong rank, wrong count, or out of range.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class indices, got shape {arr.shape}.")
    if count is not None and arr.shape[0] != count:
        raise ValueError(f"{name} has {arr.shape[0]} entries but {count} were expected (one per image).")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError(f"{name} must be integers (class indices), got dtype {arr.dtype}.")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise ValueError(
            f"{name} must lie in [0, {num_classes - 1}], found values in "
            f"[{int(arr.min())}, {int(arr.max())}]."
        )
    return arr.astype(np.int32)


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum``, else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def non_negative_float(value: Any, name: str) -> float:
    """Return ``value`` as float if it is finite and >= 0, else raise ValueError."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number >= 0, got {value!r}.") from None
    if not np.isfinite(out) or out < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return out
