"""Sphinx extension of the course site (loaded by docs/conf.py)."""

from __future__ import annotations

import inspect
from typing import Any


def _skip_reexported(app, what: str, name: str, obj: Any, skip: bool, options) -> bool | None:
    """Document a package's member where it is defined in that package, not again where
    another package only re-exports it (gk.models.gan re-exports gk.losses)."""
    module = getattr(obj, "__module__", None)
    current = app.env.temp_data.get("autodoc:module")
    if (
        what == "module"
        and current
        and isinstance(module, str)
        and not inspect.ismodule(obj)
        and not (module == current or module.startswith(current + "."))
    ):
        return True
    return None


def setup(app) -> dict[str, Any]:
    app.connect("autodoc-skip-member", _skip_reexported)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
