"""Input checks shared by the package: one clear error per kind of bad input."""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.arrays import to_numpy  # the one tensor-to-NumPy conversion (re-exported)

IMAGE_SHAPE = (28, 28, 1)
#: Seeds are ints in [0, SEED_LIMIT): what every backend's random generator accepts.
SEED_LIMIT = 2**32


class InputTypeError(TypeError, ValueError):
    """An argument of the wrong type (a str where an int belongs, ...).

    Both a TypeError and a ValueError, so ``except ValueError`` still catches every bad
    input of the package."""


def _type_name(value: Any) -> str:
    return type(value).__name__


def as_seed(seed: Any, name: str = "seed", allow_none: bool = True) -> int | None:
    """Check a seed: None, or an int (Python or NumPy) in ``[0, 2**32)``; return it as int.

    ``allow_none=False``: where a fixed seed is needed (a model's initialisation that
    later seeds are derived from), None is refused too.

    Raises:
        InputTypeError: a bool, float, str or other non-integer (``seed=1.7`` would
            otherwise silently mean 1, and ``seed=True`` mean 1).
        ValueError: an int outside ``[0, 2**32)``.
    """
    if seed is None and allow_none:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise InputTypeError(
            f"{name} must be an int in [0, 2**32){' or None' if allow_none else ''}, got "
            f"{seed!r} ({_type_name(seed)}); "
            f"pass an integer {name}, e.g. {name}=0."
        )
    if not 0 <= int(seed) < SEED_LIMIT:
        raise ValueError(
            f"{name} must be an int in [0, 2**32){' or None' if allow_none else ''}, got "
            f"{int(seed)}; pass an integer "
            f"{name} in that range, e.g. {name}=0."
        )
    return int(seed)


def as_finite_array(
    x: Any, name: str, shape: tuple[int | None, ...] | None = None, what: str = ""
) -> np.ndarray:
    """Check an array of finite numbers (noise, codes, probabilities) and return it as float32.

    Args:
        x: array or backend tensor.
        name: the argument's name, for the message.
        shape: the expected shape, None for any size along an axis (``(None, 16)``:
            N rows of 16); None accepts any shape.
        what: a hint on how to get a right one, appended to the shape message.

    Raises:
        ValueError: not numeric, wrong shape, NaN or infinite values.
    """
    arr = to_numpy(x)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise InputTypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}.")
    if shape is not None and (
        arr.ndim != len(shape)
        or any(want is not None and got != want for got, want in zip(arr.shape, shape, strict=True))
    ):
        expected = (
            "("
            + ", ".join("N" if s is None else str(s) for s in shape)
            + ("," if len(shape) == 1 else "")
            + ")"
        )
        raise ValueError(
            f"{name} must have shape {expected}, got {arr.shape}." + (f" {what}" if what else "")
        )
    arr = arr.astype(np.float32, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite values; pass finite numbers "
            f"(a NaN often comes from a diverged model or a division by zero)."
        )
    return arr


def unit_interval(value: Any, name: str) -> float:
    """Return ``value`` as float if it is a number in [0, 1] (a pixel value, a share), else raise.

    Raises:
        InputTypeError: not a real number (a str, a bool, None).
        ValueError: NaN or outside [0, 1].
    """
    out = _real_number(value, name, "a number in [0, 1]")
    if not 0.0 <= out <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}.")
    return out


def positive_float(value: Any, name: str) -> float:
    """Return ``value`` as float if it is finite and > 0, else raise.

    Raises:
        InputTypeError: not a real number.
        ValueError: zero, negative, NaN or infinite.
    """
    out = _real_number(value, name, "a finite number > 0")
    if not np.isfinite(out) or out <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return out


def _real_number(value: Any, name: str, what: str) -> float:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise InputTypeError(
            f"{name} must be {what}, got {value!r} ({_type_name(value)}); "
            f"pass a number, e.g. {name}=0.5."
        )
    out = float(value)
    if np.isnan(out):
        raise ValueError(f"{name} must be {what}, got NaN.")
    return out


def as_images(
    x: Any, name: str = "images", shape: tuple[int, ...] = IMAGE_SHAPE, min_count: int = 1
) -> np.ndarray:
    """Check a batch of images and return it as float32 NumPy, shape ``(N, *shape)``.

    Accepts arrays or tensors of shape ``(N, 28, 28, 1)`` or ``(N, 28, 28)`` (a
    channel axis is added) with pixels in [0, 1].

    Raises:
        ValueError: wrong rank or size, fewer than ``min_count`` images, NaN/inf,
            or values outside [0, 1] (e.g. raw 0..255 pixels: divide by 255).
    """
    arr = to_numpy(x)
    if arr.ndim == len(shape) and shape[-1] == 1 and arr.shape[1:] == shape[:-1]:
        arr = arr[..., None]
    if arr.ndim != len(shape) + 1 or arr.shape[1:] != tuple(shape):
        hint = (
            " Load digits with genai_keras.data.load_mnist(), which returns that shape."
            if tuple(shape) == IMAGE_SHAPE
            else ""
        )
        raise ValueError(
            f"{name} must have shape (N, {', '.join(map(str, shape))}), got {arr.shape}.{hint}"
        )
    if arr.shape[0] < min_count:
        raise ValueError(f"{name} needs at least {min_count} images, got {arr.shape[0]}.")
    if not np.issubdtype(arr.dtype, np.number) and arr.dtype != bool:
        raise InputTypeError(f"{name} must be numeric, got dtype {arr.dtype}.")
    arr = arr.astype(np.float32, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; pass finite pixels in [0, 1].")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0.0 or hi > 1.0:
        hint = (
            " (it looks like raw 0..255 pixels: divide by 255)" if hi > 1.0 and hi <= 255.0 else ""
        )
        raise ValueError(
            f"{name} must hold pixels in [0, 1], found values in [{lo:g}, {hi:g}]{hint}."
        )
    return arr


def as_labels(
    y: Any, num_classes: int = 10, count: int | None = None, name: str = "labels"
) -> np.ndarray:
    """Check integer class labels in ``[0, num_classes)`` and return them as int32.

    Raises:
        ValueError: non-integer values, wrong rank, wrong count, or out of range.
    """
    arr = to_numpy(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class indices, got shape {arr.shape}.")
    if count is not None and arr.shape[0] != count:
        raise ValueError(
            f"{name} has {arr.shape[0]} entries but {count} were expected (one per image)."
        )
    if arr.size and (arr.dtype == bool or not np.issubdtype(arr.dtype, np.number)):
        raise InputTypeError(
            f"{name} must be integers in [0, {num_classes}) (class indices), got dtype "
            f"{arr.dtype} (e.g. {arr.flat[0]!r}); convert them, e.g. np.asarray(labels, int)."
        )
    if (
        arr.size
        and not np.issubdtype(arr.dtype, np.integer)
        and not np.all(np.equal(np.mod(arr, 1), 0))
    ):
        raise ValueError(
            f"{name} must be integers in [0, {num_classes}) (class indices), "
            f"got dtype {arr.dtype} with non-integer or NaN values."
        )
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
    """Return ``value`` as float if it is finite and >= 0, else raise ValueError
    (:class:`InputTypeError` for a str, bool or None)."""
    out = _real_number(value, name, "a finite number >= 0")
    if not np.isfinite(out) or out < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return out
