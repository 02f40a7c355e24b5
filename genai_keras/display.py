"""Show the package's code in a notebook, where a chapter teaches it."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import textwrap
from pathlib import Path
from typing import Any


def source(*objects: Any) -> str:
    """The source code of functions, methods or classes, one after the other."""
    if not objects:
        raise ValueError("Pass at least one function, method or class to show.")
    parts = []
    for obj in objects:
        try:
            parts.append(textwrap.dedent(inspect.getsource(obj)).rstrip())
        except (TypeError, OSError):
            raise ValueError(
                f"No Python source for {obj!r}: pass a function, method or "
                f"class defined in a .py file."
            ) from None
    return "\n\n".join(parts) + "\n"


def show_code(*objects: Any):
    """Display the source of ``objects`` with syntax highlighting (in Jupyter), so that a
    chapter shows the very code the package runs. Returns an ``IPython.display.Code``
    (plain text outside Jupyter)."""
    from IPython.display import Code

    return Code(source(*objects), language="python")


def source_in_module(module: str, *names: str) -> str:
    """The source of top-level functions or classes of ``module``, read from its file
    without importing it: a backend's file (``genai_keras.backend.jax``) imports a library
    that may not be installed in this kernel.

    Raises:
        ValueError: no such module, no names given, or a name it does not define.
    """
    if not names:
        raise ValueError("Name at least one function or class of the module to show.")
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise ValueError(f"No Python source file for module {module!r}.")
    text = Path(spec.origin).read_text(encoding="utf-8")
    defined = {
        node.name: node
        for node in ast.parse(text).body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    missing = [n for n in names if n not in defined]
    if missing:
        raise ValueError(
            f"{module} defines no {', '.join(missing)}; it defines: {', '.join(sorted(defined))}."
        )
    return "\n\n".join(ast.get_source_segment(text, defined[n]) for n in names) + "\n"


def show_code_in_module(module: str, *names: str):
    """:func:`show_code` for :func:`source_in_module` (the module is not imported)."""
    from IPython.display import Code

    return Code(source_in_module(module, *names), language="python")
