"""The course runner stops on Ctrl-C and SIGTERM (issue 34): the chapter in progress is
reported as interrupted (not failed), no half-run notebook is written, the table prints,
and the exit status is 130 (143 for SIGTERM); ``--out`` is checked before any chapter
runs; ``--only`` may be repeated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_notebook_runner import _notebook  # one small-notebook builder for the runner's tests

from genai_keras import notebook_runner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sleepy(tmp_path):
    """00 prints, then sleeps a minute; 01 would print (it must never run)."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(
        folder / "00_sleep.ipynb",
        "print('started', flush=True)",
        "import time\nfor _ in range(60):\n    time.sleep(1)",
    )
    _notebook(folder / "01_after.ipynb", "print('after')")
    return folder


def _start(folder: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the runner then imports no Keras: a quicker start
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "genai_keras",
            "run-notebooks",
            "--notebooks",
            str(folder),
            "--out",
            str(out),
            "--no-html",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's job
    )


def _wait_for_cell(proc: subprocess.Popen, text: str, timeout: float = 120) -> list[str]:
    """Read the runner's lines until one holds ``text`` (the sleeping cell has started)."""
    lines, end = [], time.time() + timeout
    while time.time() < end:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            time.sleep(2)  # the cell is running in the kernel now
            return lines
    proc.kill()
    raise AssertionError("the sleeping cell never started:\n" + "".join(lines))


@pytest.mark.parametrize(
    ("signum", "status", "how", "group"),
    [
        (signal.SIGINT, 130, "Ctrl-C", True),  # a terminal's Ctrl-C: runner and kernel
        (signal.SIGINT, 130, "Ctrl-C", False),  # kill -INT of the runner alone
        (signal.SIGTERM, 143, "SIGTERM", False),
    ],
)
def test_signal_stops_the_run_with_the_table_and_no_half_run_notebook(
    sleepy, tmp_path, signum, status, how, group
):
    out = tmp_path / "out"
    proc = _start(sleepy, out)
    lines = _wait_for_cell(proc, "cell 2/2")
    if group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    rest, _ = proc.communicate(timeout=120)
    printed = "".join(lines) + rest
    assert proc.returncode == status, printed
    assert "interrupted" in printed and "failed" not in printed.split("chapter")[-1], printed
    assert f"interrupted ({how}) during 00_sleep.ipynb" in printed
    assert "0 of 1 chapters ran" in printed and "01_after" not in printed
    assert "Traceback" not in printed and "AssertionError" not in printed
    assert not (out / "00_sleep.ipynb").exists()  # no half-run notebook
    assert not list(out.glob(".*.tmp"))


def _never_run(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a chapter ran although --out was refused")

    monkeypatch.setattr(notebook_runner, "run_chapter", fail)


def _main(folder, out, *extra):
    return notebook_runner.main(
        ["run-notebooks", "--notebooks", str(folder), "--out", str(out), *extra]
    )


def test_out_under_a_file_is_refused_before_any_chapter(sleepy, tmp_path, monkeypatch, capsys):
    _never_run(monkeypatch)
    afile = tmp_path / "afile"
    afile.write_text("keep")
    assert _main(sleepy, afile / "runs") == 2
    assert f"is under {afile}, which is a file" in capsys.readouterr().err
    assert afile.read_text() == "keep"


def test_out_on_a_dangling_link_is_refused_before_any_chapter(
    sleepy, tmp_path, monkeypatch, capsys
):
    _never_run(monkeypatch)
    link = tmp_path / "runs"
    link.symlink_to(tmp_path / "gone" / "deeper")
    assert _main(sleepy, link) == 2
    assert "is a symbolic link to" in capsys.readouterr().err
    assert not (tmp_path / "gone").exists()


def test_out_that_cannot_be_written_is_refused_before_any_chapter(
    sleepy, tmp_path, monkeypatch, capsys
):
    _never_run(monkeypatch)

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(notebook_runner.tempfile, "mkstemp", read_only)
    assert _main(sleepy, tmp_path / "ro") == 2
    assert "cannot be written (PermissionError: Permission denied)" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_out_folder_is_refused(sleepy, tmp_path, monkeypatch, capsys):
    _never_run(monkeypatch)
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert _main(sleepy, folder) == 2
    finally:
        folder.chmod(0o755)
    assert "cannot be written" in capsys.readouterr().err


def test_repeated_only_flags_are_all_kept(sleepy, tmp_path, monkeypatch):
    ran = []

    def fake_run(path, out_dir, **kwargs):
        ran.append(path.name[:2])
        return notebook_runner.ChapterResult(path.name[:2], path, "ok", 0.1)

    monkeypatch.setattr(notebook_runner, "run_chapter", fake_run)
    assert _main(sleepy, tmp_path / "o", "--only", "00", "--only", "01") == 0
    assert ran == ["00", "01"]
