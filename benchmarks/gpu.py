"""Every chapter in default mode through nbval on one GPU, per backend, timed per cell.

    python benchmarks/gpu.py [--backends jax torch] [--only 02 03] [--cell-timeout 1200]
                             [--allow-cpu] [--out benchmarks/results/gpu.json]
    python benchmarks/gpu.py --install [--wheelhouse DIR] [--target DIR]
    python benchmarks/gpu.py --check-wheelhouse DIR

Called by ``.ci/gpu``, which first runs ``--install`` (from the package index, or with
``--wheelhouse DIR`` from a folder of wheels made by ``scripts/make_wheelhouse.py``, with
no index) and then the benchmark. The install never installs or upgrades jax, jaxlib,
torch, tensorflow or nvidia-* (GPU images carry CUDA builds of JAX and PyTorch); it stops
if one of them would change.

For each backend and each chapter notebook, one at a time, the benchmark runs
``pytest notebooks/NN_x.ipynb --junitxml=...`` (nbval in lax mode with the repository's
conftest.py and sanitizer, as in CI) with ``KERAS_BACKEND=<backend>`` and
``GENAI_KERAS_FAST=0``, and records the wall time, whether it passed and each cell's
seconds (nbval makes one test per code cell; its time includes setup, so the first cell
holds the kernel start). After each chapter it writes ``benchmarks/results/gpu.json``::

    {"machine": {"gpus": [...], "platform": ..., "versions": {...}},
     "date_utc": "...", "mode": "default",
     "gpu": {"used": true, "allow_cpu": false, "backends": {"jax": {"gpu": true, ...}}},
     "runs": {"jax/02": {"seconds": 81.4, "passed": true, "notebook": "02_x.ipynb",
                         "device": "gpu", "cells": [{"cell": 0, "seconds": 3.1,
                         "outcome": "passed", "source": "import ..."}, ...],
                         "slowest": [...the 5 slowest cells...]}, ...}}

Without a GPU (``nvidia-smi`` missing or listing none, or a chosen backend that sees no
GPU) it stops with exit status 2 instead of timing a CPU; ``--allow-cpu`` runs anyway
(smoke tests) and the JSON records ``"gpu": {"used": false, ...}``. The exit status is 1
if any chapter failed. The committed notebook outputs come from a CPU TensorFlow run, so
nbval compares only the ``# NBVAL_CHECK_OUTPUT`` cells, which hold backend- and
device-independent facts; every other cell must just run.

Only the standard library is imported at the top, so ``--install`` and
``--check-wheelhouse`` work before anything is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "gpu.json"
#: Where a run without a GPU (``--allow-cpu``) writes unless ``--out`` is given.
SMOKE_OUT = ROOT / "runs" / "gpu-smoke.json"

CHAPTER = re.compile(r"^(\d\d)_.+\.ipynb$")
PACKAGES = ("keras", "jax", "jaxlib", "torch", "tensorflow", "numpy", "nbval")

SLOWEST = 5


def _sibling(name: str):
    """``benchmarks/<name>.py`` loaded by path (this script also runs as a file loaded by
    path, with no ``benchmarks/`` on ``sys.path``)."""
    spec = importlib.util.spec_from_file_location(
        f"_gpu_{name}", Path(__file__).with_name(f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_wheelhouse = _sibling("_wheelhouse")
# The wheelhouse check and the runner's requirements (benchmarks/_wheelhouse.py).
PACKAGE = _wheelhouse.PACKAGE
PROTECTED = _wheelhouse.PROTECTED
PROTECTED_PREFIXES = _wheelhouse.PROTECTED_PREFIXES
REQUIREMENTS = _wheelhouse.REQUIREMENTS
WheelhouseError = _wheelhouse.WheelhouseError
canonical = _wheelhouse.canonical
check_wheelhouse = _wheelhouse.check_wheelhouse
is_protected = _wheelhouse.is_protected


# ---------------------------------------------------------------------------------------
# Installing the runner's requirements.


def _protected_versions(target: str | None = None) -> dict[str, str]:
    """Installed protected distributions (jax, torch, nvidia-*, ...) and their versions."""
    paths = ([target] if target else []) + sys.path
    found = {}
    for dist in importlib.metadata.distributions(path=paths):
        name = canonical(dist.metadata["Name"] or "")
        if name and is_protected(name) and name not in found:
            found[name] = dist.version
    return found


def _warn_if_stale(folder: Path) -> None:
    """Warn when the wheelhouse's genai_keras wheel was built from another commit."""
    try:
        built = json.loads((folder / "wheelhouse.json").read_text())
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, ValueError, subprocess.CalledProcessError):
        return
    if built.get("commit") and built["commit"] != head:
        print(
            f"warning: the wheelhouse's genai_keras wheel was built from commit "
            f"{built['commit'][:10]}, this checkout is {head[:10]}: the notebooks run the "
            f"wheel's code (rebuild with scripts/make_wheelhouse.py)",
            flush=True,
        )
    elif built.get("dirty"):
        print(
            "warning: the wheelhouse's genai_keras wheel was built from a checkout with "
            "uncommitted changes",
            flush=True,
        )


