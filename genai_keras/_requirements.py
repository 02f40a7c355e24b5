"""Refuse, at ``import genai_keras``, a dependency older than the floor the package declares.

The floors live in one place, the package metadata (pyproject.toml); this module reads
them back with :mod:`importlib.metadata` (it imports neither Keras nor any backend), so a
too-old Keras in a user's environment gets one message naming the package, the version
found, the version needed and the command that fixes it, before anything fails obscurely.

Checked: the core dependencies, the backend Keras will use (``KERAS_BACKEND``, default
TensorFlow) and, for the course runner, the ``notebooks`` extra. Set
``GENAI_KERAS_SKIP_VERSION_CHECK=1`` to skip the check (at your own risk: an untested stack).
"""

from __future__ import annotations

import os
import re
from importlib import metadata

SKIP_VARIABLE = "GENAI_KERAS_SKIP_VERSION_CHECK"
_BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


class DependencyVersionError(ImportError):
    """An installed dependency is older than the floor genai_keras declares."""


def release(version: str) -> tuple[int, ...]:
    """The numeric release of a version string: ``"2.18.1rc0+cpu"`` -> (2, 18, 1)."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", version)
    if not match:
        raise ValueError(f"cannot read the version {version!r}")
    parts = [int(p) for p in match.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def declared_floors(requirements: list[str], extras: tuple[str, ...] = ()) -> dict[str, str]:
    """Name -> floor from ``Requires-Dist`` lines: the core ones and those of ``extras``."""
    floors = {}
    for line in requirements:
        spec, _, marker = line.partition(";")
        extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
        if extra and extra.group(1) not in extras:
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)", spec)
        if not match:
            continue
        floor = re.search(r">=\s*([0-9][0-9A-Za-z.]*)", match.group(2))
        if floor:
            floors[match.group(1).lower()] = floor.group(1)
    return floors


def too_old(floors: dict[str, str]) -> list[tuple[str, str, str]]:
    """(package, found, floor) for every installed package below its floor."""
    problems = []
    for name, floor in floors.items():
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # not installed: the import that needs it says so itself
        if release(found) < release(floor):
            problems.append((name, found, floor))
    return problems


def message(problems: list[tuple[str, str, str]]) -> str:
    """One error message for every package below its floor, with the command that fixes it."""
    lines = [
        f"  {name} {found} is installed; genai_keras needs {name}>={floor}"
        for name, found, floor in problems
    ]
    fix = " ".join(f"'{name}>={floor}'" for name, _, floor in problems)
    return (
        "genai_keras needs newer releases of some packages:\n"
        + "\n".join(lines)
        + f"\nFix: pip install --upgrade {fix}\n"
        "(then restart the kernel or the Python process). "
        f"Set {SKIP_VARIABLE}=1 to skip this check on an untested stack."
    )


def check_installed_versions(extras: tuple[str, ...] = ()) -> None:
    """Raise :class:`DependencyVersionError` if a declared dependency is below its floor.

    Checks the core dependencies, the backend package of ``KERAS_BACKEND`` and ``extras``;
    does nothing when genai_keras has no metadata (run from a bare source folder).
    """
    if os.environ.get(SKIP_VARIABLE, "").strip() not in ("", "0"):
        return
    try:
        requirements = metadata.requires("genai_keras") or []
    except metadata.PackageNotFoundError:
        return
    backend = os.environ.get("KERAS_BACKEND", "tensorflow").strip().lower()
    wanted = tuple(extras) + ((_BACKEND_PACKAGES[backend],) if backend in _BACKEND_PACKAGES else ())
    problems = too_old(declared_floors(requirements, wanted))
    if problems:
        raise DependencyVersionError(message(problems))
