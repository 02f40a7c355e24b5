"""Every chapter in default mode through nbval on one GPU, per backend, timed.

    python benchmarks/gpu.py [--backends jax torch] [--only 02 03] [--cell-timeout 1200]

Called by ``.ci/gpu`` (which installs the requirements first). For each backend and each
chapter notebook, one at a time, it runs ``pytest notebooks/NN_x.ipynb`` (nbval in lax
mode with the repository's conftest.py and sanitizer, as in CI) with
``KERAS_BACKEND=<backend>`` and ``GENAI_KERAS_FAST=0``, and records the wall time and
whether it passed. After each chapter it writes ``benchmarks/results/gpu.json``::

    {"machine": {"gpus": [...], "platform": ..., "versions": {...}},
     "date_utc": "...", "mode": "default",
     "runs": {"jax/02": {"seconds": 81.4, "passed": true, "notebook": "02_x.ipynb"}, ...}}

The exit status is 1 if any chapter failed. The committed notebook outputs come from a
CPU TensorFlow run, so nbval compares only the ``# NBVAL_CHECK_OUTPUT`` cells, which hold
backend- and device-independent facts; every other cell must just run.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from _results import write_result  # noqa: E402

CHAPTER = re.compile(r"^(\d\d)_.+\.ipynb$")
PACKAGES = ("keras", "jax", "jaxlib", "torch", "tensorflow", "numpy", "nbval")


def gpu_names() -> list[str]:
    """Name, memory and driver of each GPU as ``nvidia-smi`` reports them ([] without it)."""
    if shutil.which("nvidia-smi") is None:
        return []
    proc = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version",
                           "--format=csv,noheader"], capture_output=True, text=True, timeout=60)
    return [line.strip() for line in proc.stdout.splitlines() if line.strip()]


def machine() -> dict:
    """What the timings were measured on: GPUs, CPU count, platform, package versions."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {"gpus": gpu_names(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "versions": versions}


def chapters(only: list[str] | None) -> list[Path]:
    """The chapter notebooks in order, optionally only some (``--only 02 03``)."""
    found = sorted(p for p in (ROOT / "notebooks").iterdir() if CHAPTER.match(p.name))
    if only:
        wanted = {c.zfill(2) for c in only}
        unknown = wanted - {p.name[:2] for p in found}
        if unknown:
            raise SystemExit(f"no chapter {', '.join(sorted(unknown))} in notebooks/")
        found = [p for p in found if p.name[:2] in wanted]
    return found


def run_notebook(path: Path, backend: str, cell_timeout: int) -> tuple[float, bool]:
    """Run one notebook through nbval in default mode; ``(seconds, passed)``."""
    env = dict(os.environ, KERAS_BACKEND=backend, GENAI_KERAS_FAST="0")
    command = [sys.executable, "-m", "pytest", str(path.relative_to(ROOT)), "-q",
               f"--nbval-cell-timeout={cell_timeout}"]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=env)
    return time.perf_counter() - start, proc.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["jax", "torch"],
                        choices=["jax", "torch", "tensorflow"])
    parser.add_argument("--only", nargs="+", metavar="NN", help="chapters to run, e.g. --only 02 03")
    parser.add_argument("--cell-timeout", type=int, default=1200, help="seconds per cell")
    args = parser.parse_args(argv)

    notebooks = chapters(args.only)
    result = {"machine": machine(),
              "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "mode": "default", "runs": {}}
    for backend in args.backends:
        for path in notebooks:
            print(f"== {backend} {path.name}", flush=True)
            seconds, passed = run_notebook(path, backend, args.cell_timeout)
            result["runs"][f"{backend}/{path.name[:2]}"] = {
                "seconds": round(seconds, 1), "passed": passed, "notebook": path.name}
            print(f"   {'passed' if passed else 'FAILED'} in {seconds:.1f} s", flush=True)
            write_result("gpu", result, echo=False)
    failed = [key for key, run in result["runs"].items() if not run["passed"]]
    print(f"{len(result['runs']) - len(failed)} of {len(result['runs'])} chapter runs passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
