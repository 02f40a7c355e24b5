"""Colab readiness: badge and install cell (scripts/sync_notebook_headers.py), README links,
and notebooks that need nothing but the installed package.

The sync script runs here on temporary copies only; the last tests check the real
notebooks and fail until ``python scripts/sync_notebook_headers.py`` has been run.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

# Checks of the repository and its tools: no backend or library release changes them
# (CI runs them once, in the TensorFlow step; conftest.py).
pytestmark = pytest.mark.repo_tooling

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "sync_notebook_headers.py"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def _load_script():
    spec = importlib.util.spec_from_file_location("sync_notebook_headers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync = _load_script()
SOURCE_URL = sync.source_url()


def _run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120
    )


def _bare(path: Path):
    """The notebook without the install cell and the badge line (what a new chapter has)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if not c.source.startswith(sync.MARKER)]
    lines = nb.cells[0].source.split("\n")
    if "colab-badge.svg" in lines[0]:
        nb.cells[0].source = "\n".join(lines[1:]).lstrip("\n")
    return nb


@pytest.fixture
def synced_copy(tmp_path):
    """A temporary copy of chapter 00 without its header (as before any sync), then synced."""
    path = tmp_path / NOTEBOOKS[0].name
    nbformat.write(_bare(NOTEBOOKS[0]), path)
    proc = _run_script(str(path))
    assert proc.returncode == 0, proc.stderr
    return path


def _install_cell_source(path: Path) -> str:
    cell = nbformat.read(path, as_version=4).cells[1]
    assert cell.cell_type == "code" and cell.source.startswith(sync.MARKER)
    return cell.source


def test_source_url_comes_from_pyproject():
    assert SOURCE_URL == "https://github.com/genai-keras/genai_keras"
    assert sync.github_repo(SOURCE_URL) == ("genai-keras", "genai_keras")
    with pytest.raises(ValueError, match=r"not https://github\.com/<owner>/<repo>"):
        sync.github_repo("https://gitlab.com/a/b")


