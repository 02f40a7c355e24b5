"""Download a folder of wheels for running the GPU runner offline (``.ci/gpu --wheelhouse``).

    python scripts/make_wheelhouse.py                      # Python 3.12, manylinux x86_64
    python scripts/make_wheelhouse.py --dest /tmp/wh --python-version 3.11
    python scripts/make_wheelhouse.py --local --cpu-backend jax   # this machine, CPU smoke test

Run it on a machine with network (or with pip's local indexes), copy the folder to the GPU
machine and run ``bash .ci/gpu --wheelhouse wheelhouse`` there: it installs with
``pip install --no-index --find-links wheelhouse`` and never touches the network.

The folder holds what the notebooks and the runner need and nothing else: the
requirements in ``benchmarks/gpu.py`` (keras, numpy, scipy, matplotlib, h5py, ipykernel,
nbval, pytest), their dependencies (``pip download --only-binary=:all:`` for the target
``--python-version`` and ``--platform``), and the genai_keras wheel built from this
checkout (``pip wheel --no-deps``). No jax, jaxlib, torch, tensorflow or nvidia-* wheels:
the GPU machine's CUDA builds stay as they are, and the script stops if one was pulled in.
``--cpu-backend jax`` (or torch) adds that backend's CPU build for a smoke test on a
machine without a GPU; ``.ci/gpu`` never installs it. ``wheelhouse.json`` in the folder
records the target, the commit and the size. The default folder, ``wheelhouse/``, is
git-ignored.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64")


def _runner():
    """benchmarks/gpu.py as a module: the requirement list and the wheelhouse check."""
    spec = importlib.util.spec_from_file_location("_gpu_runner", ROOT / "benchmarks" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def folder_bytes(folder: Path) -> int:
    """Total size of the files in ``folder`` (not recursive), in bytes."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _files_helper():
    """This checkout's ``genai_keras/files.py`` (the atomic writes), loaded by path: it
    imports only the standard library, and this script runs where genai_keras is not
    installed."""
    spec = importlib.util.spec_from_file_location("_gk_files", ROOT / "genai_keras" / "files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_package_wheel(dest: Path) -> Path:
    """Build genai_keras's wheel from the checkout's files (tracked and new, not ignored)."""
    for old in dest.glob("genai_keras-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        files = _git("ls-files", "--cached", "--others", "--exclude-standard").splitlines()
        if files:  # a clone: copy only its files (no stale build/ or egg-info)
            for name in files:
                if (ROOT / name).is_file():
                    (src / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / name, src / name)
        else:
            src = ROOT
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "-w",
                str(dest),
                str(src),
            ],
            check=True,
        )
    return next(dest.glob("genai_keras-*.whl"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dest",
        type=Path,
        default=ROOT / "wheelhouse",
        help="the folder (default: wheelhouse/ in the repository, git-ignored)",
    )
    parser.add_argument("--python-version", default="3.12", help="the GPU machine's Python")
    parser.add_argument(
        "--platform",
        action="append",
        dest="platforms",
        metavar="TAG",
        help=f"wheel platform tags (repeatable; default {' '.join(DEFAULT_PLATFORMS)})",
    )
    parser.add_argument(
        "--local", action="store_true", help="for this machine's Python and platform instead"
    )
    parser.add_argument(
        "--cpu-backend",
        action="append",
        default=[],
        choices=["jax", "torch"],
        help="also the backend's CPU build, for a smoke test without a GPU",
    )
    parser.add_argument("--clean", action="store_true", help="delete the folder's wheels first")
    args = parser.parse_args(argv)
    runner = _runner()

    dest = args.dest.resolve()
    dest.mkdir(parents=True, exist_ok=True)
    if args.clean:
        for old in dest.glob("*.whl"):
            old.unlink()
    requirements = list(runner.REQUIREMENTS) + args.cpu_backend
    command = [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "-d", str(dest)]
    if args.local:
        target = {
            "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
            "platforms": "this machine's",
        }
    else:
        platforms = args.platforms or list(DEFAULT_PLATFORMS)
        command += ["--python-version", args.python_version, "--implementation", "cp"]
        for tag in platforms:
            command += ["--platform", tag]
        target = {"python_version": args.python_version, "platforms": platforms}
    print("+", " ".join(command + requirements), flush=True)
    subprocess.run(command + requirements, check=True)

    allowed = {"jax": {"jax", "jaxlib"}, "torch": {"torch"}}
    allowed = set().union(*(allowed[b] for b in args.cpu_backend)) if args.cpu_backend else set()
    protected = sorted(
        p.name
        for p in dest.glob("*.whl")
        if runner.is_protected(p.name.split("-")[0])
        and runner.canonical(p.name.split("-")[0]) not in allowed
    )
    if protected:
        raise SystemExit(
            f"{dest} holds backend wheels the GPU machine must not get: "
            f"{', '.join(protected)}; rerun with --clean (they may be left from "
            f"an earlier --cpu-backend run)"
        )

    package = build_package_wheel(dest)
    print(f"built {package.name}")
    wheels = sorted(p.name for p in dest.glob("*.whl"))
    size = folder_bytes(dest)
    info = {
        **target,
        "requirements": requirements,
        "cpu_backends": args.cpu_backend,
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(_git("status", "--porcelain")),
        "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wheels": len(wheels),
        "bytes": size,
    }
    _files_helper().write_json(dest / "wheelhouse.json", info)
    if info["dirty"]:
        print("warning: the checkout has uncommitted changes: the genai_keras wheel holds them")
    if args.local:  # the same check .ci/gpu runs before installing
        runner.check_wheelhouse(dest)
        print("checked: every requirement of the runner has a wheel for this Python")
    print(f"{dest}: {len(wheels)} wheels, {size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
