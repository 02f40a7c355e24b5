"""Tests of the course runner on small notebooks made in a temp folder."""

from __future__ import annotations

import nbformat
import pytest

from genai_keras import notebook_runner


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


@pytest.fixture
def chapters(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "00_ok.ipynb", "import os", "print('fast', os.environ['GENAI_KERAS_FAST'])")
    _notebook(folder / "01_broken.ipynb", "x = 1", "y = x / 0", "print('never')")
    _notebook(folder / "02_after.ipynb", "print('answer', 6 * 7)")
    (folder / "notes.ipynb").write_text("{}")  # not a chapter: ignored
    return folder


def test_runs_all_reports_failure_and_continues(chapters, tmp_path, capsys):
    out = tmp_path / "out"
    status = notebook_runner.main(
        ["run-notebooks", "--fast", "--notebooks", str(chapters), "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert status == 1
    assert "00_ok.ipynb" in printed and "01_broken.ipynb" in printed and "02_after.ipynb" in printed
    assert "cell 1 (execution 2): ZeroDivisionError: division by zero" in printed
    assert "2 of 3 chapters ran" in printed
    executed = nbformat.read(out / "00_ok.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "fast 1\n"
    # The chapter after the failure ran, and its HTML holds its output (a computed string
    # that neither the source nor nbconvert's template contains).
    after = nbformat.read(out / "02_after.ipynb", as_version=4)
    assert after.cells[0].outputs[0]["text"] == "answer 42\n"
    assert "answer 42" in (out / "02_after.html").read_text()
    assert (out / "01_broken.ipynb").exists()  # the failed run is kept for inspection


def test_only_selects_and_full_mode(chapters, tmp_path, capsys):
    out = tmp_path / "out"
    status = notebook_runner.main(
        [
            "run-notebooks",
            "--only",
            "0",
            "--notebooks",
            str(chapters),
            "--out",
            str(out),
            "--no-html",
        ]
    )
    assert status == 0
    executed = nbformat.read(out / "00_ok.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "fast 0\n"
    assert not (out / "02_after.ipynb").exists()


def test_bad_arguments(chapters, tmp_path, capsys):
    assert (
        notebook_runner.main(["run-notebooks", "--only", "07", "--notebooks", str(chapters)]) == 2
    )
    assert "No chapter 07" in capsys.readouterr().err
    assert notebook_runner.main(["run-notebooks", "--notebooks", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_progress_lines_and_no_kernel_transport_warning(chapters, tmp_path, capfd):
    """One line per code cell (chapter, cell k of n, elapsed seconds, first code line), and
    nothing from the kernels' own logs: ipykernel's "Kernel is running over TCP without
    encryption" reached this terminal (the kernel inherits it) before the runner gave its
    kernels CurveZMQ keys."""
    status = notebook_runner.main(
        [
            "run-notebooks",
            "--only",
            "00",
            "02",
            "--notebooks",
            str(chapters),
            "--out",
            str(tmp_path / "out"),
            "--no-html",
        ]
    )
    out, err = capfd.readouterr()
    assert status == 0
    assert "without encryption" not in out + err
    assert "WARNING" not in err
    lines = [line for line in out.splitlines() if line.strip().startswith("[")]
    assert len(lines) == 3  # two cells of chapter 00, one of chapter 02
    assert lines[0].strip().startswith("[00] cell 1/2 at") and lines[0].endswith(": import os")
    assert lines[1].endswith(": print('fast', os.environ['GENAI_KERAS_FAST'])")
    assert lines[2].strip().startswith("[02] cell 1/1 at") and lines[2].endswith(
        ": print('answer', 6 * 7)"
    )


def test_no_progress_flag(chapters, tmp_path, capsys):
    notebook_runner.main(
        [
            "run-notebooks",
            "--only",
            "02",
            "--notebooks",
            str(chapters),
            "--out",
            str(tmp_path / "out"),
            "--no-html",
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert "running 02_after.ipynb" in out and "cell 1/1" not in out


def test_progress_skips_comment_lines():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\n\nx = 1  # note"),
        nbformat.v4.new_code_cell("# only a comment"),
    ]
    printed = []
    hook = notebook_runner._Progress(nb, "04", lambda line, **_: printed.append(line))
    hook(cell=nb.cells[1], cell_index=1)
    hook(cell=nb.cells[2], cell_index=2)
    assert printed[0].startswith("  [04] cell 1/2 at") and printed[0].endswith(": x = 1  # note")
    assert printed[1].startswith("  [04] cell 2/2 at") and printed[1].endswith(": # only a comment")


def test_solutions_flag_runs_the_solutions_folder(tmp_path, monkeypatch, capsys):
    """``--solutions`` runs ./solutions, not ./notebooks; with --notebooks it is refused."""
    (tmp_path / "notebooks").mkdir()
    _notebook(tmp_path / "notebooks" / "00_chapter.ipynb", "print('chapter')")
    (tmp_path / "solutions").mkdir()
    _notebook(tmp_path / "solutions" / "00_chapter.ipynb", "print('solution', 6 * 7)")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert (
        notebook_runner.main(["run-notebooks", "--solutions", "--out", str(out), "--no-html"]) == 0
    )
    executed = nbformat.read(out / "00_chapter.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "solution 42\n"
    with pytest.raises(SystemExit) as stop:
        notebook_runner.main(["run-notebooks", "--solutions", "--notebooks", "notebooks"])
    assert stop.value.code == 2
    assert "--solutions and --notebooks both choose the folder" in capsys.readouterr().err
