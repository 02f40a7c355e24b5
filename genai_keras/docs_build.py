"""``python -m genai_keras build-docs --out DIR``: the course as a static website.

The site is built with Sphinx from a clone of the repository: ``docs/`` (configuration,
landing page, API pages), the committed chapter notebooks (``notebooks/``) and the
solutions notebooks (``solutions/``, where that folder exists), rendered with their saved
outputs by myst-nb (never executed), and the package's docstrings (autodoc). Warnings are
errors: a broken link, a missing image or a malformed docstring fails the build.

Before Sphinx starts, every notebook is checked: one without outputs, or with an error
output, is refused by name (run the course runner first) instead of becoming an empty
or broken page. Needs the ``docs`` extra: ``pip install -e ".[docs]"``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RUN_FIRST = "run `python -m genai_keras run-notebooks` first"
SOLUTIONS_TOCTREE = """
```{toctree}
:caption: Solutions
:maxdepth: 1
:glob:

solutions/*
```
"""


class NotebookNotRunError(ValueError):
    """A notebook to publish has no outputs or holds an error output."""


class DocsBuildError(RuntimeError):
    """Sphinx reported warnings or errors (warnings are errors here)."""


def find_root(root: Path | None = None) -> Path:
    """The repository root: a folder holding ``docs/conf.py`` and ``notebooks/``.

    Default: the current folder if it is one, else the clone the package was imported
    from (an editable install or ``PYTHONPATH``).

    Raises:
        FileNotFoundError: no such folder (the site is built from a clone).
    """
    candidates = [root] if root is not None else [Path.cwd(), Path(__file__).resolve().parents[1]]
    for folder in candidates:
        if (folder / "docs" / "conf.py").is_file() and (folder / "notebooks").is_dir():
            return folder.resolve()
    raise FileNotFoundError(
        f"No docs/conf.py and notebooks/ in {', '.join(str(c) for c in candidates)}: "
        "build the site from a clone of the repository (or pass --root)."
    )


def course_notebooks(root: Path) -> list[Path]:
    """The notebooks the site publishes: ``notebooks/*.ipynb``, then ``solutions/*.ipynb``.

    Raises:
        FileNotFoundError: ``notebooks/`` holds no notebook.
    """
    chapters = sorted((root / "notebooks").glob("*.ipynb"))
    if not chapters:
        raise FileNotFoundError(f"No notebooks in {root / 'notebooks'}: nothing to publish.")
    return chapters + sorted((root / "solutions").glob("*.ipynb"))


def check_notebook(path: Path) -> None:
    """Refuse a notebook that would publish an empty or broken page.

    Raises:
        NotebookNotRunError: no code cell has an output, or one output is an error; the
            message names the notebook and says to run the course runner first.
    """
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotebookNotRunError(f"{path.name}: not a readable notebook ({exc}).") from None
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    outputs = [o for c in code for o in c.get("outputs", [])]
    if code and not outputs:
        raise NotebookNotRunError(
            f"{path.name} has no outputs: the site shows the saved outputs of a full run; "
            f"{RUN_FIRST} and commit the executed notebook."
        )
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if errors:
        first = errors[0]
        raise NotebookNotRunError(
            f"{path.name} holds an error output ({first.get('ename', '?')}: "
            f"{first.get('evalue', '')}): {RUN_FIRST}, fix the failing cell, and commit "
            "the executed notebook."
        )


def check_out_dir(out: Path, root: Path) -> None:
    """Refuse an output folder that the build would wrongly replace.

    Raises:
        ValueError: ``out`` is (or contains) the repository, or is a non-empty folder
            that is not an earlier site (no Sphinx ``.buildinfo``).
    """
    out = out.resolve()
    if out == root or out in root.parents:
        raise ValueError(f"--out {out} holds the repository: choose a new folder, e.g. site/.")
    if out.exists() and any(out.iterdir()) and not (out / ".buildinfo").is_file():
        raise ValueError(
            f"--out {out} is not empty and holds no earlier site: choose an empty or new folder."
        )


def _replace_folder(source: Path, out: Path) -> None:
    """Copy ``source`` to a new folder beside ``out``, then swap it in with ``os.replace``:
    a copy that fails part-way leaves the previous site whole."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    shutil.copytree(source, fresh, dirs_exist_ok=True)  # into the new folder: nothing replaced
    os.chmod(fresh, 0o777 & ~_umask())  # mkdtemp's folder is private; a site is not
    if not out.exists():
        os.replace(fresh, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.replace(out, old / "site")
    os.replace(fresh, out)
    shutil.rmtree(old)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _stage(root: Path, notebooks: list[Path], staging: Path) -> None:
    """Copy what Sphinx reads into ``staging``, laid out as in the repository (so that
    the theme's Colab and download links name ``notebooks/NN_*.ipynb``)."""
    shutil.copytree(root / "docs", staging, ignore=shutil.ignore_patterns("_ext", "__pycache__"))
    shutil.copy2(root / "README.md", staging / "README.md")  # the landing page includes parts
    for nb in notebooks:
        target = staging / nb.parent.name / nb.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy2(nb, target)
    if any(nb.parent.name == "solutions" for nb in notebooks):
        with (staging / "index.md").open("a", encoding="utf-8") as index:
            index.write(SOLUTIONS_TOCTREE)


def build_site(out: Path, root: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Check every notebook, then build the site into ``out`` (warnings are errors).

    Returns:
        ``out`` (its ``index.html`` is the landing page).

    Raises:
        NotebookNotRunError: a notebook without outputs or with an error output.
        ValueError: a wrong ``out`` (see :func:`check_out_dir`), or the docs extra
            is not installed.
        DocsBuildError: Sphinx reported a warning or an error (printed above it).
    """
    root = find_root(root)
    notebooks = course_notebooks(root)
    for nb in notebooks:
        check_notebook(nb)
    out = Path(out)
    check_out_dir(out, root)
    for tool in ("sphinx", "myst_nb", "sphinx_book_theme"):
        if importlib.util.find_spec(tool) is None:
            raise ValueError(
                f"{tool} is missing: install the docs extra, pip install -e '.[docs]'."
            )
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="genai_keras_docs_") as tmp:
        work = Path(tmp)
        _stage(root, notebooks, work / "src")
        # myst-nb writes its image files beside the HTML folder: keep both in tmp.
        html = work / "html"
        command = [
            sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
            "-c", str(root / "docs"), "-d", str(work / "doctrees"), str(work / "src"), str(html),
        ]  # fmt: skip
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        # autodoc imports the very package that runs this command
        package_parent = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
        log(f"building the site from {len(notebooks)} notebooks and docs/ (Sphinx, -W) ...")
        if subprocess.run(command, env=env, check=False).returncode != 0:
            raise DocsBuildError(
                "The site build failed: Sphinx's warnings and errors are listed above "
                "(warnings are errors: fix each at its source, e.g. the docstring or "
                "notebook cell it names)."
            )
        _replace_folder(html, out)
    log(f"site written to {out.resolve()} in {time.perf_counter() - start:.0f} s")
    log(f"preview: python -m http.server -d {out} 8000, then open http://localhost:8000")
    return out


def main(argv: list[str] | None = None) -> int:
    """The ``build-docs`` command; returns the exit status (0 built, 1 Sphinx failed,
    2 bad input: a notebook not run, a wrong folder, missing docs tools)."""
    parser = argparse.ArgumentParser(
        prog="python -m genai_keras build-docs",
        description="Build the course website (chapters with their saved outputs, API "
        "reference) with Sphinx; warnings are errors.",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the HTML site")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="repository root holding docs/ and notebooks/ (default: this clone)",
    )
    args = parser.parse_args(argv)
    try:
        build_site(args.out, args.root)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DocsBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