def install(
    wheelhouse: str | None = None,
    target: str | None = None,
    python: str = sys.executable,
    dry_run: bool = False,
) -> list[str]:
    """Install the runner's requirements and genai_keras, leaving jax/torch/tensorflow alone.

    Args:
        wheelhouse: a folder of wheels (``scripts/make_wheelhouse.py``): checked first, then
            installed with ``--no-index --find-links`` (no network). None: the package index,
            and genai_keras editable from this checkout.
        target: install into this folder (``pip install --target``; put it first on
            ``PYTHONPATH`` to use it) instead of the environment, for read-only
            site-packages. Everything but the protected packages lands there.
        python: the interpreter whose environment gets the packages.
        dry_run: return the pip command without running it.

    Returns:
        The pip command that was run.

    Raises:
        WheelhouseError: see :func:`check_wheelhouse`.
        SystemExit: pip failed, or a protected distribution changed.
    """
    before = _protected_versions(target)
    pins = [f"{name}=={ver}" for name, ver in sorted(before.items())]
    command = [python, "-m", "pip", "install", "--quiet"]
    if target:
        command += ["--target", str(Path(target).resolve()), "--upgrade"]
    if wheelhouse:
        check_wheelhouse(wheelhouse)
        _warn_if_stale(Path(wheelhouse))
        command += [
            "--no-index",
            "--find-links",
            str(Path(wheelhouse).resolve()),
            *REQUIREMENTS,
            PACKAGE,
        ]
    else:
        command += [*REQUIREMENTS, str(ROOT) if target else f"--editable={ROOT}"]
    if dry_run:
        return command
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "protected.txt"
        _files().write_atomic(constraints, "".join(pin + "\n" for pin in pins))
        print("+", " ".join(command), flush=True)
        proc = subprocess.run([*command, "--constraint", str(constraints)])
    if proc.returncode != 0:
        raise SystemExit(f"pip install failed (exit {proc.returncode}); see its message above")
    after = _protected_versions(target)
    changed = {n: (before.get(n), v) for n, v in after.items() if before.get(n) != v}
    if changed:
        raise SystemExit(
            "the install changed protected packages (the machine's CUDA builds): "
            + ", ".join(f"{n} {a} -> {b}" for n, (a, b) in changed.items())
        )
    return command


# ---------------------------------------------------------------------------------------
# The machine, its GPUs and what each backend sees.


