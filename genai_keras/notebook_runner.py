"""The course runner: execute the chapter notebooks in order and report.

    python -m genai_keras run-notebooks [--fast] [--only 02 ...] [--out DIR]

Instructors use it to check a machine before a workshop: each chapter runs top to
bottom with nbclient in a fresh kernel, the executed notebook (and an HTML copy) is
written to DIR, and a table of chapter, status and wall time is printed. While a
chapter runs, one line per code cell says which cell started and when (seconds since
the chapter began; ``--no-progress`` turns this off). A failing chapter is reported with
its failing cell and the others still run; the exit status is non-zero if any failed.

Nothing is lost and nothing fails silently: ``--out`` may not be the notebook folder (or
inside it, which would overwrite the sources) nor an existing file; a notebook that cannot
be read (not JSON, not a notebook) is a failed row naming its path; each output file is
written to a temporary file beside it and renamed into place, so an interrupted run leaves
no half-written notebook; Ctrl-C prints the table of the chapters that finished, names the
interrupted one and exits with status 130. ``--timeout 0`` (or ``none``) means no limit.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_CHAPTER = re.compile(r"^(\d\d)_.+\.ipynb$")


@dataclass
class ChapterResult:
    """What happened to one notebook."""

    chapter: str
    path: Path
    status: str  # "ok", "failed" or "interrupted"
    seconds: float
    error: str = ""


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`run_notebooks`; ``results`` holds the finished chapters and,
    last, the interrupted one (status ``"interrupted"``)."""

    def __init__(self, results: list[ChapterResult]):
        super().__init__("run interrupted")
        self.results = results


def check_timeout(timeout: int | str | None) -> int | None:
    """Seconds allowed per cell as the runner uses them: None means no limit.

    Accepts an int >= 1, 0 or None or ``"none"`` (no limit), or the same as text (from the
    command line).

    Raises:
        ValueError: a negative number, a fraction or text that is not a number.
    """
    if timeout is None:
        return None
    if isinstance(timeout, str):
        text = timeout.strip().lower()
        if text == "none":
            return None
        try:
            timeout = int(text)
        except ValueError:
            raise ValueError(
                f"--timeout must be a whole number of seconds >= 0 (0 or 'none': no "
                f"limit), got {text!r}."
            ) from None
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 0:
        raise ValueError(
            f"--timeout must be a whole number of seconds >= 0 (0 or 'none': no "
            f"limit), got {timeout!r}."
        )
    return None if timeout == 0 else timeout


def check_out_dir(notebook_dir: Path, out_dir: Path) -> Path:
    """Refuse an output folder that would overwrite the notebooks or is a file.

    Raises:
        ValueError: ``out_dir`` is the notebook folder or inside it (paths resolved, so
            ``./notebooks/../notebooks`` and links count), or an existing file.
    """
    source, out = Path(notebook_dir).resolve(), Path(out_dir).resolve()
    if out == source or source in out.parents:
        raise ValueError(
            f"--out {out_dir} is {'the notebook folder' if out == source else 'inside the notebook folder'} "
            f"{source}: the executed copies would overwrite or mix with the course notebooks. "
            f"Pass another folder, e.g. --out runs."
        )
    if out.exists() and not out.is_dir():
        raise ValueError(
            f"--out {out_dir} is an existing file, not a folder; pass a folder "
            f"name, e.g. --out runs."
        )
    return out


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file in ``path``'s folder, then rename it onto ``path``
    (``os.replace``): readers see the old file or the whole new one, never half of it."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def default_notebook_dir() -> Path:
    """``./notebooks`` if it exists, else the ``notebooks/`` beside the installed package."""
    here = Path.cwd() / "notebooks"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[1] / "notebooks"


def find_chapters(notebook_dir: Path, only: list[str] | None = None) -> list[Path]:
    """The ``NN_*.ipynb`` notebooks of a folder in chapter order, optionally filtered.

    Raises:
        FileNotFoundError: the folder does not exist or holds no chapter notebooks.
        ValueError: ``only`` names a chapter that is not there.
    """
    if not notebook_dir.is_dir():
        raise FileNotFoundError(
            f"Notebook folder {notebook_dir} does not exist; run from the repository root "
            f"or pass --notebooks DIR."
        )
    chapters = sorted(p for p in notebook_dir.iterdir() if _CHAPTER.match(p.name))
    if not chapters:
        raise FileNotFoundError(f"No chapter notebooks (NN_name.ipynb) in {notebook_dir}.")
    if only:
        wanted = {str(o).zfill(2) for o in only}
        known = {p.name[:2] for p in chapters}
        unknown = sorted(wanted - known)
        if unknown:
            raise ValueError(
                f"No chapter {', '.join(unknown)} in {notebook_dir}; available: {', '.join(sorted(known))}."
            )
        chapters = [p for p in chapters if p.name[:2] in wanted]
    return chapters


