"""The course runner: execute the chapter notebooks in order and report.

    python -m genai_keras run-notebooks [--fast] [--only 02 ...] [--out DIR]

Instructors use it to check a machine before a workshop: each chapter runs top to
bottom with nbclient in a fresh kernel, the executed notebook (and an HTML copy) is
written to DIR, and a table of chapter, status and wall time is printed. While a
chapter runs, one line per code cell says which cell started and when (seconds since
the chapter began; ``--no-progress`` turns this off). A failing chapter is reported with
its failing cell and the others still run; the exit status is non-zero if any failed.

Nothing is lost and nothing fails silently: ``--out`` may not be the notebook folder (or
inside it, which would overwrite the sources), an existing file, a link to nothing, under a
file or unwritable, all checked before any chapter runs; a notebook that cannot be read
(not JSON, not a notebook) is a failed row naming its path; each output file is written
atomically (:mod:`genai_keras.files`). Ctrl-C or SIGTERM stops the kernel, writes nothing
for the chapter that was running (reported as interrupted, not failed), prints the table
of the chapters that finished and exits with status 130 (143 for SIGTERM). ``--only`` may
be repeated. ``--timeout 0`` (or ``none``) means no limit.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from genai_keras._notebook_client import (
    Progress,
    execute,
    kernel_config,
    make_client,
    raise_stop,
    signal_name,
)
from genai_keras._requirements import DependencyVersionError, check_installed_versions
from genai_keras.files import write_atomic
from genai_keras.notebook_times import cell_seconds, notebook_seconds  # noqa: F401 (re-exported)

_Progress = Progress  # the name the tests use

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
    """Ctrl-C or SIGTERM during :func:`run_notebooks`; ``results`` holds the finished
    chapters and, last, the interrupted one (status ``"interrupted"``); ``signum`` is the
    signal (the exit status is 128 + ``signum``: 130 for Ctrl-C, 143 for SIGTERM)."""

    def __init__(self, results: list[ChapterResult], signum: int = signal.SIGINT):
        super().__init__("run interrupted")
        self.results = results
        self.signum = int(signum)


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
    """Refuse an output folder that would overwrite the notebooks or cannot be written.

    Checked before any chapter runs; the folder is made if it does not exist.

    Raises:
        ValueError: ``out_dir`` is the notebook folder or inside it (paths resolved, so
            ``./notebooks/../notebooks`` and links count), an existing file, a link to
            nothing, under a file, or a folder that cannot be made or written.
    """
    if Path(out_dir).is_symlink() and not Path(out_dir).exists():
        raise ValueError(
            f"--out {out_dir} is a symbolic link to {os.readlink(out_dir)}, which does not "
            f"exist; make that folder, or pass another folder, e.g. --out runs."
        )
    source, out = Path(notebook_dir).resolve(), Path(out_dir).resolve()
    if out == source or source in out.parents:
        raise ValueError(
            f"--out {out_dir} is {'the' if out == source else 'inside the'} notebook folder "
            f"{source}: the executed copies would overwrite or mix with the course notebooks. "
            f"Pass another folder, e.g. --out runs."
        )
    if out.exists() and not out.is_dir():
        raise ValueError(
            f"--out {out_dir} is an existing file, not a folder; pass a folder "
            f"name, e.g. --out runs."
        )
    blocker = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise ValueError(
            f"--out {out_dir} is under {blocker}, which is a file, not a folder; pass a "
            f"folder elsewhere, e.g. --out runs."
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out, prefix=".write-test.")
        os.close(handle)
        os.unlink(probe)
    except OSError as err:
        raise ValueError(
            f"--out {out_dir} cannot be written ({type(err).__name__}: "
            f"{err.strerror or err}); pass a folder you can write to, e.g. --out runs."
        ) from None
    return out


#: Writes a file atomically (a temporary beside it, then renamed onto it): the project's one
#: helper, :func:`genai_keras.files.write_atomic`.
_write_atomic = write_atomic


def default_notebook_dir(folder: str = "notebooks") -> Path:
    """``./<folder>`` if it exists, else the ``<folder>/`` beside the installed package.

    ``folder``: ``"notebooks"`` (the chapters) or ``"solutions"`` (their worked solutions).
    """
    here = Path.cwd() / folder
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[1] / folder


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
                f"No chapter {', '.join(unknown)} in {notebook_dir}; "
                f"available: {', '.join(sorted(known))}."
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
    client = make_client(
        nb,
        timeout=timeout,
        kernel_name="python3",
        config=kernel_config(),
        resources={"metadata": {"path": str(path.parent)}},
    )
    if progress is not None:
        client.on_cell_execute = Progress(nb, path.name[:2], progress)
    start = time.perf_counter()
    error = ""
    try:
        execute(client)  # ChapterStopped (Ctrl-C, SIGTERM) goes up: nothing is written
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
    interrupted = [r for r in results if r.status == "interrupted"]
    if interrupted:
        how = "SIGTERM" if "SIGTERM" in interrupted[0].error else "Ctrl-C"
        lines.append(
            f"interrupted ({how}) during {interrupted[0].path.name}; the chapters after it "
            f"did not run"
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
        RunInterrupted: Ctrl-C or SIGTERM; its ``results`` are the chapters that finished
            and the interrupted one (whose executed notebook is not written).
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
            except KeyboardInterrupt as stop:
                signum = getattr(stop, "signum", signal.SIGINT)
                if len(results) == done:  # this chapter had not finished
                    results.append(
                        ChapterResult(
                            path.name[:2],
                            path,
                            "interrupted",
                            time.perf_counter() - start,
                            f"interrupted by {signal_name(signum)}; its output was not written",
                        )
                    )
                raise RunInterrupted(results, signum) from None
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return results


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
        "--only",
        nargs="+",
        action="extend",
        metavar="NN",
        help="chapter numbers to run, e.g. --only 02 03 (repeat the flag to add more)",
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
        "--solutions",
        action="store_true",
        help="run the worked solutions (./solutions) instead of the chapters",
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
    if args.solutions and args.notebooks is not None:
        parser.error(
            "--solutions and --notebooks both choose the folder to run; give one "
            "(--notebooks DIR runs any folder of NN_name.ipynb notebooks)"
        )
    folder = "solutions" if args.solutions else "notebooks"
    try:  # the runner's own dependencies (the `notebooks` extra) at or above their floors
        check_installed_versions(("notebooks",))
    except DependencyVersionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    previous = _stop_on_sigterm()  # Ctrl-C already raises KeyboardInterrupt
    try:
        results = run_notebooks(
            args.notebooks or default_notebook_dir(folder),
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
        print(f"executed notebooks of the finished chapters are in {args.out.resolve()}")
        return 128 + stop.signum
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print()
    print(format_table(results))
    print(f"executed notebooks written to {args.out.resolve()}")
    return 0 if all(r.status == "ok" for r in results) else 1


def _stop_on_sigterm():
    """Make SIGTERM stop the run as Ctrl-C does (the table, then exit 143); returns the
    handler it replaced (None where signals cannot be set: not the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, raise_stop)
    except ValueError:
        return None
