"""JAX's persistent compilation cache: on by default, in the chosen folder, switchable off.

Each case runs in a fresh process (JAX reads the settings when it is imported)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("jax")

PROBE = """
import json, os
import genai_keras
import jax, jax.numpy as jnp
jax.jit(lambda x: x * 2 + 1)(jnp.ones(3))
print(json.dumps({"dir": jax.config.jax_compilation_cache_dir,
                  "min_secs": jax.config.jax_persistent_cache_min_compile_time_secs}))
"""


def _probe(tmp_path, **env_changes):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "JAX_COMPILATION_CACHE_DIR",
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
            "GENAI_KERAS_JAX_CACHE",
        )
    }
    env.update(env_changes, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_programs_are_cached_in_the_chosen_folder(tmp_path):
    folder = tmp_path / "cache"
    seen = _probe(tmp_path, GENAI_KERAS_JAX_CACHE=str(folder))
    assert seen == {"dir": str(folder), "min_secs": 0.0}
    assert folder.is_dir() and any(folder.iterdir()), "no compiled program was written"


def test_default_folder_is_under_the_user_cache(tmp_path):
    seen = _probe(tmp_path, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    assert seen["dir"] == str(tmp_path / "xdg" / "genai_keras" / "jax")


def test_off_leaves_jax_defaults_and_a_users_folder_wins(tmp_path):
    seen = _probe(tmp_path, GENAI_KERAS_JAX_CACHE="off")
    assert seen["dir"] in (None, "") and seen["min_secs"] == 1.0
    mine = tmp_path / "mine"
    seen = _probe(
        tmp_path, GENAI_KERAS_JAX_CACHE=str(tmp_path / "ours"), JAX_COMPILATION_CACHE_DIR=str(mine)
    )
    assert seen["dir"] == str(mine)
