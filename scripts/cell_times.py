"""Per-cell wall times of executed notebooks, from the timestamps Jupyter records.

    python scripts/cell_times.py notebooks/*.ipynb            # total per notebook
    python scripts/cell_times.py --over 30 notebooks/*.ipynb  # and every cell over 30 s

A cell over ``--over`` seconds is flagged ``QUIET`` when it printed fewer lines than one
per ``--over`` seconds (a learner would take it for a hung kernel). Exit status 1 if any
cell is flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from genai_keras.notebook_runner import cell_seconds, notebook_seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--over", type=float, default=None, help="list the cells longer than this")
    args = ap.parse_args(argv)
    quiet = 0
    for path in args.notebooks:
        nb = json.loads(path.read_text())
        total = notebook_seconds(nb)
        print(f"{path.name}: {'not run' if total is None else f'{total:.0f} s'}")
        if args.over is None:
            continue
        for i, seconds, lines in cell_seconds(nb):
            if seconds > args.over:
                flag = "  QUIET" if lines < seconds // args.over else ""
                quiet += bool(flag)
                print(f"  cell {i:3d}: {seconds:6.1f} s, {lines:3d} lines printed{flag}")
    return 1 if quiet else 0


if __name__ == "__main__":
    sys.exit(main())
