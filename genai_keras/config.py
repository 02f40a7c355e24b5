"""Run-wide settings: the fast-mode flag and seeding.

Used in every chapter's parameters cell.
"""

from __future__ import annotations

import os
import random

import numpy as np

from genai_keras._quiet import seed_keras_quietly

FAST_ENV_VAR = "GENAI_KERAS_FAST"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def fast_mode() -> bool:
    """Return True when ``GENAI_KERAS_FAST`` asks for the small, quick configuration.

    Notebooks read this once in their ``parameters`` cell, e.g.
    ``EPOCHS = 1 if gk.fast_mode() else 20``. Fast mode exists for tests: every
    chapter then finishes in about a minute on a laptop CPU; results are not
    meaningful.

    Raises:
        ValueError: if the variable holds something other than 1/0/true/false/yes/no.
    """
    value = os.environ.get(FAST_ENV_VAR, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{FAST_ENV_VAR}={os.environ[FAST_ENV_VAR]!r} is not understood; "
        f"set it to 1 (fast, for tests) or 0 / leave it unset (full results)."
    )


def set_fast_mode(fast: bool) -> None:
    """Switch fast mode on or off for this process (and the processes it starts).

    Each chapter's parameters cell holds ``FAST = gk.fast_mode()``: replace it with
    ``FAST = True`` (on Colab, say) and the next cell's ``gk.set_fast_mode(FAST)`` makes
    every recipe and checkpoint helper follow, exactly as ``GENAI_KERAS_FAST=1`` would.

    Raises:
        TypeError: ``fast`` is not a bool.
    """
    if not isinstance(fast, bool):
        raise TypeError(f"fast must be True or False, got {fast!r}.")
    os.environ[FAST_ENV_VAR] = "1" if fast else "0"


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global RNG and Keras (all backends).

    ``np.random.default_rng()`` generators are not affected: pass them a seed. Every
    model's ``sample(..., seed=None)`` follows it (``gk.utils.sampling_rng`` seeds its
    generator from NumPy's global RNG), so its draws repeat after ``set_seed(s)``.

    Args:
        seed: a non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    random.seed(int(seed))
    np.random.seed(int(seed))
    seed_keras_quietly(int(seed))


def environment_report() -> dict[str, str]:
    """Versions and devices of this machine: Python, Keras, the backend, visible GPUs.

    The framework under Keras is asked through :mod:`genai_keras.backend`
    (:func:`~genai_keras.backend.framework_versions`, :func:`~genai_keras.backend.gpu_names`).
    Used in chapter 00 to check a set-up before a workshop.
    """
    import platform

    import keras

    from genai_keras import backend  # local: config is imported by `import genai_keras`, Keras-free

    report = {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
    }
    gpus: list[str] = []
    try:
        report.update(backend.framework_versions())
        gpus = backend.gpu_names()
    except Exception as exc:  # a broken driver should not stop the report
        gpus = [f"(could not query devices: {exc})"]
    report["gpus"] = ", ".join(gpus) if gpus else "none (CPU only)"
    return report
