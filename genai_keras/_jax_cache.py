"""JAX's persistent compilation cache, on by default (no Keras import: the package's import
stays cheap).

On JAX every new model, batch shape and eager operation is compiled by XLA, and in the
fast course compiling takes about half of the time. JAX can keep compiled programs on disk
and reuse them when the same program comes again: in the next chapter (a new kernel), in a
model with the same architecture, or in a re-run. The cache is keyed by the program, the
JAX version and the device, so a stale entry is never used.

``GENAI_KERAS_JAX_CACHE``: the folder (default ``$XDG_CACHE_HOME/genai_keras/jax``, i.e.
``~/.cache/genai_keras/jax``), or ``off`` to leave JAX's defaults alone. A folder set by the
user through ``JAX_COMPILATION_CACHE_DIR`` wins.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

OFF = ("0", "off", "false", "no", "")


def cache_dir() -> Path | None:
    """The folder this session's JAX programs are cached in, or None when switched off."""
    chosen = os.environ.get("GENAI_KERAS_JAX_CACHE")
    if chosen is not None and chosen.strip().lower() in OFF:
        return None
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return Path(os.environ["JAX_COMPILATION_CACHE_DIR"])
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "genai_keras" / "jax"


def enable() -> Path | None:
    """Point JAX's persistent cache at :func:`cache_dir` and cache every program (the many
    small eager ones too: JAX's default keeps only those that took over a second).

    Sets the environment, which JAX reads when it is imported (and which notebook kernels
    and worker processes inherit); when JAX is already imported, updates its config too.
    Returns the folder, or None when switched off."""
    folder = cache_dir()
    if folder is None:
        return None
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(folder))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    if "jax" in sys.modules:
        jax = sys.modules["jax"]
        jax.config.update("jax_compilation_cache_dir", os.environ["JAX_COMPILATION_CACHE_DIR"])
        jax.config.update(
            "jax_persistent_cache_min_compile_time_secs",
            float(os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"]),
        )
    return folder
