"""Tests of the course runner on small notebooks made in a temp folder."""

from __future__ import annotations

import nbformat
import pytest

from genai_keras import course


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def chapters(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "00_ok.ipynb", "import os", "print('fast', os.environ['GENAI_KERAS_FAST'])")
    _notebook(folder / "01_broken.ipynb", "x = 1", "y = x / 0", "print('never')")
    _notebook(folder / "02_after.ipynb", "print(6 * 7)")
    (folder / "notes.ipynb").write_text("{}")  # not a chapter: ignored
    return folder


def test_runs_all_reports_failure_and_continues(chapters, tmp_path, capsys):
    out = tmp_path / "out"
    status = course.main(["run-notebooks", "--fast", "--notebooks", str(chapters), "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 1
    assert "00_ok.ipynb" in printed and "01_broken.ipynb" in printed and "02_after.ipynb" in printed
    assert "cell 1 (execution 2): ZeroDivisionError: division by zero" in printed
    assert "2 of 3 chapters ran" in printed
    executed = nbformat.read(out / "00_ok.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "fast 1\n"
    assert (out / "02_after.html").read_text().count("42") >= 1
    assert (out / "01_broken.ipynb").exists()  # the failed run is kept for inspection


def test_only_selects_and_full_mode(chapters, tmp_path, capsys):
    out = tmp_path / "out"
    status = course.main(["run-notebooks", "--only", "0", "--notebooks", str(chapters), "--out", str(out), "--no-html"])
    assert status == 0
    executed = nbformat.read(out / "00_ok.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "fast 0\n"
    assert not (out / "02_after.ipynb").exists()


def test_bad_arguments(chapters, tmp_path, capsys):
    assert course.main(["run-notebooks", "--only", "07", "--notebooks", str(chapters)]) == 2
    assert "No chapter 07" in capsys.readouterr().err
    assert course.main(["run-notebooks", "--notebooks", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
