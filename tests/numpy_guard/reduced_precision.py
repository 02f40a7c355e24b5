"""Run torch's float32 matrix products and convolutions at GPU-like reduced precision.

A GPU multiplies float32 matrices with TF32 tensor cores by default under JAX (10-bit
mantissa inputs, about 5e-4 relative error) and convolves with TF32 under PyTorch's
cuDNN; a CPU computes in full float32. A checked notebook output must print the same
on both, so CI rounds the inputs of every float32 ``matmul``, ``linear``, ``einsum``,
``bmm`` and convolution to TF32 (or bfloat16: 8-bit mantissa, coarser still) on a CPU.

Activated by ``GENAI_KERAS_REDUCED_PRECISION=tf32`` or ``=bfloat16`` (with the NumPy
guard's ``sitecustomize.py`` on the path, see ``conftest.py``).
"""

from __future__ import annotations

import functools
import os

MODES = ("tf32", "bfloat16")


def mode() -> str | None:
    """The requested precision, or None (full float32)."""
    value = os.environ.get("GENAI_KERAS_REDUCED_PRECISION", "").strip().lower()
    if not value:
        return None
    if value not in MODES:
        raise ValueError(
            f"GENAI_KERAS_REDUCED_PRECISION={value!r}: use one of {MODES} or unset it."
        )
    return value


def patch_torch(torch, precision: str) -> None:
    """Round float32 inputs of torch's products and convolutions (idempotent)."""
    if getattr(torch, "_genai_keras_reduced_precision", None):
        return
    if precision == "tf32":

        def rounded(t):
            if not isinstance(t, torch.Tensor) or t.dtype != torch.float32:
                return t
            bits = t.detach().contiguous().view(torch.int32)
            bits = (bits + 0x1000) & ~0x1FFF  # round to nearest on the 13 dropped bits
            # straight-through: the rounded value forward, the identity backward
            return t + (bits.view(torch.float32) - t).detach()
    else:

        def rounded(t):
            if not isinstance(t, torch.Tensor) or t.dtype != torch.float32:
                return t
            return t + (t.detach().to(torch.bfloat16).to(torch.float32) - t).detach()

    def wrap(module, name, tensor_args):
        original = getattr(module, name)

        @functools.wraps(original)
        def reduced(*args, **kwargs):
            args = tuple(rounded(a) if i < tensor_args else a for i, a in enumerate(args))
            return original(*args, **kwargs)

        setattr(module, name, reduced)

    functional = torch.nn.functional
    for name in ("matmul", "bmm", "mm"):
        wrap(torch, name, 2)
    wrap(functional, "linear", 3)
    for name in (
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ):
        wrap(functional, name, 3)
    original_einsum = torch.einsum

    @functools.wraps(original_einsum)
    def einsum(equation, *operands):
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
        return original_einsum(equation, *(rounded(o) for o in operands))

    torch.einsum = einsum
    torch._genai_keras_reduced_precision = precision
