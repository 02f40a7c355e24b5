"""Writing files so that nothing is lost: the one atomic-write helper of the project.

Every file the package, the course runner, the benchmarks and the scripts write goes
through here: the new content goes to a temporary file in the target's own folder, is
flushed and fsync'ed, and then renamed over the target with :func:`os.replace`. A reader
sees the old file or the whole new one, never half of one; a write that fails part-way
(disk full, Ctrl-C, a crash) leaves the old file as it was and no temporary behind.

:func:`locked` serialises read-modify-write cycles (the checkpoints' ``manifest.json``,
a benchmark's results JSON) between processes with an advisory lock on a ``.lock`` file
beside the target; :func:`update_json` is such a cycle for one JSON file, and
:func:`merge_runs` the one the benchmarks use so that a run updates the runs it measured
and keeps the others.

Only the standard library is imported, so ``benchmarks/gpu.py`` can use this before
anything else is installed. Used by :mod:`genai_keras.checkpoints`, :mod:`genai_keras.weights`,
the pixel models, the notebook runner, ``benchmarks/`` and ``scripts/``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

_COUNTER = itertools.count()

__all__ = [
    "atomic_open",
    "atomic_path",
    "locked",
    "merge_runs",
    "update_json",
    "write_atomic",
    "write_json",
]


def _umask() -> int:
    """The process's umask (read by setting and restoring it: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """The permissions a plain ``open(path, "w")`` would leave: the old file's, or 0666 &
    ~umask for a new one (``mkstemp`` makes its files 0600, private to the user)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on a clean exit it replaces ``path``.

    Args:
        path: the file to write (its folder must exist).
        mode: ``"w"`` (text) or ``"wb"`` (bytes).
        encoding: the text encoding (text mode only).

    Yields:
        The temporary file's object. If the ``with`` block raises, the temporary file is
        removed and ``path`` keeps its old content.

    Raises:
        ValueError: ``mode`` is not ``"w"`` or ``"wb"``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode must be 'w' or 'wb', got {mode!r}.")
    path = Path(path)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, mode, **({} if "b" in mode else {"encoding": encoding})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, _mode_for(path))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(path.parent)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path``, with its suffixes, for writers that take a file
    name (Keras ``save_weights``); on a clean exit it replaces ``path``.

    Yields:
        The temporary path (it does not exist yet). If the ``with`` block raises, whatever
        was written there is removed and ``path`` keeps its old content.
    """
    path = Path(path)
    suffix = "".join(path.suffixes) or ".tmp"
    temp = path.with_name(f".{path.name}.{os.getpid()}.{next(_COUNTER)}{suffix}")
    try:
        yield temp
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(temp, _mode_for(path))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Replace ``path``'s content with ``data`` (text or bytes) atomically; returns ``path``."""
    path = Path(path)
    with atomic_open(path, "wb" if isinstance(data, bytes) else "w", encoding=encoding) as f:
        f.write(data)
    return path


def write_json(path: str | os.PathLike, data: Any, **dumps: Any) -> Path:
    """Write ``data`` as indented JSON (2 spaces, a final newline) atomically."""
    dumps.setdefault("indent", 2)
    return write_atomic(path, json.dumps(data, **dumps) + "\n")


@contextlib.contextmanager
def locked(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive advisory lock for ``path`` (on ``.<name>.lock`` beside it).

    Other processes (and threads) entering ``locked`` for the same path wait, so a
    read-modify-write cycle inside the block sees every earlier writer's result. The
    lock file is left in place (removing it would race with a waiting process).
    """
    path = Path(path)
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _lock(fd)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


def read_json_object(path: Path) -> dict:
    """``path``'s JSON object ({} when the file does not exist).

    Raises:
        ValueError: the file exists but is not a JSON object (named, with what to do).
    """
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(
            f"{path} exists but could not be read as JSON ({type(err).__name__}: {err}); "
            f"nothing was written. Restore it (git checkout {path.name}) or move it away."
        ) from err
    if not isinstance(data, dict):
        raise ValueError(
            f"{path} holds a JSON {type(data).__name__}, not an object; nothing was "
            f"written. Restore it or move it away."
        )
    return data


def update_json(path: str | os.PathLike, update: Callable[[dict], dict]) -> dict:
    """Read ``path``'s JSON object, apply ``update(old) -> new`` and write it back, under
    :func:`locked` (concurrent updates all land). Returns what was written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        new = update(read_json_object(path))
        write_json(path, new)
    return new


def merge_runs(
    path: str | os.PathLike, data: dict, keep: Callable[[str, Any, Any], bool] | None = None
) -> dict:
    """Write a results file whose ``runs`` object is merged with the one on disk.

    The top-level keys of ``data`` replace those on disk; in ``runs``, the entries of
    ``data`` replace those of the same key and every other entry on disk is kept (a
    run of some chapters or backends does not discard the others' results).

    Args:
        path: the results JSON.
        data: the new results; its ``runs`` (if any) must be a mapping.
        keep: ``keep(key, old, new)``: True keeps the old run instead of ``new`` (e.g. a
            GPU result that a CPU smoke run must not replace).

    Returns:
        The merged content, as written.
    """

    def merge(old: dict) -> dict:
        merged = dict(old)
        merged.update({k: v for k, v in data.items() if k != "runs"})
        if "runs" in data:
            runs = dict(old.get("runs") or {}) if isinstance(old.get("runs"), dict) else {}
            for key, run in data["runs"].items():
                if key in runs and keep is not None and keep(key, runs[key], run):
                    continue
                runs[key] = run
            merged["runs"] = runs
        return merged

    return update_json(path, merge)
