"""Wall time of the course in fast mode, per chapter and backend (the course runner's table).

    python benchmarks/course.py [--backends tensorflow jax torch] [--solutions]

Each backend runs in its own process: ``python -m genai_keras run-notebooks --fast`` into a
temporary folder (the notebooks themselves are not touched). Writes
``benchmarks/results/course.json``: ``runs["fast_<backend>"] = {"seconds": {notebook:
seconds}, "total_seconds", "status"}``; other backends' previous runs are kept. JAX starts
with an empty compilation cache (a first run; ``genai_keras._jax_cache``).
``scripts/sync_notebook_headers.py`` quotes the TensorFlow run's times at the top of each
chapter. Run one heavy job at a time: on 2 cores, parallel runs distort every time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import write_json_to

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "course.json"
_ROW = re.compile(r"running (\S+\.ipynb) .*?\n\s+(ok|failed) in ([\d.]+)s", re.S)


def run_backend(backend: str, keep: Path | None = None, solutions: bool = False) -> dict:
    """Run the fast course on ``backend``; per-notebook seconds from the runner's lines.
    ``keep``: write the executed notebooks to ``keep/<backend>`` instead of a temporary
    folder (to read their outputs, e.g. warnings). ``solutions``: run the worked solutions
    (``solutions/``) instead of the chapters."""
    with tempfile.TemporaryDirectory(prefix="genai_keras_course_") as tmp:
        # A new user's first run: JAX's compilation cache starts empty (the chapters then
        # share it, as they do on a user's machine; a second run would be faster).
        env = dict(
            os.environ, KERAS_BACKEND=backend, GENAI_KERAS_JAX_CACHE=str(Path(tmp) / "jax_cache")
        )
        env.pop("JAX_COMPILATION_CACHE_DIR", None)
        name = f"{backend}_solutions" if solutions else backend
        out = str(keep / name) if keep else str(Path(tmp) / "notebooks")
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "genai_keras",
                "run-notebooks",
                "--fast",
                "--no-progress",
                "--out",
                out,
                *(["--solutions"] if solutions else []),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        total = time.perf_counter() - start
    rows = _ROW.findall(proc.stdout)
    if not rows:
        raise RuntimeError(
            f"the runner printed no chapter on {backend}:\n{proc.stdout}\n{proc.stderr}"
        )
    result = {
        "seconds": {name: round(float(s), 1) for name, _, s in rows},
        "status": {name: status for name, status, _ in rows},
        "total_seconds": round(total, 1),
        "returncode": proc.returncode,
    }
    print(json.dumps({"backend": backend, **result}), flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep the executed notebooks in KEEP/<backend> (outside the repository)",
    )
    ap.add_argument(
        "--solutions",
        action="store_true",
        help="also run the worked solutions (runs['fast_<backend>_solutions'])",
    )
    args = ap.parse_args()
    previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
    runs = dict(previous.get("runs", {}))
    for backend in args.backends:
        runs[f"fast_{backend}"] = run_backend(backend, args.keep)
        if args.solutions:
            runs[f"fast_{backend}_solutions"] = run_backend(backend, args.keep, solutions=True)
    record = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "date_utc": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
        "command": "python benchmarks/course.py",
        "runs": runs,
    }
    write_json_to(args.out, record)  # atomic; runs merged with the file's
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
