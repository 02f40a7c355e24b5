"""Where benchmark results go: ``benchmarks/results/<name>.json``, written atomically.

A results file with a ``runs`` object is merged, not replaced: a benchmark run updates the
runs it measured and keeps the others (:func:`genai_keras.files.merge_runs`); every write
goes to a temporary file renamed into place, so an interrupted run never leaves half a
file. Every benchmark writes its JSON through :func:`write_result` or :func:`write_json_to`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genai_keras.files import merge_runs, write_atomic, write_json

RESULTS = Path(__file__).resolve().parent / "results"


def write_json_to(out: str | Path, data: dict, **dumps: Any) -> Path:
    """Write ``data`` to ``out`` atomically; a ``runs`` object is merged with the file's."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data.get("runs"), dict):
        merge_runs(out, data)
    else:
        write_json(out, data, **dumps)
    return out


def write_result(name: str, data: dict, echo: bool = True) -> Path:
    """Write ``data`` as indented JSON to ``benchmarks/results/<name>.json`` (atomically;
    ``runs`` merged); print it if ``echo``."""
    out = write_json_to(RESULTS / f"{name}.json", data)
    if echo:
        print(json.dumps(data, indent=2))
    print(f"wrote {out}")
    return out


__all__ = ["RESULTS", "write_atomic", "write_json_to", "write_result"]
