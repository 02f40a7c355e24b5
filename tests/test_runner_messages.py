"""The course runner's table, first-error line, folder checks and messages, compared exactly
(issue 36: the mutation run showed that tests matching fragments let changed messages,
widths and conditions through)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from genai_keras import notebook_runner
from genai_keras.notebook_runner import ChapterResult


def _result(name: str, status: str, seconds: float, error: str = "") -> ChapterResult:
    return ChapterResult(name[:2], Path("/course/notebooks") / name, status, seconds, error)


def test_format_table_exactly():
    results = [
        _result("00_setup.ipynb", "ok", 12.34),
        _result("01_longer_name.ipynb", "failed", 5.0, "cell 3 (execution 2): ValueError: x | y"),
    ]
    width = len("01_longer_name.ipynb")
    expected = "\n".join(
        [
            "chapter  " + "notebook".ljust(width) + " status   wall time",
            "-" * (8 + width + 7 + 10 + 3),
            "00       " + "00_setup.ipynb".ljust(width) + " ok           12.3s",
            "01       " + "01_longer_name.ipynb" + " failed        5.0s",
            "         -> cell 3 (execution 2): ValueError: x | y",
            "1 of 2 chapters ran; total 17.3s",
        ]
    )
    assert notebook_runner.format_table(results) == expected
    # the rule is exactly as wide as the header
    header, rule = expected.splitlines()[:2]
    assert len(rule) == len(header)


@pytest.mark.parametrize(
    ("error", "how"),
    [("stopped by SIGTERM", "SIGTERM"), ("stopped by Ctrl-C", "Ctrl-C")],
)
def test_format_table_names_how_the_run_was_interrupted(error, how):
    results = [_result("00_a.ipynb", "ok", 1.0), _result("01_b.ipynb", "interrupted", 2.0, error)]
    last = notebook_runner.format_table(results).splitlines()[-1]
    assert last == f"interrupted ({how}) during 01_b.ipynb; the chapters after it did not run"


def _nb_with_error(source: str | None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("print(1)")
    ok.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    bad = nbformat.v4.new_code_cell(source if source is not None else "")
    if source is None:
        del bad["source"]
    bad.execution_count = 7
    bad.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="before\n"),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad digit", traceback=[]),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), ok, bad]
    return nb


def test_first_error_names_cell_execution_error_and_source_line():
    long_line = "x = " + "a" * 100
    nb = _nb_with_error(f"\n  {long_line}\nsecond line")
    assert notebook_runner._first_error(nb) == (
        f"cell 2 (execution 7): ValueError: bad digit | {long_line[:60]}"
    )


def test_first_error_of_a_cell_without_source_and_of_a_clean_notebook():
    assert notebook_runner._first_error(_nb_with_error(None)) == (
        "cell 2 (execution 7): ValueError: bad digit | "
    )
    assert notebook_runner._first_error(_nb_with_error("")) == (
        "cell 2 (execution 7): ValueError: bad digit | "
    )
    clean = nbformat.v4.new_notebook()
    clean.cells = [nbformat.v4.new_markdown_cell("no outputs key"), nbformat.v4.new_code_cell("1")]
    assert notebook_runner._first_error(clean) == ""


def test_check_out_dir_makes_nested_folders_and_leaves_no_probe(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    out = tmp_path / "runs" / "today" / "fast"
    assert notebook_runner.check_out_dir(notebooks, out) == out.resolve()
    assert out.is_dir() and list(out.iterdir()) == []
    # the probe goes into the folder itself (not the system temporary folder)
    seen = []
    real = notebook_runner.tempfile.mkstemp

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real(*args, **kwargs)

    notebook_runner.tempfile.mkstemp = spy
    try:
        notebook_runner.check_out_dir(notebooks, out)
    finally:
        notebook_runner.tempfile.mkstemp = real
    assert seen == [{"dir": out.resolve(), "prefix": ".write-test."}]


def test_check_out_dir_messages_exactly(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    source = notebooks.resolve()
    with pytest.raises(ValueError, match="is the notebook folder") as same:
        notebook_runner.check_out_dir(notebooks, notebooks)
    assert str(same.value) == (
        f"--out {notebooks} is the notebook folder {source}: the executed copies would "
        f"overwrite or mix with the course notebooks. Pass another folder, e.g. --out runs."
    )
    inside = notebooks / "runs"
    with pytest.raises(ValueError, match="inside the notebook folder") as within:
        notebook_runner.check_out_dir(notebooks, inside)
    assert str(within.value).startswith(f"--out {inside} is inside the notebook folder {source}:")

    dangling = tmp_path / "link"
    os.symlink(tmp_path / "missing", dangling)
    with pytest.raises(ValueError, match="symbolic link") as link:
        notebook_runner.check_out_dir(notebooks, dangling)
    assert str(link.value) == (
        f"--out {dangling} is a symbolic link to {tmp_path / 'missing'}, which does not "
        f"exist; make that folder, or pass another folder, e.g. --out runs."
    )
    # a link to an existing folder is fine
    target = tmp_path / "real"
    target.mkdir()
    good = tmp_path / "good_link"
    os.symlink(target, good)
    assert notebook_runner.check_out_dir(notebooks, good) == target.resolve()

    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ValueError, match="which is a file") as under:
        notebook_runner.check_out_dir(notebooks, afile / "sub" / "dir")
    assert str(under.value) == (
        f"--out {afile / 'sub' / 'dir'} is under {afile.resolve()}, which is a file, not a "
        f"folder; pass a folder elsewhere, e.g. --out runs."
    )
    assert afile.read_text() == "x"


def test_check_out_dir_os_error_message(tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(notebook_runner.tempfile, "mkstemp", refuse)
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="cannot be written") as info:
        notebook_runner.check_out_dir(notebooks, out)
    assert str(info.value) == (
        f"--out {out} cannot be written (PermissionError: Permission denied); pass a "
        f"folder you can write to, e.g. --out runs."
    )
    assert info.value.__cause__ is None and info.value.__suppress_context__

    def refuse_without_reason(*args, **kwargs):
        raise OSError("disk quota")

    monkeypatch.setattr(notebook_runner.tempfile, "mkstemp", refuse_without_reason)
    with pytest.raises(ValueError, match=re.escape("(OSError: disk quota); pass a folder")):
        notebook_runner.check_out_dir(notebooks, out)


def test_default_notebook_dir_prefers_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    beside_package = Path(notebook_runner.__file__).resolve().parents[1]
    assert notebook_runner.default_notebook_dir() == beside_package / "notebooks"
    assert notebook_runner.default_notebook_dir("solutions") == beside_package / "solutions"
    (tmp_path / "notebooks").mkdir()
    assert notebook_runner.default_notebook_dir() == tmp_path / "notebooks"
    assert notebook_runner.default_notebook_dir("solutions") == beside_package / "solutions"


def test_find_chapters_order_filter_and_messages(tmp_path):
    folder = tmp_path / "nbs"
    folder.mkdir()
    with pytest.raises(FileNotFoundError) as empty:
        notebook_runner.find_chapters(folder)
    assert str(empty.value) == f"No chapter notebooks (NN_name.ipynb) in {folder}."
    for name in ("02_c.ipynb", "00_a.ipynb", "01_b.ipynb", "notes.ipynb", "1_short.ipynb"):
        (folder / name).write_text("{}")
    assert [p.name for p in notebook_runner.find_chapters(folder)] == [
        "00_a.ipynb",
        "01_b.ipynb",
        "02_c.ipynb",
    ]
    assert [p.name for p in notebook_runner.find_chapters(folder, ["2", "00"])] == [
        "00_a.ipynb",
        "02_c.ipynb",
    ]
    with pytest.raises(ValueError, match="No chapter") as unknown:
        notebook_runner.find_chapters(folder, ["7", "09", "1"])
    assert str(unknown.value) == f"No chapter 07, 09 in {folder}; available: 00, 01, 02."
    missing = tmp_path / "absent"
    with pytest.raises(FileNotFoundError) as gone:
        notebook_runner.find_chapters(missing)
    assert str(gone.value) == (
        f"Notebook folder {missing} does not exist; run from the repository root "
        f"or pass --notebooks DIR."
    )


# --- run_chapter's branches, with nbclient replaced by a fake that records its arguments ---


class _Clock:
    """perf_counter that advances 3.5 s per call after the first (start 100.0)."""

    def __init__(self):
        self.now = 96.5

    def __call__(self):
        self.now += 3.5
        return self.now


def _chapter(tmp_path, name="03_demo.ipynb"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('hi')\nprint('there')")]
    path = tmp_path / "nbs" / name
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def fake_client(monkeypatch):
    calls = {}

    def make_client(nb, **kwargs):
        calls["kwargs"] = kwargs
        calls["nb"] = nb
        return "client"

    monkeypatch.setattr(notebook_runner, "make_client", make_client)
    monkeypatch.setattr(notebook_runner, "execute", lambda c: calls.get("execute", _ok)(calls))
    monkeypatch.setattr(notebook_runner.time, "perf_counter", _Clock())
    return calls


def _ok(calls):
    return None


def _raising(exc):
    def run(calls):
        raise exc

    return run


def test_run_chapter_passes_its_settings_to_the_client(tmp_path, fake_client):
    path = _chapter(tmp_path)
    out = tmp_path / "out" / "nested"
    result = notebook_runner.run_chapter(path, out)
    assert result == ChapterResult("03", path, "ok", 3.5, "")
    kwargs = fake_client["kwargs"]
    assert kwargs["timeout"] == 1800 and kwargs["kernel_name"] == "python3"
    assert kwargs["resources"] == {"metadata": {"path": str(path.parent)}}
    assert (out / "03_demo.ipynb").exists() and (out / "03_demo.html").exists()
    notebook_runner.run_chapter(path, tmp_path / "plain", timeout=None, html=False)
    assert fake_client["kwargs"]["timeout"] is None
    assert sorted(p.name for p in (tmp_path / "plain").iterdir()) == ["03_demo.ipynb"]


def test_run_chapter_reports_each_kind_of_failure(tmp_path, fake_client):
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = _chapter(tmp_path)
    out = tmp_path / "out"
    cases = {
        "cell": (CellExecutionError("tb", "ValueError", "bad"), "a cell raised an error"),
        "timeout": (
            CellTimeoutError("A cell timed out while it was being executed\nmore"),
            "a cell ran past the 30 s timeout (A cell timed out while it was being executed)",
        ),
        "dead": (DeadKernelError("Kernel died"), "the kernel died (Kernel died); out of memory?"),
        "other": (
            RuntimeError("no kernel named python3"),
            f"could not run {path}: RuntimeError: no kernel named python3",
        ),
    }
    for name, (exc, message) in cases.items():
        fake_client["execute"] = _raising(exc)
        result = notebook_runner.run_chapter(path, out, timeout=30, html=False)
        assert result == ChapterResult("03", path, "failed", 3.5, message), name
        assert (out / "03_demo.ipynb").exists()


def test_run_chapter_names_the_failing_cell(tmp_path, fake_client):
    from nbclient.exceptions import CellExecutionError

    path = _chapter(tmp_path)

    def fail_in_the_cell(calls):
        cell = calls["nb"].cells[0]
        cell.execution_count = 1
        cell.outputs = [
            nbformat.v4.new_output("error", ename="KeyError", evalue="'x'", traceback=[])
        ]
        raise CellExecutionError("tb", "KeyError", "'x'")

    fake_client["execute"] = fail_in_the_cell
    result = notebook_runner.run_chapter(path, tmp_path / "out", html=False)
    assert result.status == "failed"
    assert result.error == "cell 0 (execution 1): KeyError: 'x' | print('hi')"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "NotJSONError: Notebook does not appear to be JSON: ''"),
        ('{"cells": 3}', "TypeError: 'int' object is not iterable"),
    ],
)
def test_run_chapter_unreadable_notebook_is_a_failed_row(tmp_path, content, reason):
    path = tmp_path / "04_broken.ipynb"
    path.write_text(content)
    result = notebook_runner.run_chapter(path, tmp_path / "out")
    assert (result.chapter, result.path, result.status, result.seconds) == (
        "04",
        path,
        "failed",
        0.0,
    )
    assert result.error == (
        f"could not read {path}: {reason} (not a valid .ipynb notebook; restore it from the course)"
    )
    assert not (tmp_path / "out").exists()


def test_run_chapter_unreadable_reason_is_its_first_line_cut_at_200(tmp_path, monkeypatch):
    path = tmp_path / "05_x.ipynb"
    path.write_text("{}")

    def read(*args, **kwargs):
        raise OSError("  " + "y" * 300 + "\nsecond line")

    monkeypatch.setattr(nbformat, "read", read)
    result = notebook_runner.run_chapter(path, tmp_path / "out")
    assert result.error == (
        f"could not read {path}: OSError: {'y' * 200} "
        "(not a valid .ipynb notebook; restore it from the course)"
    )

    def read_silently(*args, **kwargs):
        raise OSError()

    monkeypatch.setattr(nbformat, "read", read_silently)
    result = notebook_runner.run_chapter(path, tmp_path / "out")
    assert result.error == (
        f"could not read {path}: OSError:  "
        "(not a valid .ipynb notebook; restore it from the course)"
    )


# --- run_notebooks: what it hands run_chapter, what it prints, the environment it restores ---


def _two_chapters(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    for name in ("00_a.ipynb", "01_b.ipynb"):
        nbformat.write(nbformat.v4.new_notebook(), folder / name)
    return folder


@pytest.mark.parametrize("before", [None, "1"])
def test_run_notebooks_calls_echo_and_environment(tmp_path, monkeypatch, before):
    folder = _two_chapters(tmp_path)
    for key in ("GENAI_KERAS_FAST", "TF_CPP_MIN_LOG_LEVEL"):
        if before is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, before)
    calls = []

    def fake_run(path, out_dir, **kwargs):
        calls.append(
            (path.name, kwargs, os.environ["GENAI_KERAS_FAST"], os.environ["TF_CPP_MIN_LOG_LEVEL"])
        )
        return ChapterResult(path.name[:2], path, "ok", 2.25)

    monkeypatch.setattr(notebook_runner, "run_chapter", fake_run)
    lines = []

    def echo(*args, **kwargs):
        lines.append((args, kwargs))

    results = notebook_runner.run_notebooks(folder, tmp_path / "out", echo=echo)
    assert [r.chapter for r in results] == ["00", "01"]
    level = "3" if before is None else before
    assert calls[0] == ("00_a.ipynb", {"timeout": 1800, "html": True, "progress": echo}, "0", level)
    assert lines == [
        (("running 00_a.ipynb (full mode) ...",), {"flush": True}),
        (("  ok in 2.2s",), {"flush": True}),
        (("running 01_b.ipynb (full mode) ...",), {"flush": True}),
        (("  ok in 2.2s",), {"flush": True}),
    ]
    for key in ("GENAI_KERAS_FAST", "TF_CPP_MIN_LOG_LEVEL"):
        assert os.environ.get(key) == before
    calls.clear()
    lines.clear()
    notebook_runner.run_notebooks(
        folder, tmp_path / "out", fast=True, timeout="0", html=False, progress=False, echo=echo
    )
    assert calls[0][1:3] == ({"timeout": None, "html": False, "progress": None}, "1")
    assert lines[0] == (("running 00_a.ipynb (fast mode) ...",), {"flush": True})
    assert os.environ.get("GENAI_KERAS_FAST") == before


def test_run_notebooks_interrupted_row(tmp_path, monkeypatch):
    import signal

    folder = _two_chapters(tmp_path)
    clock = _Clock()
    monkeypatch.setattr(notebook_runner.time, "perf_counter", clock)

    def fake_run(path, out_dir, **kwargs):
        if path.name.startswith("01"):
            stop = KeyboardInterrupt()
            stop.signum = signal.SIGTERM
            raise stop
        return ChapterResult("00", path, "ok", 1.0)

    monkeypatch.setattr(notebook_runner, "run_chapter", fake_run)
    with pytest.raises(notebook_runner.RunInterrupted) as info:
        notebook_runner.run_notebooks(folder, tmp_path / "out", echo=lambda *a, **k: None)
    assert info.value.signum == signal.SIGTERM and str(info.value) == "run interrupted"
    last = info.value.results[-1]
    assert last == ChapterResult(
        "01",
        folder / "01_b.ipynb",
        "interrupted",
        3.5,
        "interrupted by SIGTERM; its output was not written",
    )


# --- the command line's help and required sub-command ---


def test_help_describes_the_command_and_every_option(capsys):
    with pytest.raises(SystemExit) as top:
        notebook_runner.main(["--help"])
    assert top.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert text.startswith("usage: python -m genai_keras [-h] {run-notebooks} ...")
    assert re.search(r"(^|\s)genai_keras course tools\.(\s|$)", text)
    assert "run-notebooks execute the chapter notebooks in order and report" in text
    with pytest.raises(SystemExit) as sub:
        notebook_runner.main(["run-notebooks", "--help"])
    assert sub.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for option in (
        "--fast small configurations (GENAI_KERAS_FAST=1): about a minute per chapter",
        "--only NN [NN ...] chapter numbers to run, e.g. --only 02 03 (repeat the flag to add "
        "more)",
        "--out OUT folder for the executed notebooks and HTML (default: runs/)",
        "--notebooks NOTEBOOKS folder of chapter notebooks (default: ./notebooks)",
        "--solutions run the worked solutions (./solutions) instead of the chapters",
        "--timeout SECONDS seconds allowed per cell (default 1800); 0 or 'none': no limit",
        "--no-html skip the HTML copies",
        "--no-progress no line per cell, only one per chapter",
    ):
        assert option in text, option


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as info:
        notebook_runner.main([])
    assert info.value.code == 2
    assert "the following arguments are required: command" in capsys.readouterr().err


def test_only_extends_across_repeated_flags(tmp_path, monkeypatch, capsys):
    folder = _two_chapters(tmp_path)
    (folder / "02_c.ipynb").write_text((folder / "00_a.ipynb").read_text())
    ran = []

    def fake_run(path, out_dir, **kwargs):
        ran.append(path.name[:2])
        return ChapterResult(path.name[:2], path, "ok", 1.0)

    monkeypatch.setattr(notebook_runner, "run_chapter", fake_run)
    argv = ["run-notebooks", "--notebooks", str(folder), "--out", str(tmp_path / "o")]
    assert notebook_runner.main([*argv, "--only", "00", "--only", "02"]) == 0
    assert ran == ["00", "02"]


# --- main: the arguments it hands run_notebooks, its messages and its SIGTERM handler ---


@pytest.fixture
def recorded_run(monkeypatch):
    seen = {}

    def fake_run_notebooks(notebook_dir, out_dir, **kwargs):
        import signal

        seen.update(notebook_dir=notebook_dir, out_dir=out_dir, **kwargs)
        seen["handler"] = signal.getsignal(signal.SIGTERM)
        return [ChapterResult("00", Path("00_a.ipynb"), "ok", 1.0)]

    monkeypatch.setattr(notebook_runner, "run_notebooks", fake_run_notebooks)
    return seen


def test_main_defaults(recorded_run, tmp_path, monkeypatch, capsys):
    import signal

    monkeypatch.chdir(tmp_path)
    outer = signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a known handler before the run
    try:
        assert notebook_runner.main(["run-notebooks"]) == 0
        after = signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, outer)
    assert recorded_run["notebook_dir"] == notebook_runner.default_notebook_dir("notebooks")
    assert recorded_run["out_dir"] == Path("runs")
    assert recorded_run["timeout"] == "1800" and recorded_run["only"] is None
    assert recorded_run["fast"] is False
    assert recorded_run["html"] is True and recorded_run["progress"] is True
    # SIGTERM stops the run like Ctrl-C while it runs; the old handler comes back after
    assert recorded_run["handler"] is notebook_runner.raise_stop
    assert after is signal.SIG_DFL
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"executed notebooks written to {(tmp_path / 'runs').resolve()}"


def test_main_flags(recorded_run, tmp_path):
    argv = ["run-notebooks", "--fast", "--no-html", "--no-progress", "--timeout", "none"]
    assert notebook_runner.main([*argv, "--out", str(tmp_path / "o"), "--solutions"]) == 0
    assert recorded_run["notebook_dir"] == notebook_runner.default_notebook_dir("solutions")
    assert recorded_run["out_dir"] == tmp_path / "o" and isinstance(recorded_run["out_dir"], Path)
    assert recorded_run["fast"] is True and recorded_run["timeout"] == "none"
    assert recorded_run["html"] is False and recorded_run["progress"] is False
    assert notebook_runner.main(["run-notebooks", "--notebooks", str(tmp_path)]) == 0
    assert recorded_run["notebook_dir"] == tmp_path and isinstance(
        recorded_run["notebook_dir"], Path
    )


def test_main_refuses_both_folders_with_the_whole_reason(capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        notebook_runner.main(["run-notebooks", "--solutions", "--notebooks", str(tmp_path)])
    assert stop.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.endswith(
        "error: --solutions and --notebooks both choose the folder to run; give one "
        "(--notebooks DIR runs any folder of NN_name.ipynb notebooks)"
    )


def test_main_checks_the_runners_dependencies_first(monkeypatch, recorded_run, capsys):
    from genai_keras._requirements import DependencyVersionError

    asked = []

    def too_old(extras=()):
        asked.append(extras)
        raise DependencyVersionError("nbclient 0.1 is older than the floor 0.10; upgrade it")

    monkeypatch.setattr(notebook_runner, "check_installed_versions", too_old)
    assert notebook_runner.main(["run-notebooks"]) == 2
    assert asked == [("notebooks",)] and "notebook_dir" not in recorded_run
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == "error: nbclient 0.1 is older than the floor 0.10; upgrade it\n"


def test_main_after_an_interruption_says_where_the_finished_chapters_are(
    monkeypatch, tmp_path, capsys
):
    import signal

    def interrupted(notebook_dir, out_dir, **kwargs):
        rows = [ChapterResult("00", Path("00_a.ipynb"), "interrupted", 1.0, "by SIGTERM")]
        raise notebook_runner.RunInterrupted(rows, signal.SIGTERM)

    monkeypatch.setattr(notebook_runner, "run_notebooks", interrupted)
    assert notebook_runner.main(["run-notebooks", "--out", str(tmp_path / "o")]) == 143
    last = capsys.readouterr().out.splitlines()[-1]
    assert (
        last == f"executed notebooks of the finished chapters are in {(tmp_path / 'o').resolve()}"
    )
