"""Make CPU torch tensors refuse implicit NumPy conversion, as CUDA tensors do.

A CUDA tensor handed to NumPy (``np.asarray(t)``, ``np.exp(t)``, ``t.numpy()``,
matplotlib on a tensor) raises ``TypeError: can't convert cuda:0 device type tensor to
numpy``; the CPU build of torch converts silently, so CI on a CPU never sees the bug.
With this guard installed, a CPU tensor behaves like a CUDA one: the only ways to NumPy
are ``keras.ops.convert_to_numpy`` (the project's rule, DEVELOPERS.md) and an explicit
``tensor.cpu()`` first, exactly the ways that work on a GPU. ``float(t)``, ``t.item()``
and ``t.tolist()`` keep working, as they do on CUDA.

Activated by ``GENAI_KERAS_NUMPY_GUARD=1``: ``conftest.py`` installs it in pytest and
puts this folder (whose ``sitecustomize.py`` installs it at start-up) on the
``PYTHONPATH`` of every notebook kernel. Torch is patched when it is first imported, so
processes that never import torch pay nothing.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys

import reduced_precision

MESSAGE = (
    "can't convert cuda:0 device type tensor to numpy (numpy guard: this CPU "
    "tensor stands in for a CUDA one). Use keras.ops.convert_to_numpy(x), or "
    "Tensor.cpu() first."
)
_KERAS_TORCH_CORE = os.path.join("keras", "src", "backend", "torch", "core.py")
_HOST_COPY = "_genai_keras_host_copy"


def _allowed(tensor) -> bool:
    """True for a tensor explicitly copied to the host, or inside Keras' conversion."""
    if getattr(tensor, _HOST_COPY, False):
        return True
    frame = sys._getframe(2)
    for _ in range(8):
        if frame is None:
            return False
        code = frame.f_code
        if code.co_name in ("convert_to_numpy", "transform") and code.co_filename.endswith(
            _KERAS_TORCH_CORE
        ):
            return True
        frame = frame.f_back
    return False


def patch_torch(torch) -> None:
    """Wrap ``Tensor.__array__``, ``Tensor.numpy`` and ``Tensor.cpu`` (idempotent)."""
    tensor_class = torch.Tensor
    if getattr(tensor_class, "_genai_keras_guarded", False):
        return
    original_array = tensor_class.__array__
    original_numpy = tensor_class.numpy
    original_cpu = tensor_class.cpu

    def __array__(self, *args, **kwargs):
        if not _allowed(self):
            raise TypeError(MESSAGE)
        return original_array(self, *args, **kwargs)

    def numpy(self, *args, **kwargs):
        if not _allowed(self):
            raise TypeError(MESSAGE)
        return original_numpy(self, *args, **kwargs)

    def cpu(self, *args, **kwargs):
        # On a GPU, .cpu() makes the host copy that converts; mark it as such.
        result = original_cpu(self, *args, **kwargs)
        if result is self:  # already on the CPU: mark a new view, not the tensor itself
            result = self.view_as(self)
        with contextlib.suppress(AttributeError, RuntimeError):
            setattr(result, _HOST_COPY, True)
        return result

    tensor_class.__array__ = __array__
    tensor_class.numpy = numpy
    tensor_class.cpu = cpu
    tensor_class._genai_keras_guarded = True


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches torch right after its first import."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original_exec = loader.exec_module

        def exec_module(module):
            original_exec(module)
            _patch_all(module)

        loader.exec_module = exec_module
        return spec


def _patch_all(torch) -> None:
    if enabled():
        patch_torch(torch)
    precision = reduced_precision.mode()
    if precision:
        reduced_precision.patch_torch(torch, precision)


def install() -> None:
    """Guard torch (and reduce its precision, if asked) now if imported, else on import."""
    if "torch" in sys.modules:
        _patch_all(sys.modules["torch"])
    elif not any(isinstance(f, _PatchOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())


def enabled() -> bool:
    """Whether the environment asks for the guard (``GENAI_KERAS_NUMPY_GUARD=1``)."""
    return os.environ.get("GENAI_KERAS_NUMPY_GUARD", "") == "1"
