"""The course runner refuses what would lose work and reports what it cannot run
(issue 25, "Nothing lost, nothing silent"): --out over the notebooks, malformed
notebooks, Ctrl-C, timeouts, atomic writes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from test_notebook_runner import _notebook  # one small-notebook builder for the runner's tests

from genai_keras import notebook_runner


@pytest.fixture
def chapters(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "00_ok.ipynb", "print(6 * 7)")
    _notebook(folder / "01_two.ipynb", "print('two')")
    return folder


def _never_run(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a chapter ran although the arguments were refused")

    monkeypatch.setattr(notebook_runner, "run_chapter", fail)


@pytest.mark.parametrize("out", ["same", "inside", "dotted"])
def test_out_over_the_notebooks_is_refused_before_running(chapters, monkeypatch, capsys, out):
    _never_run(monkeypatch)
    target = {
        "same": chapters,
        "inside": chapters / "runs",
        "dotted": chapters / ".." / chapters.name,
    }[out]
    before = (chapters / "00_ok.ipynb").read_text()
    assert (
        notebook_runner.main(["run-notebooks", "--notebooks", str(chapters), "--out", str(target)])
        == 2
    )
    err = capsys.readouterr().err
    assert "notebook folder" in err and "Pass another folder" in err
    assert (chapters / "00_ok.ipynb").read_text() == before
    with pytest.raises(ValueError, match=r"(the|inside the) notebook folder .*Pass another folder"):
        notebook_runner.run_notebooks(chapters, target)


def test_out_that_is_a_file_is_refused(chapters, tmp_path, monkeypatch, capsys):
    _never_run(monkeypatch)
    afile = tmp_path / "results.txt"
    afile.write_text("keep me")
    assert (
        notebook_runner.main(["run-notebooks", "--notebooks", str(chapters), "--out", str(afile)])
        == 2
    )
    assert "is an existing file, not a folder" in capsys.readouterr().err
    assert afile.read_text() == "keep me"
    with pytest.raises(ValueError, match="is an existing file, not a folder; pass a folder"):
        notebook_runner.check_out_dir(chapters, afile)


@pytest.mark.parametrize("content", ["this is { not json", '{"cells": 3}'])
def test_malformed_notebook_is_a_failed_row_and_others_run(chapters, tmp_path, capsys, content):
    bad = chapters / "02_bad.ipynb"
    bad.write_text(content)
    status = notebook_runner.main(
        [
            "run-notebooks",
            "--notebooks",
            str(chapters),
            "--out",
            str(tmp_path / "out"),
            "--no-html",
            "--no-progress",
        ]
    )
    printed = capsys.readouterr().out
    assert status == 1
    assert "2 of 3 chapters ran" in printed
    assert f"could not read {bad}" in printed and "not a valid .ipynb notebook" in printed
    assert (tmp_path / "out" / "00_ok.ipynb").exists() and (
        tmp_path / "out" / "01_two.ipynb"
    ).exists()
    assert not (tmp_path / "out" / "02_bad.ipynb").exists()


def test_ctrl_c_prints_finished_chapters_and_exits_130(chapters, tmp_path, monkeypatch, capsys):
    calls = []

    def fake_run(path, out_dir, **kwargs):
        calls.append(path.name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return notebook_runner.ChapterResult(path.name[:2], path, "ok", 1.5)

    monkeypatch.setattr(notebook_runner, "run_chapter", fake_run)
    status = notebook_runner.main(
        ["run-notebooks", "--notebooks", str(chapters), "--out", str(tmp_path / "o")]
    )
    printed = capsys.readouterr()
    assert status == 130
    assert (
        "00_ok.ipynb" in printed.out and "interrupted (Ctrl-C) during 01_two.ipynb" in printed.out
    )
    assert "1 of 2 chapters ran" in printed.out
    assert "Traceback" not in printed.out + printed.err
    calls.clear()
    with pytest.raises(notebook_runner.RunInterrupted) as info:
        notebook_runner.run_notebooks(chapters, tmp_path / "o", echo=lambda *a, **k: None)
    assert [r.status for r in info.value.results] == ["ok", "interrupted"]
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_ctrl_c_outside_a_chapter_exits_130_without_traceback(tmp_path):
    code = (
        "import sys, genai_keras.notebook_runner as c\n"
        "def stop(argv=None): raise KeyboardInterrupt\n"
        "c.main = stop\n"
        "import runpy; runpy.run_module('genai_keras', run_name='__main__')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr and "interrupted" in proc.stderr


def test_timeout_values(chapters, tmp_path, monkeypatch, capsys):
    assert (
        notebook_runner.check_timeout(0) is None and notebook_runner.check_timeout("none") is None
    )
    assert (
        notebook_runner.check_timeout("0") is None and notebook_runner.check_timeout(None) is None
    )
    assert notebook_runner.check_timeout("30") == 30 and notebook_runner.check_timeout(1800) == 1800
    for bad in (-1, "-5", "1.5", "soon", True, 2.5):
        with pytest.raises(
            ValueError,
            match=r"--timeout must be a whole number of seconds >= 0 "
            r"\(0 or 'none': no limit\)",
        ):
            notebook_runner.check_timeout(bad)
    _never_run(monkeypatch)
    assert (
        notebook_runner.main(
            [
                "run-notebooks",
                "--notebooks",
                str(chapters),
                "--out",
                str(tmp_path / "o"),
                "--timeout",
                "-5",
            ]
        )
        == 2
    )
    assert "--timeout must be a whole number" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        notebook_runner.main(["run-notebooks", "--help"])
    assert "0 or 'none': no limit" in " ".join(capsys.readouterr().out.split())


def test_timeout_zero_runs_without_limit(chapters, tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(
        notebook_runner,
        "run_chapter",
        lambda path, out, **kw: (
            seen.append(kw["timeout"])
            or notebook_runner.ChapterResult(path.name[:2], path, "ok", 0.0)
        ),
    )
    assert (
        notebook_runner.main(
            [
                "run-notebooks",
                "--notebooks",
                str(chapters),
                "--out",
                str(tmp_path / "o"),
                "--timeout",
                "0",
            ]
        )
        == 0
    )
    assert seen == [None, None]


def test_outputs_are_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / "a.ipynb"
    target.write_text("old")
    replaced = []
    real_replace = notebook_runner.os.replace

    def spy(src, dst):
        replaced.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(notebook_runner.os, "replace", spy)
    notebook_runner._write_atomic(target, "new")
    assert target.read_text() == "new"
    ((src, dst),) = replaced
    assert str(dst) == str(target) and str(src).startswith(str(tmp_path)) and src != dst

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(notebook_runner.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        notebook_runner._write_atomic(target, "half")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ipynb"]  # no temp file left