def test_missing_source_url_is_a_clear_error(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n')
    with pytest.raises(ValueError, match=r"no \[project.urls\] Source"):
        sync.source_url(pyproject)


def test_sync_adds_badge_above_title_and_install_cell(synced_copy):
    original = _bare(NOTEBOOKS[0])
    nb = nbformat.read(synced_copy, as_version=4)
    first = nb.cells[0].source.split("\n")
    assert first[0] == sync.badge_line(SOURCE_URL, synced_copy.name)
    assert (
        "https://colab.research.google.com/github/genai-keras/genai_keras/blob/main/notebooks/"
        f"{synced_copy.name})"
    ) in first[0]
    title = next(line for line in original.cells[0].source.split("\n") if line.startswith("# "))
    assert title in first and first.index(title) > 0  # the title is kept, below the badge
    install = nb.cells[1]
    assert install.execution_count is None and install.outputs == []
    assert re.fullmatch(r"[0-9a-f]{8}", install.id)
    assert len(nb.cells) == len(original.cells) + 1
    assert [c.source for c in nb.cells[2:]] == [c.source for c in original.cells[1:]]


def test_sync_is_idempotent_and_check_mode(synced_copy):
    before = synced_copy.read_bytes()
    assert _run_script("--check", str(synced_copy)).returncode == 0
    assert _run_script(str(synced_copy)).returncode == 0
    assert synced_copy.read_bytes() == before  # a second run changes nothing
    nb = nbformat.read(synced_copy, as_version=4)
    assert sum(c.source.startswith(sync.MARKER) for c in nb.cells) == 1
    assert sum("colab-badge.svg" in c.source for c in nb.cells) == 1


def test_check_lists_a_stale_notebook_and_sync_repairs_it(synced_copy):
    nb = nbformat.read(synced_copy, as_version=4)
    install = nb.cells.pop(1)
    install.source = install.source.replace(SOURCE_URL, "https://github.com/old/place")
    nb.cells.append(install)  # an old install cell, in the wrong place
    nb.cells[0].source = nb.cells[0].source.replace("/blob/main/", "/blob/old/")
    nbformat.write(nb, synced_copy)
    proc = _run_script("--check", str(synced_copy))
    assert proc.returncode == 1 and f"out of sync: {synced_copy}" in proc.stdout
    assert _run_script(str(synced_copy)).returncode == 0
    fixed = nbformat.read(synced_copy, as_version=4)
    assert fixed.cells[1].source == sync.install_source(SOURCE_URL)
    assert fixed.cells[1].id == install.id  # moved and rewritten, not duplicated
    assert fixed.cells[0].source.startswith(
        sync.badge_line(SOURCE_URL, synced_copy.name) + "\n\n# "
    )
    assert sum(c.source.startswith(sync.MARKER) for c in fixed.cells) == 1


def test_script_reports_a_missing_notebook(tmp_path):
    proc = _run_script(str(tmp_path / "nope.ipynb"))
    assert proc.returncode == 2 and "no such notebook" in proc.stderr


def _recording(monkeypatch) -> list:
    calls = []
    for name in ("check_call", "run", "call", "Popen"):
        monkeypatch.setattr(subprocess, name, lambda *a, **k: calls.append((a, k)) or 0)
    return calls


def test_install_cell_does_nothing_when_the_package_is_importable(synced_copy, monkeypatch):
    assert importlib.util.find_spec("genai_keras") is not None
    calls = _recording(monkeypatch)
    exec(_install_cell_source(synced_copy), {})
    assert calls == []


def test_install_cell_pip_installs_from_the_source_url_when_missing(synced_copy, monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "genai_keras" else real_find_spec(name, *a),
    )
    calls = _recording(monkeypatch)
    exec(_install_cell_source(synced_copy), {})
    assert len(calls) == 1
    command = calls[0][0][0]
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert command[-1] == "git+" + SOURCE_URL == "git+https://github.com/genai-keras/genai_keras"
    assert not any("==" in part or ">=" in part for part in command)  # nothing pinned


def test_readme_has_no_placeholder_and_links_the_source():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    placeholder = re.search(r"<(this|your|the) [a-z ]+>", readme)
    assert placeholder is None, f"README placeholder: {placeholder.group(0)}"
    assert f"git+{SOURCE_URL}" in readme
    owner, repo = sync.github_repo(SOURCE_URL)
    assert f"colab.research.google.com/github/{owner}/{repo}/blob/main/notebooks/" in readme


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_reads_no_relative_path(path):
    """Installed users have no ../benchmarks: everything the code reads comes from the
    package. (Markdown may link to the other folder: see the next test.)"""
    for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert "../" not in source, f"{path.name} cell {index} reads a relative path:\n{source}"


_LINK = re.compile(r"\]\((\.\./[^)\s#]+)")


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_relative_links_in_markdown_name_files_that_exist(path):
    """A chapter's link to its solutions (and back) names a file of the repository."""
    for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for target in _LINK.findall("".join(cell["source"])):
            assert (path.parent / target).resolve().is_file(), (
                f"{path.parent.name}/{path.name} cell {index} links to {target}, "
                f"which does not exist"
            )


def test_every_chapter_with_exercises_has_a_solutions_notebook_that_links_it():
    """Each chapter's exercise list links solutions/<same name> on GitHub, which has one
    ``## Exercise N`` section per exercise of the chapter, in order."""
    for chapter in NOTEBOOKS:
        cells = json.loads(chapter.read_text(encoding="utf-8"))["cells"]
        exercises = next(
            (
                "".join(c["source"])
                for c in cells
                if c["cell_type"] == "markdown" and "## Exercises" in "".join(c["source"])
            ),
            None,
        )
        if exercises is None:
            continue
        owner, repo = sync.github_repo(SOURCE_URL)
        online = f"https://github.com/{owner}/{repo}/blob/main/solutions/{chapter.name}"
        # The repository's address: it works on Colab and for installed users, who have no
        # ../solutions beside the chapter.
        assert f"]({online})" in exercises, f"{chapter.name}: no link to {online}"
        listed = re.split(r"## Exercises", exercises, maxsplit=1)[1]
        listed = re.split(r"\n#+ ", listed, maxsplit=1)[0]  # up to the next heading
        count = len(re.findall(r"^\d+\. ", listed, flags=re.M))
        solution = ROOT / "solutions" / chapter.name
        headings = [
            line
            for c in json.loads(solution.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines()
            if line.startswith("## Exercise ")
        ]
        numbers = [int(re.match(r"## Exercise (\d+)", h).group(1)) for h in headings]
        assert numbers == list(range(1, count + 1)), (chapter.name, count, headings)


def test_every_notebook_is_in_sync():
    proc = _run_script("--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
