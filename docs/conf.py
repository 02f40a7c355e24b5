"""Sphinx configuration of the course website (built by ``python -m genai_keras build-docs``).

The build copies ``docs/`` (this folder), ``README.md`` and the committed notebooks into a
staging folder and runs Sphinx there with this file as its configuration: the notebooks
are rendered with their saved outputs (myst-nb, never executed), the package's docstrings
become the API reference (autodoc, Google style through napoleon).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from genai_keras._quiet import import_keras_quietly

import_keras_quietly()  # without the backend's start-up logs (TF_CPP_MIN_LOG_LEVEL=3)
import keras  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))  # gk_site: links from the chapters to the reference


def _source_url() -> str:
    """The project's address, written only in pyproject.toml ([project.urls] Source)."""
    text = (HERE.parent / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^Source\s*=\s*"([^"]+)"', text, flags=re.MULTILINE)
    if match is None:
        raise RuntimeError("pyproject.toml has no [project.urls] Source line")
    return match.group(1)


project = "genai_keras"
author = "the genai_keras authors"
copyright = "the genai_keras authors, Apache-2.0"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "gk_site",
]

root_doc = "index"
exclude_patterns = ["README.md", "_build", "**/.ipynb_checkpoints"]
templates_path: list[str] = []
# Every Python cross-reference must resolve: a docstring's :func:`name` that points at
# nothing fails the build. Names of outside packages (type hints, base classes) have no
# entry here and no intersphinx (the build runs offline): they are ignored below, each
# package by name; nothing here matches a genai_keras name (patterns match whole names).
nitpicky = True
nitpick_ignore_regex = [
    # NumPy: arrays, generators, dtypes in type hints
    (r"py:.*", r"numpy(\..+)?"),
    # Keras: base classes (keras.src.models.model.Model, ...) and hints (keras.Model)
    (r"py:.*", r"keras(\..+)?"),
    # the backends' own tensors and modules
    (r"py:.*", r"(tensorflow|jax|torch)(\..+)?"),
    # plotting and scientific helpers
    (r"py:.*", r"(matplotlib|scipy)(\..+)?"),
    # Python's standard library in type hints (Sphinx resolves builtins like int itself)
    (r"py:.*", r"(collections\.abc|typing|pathlib|os|types)\..+"),
]

# Notebooks: the committed outputs, never executed (build-docs refuses a notebook without
# outputs or with an error output before Sphinx starts).
nb_execution_mode = "off"
nb_output_stderr = "show"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
# Math in raw HTML (the exercises' <details> hints) is $...$ that MyST leaves as text:
# MathJax typesets it there too (gk_site marks those blocks with mathjax_process).
mathjax4_config = {"tex": {"inlineMath": [["$", "$"], ["\\(", "\\)"]]}}
myst_heading_anchors = 3
# The notebooks' own code outputs ship their Pygments CSS; the chapters' headings are the
# pages' sections, their Markdown cells may skip a level (H1 -> H3) on purpose.
suppress_warnings = ["myst.header"]

# API reference: Google-style docstrings; members in source order; the public surface
# (each package's __all__) is documented where a learner calls it (gk.metrics.fid, not
# gk.metrics.frechet.fid); gk_site skips what a package only re-exports from elsewhere.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
# A class shows the methods it inherits from the package's own bases and mixins
# (VAE.log_likelihood comes from VAELikelihood), not Keras' or Python's.
# (autodoc skips what a class inherits from a base it is told by name: every class of
# Keras' and Python's bases, as this backend builds them.)
KERAS_AND_PYTHON_BASES = ",".join(
    sorted(
        {
            cls.__name__
            for base in (keras.Model, keras.Sequential, keras.callbacks.Callback, ValueError)
            for cls in base.__mro__
        }
    )
)
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
    "inherited-members": KERAS_AND_PYTHON_BASES,
}
autodoc_inherit_docstrings = False  # not Keras' own (Markdown) docstrings of overrides
autosummary_generate = False
add_module_names = False

html_theme = "sphinx_book_theme"
html_title = "genai_keras: generative models in Keras 3"
html_static_path: list[str] = []
html_show_sourcelink = False
html_theme_options = {
    "repository_url": _source_url(),
    "repository_branch": "main",
    "path_to_docs": "",  # the staging folder mirrors the repository: notebooks/NN_*.ipynb
    "use_repository_button": True,
    "use_download_button": True,
    "use_issues_button": False,
    "launch_buttons": {"colab_url": "https://colab.research.google.com"},
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
# The theme's light/dark switch starts from this mode (unset, its script logs an error).
html_context = {"default_mode": "light"}
