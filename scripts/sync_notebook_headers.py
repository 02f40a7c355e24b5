"""Give every chapter and solutions notebook an "Open in Colab" badge and an install cell.

    python scripts/sync_notebook_headers.py           # update notebooks/*.ipynb in place
    python scripts/sync_notebook_headers.py --check   # exit 1 and list the notebooks out of sync
    python scripts/sync_notebook_headers.py NB.ipynb  # only these notebooks

The project's address is read from ``[project.urls] Source`` in pyproject.toml (the only
place it is written). For each notebook:

* cell 0 is a markdown cell whose first line is the badge, linking to the notebook on
  Colab (``https://colab.research.google.com/github/<owner>/<repo>/blob/main/notebooks/<file>``),
  followed by the notebook's title and introduction as they were;
* below the title, a run-time line: the default run's wall time, read from the saved
  notebook's own cell timestamps, and the fast mode's, read from
  ``benchmarks/results/course.json`` (``benchmarks/course.py``); with how to switch;
* cell 1 is the install cell (found by its first line, :data:`MARKER`): it runs
  ``pip install git+<Source>`` only when ``genai_keras`` cannot be imported, as on a fresh
  Colab runtime, and pins nothing (Colab already has Keras, TensorFlow and NumPy).

Running it twice changes nothing: an existing badge line is replaced, an existing install
cell is moved or rewritten, never duplicated, and an up-to-date one keeps its outputs.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import tomllib
import uuid
from pathlib import Path

import nbformat

from genai_keras.files import write_atomic
from genai_keras.notebook_runner import notebook_seconds

ROOT = Path(__file__).resolve().parents[1]
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
MARKER = "# genai_keras install cell"
_BADGE = re.compile(r"^\[!\[Open In Colab\]\(" + re.escape(BADGE_IMAGE) + r"\)\]\([^)]*\)\s*$")
RUN_TIME = "*Run time:"
COURSE_TIMES = ROOT / "benchmarks" / "results" / "course.json"
_GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


def source_url(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The ``Source`` entry of ``[project.urls]`` in ``pyproject``.

    Raises:
        ValueError: the table or the entry is missing, or it is not a GitHub address.
    """
    with open(pyproject, "rb") as f:
        urls = tomllib.load(f).get("project", {}).get("urls", {})
    url = urls.get("Source")
    if not url:
        raise ValueError(
            f"{pyproject} has no [project.urls] Source entry; add "
            f'Source = "https://github.com/<owner>/<repo>".'
        )
    github_repo(url)
    return url


def github_repo(url: str) -> tuple[str, str]:
    """``(owner, repo)`` of a ``https://github.com/<owner>/<repo>`` address."""
    match = _GITHUB.match(url)
    if not match:
        raise ValueError(
            f"Source URL {url!r} is not https://github.com/<owner>/<repo>: Colab "
            f"opens notebooks from GitHub only."
        )
    return match.group(1), match.group(2)


def badge_line(url: str, filename: str, folder: str = "notebooks") -> str:
    """Markdown for the "Open in Colab" badge of ``<folder>/<filename>`` (``folder``:
    ``notebooks`` for the chapters, ``solutions`` for their worked solutions)."""
    owner, repo = github_repo(url)
    link = f"https://colab.research.google.com/github/{owner}/{repo}/blob/main/{folder}/{filename}"
    return f"[![Open In Colab]({BADGE_IMAGE})]({link})"


def install_source(url: str) -> str:
    """The install cell's code: pip-install ``git+<url>`` when genai_keras is missing."""
    return (
        f"{MARKER}: installs the course package where it is missing (e.g. on Colab).\n"
        "import importlib.util\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        'if importlib.util.find_spec("genai_keras") is None:\n'
        '    pip_install = [sys.executable, "-m", "pip", "install", "--quiet"]\n'
        f'    subprocess.check_call([*pip_install, "git+{url}"])\n'
        "    importlib.invalidate_caches()"
    )


def _is_install_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().startswith(MARKER)


