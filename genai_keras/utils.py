"""Small helpers shared by the package (written once, used everywhere)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from genai_keras.checks import as_seed, positive_int


def count_parameters(model: Any) -> int:
    """Number of weights (trainable and not, integer seed states excluded) of a Keras model
    or layer."""
    return int(
        sum(
            math.prod(w.shape)
            for w in model.weights
            if "float" in str(getattr(w, "dtype", "float"))
        )
    )


def batched(fn: Callable[..., Any], arrays: Sequence[Any], batch_size: int) -> np.ndarray:
    """Apply ``fn`` to aligned slices of ``arrays`` (None entries stay None) and
    concatenate the NumPy results along axis 0.

    Raises:
        ValueError: the first array has no rows (nothing to compute), or ``batch_size`` < 1.
    """
    batch_size = positive_int(batch_size, "batch_size")
    n = len(arrays[0])
    if n == 0:
        raise ValueError(
            "Got an empty array (0 rows) to process in batches; pass at least one "
            "row (one image or one code)."
        )
    return np.concatenate(
        [
            np.asarray(fn(*(None if a is None else a[i : i + batch_size] for a in arrays)))
            for i in range(0, n, batch_size)
        ],
        axis=0,
    )


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


def sampling_rng(seed: Any = None) -> np.random.Generator:
    """The NumPy generator that draws a model's *sampling* noise (the seed policy).

    One rule for every family, so that the same ``seed`` gives the same samples on
    TensorFlow, JAX and PyTorch: sampling noise is drawn in NumPy from one generator per
    call and handed to the network as float32 arrays (training noise stays with
    ``keras.random``). ``seed`` is

    * an int in ``[0, 2**32)``: ``np.random.default_rng(seed)``;
    * None: a generator seeded from NumPy's global RNG, which ``gk.set_seed(s)`` seeds,
      so ``seed=None`` repeats after ``gk.set_seed(s)``, also in a fresh process (each
      call draws a new seed from it, so successive calls differ);
    * a ``np.random.Generator``: returned as is (draws continue its stream).

    Raises:
        InputTypeError: a bool, float, str or other non-integer seed.
        ValueError: an int outside ``[0, 2**32)``.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    seed = as_seed(seed)
    if seed is None:
        seed = int(np.random.randint(0, 2**32, dtype=np.int64))
    return np.random.default_rng(seed)
