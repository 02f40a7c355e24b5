"""Where benchmark results go: ``benchmarks/results/<name>.json``."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write_result(name: str, data: dict, echo: bool = True) -> Path:
    """Write ``data`` as indented JSON to ``benchmarks/results/<name>.json``; print it if
    ``echo``."""
    out = RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    if echo:
        print(json.dumps(data, indent=2))
    print(f"wrote {out}")
    return out
