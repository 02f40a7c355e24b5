"""The course on three backends: notebooks import no backend library, and backend code
stays in genai_keras/backend/. (That shipped checkpoints give the same samples on every
backend is tests/test_seed_policy.py's cross-backend test, run once, in the TensorFlow
suite.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def test_notebooks_import_no_backend_library():
    pattern = re.compile(r"^\s*(import|from)\s+(tensorflow|jax|torch)\b", re.MULTILINE)
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            assert not (cell["cell_type"] == "code" and pattern.search(source)), (
                f"{path.name} imports a backend library:\n{source}"
            )


def test_backend_code_lives_in_one_place():
    """Only genai_keras/backend/ imports tensorflow, jax or torch (chapter 00's environment
    check asks it for their versions and devices)."""
    pattern = re.compile(r"^\s*(import|from)\s+(tensorflow|jax|torch)\b", re.MULTILINE)
    offenders = []
    for path in (ROOT / "genai_keras").rglob("*.py"):
        rel = path.relative_to(ROOT / "genai_keras")
        if rel.parts[0] == "backend":
            continue
        if pattern.search(path.read_text()):
            offenders.append(str(rel))
    assert not offenders, f"backend imports outside genai_keras/backend/: {offenders}"


def test_only_the_config_module_reads_the_fast_flag():
    """Everything else asks ``gk.fast_mode()`` or ``gk.recipes.get`` (the course runner
    only *sets* the variable for the kernels it starts)."""
    reads = re.compile(r"(environ|getenv)[^\n]*(GENAI_KERAS_FAST|FAST_ENV_VAR)")
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "genai_keras").rglob("*.py")
        if reads.search(p.read_text()) and p.name not in ("config.py", "notebook_runner.py")
    ]
    assert not offenders, offenders


def test_the_one_private_keras_import_is_wrapped_and_works():
    """Only backend/jax.py reaches into keras.src (no public getter for the stateless
    scope); it must still find the active scope with the installed Keras."""
    pattern = re.compile(r"^\s*(from|import)\s+keras\.src\b", re.MULTILINE)
    users = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "genai_keras").rglob("*.py")
        if pattern.search(p.read_text())
    )
    assert users == ["genai_keras/backend/jax.py"], users
    pytest.importorskip("jax")
    import keras

    from genai_keras.backend import jax as jax_backend

    assert jax_backend.get_stateless_scope() is None
    with keras.StatelessScope() as scope:
        assert jax_backend.get_stateless_scope() is scope


def test_environment_report_asks_the_backend_package():
    import keras

    from genai_keras import backend, config

    report = config.environment_report()
    assert list(report)[:4] == ["python", "keras", "backend", "numpy"]
    assert report["backend"] == backend.name() == keras.backend.backend()
    versions = backend.framework_versions()
    assert list(versions) == [backend.name()] and report[backend.name()] == versions[backend.name()]
    gpus = backend.gpu_names()
    assert report["gpus"] == (", ".join(gpus) if gpus else "none (CPU only)")


@pytest.mark.backends("jax", "torch", reason="checks the backends marker itself")
def test_the_backends_marker_skips_the_other_backends():
    # Collected on every backend, run only where the marker allows it (conftest.py): on
    # TensorFlow this test is skipped, so it can only pass where the marker let it run.
    import keras

    assert keras.backend.backend() in ("jax", "torch")


def test_a_compiled_inference_function_sees_weight_updates():
    """``compile_function(fn, variables)`` (``jax.jit`` on JAX, XLA on TensorFlow) reads the
    variables' current values at every call: after an update it agrees with the model."""
    import keras

    from genai_keras import backend

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])
    fn = backend.compile_function(lambda x: model(x, training=False) * 2.0, model.variables)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    before = keras.ops.convert_to_numpy(fn(x))
    np.testing.assert_allclose(before, 2.0 * keras.ops.convert_to_numpy(model(x)), rtol=1e-6)
    kernel = model.get_layer("dense").kernel
    kernel.assign(keras.ops.convert_to_numpy(kernel) + 1.0)
    after = keras.ops.convert_to_numpy(fn(x))
    assert np.abs(after - before).min() > 1.0  # every output moved: x @ 1 is 0+1+2 or 3+4+5
    np.testing.assert_allclose(after, 2.0 * keras.ops.convert_to_numpy(model(x)), rtol=1e-6)
