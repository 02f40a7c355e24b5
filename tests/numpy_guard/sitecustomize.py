"""Start-up hook for notebook kernels: the CUDA-like NumPy guard (cuda_like_guard.py)
and, if asked, GPU-like reduced matmul precision (reduced_precision.py)."""

import cuda_like_guard
import reduced_precision

if cuda_like_guard.enabled() or reduced_precision.mode():
    cuda_like_guard.install()
