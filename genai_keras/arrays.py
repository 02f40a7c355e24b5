"""What crosses from the package to NumPy: the project's one rule, in code.

The rule (DEVELOPERS.md, "Tensors and NumPy"):

1. A package function a learner calls with NumPy arrays or Python numbers returns NumPy
   (:func:`numpy_in_numpy_out` for the ``keras.ops`` maths of ``gk.distributions``;
   samplers, ``encode``/``decode``, metrics return NumPy always). Called with backend
   tensors (inside a loss, a traced step), it returns backend tensors.
2. Every plotting and metrics helper also accepts backend tensors: it converts them with
   :func:`to_numpy`.
3. Raw Keras calls (``model(x)``, a layer, ``keras.ops.*``) return backend tensors;
   notebooks convert them with ``keras.ops.convert_to_numpy`` before NumPy or matplotlib.
4. Package code never hands a possible tensor to ``np.asarray``/``np.array`` (a CUDA
   torch tensor refuses it, a CPU one converts silently); it uses :func:`to_numpy`.

CI checks the rule on a CPU with a guard that makes torch tensors refuse implicit
conversion, as CUDA tensors do (``tests/numpy_guard/``, ``GENAI_KERAS_NUMPY_GUARD=1``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from keras import ops

#: The type of a function that :func:`numpy_in_numpy_out` wraps (and returns).
F = TypeVar("F", bound=Callable[..., Any])


def is_backend_tensor(value: Any) -> bool:
    """True for a tensor of the active Keras backend (TensorFlow, JAX or torch)."""
    return not isinstance(value, (np.ndarray, np.generic)) and bool(ops.is_tensor(value))


def to_numpy(value: Any, dtype: Any = None) -> np.ndarray:
    """``value`` as a NumPy array on the host, from NumPy, lists or backend tensors.

    Lists and tuples may hold tensors (e.g. a list of per-batch results). The only
    conversion used for tensors is ``keras.ops.convert_to_numpy``, which copies a GPU
    tensor to the host first.
    """
    if isinstance(value, np.ndarray):
        array = value
    elif is_backend_tensor(value):
        array = ops.convert_to_numpy(value)
    elif isinstance(value, (list, tuple)) and any(is_backend_tensor(v) for v in value):
        array = np.asarray([to_numpy(v) for v in value])
    elif all(hasattr(value, a) for a in ("detach", "cpu", "numpy")):
        array = value.detach().cpu().numpy()  # a torch tensor under another Keras backend
    else:
        array = np.asarray(value)
    return array if dtype is None else array.astype(dtype, copy=False)


def _concrete_to_numpy(value: Any) -> Any:
    """A concrete backend tensor as NumPy; anything else (a traced value) unchanged."""
    if not is_backend_tensor(value):
        return value
    try:
        return ops.convert_to_numpy(value)
    except Exception:  # a symbolic tensor inside a traced function (a seed-only call)
        return value


def numpy_in_numpy_out(function: F) -> F:
    """Return NumPy from ``function`` when none of its arguments is a backend tensor.

    For ``keras.ops`` maths that serves both losses (tensors in, tensors out, traceable)
    and notebooks (NumPy in, NumPy out, device-safe).
    """

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if any(is_backend_tensor(a) for a in (*args, *kwargs.values())):
            return result
        if isinstance(result, tuple):
            return tuple(_concrete_to_numpy(r) for r in result)
        return _concrete_to_numpy(result)

    return wrapper  # type: ignore[return-value]