def _first_error(nb) -> str:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                source = cell.get("source", "").strip().splitlines()
                first_line = source[0] if source else ""
                return (
                    f"cell {index} (execution {cell.get('execution_count')}): "
                    f"{output.get('ename')}: {output.get('evalue')} | {first_line[:60]}"
                )
    return ""


def _kernel_config():
    """Settings for the kernels the runner starts: encrypted local transport.

    ipykernel 7 logs "Kernel is running over TCP without encryption ..." to the runner's
    terminal for every kernel that listens on TCP without CurveZMQ keys. Recent
    jupyter_client versions (8.10 here) can hand the kernel such keys when its kernelspec
    says it accepts them (``transport_encryption="auto"``), which removes the cause of the
    warning rather than hiding it. Where jupyter_client lacks the option or pyzmq was
    built without CurveZMQ, the defaults are kept (and the kernel may still warn).
    """
    import zmq
    from jupyter_client import AsyncKernelManager
    from traitlets.config import Config

    if zmq.has("curve") and "transport_encryption" in AsyncKernelManager.class_trait_names():
        return Config({"KernelManager": {"transport_encryption": "auto"}})
    return Config()


class _Progress:
    """nbclient hook (``on_cell_execute``): one line as each code cell starts.

    The line names the chapter, the cell (k of n code cells), the seconds since the
    chapter started and the cell's first line of code.
    """

    def __init__(self, nb, chapter: str, echo: Callable[..., None]):
        self.code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        self.chapter, self.echo = chapter, echo
        self.start = time.perf_counter()

    def __call__(self, cell, cell_index: int, **_: object) -> None:
        lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
        code = [line for line in lines if not line.startswith("#")]
        first = (code or lines or [""])[0]
        number = self.code_cells.index(cell_index) + 1 if cell_index in self.code_cells else "?"
        elapsed = time.perf_counter() - self.start
        self.echo(
            f"  [{self.chapter}] cell {number}/{len(self.code_cells)} at {elapsed:6.1f}s: "
            f"{first[:70]}",
            flush=True,
        )