def gpu_names() -> list[str]:
    """Name, memory and driver of each GPU as ``nvidia-smi`` reports them ([] without it)."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        proc = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:  # e.g. "No devices were found" (exit 6)
        return []
    return [line.strip() for line in proc.stdout.splitlines() if line.strip()]


_PROBES = {
    "jax": "import jax; d = jax.devices(); print(json.dumps({'gpu': any(x.platform in "
    "('gpu', 'cuda', 'rocm') for x in d), 'devices': [str(x) for x in d]}))",
    "torch": "import torch; g = torch.cuda.is_available(); print(json.dumps({'gpu': g, "
    "'devices': [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]"
    " if g else ['cpu']}))",
    "tensorflow": "import tensorflow as tf; d = tf.config.list_physical_devices(); "
    "print(json.dumps({'gpu': any(x.device_type == 'GPU' for x in d), "
    "'devices': [x.name for x in d]}))",
}


def backend_devices(backend: str) -> dict:
    """``{"gpu": bool, "devices": [...]}`` as ``backend`` sees them (in a fresh process)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import json; " + _PROBES[backend]],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"gpu": False, "devices": [], "error": tail}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def gpu_check(backends: list[str], allow_cpu: bool) -> dict:
    """What GPU each backend would use; stops (exit 2) without one unless ``allow_cpu``.

    Returns:
        ``{"used": bool, "allow_cpu": bool, "nvidia_smi": [...], "backends": {name: {...}}}``.
    """
    names = gpu_names()
    how = "pass --allow-cpu to run anyway (a smoke test: the timings are then CPU timings)"
    if not names and not allow_cpu:
        raise SystemExit(
            f"no GPU visible: nvidia-smi is "
            f"{'missing' if shutil.which('nvidia-smi') is None else 'listing no GPU'}; "
            f"this runner times notebooks on a GPU and will not time a CPU; {how}"
        )
    seen = {backend: backend_devices(backend) for backend in backends}
    blind = [b for b, s in seen.items() if not s["gpu"]]
    if blind and not allow_cpu:
        detail = "; ".join(
            f"{b} sees {', '.join(seen[b]['devices']) or 'nothing'}"
            + (f" ({seen[b]['error']})" if seen[b].get("error") else "")
            for b in blind
        )
        raise SystemExit(
            f"no GPU for {', '.join(blind)}: {detail}. Install its CUDA build, "
            f"or run only the others (--backends ...), or {how}"
        )
    return {
        "used": bool(names) and not blind,
        "allow_cpu": allow_cpu,
        "nvidia_smi": names,
        "backends": seen,
    }


