"""pytest set-up: fast mode and quiet TensorFlow for notebooks, stderr not compared."""

import os
from pathlib import Path

# Set before anything imports TensorFlow; nbval kernels inherit the environment.
os.environ.setdefault("GENAI_KERAS_FAST", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

_SHARED = Path(__file__).resolve().parent.parent / "shared" / "data"
if "GENAI_KERAS_DATA" not in os.environ and _SHARED.is_dir():
    os.environ["GENAI_KERAS_DATA"] = str(_SHARED)


def pytest_collectstart(collector):
    """Never compare stderr of notebook cells: TensorFlow logs differ between runs."""
    if str(getattr(collector, "fspath", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)