def run_chapter(
    path: Path,
    out_dir: Path,
    timeout: int | None = 1800,
    html: bool = True,
    progress: Callable[..., None] | None = None,
) -> ChapterResult:
    """Execute one notebook in a fresh kernel; write the executed copy (and HTML) to ``out_dir``.

    ``timeout``: seconds per cell (None: no limit). ``progress``: a ``print``-like function
    that gets one line per code cell as it starts (None: silent). A notebook that cannot be
    read or started gives a failed result naming its path and the reason (nothing written).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # not JSON, not a notebook, unreadable: one failed row
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return ChapterResult(
            path.name[:2],
            path,
            "failed",
            0.0,
            f"could not read {path}: {type(exc).__name__}: {reason[:200]} "
            f"(not a valid .ipynb notebook; restore it from the course)",
        )
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        config=_kernel_config(),
        resources={"metadata": {"path": str(path.parent)}},
    )
    if progress is not None:
        client.on_cell_execute = _Progress(nb, path.name[:2], progress)
    start = time.perf_counter()
    error = ""
    try:
        client.execute()
    except CellExecutionError:
        error = _first_error(nb) or "a cell raised an error"
    except CellTimeoutError as exc:
        error = f"a cell ran past the {timeout} s timeout ({str(exc).splitlines()[0]})"
    except DeadKernelError as exc:
        error = f"the kernel died ({exc}); out of memory?"
    except Exception as exc:  # e.g. no such kernel: report it, run the other chapters
        error = f"could not run {path}: {type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(out_dir / path.name, nbformat.writes(nb))
    if html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        _write_atomic(out_dir / path.with_suffix(".html").name, body)
    return ChapterResult(path.name[:2], path, "failed" if error else "ok", seconds, error)


def format_table(results: list[ChapterResult]) -> str:
    """A plain-text table: chapter, notebook, status, wall time, and the first error."""
    width = max(len(r.path.name) for r in results)
    lines = [
        f"{'chapter':<8} {'notebook':<{width}} {'status':<7} {'wall time':>10}",
        "-" * (8 + width + 7 + 10 + 3),
    ]
    for r in results:
        lines.append(f"{r.chapter:<8} {r.path.name:<{width}} {r.status:<7} {r.seconds:>9.1f}s")
        if r.error:
            lines.append(f"{'':<8} -> {r.error}")
    failed = sum(r.status != "ok" for r in results)
    total = sum(r.seconds for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} chapters ran; total {total:.1f}s")
    interrupted = [r.path.name for r in results if r.status == "interrupted"]
    if interrupted:
        lines.append(
            f"interrupted (Ctrl-C) during {interrupted[0]}; the chapters after it did not run"
        )
    return "\n".join(lines)


def run_notebooks(
    notebook_dir: Path,
    out_dir: Path,
    fast: bool = False,
    only: list[str] | None = None,
    timeout: int | str | None = 1800,
    html: bool = True,
    echo: Callable[..., None] = print,
    progress: bool = True,
) -> list[ChapterResult]:
    """Run the chapters in order; every chapter runs even if an earlier one failed.

    ``echo`` prints the runner's lines (with ``progress``, also one per code cell).
    ``timeout``: seconds per cell; 0, None or ``"none"``: no limit.

    Raises:
        ValueError: a bad ``timeout``, or an ``out_dir`` that is the notebook folder,
            inside it, or a file (checked before anything runs); see also :func:`find_chapters`.
        RunInterrupted: Ctrl-C; its ``results`` are the chapters that finished and the
            interrupted one.
    """
    timeout = check_timeout(timeout)
    notebook_dir, out_dir = Path(notebook_dir), Path(out_dir)
    chapters = find_chapters(notebook_dir, only)
    check_out_dir(notebook_dir, out_dir)
    saved = {k: os.environ.get(k) for k in ("GENAI_KERAS_FAST", "TF_CPP_MIN_LOG_LEVEL")}
    os.environ["GENAI_KERAS_FAST"] = "1" if fast else "0"  # kernels inherit the environment
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    results = []
    try:
        for path in chapters:
            start, done = time.perf_counter(), len(results)
            try:
                echo(f"running {path.name} ({'fast' if fast else 'full'} mode) ...", flush=True)
                results.append(
                    run_chapter(
                        path,
                        out_dir,
                        timeout=timeout,
                        html=html,
                        progress=echo if progress else None,
                    )
                )
                echo(f"  {results[-1].status} in {results[-1].seconds:.1f}s", flush=True)
            except KeyboardInterrupt:
                if len(results) == done:  # this chapter had not finished
                    results.append(
                        ChapterResult(
                            path.name[:2],
                            path,
                            "interrupted",
                            time.perf_counter() - start,
                            "interrupted by Ctrl-C; its output was not written",
                        )
                    )
                raise RunInterrupted(results) from None
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return results


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m genai_keras", description="genai_keras course tools."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run-notebooks", help="execute the chapter notebooks in order and report")
    run.add_argument(
        "--fast",
        action="store_true",
        help="small configurations (GENAI_KERAS_FAST=1): about a minute per chapter",
    )
    run.add_argument(
        "--only", nargs="+", metavar="NN", help="chapter numbers to run, e.g. --only 02 03"
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("runs"),
        help="folder for the executed notebooks and HTML (default: runs/)",
    )
    run.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="folder of chapter notebooks (default: ./notebooks)",
    )
    run.add_argument(
        "--timeout",
        default="1800",
        metavar="SECONDS",
        help="seconds allowed per cell (default 1800); 0 or 'none': no limit",
    )
    run.add_argument("--no-html", action="store_true", help="skip the HTML copies")
    run.add_argument(
        "--no-progress", action="store_true", help="no line per cell, only one per chapter"
    )
    args = parser.parse_args(argv)

    try:
        results = run_notebooks(
            args.notebooks or default_notebook_dir(),
            args.out,
            fast=args.fast,
            only=args.only,
            timeout=args.timeout,
            html=not args.no_html,
            progress=not args.no_progress,
        )
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunInterrupted as stop:
        print()
        print(format_table(stop.results))
        print(f"executed notebooks written to {args.out.resolve()}")
        return 130
    print()
    print(format_table(results))
    print(f"executed notebooks written to {args.out.resolve()}")
    return 0 if all(r.status == "ok" for r in results) else 1