def machine() -> dict:
    """What the timings were measured on: GPUs, CPU count, platform, package versions."""
    versions = {}
    for name in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return {
        "gpus": gpu_names(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


# ---------------------------------------------------------------------------------------
# Running the chapters.


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


def _code_cell_first_lines(notebook: Path) -> list[str]:
    """The first code line of each code cell (nbval's "Cell N" is the N-th code cell)."""
    try:
        cells = json.loads(notebook.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return []
    lines = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            stripped = [line.strip() for line in source.splitlines() if line.strip()]
            code = [
                line for line in stripped if not line.startswith("#")
            ]  # not "# NBVAL_CHECK_OUTPUT"
            lines.append((code or stripped or [""])[0][:80])
    return lines


def parse_junit(xml_path: str | Path, notebook: Path | None = None) -> list[dict]:
    """Per-cell seconds from the JUnit XML of one nbval run.

    Args:
        xml_path: the file ``pytest --junitxml`` wrote (one testcase per code cell, named
            ``Cell N``; its time includes setup and teardown).
        notebook: the notebook, to add each cell's first source line (optional).

    Returns:
        ``[{"cell": N, "seconds": s, "outcome": "passed"|"failed"|"error"|"skipped",
        "source": first line}]`` in cell order; [] when the file is missing or unreadable.
    """
    try:
        tree = ET.parse(xml_path)
    except (OSError, ET.ParseError):
        return []
    lines = _code_cell_first_lines(notebook) if notebook else []
    cells = []
    for case in tree.iter("testcase"):
        name = case.get("name", "")
        match = re.fullmatch(r"Cell (\d+)", name)
        outcome = "passed"
        for tag in ("failure", "error", "skipped"):
            if case.find(tag) is not None:
                outcome = "failed" if tag == "failure" else tag
                break
        entry = {
            "cell": int(match.group(1)) if match else name,
            "seconds": round(float(case.get("time") or 0.0), 3),
            "outcome": outcome,
        }
        if match and int(match.group(1)) < len(lines):
            entry["source"] = lines[int(match.group(1))]
        cells.append(entry)
    return sorted(
        cells,
        key=lambda c: (
            not isinstance(c["cell"], int),
            c["cell"] if isinstance(c["cell"], int) else 0,
        ),
    )


def slowest(cells: list[dict], n: int = SLOWEST) -> list[dict]:
    """The ``n`` slowest cells, slowest first."""
    return sorted(cells, key=lambda c: -c["seconds"])[:n]


def run_notebook(path: Path, backend: str, cell_timeout: int) -> tuple[float, bool, list[dict]]:
    """Run one notebook through nbval in default mode; ``(seconds, passed, cells)``."""
    env = dict(os.environ, KERAS_BACKEND=backend, GENAI_KERAS_FAST="0")
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "cells.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(path.relative_to(ROOT)),
            "-q",
            f"--nbval-cell-timeout={cell_timeout}",
            f"--junitxml={junit}",
        ]
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, env=env)
        seconds = time.perf_counter() - start
        cells = parse_junit(junit, path)
    return seconds, proc.returncode == 0, cells


def _files():
    """This checkout's ``genai_keras/files.py`` (atomic writes, merged results), loaded by
    path: it imports only the standard library, so it works before anything is installed
    and does not import Keras (or a backend) into the runner's process."""
    spec = importlib.util.spec_from_file_location("_gk_files", ROOT / "genai_keras" / "files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _keep_gpu_result(key: str, old: dict, new: dict) -> bool:
    """A run on a CPU (a smoke run) never replaces a run of the same chapter on a GPU."""
    keep = isinstance(old, dict) and old.get("device") == "gpu" and new.get("device") != "gpu"
    if keep:
        print(f"kept the GPU result of {key} (this run used a CPU)", flush=True)
    return keep


def write_json(result: dict, out: Path) -> dict:
    """Merge the results so far into ``out`` (after each chapter: a killed run keeps what
    it measured), atomically and under a lock.

    The runs of this invocation replace those of the same backend and chapter; the others
    are kept (an ``--only 02`` re-run keeps every other chapter). A run on a CPU never
    replaces a GPU run, and a run without a GPU keeps the file's ``machine``, ``gpu`` and
    ``date_utc`` when they describe a GPU run.
    """
    files = _files()

    def merge(old: dict) -> dict:
        merged = dict(old)
        if not (result["gpu"].get("used") is False and (old.get("gpu") or {}).get("used")):
            merged.update({k: v for k, v in result.items() if k != "runs"})
        runs = dict(old.get("runs") or {}) if isinstance(old.get("runs"), dict) else {}
        for key, run in result["runs"].items():
            if not (key in runs and _keep_gpu_result(key, runs[key], run)):
                runs[key] = run
        merged["runs"] = runs
        return merged

    merged = files.update_json(out, merge)
    print(f"wrote {out}", flush=True)
    return merged


def _positive_seconds(text: str) -> int:
    """``--cell-timeout``: a whole number of seconds >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of seconds >= 1 (e.g. 1200), got {text!r}"
        )
    return value


def check_out(out: Path) -> Path:
    """The results file must be a file path whose folder can be made and written.

    Raises:
        ValueError: ``out`` is a folder, under a file, or in a folder that cannot be written.
    """
    out = Path(out)
    if out.is_dir():
        raise ValueError(
            f"--out {out} is a folder; pass the results file, e.g. --out {out / 'gpu.json'}"
        )
    blocker = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise ValueError(f"--out {out} is under {blocker}, which is a file; pass another path")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out.parent, prefix=".write-test.")
        os.close(handle)
        os.unlink(probe)
    except OSError as err:
        raise ValueError(
            f"--out {out}: its folder cannot be written ({err.strerror or err}); "
            f"pass a path you can write to"
        ) from None
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backends", nargs="+", default=["jax", "torch"], choices=["jax", "torch", "tensorflow"]
    )
    parser.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NN",
        help="chapters to run, e.g. --only 02 03 (repeat the flag to add more)",
    )
    parser.add_argument(
        "--cell-timeout",
        type=_positive_seconds,
        default=1200,
        help="seconds per cell (a whole number >= 1; default 1200)",
    )
    parser.add_argument(
        "--allow-cpu",
        action="store_true",
        help="run even without a GPU (smoke test): results go to runs/gpu-smoke.json unless "
        "--out is given, and never replace a GPU result",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the results file (default: benchmarks/results/gpu.json; runs of other "
        "chapters and backends in it are kept)",
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="install the requirements (see --wheelhouse, --target) and exit",
    )
    parser.add_argument(
        "--wheelhouse", metavar="DIR", help="with --install: from this folder of wheels, no index"
    )
    parser.add_argument(
        "--target", metavar="DIR", help="with --install: into this folder (then on PYTHONPATH)"
    )
    parser.add_argument(
        "--check-wheelhouse",
        metavar="DIR",
        help="check that DIR holds every wheel the runner needs, and exit",
    )
    parser.add_argument(
        "--check-args",
        action="store_true",
        help="only check the other arguments (chapters, --out, ...) and exit: .ci/gpu does "
        "this before installing anything",
    )
    args = parser.parse_args(argv)
    for flag in ("wheelhouse", "target", "check_wheelhouse"):
        value = getattr(args, flag)
        if value is not None and not value.strip():
            parser.error(f"--{flag.replace('_', '-')} needs a folder, got an empty value")

    try:
        if args.check_wheelhouse:
            used = check_wheelhouse(args.check_wheelhouse)
            print(f"wheelhouse {args.check_wheelhouse}: complete ({len(used)} wheels used)")
            return 0
        if args.install:
            install(args.wheelhouse, args.target)
            return 0
    except WheelhouseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.wheelhouse or args.target:
        parser.error("--wheelhouse and --target go with --install")
    try:
        notebooks = chapters(args.only)
        out = check_out(args.out if args.out is not None else DEFAULT_OUT)
    except (SystemExit, ValueError) as err:
        parser.error(str(err))
    if args.check_args:
        return 0

    try:
        gpu = gpu_check(args.backends, args.allow_cpu)
    except SystemExit as stop:
        print(f"error: {stop}", file=sys.stderr)
        return 2
    if not gpu["used"]:
        print("WARNING: no GPU in use (--allow-cpu): these are not GPU timings", flush=True)
        if args.out is None:  # a smoke run: never into the GPU results
            out = SMOKE_OUT
            print(f"smoke run: results go to {out}, not {DEFAULT_OUT}", flush=True)
    result = {
        "machine": machine(),
        "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": "default",
        "gpu": gpu,
        "runs": {},
    }
    for backend in args.backends:
        device = "gpu" if gpu["backends"][backend]["gpu"] else "cpu"
        for path in notebooks:
            print(f"== {backend} {path.name} ({device})", flush=True)
            seconds, passed, cells = run_notebook(path, backend, args.cell_timeout)
            result["runs"][f"{backend}/{path.name[:2]}"] = {
                "seconds": round(seconds, 1),
                "passed": passed,
                "notebook": path.name,
                "device": device,
                "date_utc": result["date_utc"],
                "cells": cells,
                "slowest": slowest(cells),
            }
            top = ", ".join(f"cell {c['cell']} {c['seconds']:.1f} s" for c in slowest(cells, 3))
            print(
                f"   {'passed' if passed else 'FAILED'} in {seconds:.1f} s"
                + (f"; slowest: {top}" if top else ""),
                flush=True,
            )
            write_json(result, out)
    failed = [key for key, run in result["runs"].items() if not run["passed"]]
    print(
        f"{len(result['runs']) - len(failed)} of {len(result['runs'])} chapter runs passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