def _with_badge(markdown: str, badge: str) -> str:
    lines = markdown.split("\n")
    if lines and _BADGE.match(lines[0]):
        lines = lines[1:]
        while lines and not lines[0].strip():
            lines = lines[1:]
    rest = "\n".join(lines)
    return f"{badge}\n\n{rest}" if rest else badge


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def fast_seconds(path: Path = COURSE_TIMES, folder: str = "notebooks") -> dict[str, float]:
    """Fast-mode seconds per notebook file name, from the TensorFlow run of
    ``benchmarks/course.py`` (``fast_tensorflow``; ``fast_tensorflow_solutions`` for the
    ``solutions`` folder); empty if it has not been run."""
    if not path.is_file():
        return {}
    import json

    key = "fast_tensorflow" if folder == "notebooks" else f"fast_tensorflow_{folder}"
    run = json.loads(path.read_text()).get("runs", {}).get(key, {})
    return {name: float(v) for name, v in run.get("seconds", {}).items()}


def run_time_line(nb, filename: str, fast: dict[str, float]) -> str | None:
    """The chapter's run-time sentence, or None when the notebook holds no timing."""
    seconds = notebook_seconds(nb)
    if seconds is None:
        return None
    line = (
        f"{RUN_TIME} about {_duration(seconds)} with the default settings on a 2-core "
        f"laptop CPU (the saved run below)"
    )
    if filename in fast:
        line += f"; about {_duration(fast[filename])} in fast mode"
    return (
        line + ": set `FAST = True` in the parameters cell (or the environment variable "
        "`GENAI_KERAS_FAST=1`) for a quick check whose results mean nothing.*"
    )


def _with_run_time(markdown: str, line: str | None) -> str:
    """``markdown`` with its run-time line (if any) replaced by ``line`` below the title."""
    lines = markdown.split("\n")
    for j, text in enumerate(lines):
        if text.startswith(RUN_TIME):
            del lines[j]
            if j > 0 and not lines[j - 1].strip():
                del lines[j - 1]
            break
    title = next((i for i, text in enumerate(lines) if text.startswith("# ")), None)
    if line is not None and title is not None:
        lines[title + 1 : title + 1] = ["", line]
    return "\n".join(lines)


def _new_cell(kind: str, source: str):
    cell = (
        nbformat.v4.new_markdown_cell(source)
        if kind == "markdown"
        else nbformat.v4.new_code_cell(source)
    )
    cell.id = uuid.uuid4().hex[:8]
    return cell


def synced(
    nb, filename: str, url: str, fast: dict[str, float] | None = None, folder: str = "notebooks"
):
    """A copy of notebook ``nb`` (nbformat 4) of ``<folder>/<filename>`` with the badge, the
    run-time line and the install cell in place."""
    nb = copy.deepcopy(nb)
    fast = fast_seconds(folder=folder) if fast is None else fast
    installs = [c for c in nb.cells if _is_install_cell(c)]
    cells = [c for c in nb.cells if not _is_install_cell(c)]
    badge = badge_line(url, filename, folder)
    if cells and cells[0].cell_type == "markdown":
        cells[0].source = _with_badge(
            _with_run_time(cells[0].source, run_time_line(nb, filename, fast)), badge
        )
    else:
        cells.insert(0, _new_cell("markdown", badge))
    code = install_source(url)
    install = installs[0] if installs else _new_cell("code", code)
    if install.source != code:  # a stale cell: new code, its old outputs dropped
        install.source, install.outputs, install.execution_count = code, [], None
    cells.insert(1, install)
    nb.cells = cells
    return nb


def sync_file(path: Path, url: str, check: bool = False) -> bool:
    """Bring one notebook in sync (or only compare, with ``check``); True if it was out of sync."""
    nb = nbformat.read(path, as_version=4)
    new = synced(nb, path.name, url, folder=notebook_folder(path))
    if new == nb:
        return False
    if not check:
        write_atomic(path, nbformat.writes(new) + "\n")  # as nbformat.write, but atomic
    return True


def notebook_folder(path: Path) -> str:
    """``"solutions"`` for a notebook in a ``solutions/`` folder, else ``"notebooks"``."""
    return "solutions" if path.resolve().parent.name == "solutions" else "notebooks"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="notebooks to sync (default: every notebooks/*.ipynb and solutions/*.ipynb)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 listing the notebooks out of sync",
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or [
        *sorted((ROOT / "notebooks").glob("*.ipynb")),
        *sorted((ROOT / "solutions").glob("*.ipynb")),
    ]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing or not paths:
        print(f"error: no such notebook: {', '.join(missing) or 'none found'}", file=sys.stderr)
        return 2
    url = source_url()
    changed = [p for p in paths if sync_file(p, url, check=args.check)]
    if args.check:
        for p in changed:
            print(f"out of sync: {p} (run python scripts/sync_notebook_headers.py)")
        return 1 if changed else 0
    for p in changed:
        print(f"updated {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
