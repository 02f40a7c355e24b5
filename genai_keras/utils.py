"""Small helpers shared by the package (written once, used everywhere)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def count_parameters(model: Any) -> int:
    """Number of weights (trainable and not, integer seed states excluded) of a Keras model
    or layer."""
    return int(sum(math.prod(w.shape) for w in model.weights
                   if "float" in str(getattr(w, "dtype", "float"))))


def batched(fn: Callable[..., Any], arrays: Sequence[Any], batch_size: int) -> np.ndarray:
    """Apply ``fn`` to aligned slices of ``arrays`` (None entries stay None) and
    concatenate the NumPy results along axis 0.

    Raises:
        ValueError: the first array has no rows (nothing to compute), or ``batch_size`` < 1.
    """
    from genai_keras.checks import positive_int

    batch_size = positive_int(batch_size, "batch_size")
    n = len(arrays[0])
    if n == 0:
        raise ValueError("Got an empty array (0 rows) to process in batches; pass at least one "
                         "row (one image or one code).")
    return np.concatenate([np.asarray(fn(*(None if a is None else a[i:i + batch_size]
                                           for a in arrays)))
                           for i in range(0, n, batch_size)], axis=0)


def sha256_of(source: Any) -> str:
    """Hex SHA-256 of ``bytes`` or of a file's bytes (a path; read in 1 MiB blocks).

    The one hash of the package: the data files, the shipped feature network's weights and
    the checkpoints are all checked with it.
    """
    digest = hashlib.sha256()
    if isinstance(source, (bytes, bytearray, memoryview)):
        digest.update(source)
        return digest.hexdigest()
    with open(source, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    """Stable ``log(sum(exp(a)))`` along ``axis`` (the max is subtracted first), NumPy."""
    a = np.asarray(a)
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.sum(np.exp(a - m), axis=axis))
