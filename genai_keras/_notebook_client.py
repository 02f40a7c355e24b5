"""How the course runner executes one notebook: nbclient with a stop on Ctrl-C and SIGTERM.

nbclient installs its own SIGINT and SIGTERM handlers while a notebook runs; they shut
the kernel down and let the run go on, so the runner used to see an ``AssertionError``,
report the chapter as failed, write the half-run notebook and run the next chapter.
:func:`make_client`'s client installs the runner's handlers instead: the first signal stops
the kernel at once and cancels the run, and :func:`execute` raises :class:`ChapterStopped`
(a ``KeyboardInterrupt``) naming the signal. The handlers that were there before are put
back afterwards.

Also here: the kernel's settings (:func:`kernel_config`) and the one-line-per-cell
progress hook (:class:`Progress`). Used by :mod:`genai_keras.notebook_runner`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

#: The signals that stop a run, and the exit status each gives (128 + its number).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class ChapterStopped(KeyboardInterrupt):
    """The run was stopped by a signal (``signum``: SIGINT for Ctrl-C, or SIGTERM)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(f"stopped by {SIGNAL_NAMES.get(signum, signum)}")
        self.signum = int(signum)


def signal_name(signum: int) -> str:
    """``"Ctrl-C"`` for SIGINT, ``"SIGTERM"`` for SIGTERM."""
    return SIGNAL_NAMES.get(signum, f"signal {signum}")


def raise_stop(signum: int, frame: Any = None) -> None:
    """A ``signal.signal`` handler: raise :class:`ChapterStopped` (outside a chapter)."""
    del frame
    raise ChapterStopped(signum)


@functools.lru_cache(maxsize=1)
def _client_class() -> type:
    """:class:`StoppableClient`'s class, made on first use (nbclient is imported then, not
    when the runner module is: ``--help`` and argument errors need no Jupyter)."""
    from nbclient import NotebookClient

    class StoppableClient(NotebookClient):
        """A ``NotebookClient`` whose run stops on SIGINT/SIGTERM (``stopped_by``)."""

        stopped_by: int | None = None
        async_setup_kernel = _setup_kernel

    return StoppableClient


def make_client(nb: Any, **kwargs: Any) -> Any:
    """A notebook client (nbclient's, with the stop on SIGINT/SIGTERM) for ``nb``."""
    return _client_class()(nb, **kwargs)


@contextlib.asynccontextmanager
async def _setup_kernel(self: Any, **kwargs: Any) -> AsyncIterator[None]:
    """Start the kernel with the runner's signal handlers; shut it down afterwards."""
    cleanup = kwargs.pop("cleanup_kc", self.owns_km)
    if self.km is None:
        self.km = self.create_kernel_manager()
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def stop(signum: int) -> None:
        if self.stopped_by is None:
            self.stopped_by = signum
            self.shutdown_kernel = "immediate"
            if task is not None:
                task.cancel()

    installed = []
    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, stop, sig)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # Windows, or not the main thread: Ctrl-C raises KeyboardInterrupt
    try:
        if not self.km.has_kernel:
            await self.async_start_new_kernel(**kwargs)
        if self.kc is None:
            await self.async_start_new_kernel_client()
        yield
    finally:
        try:
            if cleanup:
                await self._async_cleanup_kernel()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
                signal.signal(sig, previous[sig])


def execute(client: Any) -> None:
    """Run ``client``'s notebook.

    Raises:
        ChapterStopped: SIGINT or SIGTERM arrived while it ran (the kernel is stopped).
        nbclient's errors: a cell failed, timed out, or the kernel died.
    """
    try:
        client.execute()
    except (asyncio.CancelledError, KeyboardInterrupt) as err:
        raise ChapterStopped(client.stopped_by or signal.SIGINT) from err
    except BaseException:
        if client.stopped_by is not None:  # a cell saw the signal first
            raise ChapterStopped(client.stopped_by) from None
        raise
    if client.stopped_by is not None:
        raise ChapterStopped(client.stopped_by)


def kernel_config():
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


class Progress:
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
