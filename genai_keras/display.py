"""Show the package's code in a notebook, where a chapter teaches it."""

from __future__ import annotations

import inspect
import textwrap
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
            raise ValueError(f"No Python source for {obj!r}: pass a function, method or "
                             f"class defined in a .py file.") from None
    return "\n\n".join(parts) + "\n"


def show_code(*objects: Any):
    """Display the source of ``objects`` with syntax highlighting (in Jupyter), so that a
    chapter shows the very code the package runs. Returns an ``IPython.display.Code``
    (plain text outside Jupyter)."""
    from IPython.display import Code

    return Code(source(*objects), language="python")
