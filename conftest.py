"""pytest set-up: fast mode and quiet TensorFlow for notebooks, stderr not compared.

``GENAI_KERAS_NUMPY_GUARD=1`` turns on the CUDA-like NumPy guard
(``tests/numpy_guard/``): under PyTorch, tensors then refuse implicit conversion to
NumPy, as CUDA tensors do, in the tests and in every notebook kernel.
``GENAI_KERAS_REDUCED_PRECISION=tf32`` (or ``bfloat16``) rounds torch's float32 matrix
products and convolutions as a GPU does, so checked outputs are tested at GPU precision.

The whole suite runs on every Keras backend. A test that only means something on some of
them says so with a marker, ``@pytest.mark.backends("tensorflow", "jax", reason=...)``:
on the others it is skipped with that reason (not silently passed).
"""

import os
import sys
from pathlib import Path

import pytest

# Set before anything imports TensorFlow; nbval kernels inherit the environment.
os.environ.setdefault("GENAI_KERAS_FAST", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

_ROOT = Path(__file__).resolve().parent
_SHARED = _ROOT.parent / "shared" / "data"
if "GENAI_KERAS_DATA" not in os.environ and _SHARED.is_dir():
    os.environ["GENAI_KERAS_DATA"] = str(_SHARED)

_GUARD_DIR = _ROOT / "tests" / "numpy_guard"
if os.environ.get("GENAI_KERAS_NUMPY_GUARD", "") == "1" or os.environ.get(
    "GENAI_KERAS_REDUCED_PRECISION", ""
):
    # Kernels start with this folder on their path: its sitecustomize installs the guard.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_GUARD_DIR), os.environ.get("PYTHONPATH", "")) if p
    )
    sys.path.insert(0, str(_GUARD_DIR))
    import cuda_like_guard

    cuda_like_guard.install()


@pytest.fixture(autouse=True)
def _fid_bias_warning_per_test():
    """The small-sample FID warning is shown once per process; each test starts afresh."""
    inputs = sys.modules.get("genai_keras.metrics.inputs")
    if inputs is not None:
        inputs._fid_bias_warned = False


@pytest.fixture
def shipped(tmp_path):
    """A copy of the shipped dcgan checkpoint (the smallest Keras one) and the manifest in
    ``tmp_path``: ``(directory, path)``; the shipped files are never modified. A missing
    checkpoint is a packaging regression: the test fails, it does not skip."""
    import shutil

    from genai_keras import checkpoints as ck

    path = ck.checkpoint_path("dcgan")
    if not path.is_file():
        pytest.fail(f"{path.name} is not shipped: a packaging regression")
    directory = tmp_path / "checkpoints"
    directory.mkdir()
    shutil.copy2(path, directory / path.name)
    shutil.copy2(ck.CHECKPOINT_DIR / ck.MANIFEST, directory / ck.MANIFEST)
    return directory, directory / path.name


_BACKENDS = ("tensorflow", "jax", "torch")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "backends(*names, reason=...): run only on these Keras backends, skip elsewhere"
    )
    config.addinivalue_line(
        "markers",
        "repo_tooling: checks of the repository's files and tools (notebook headers, packaging,"
        " requirement files, the GPU runner's flags, the site build) that no backend or library"
        " release changes; CI runs them once and deselects them elsewhere (-m 'not repo_tooling')",
    )


def pytest_collection_modifyitems(config, items):
    """Skip the tests marked ``backends(...)`` on the other Keras backends."""
    current = None
    for item in items:
        marker = item.get_closest_marker("backends")
        if marker is None:
            continue
        unknown = [b for b in marker.args if b not in _BACKENDS]
        if not marker.args or unknown:
            raise pytest.UsageError(
                f"{item.nodeid}: backends() takes some of {_BACKENDS}, got {marker.args}"
            )
        if current is None:
            import keras  # only when a marked test was collected: keras picks the backend

            current = keras.backend.backend()
        if current not in marker.args:
            why = marker.kwargs.get("reason", "")
            item.add_marker(
                pytest.mark.skip(
                    reason=f"runs on {', '.join(marker.args)} only, this is {current}"
                    + (f": {why}" if why else "")
                )
            )


def pytest_collectstart(collector):
    """Never compare stderr of notebook cells: TensorFlow logs differ between runs."""
    if str(getattr(collector, "fspath", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)
