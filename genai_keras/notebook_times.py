"""Wall times of an executed notebook, from the time stamps Jupyter stores in each cell.

Used by ``scripts/cell_times.py`` (long and quiet cells), ``scripts/sync_notebook_headers.py``
(each notebook's run-time line) and re-exported by :mod:`genai_keras.notebook_runner`.
"""

from __future__ import annotations

import datetime
import re


def _stamp(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def cell_seconds(nb: dict) -> list[tuple[int, float, int]]:
    """``(cell index, seconds, lines printed)`` for each timed code cell of an executed
    notebook (a dict as read by ``json``), from the start/end stamps Jupyter stores in
    each cell's ``metadata.execution``; lines count stream output split at newlines and
    carriage returns (a progress bar's updates count)."""
    rows = []
    for i, cell in enumerate(nb.get("cells", [])):
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.get("cell_type") != "code" or "iopub.execute_input" not in timing:
            continue
        end = timing.get("shell.execute_reply") or timing.get("iopub.status.idle")
        if end is None:
            continue
        seconds = (_stamp(end) - _stamp(timing["iopub.execute_input"])).total_seconds()
        text = "".join(
            "".join(o.get("text", ""))
            for o in cell.get("outputs", [])
            if o.get("output_type") == "stream"
        )
        lines = sum(1 for line in re.split(r"[\r\n]", text) if line.strip())
        rows.append((i, seconds, lines))
    return rows


def notebook_seconds(nb: dict) -> float | None:
    """Wall time of an executed notebook: first cell's start to last cell's end (None if
    it holds no timing)."""
    stamps = []
    for cell in nb.get("cells", []):
        timing = cell.get("metadata", {}).get("execution", {})
        stamps += [_stamp(v) for k, v in timing.items() if k.startswith(("iopub.", "shell."))]
    return (max(stamps) - min(stamps)).total_seconds() if stamps else None
