"""build-docs (genai_keras/docs_build.py): what it refuses before Sphinx starts, what it
stages, and that the API reference covers every public module. The site itself is built
in CI and checked in a browser (tests/test_site_browser.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import genai_keras
from genai_keras import docs_build
from genai_keras.models import _SUBMODULES as MODEL_FAMILIES

# Checks of the repository and its tools: no backend or library release changes them
# (CI runs them once, in the TensorFlow step; conftest.py).
pytestmark = pytest.mark.repo_tooling

ROOT = Path(__file__).resolve().parents[1]


def _notebook(path: Path, outputs: list[dict]) -> Path:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# A chapter\n"]},
        {
            "cell_type": "code",
            "execution_count": 1 if outputs else None,
            "metadata": {},
            "outputs": outputs,
            "source": ["print(1)\n"],
        },
    ]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


RAN = [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
ERROR = [{"output_type": "error", "ename": "NameError", "evalue": "x", "traceback": []}]


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A repository root with the real docs/ and README, and one chapter that ran."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy2(ROOT / "README.md", tmp_path / "README.md")
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    _notebook(tmp_path / "notebooks" / "00_setup.ipynb", RAN)
    return tmp_path


def test_a_notebook_without_outputs_is_refused_by_name(clone):
    _notebook(clone / "notebooks" / "01_empty.ipynb", [])
    with pytest.raises(
        docs_build.NotebookNotRunError, match=r"01_empty\.ipynb has no outputs.*run-notebooks"
    ):
        docs_build.build_site(clone / "site", clone)
    assert not (clone / "site").exists()


def test_a_notebook_with_an_error_output_is_refused_by_name(clone):
    _notebook(clone / "notebooks" / "02_broken.ipynb", ERROR)
    with pytest.raises(
        docs_build.NotebookNotRunError,
        match=r"02_broken\.ipynb holds an error output \(NameError: x\).*run-notebooks",
    ):
        docs_build.build_site(clone / "site", clone)


def test_a_solutions_notebook_is_checked_too(clone):
    _notebook(clone / "solutions" / "02_solutions.ipynb", [])
    assert [p.name for p in docs_build.course_notebooks(clone)] == [
        "00_setup.ipynb",
        "02_solutions.ipynb",
    ]
    with pytest.raises(docs_build.NotebookNotRunError, match=r"02_solutions\.ipynb has no outputs"):
        docs_build.build_site(clone / "site", clone)


def test_an_unreadable_notebook_is_refused(clone):
    (clone / "notebooks" / "03_cut.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(
        docs_build.NotebookNotRunError, match=r"03_cut\.ipynb: not a readable notebook"
    ):
        docs_build.check_notebook(clone / "notebooks" / "03_cut.ipynb")


def test_the_command_line_names_the_notebook_and_what_to_do(clone):
    _notebook(clone / "notebooks" / "01_empty.ipynb", [])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "genai_keras",
            "build-docs",
            "--out",
            str(clone / "site"),
            "--root",
            str(clone),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "01_empty.ipynb has no outputs" in done.stderr
    assert "run `python -m genai_keras run-notebooks` first" in done.stderr


def test_a_folder_that_is_no_site_is_not_replaced(clone):
    (clone / "mine").mkdir()
    (clone / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ValueError, match="not empty and holds no earlier site"):
        docs_build.build_site(clone / "mine", clone)
    with pytest.raises(ValueError, match="holds the repository"):
        docs_build.check_out_dir(clone, clone)
    docs_build.check_out_dir(clone / "new", clone)  # a new folder is fine


def test_no_docs_folder_is_refused(tmp_path):
    (tmp_path / "notebooks").mkdir()
    with pytest.raises(FileNotFoundError, match="build the site from a clone"):
        docs_build.find_root(tmp_path)


def test_solutions_get_their_own_table_of_contents(clone, tmp_path):
    notebooks = [
        _notebook(clone / "notebooks" / "02_vae.ipynb", RAN),
        _notebook(clone / "solutions" / "02_vae_solutions.ipynb", RAN),
    ]
    docs_build._stage(clone, notebooks, tmp_path / "staged")
    assert (tmp_path / "staged" / "solutions" / "02_vae_solutions.ipynb").is_file()
    assert "solutions/*" in (tmp_path / "staged" / "index.md").read_text(encoding="utf-8")
    docs_build._stage(clone, notebooks[:1], tmp_path / "chapters_only")
    assert "solutions/*" not in (tmp_path / "chapters_only" / "index.md").read_text(
        encoding="utf-8"
    )


def test_the_api_reference_covers_every_public_module():
    """A page per gk.<module> and per model family, each reachable from the API index."""
    api = ROOT / "docs" / "api"
    index = (api / "index.rst").read_text(encoding="utf-8")
    listed = {
        line.strip() for line in index.splitlines() if line.startswith("   ") and ":" not in line
    }
    pages = list(genai_keras._SUBMODULES)
    assert sorted(listed) == sorted(pages), "docs/api/index.rst must list every gk.<module>"
    for name in pages:
        text = (api / f"{name}.rst").read_text(encoding="utf-8")
        assert f".. automodule:: genai_keras.{name}" in text
    models = (api / "models.rst").read_text(encoding="utf-8")
    for family in MODEL_FAMILIES:
        assert f"models.{family}" in models
        assert f".. automodule:: genai_keras.models.{family}" in (
            api / f"models.{family}.rst"
        ).read_text(encoding="utf-8")


def test_a_broken_cross_reference_in_a_docstring_fails_the_build(tmp_path):
    """The site's configuration (nitpicky): a docstring's reference to a package name that
    is documented nowhere fails the build, naming it; the names of outside packages in
    type hints (numpy.ndarray, pathlib.Path in gk.weights) do not."""
    for tool in ("sphinx", "myst_nb", "sphinx_book_theme"):
        pytest.importorskip(tool)
    (tmp_path / "lesson.py").write_text(
        '"""A module of the test."""\n\n\n'
        "def load() -> None:\n"
        '    """Read a file with :func:`genai_keras.no_such_function`, then\n'
        '    :func:`genai_keras.weights.read_weights`."""\n',
        encoding="utf-8",
    )
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.rst").write_text(
        "Weights\n=======\n\n"
        ".. automodule:: genai_keras.weights\n\n"
        ".. autofunction:: lesson.load\n\n"
        "See :class:`genai_keras.models.NoSuchModel`.\n",
        encoding="utf-8",
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(tmp_path)])
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "dummy", "-W", "--keep-going", "-q",
         "-c", str(ROOT / "docs"), "-d", str(tmp_path / "doctrees"), str(src),
         str(tmp_path / "out")],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]
    assert done.returncode != 0, "a broken cross-reference must fail the build"
    assert any("lesson.load" in w and "genai_keras.no_such_function" in w for w in warnings), (
        done.stderr
    )
    assert any("genai_keras.models.NoSuchModel" in w for w in warnings), done.stderr
    # gk.weights' hints name numpy.ndarray and pathlib.Path: ignored, not reported
    assert not [w for w in warnings if "numpy" in w or "pathlib" in w], done.stderr
