"""The GPU runner's wheelhouse check: can ``pip install --no-index --find-links DIR``
install what ``benchmarks/gpu.py`` needs? Names, wheels and their metadata.

Only the standard library (and pip's vendored ``packaging``) is imported: this runs before
anything is installed. ``benchmarks/gpu.py`` loads it by path and re-exports its names;
``scripts/make_wheelhouse.py`` reaches it through ``gpu.py``.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import sys
import zipfile
from pathlib import Path

# What the notebooks and this runner need besides a backend: nbval brings pytest's
# notebook plugin with jupyter-client, nbformat and ipykernel (the kernel); neither the
# `jupyter` meta-package nor nbclient/nbconvert is used here. scripts/make_wheelhouse.py
# downloads these (and their dependencies) plus the genai_keras wheel.
REQUIREMENTS = (
    "keras>=3.5",
    "numpy",
    "scipy",
    "matplotlib",
    "h5py",
    "ipykernel",
    "nbval>=0.11",
    "pytest>=8",
    "pytest-xdist>=3",
)  # pyproject's addopts pass --dist loadfile
PACKAGE = "genai_keras"
# Never installed, upgraded or removed by the runner: the machine's own CUDA builds.
PROTECTED = ("jax", "jaxlib", "torch", "tensorflow")
PROTECTED_PREFIXES = ("nvidia-", "jax-cuda", "jax-plugin")


class WheelhouseError(ValueError):
    """A wheelhouse folder that is missing, empty or lacks a package the runner needs."""


# ---------------------------------------------------------------------------------------
# Names, wheels and the wheelhouse check (standard library + pip's vendored packaging).


def _packaging():
    """``packaging`` (installed, or the copy inside pip): markers, tags, versions."""
    try:
        from packaging import markers, requirements, specifiers, tags, utils, version
    except ImportError:  # a bare GPU image may have pip but not packaging
        from pip._vendor.packaging import markers, requirements, specifiers, tags, utils, version
    return markers, requirements, specifiers, tags, utils, version


def canonical(name: str) -> str:
    """A distribution name as pip compares them: lower case, runs of ``-_.`` as ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def is_protected(name: str) -> bool:
    """Whether the runner must leave this distribution alone (jax, torch, nvidia-*, ...)."""
    name = canonical(name)
    return name in PROTECTED or name.startswith(PROTECTED_PREFIXES)


def _wheel_requires(path: Path) -> list[str]:
    """The ``Requires-Dist`` lines of a wheel's METADATA.

    Raises:
        WheelhouseError: the file is not a readable zip or has no ``*.dist-info/METADATA``
            (the message names the wheel).
    """
    fix = "delete it and make the wheelhouse again (python scripts/make_wheelhouse.py)"
    try:
        with zipfile.ZipFile(path) as archive:
            meta = [
                n
                for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if not meta:
                raise WheelhouseError(
                    f"wheel {path.name} in {path.parent} has no .dist-info/METADATA (not a "
                    f"complete wheel): {fix}"
                )
            text = archive.read(meta[0]).decode("utf-8", "replace")
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
        raise WheelhouseError(
            f"wheel {path.name} in {path.parent} could not be read ({type(err).__name__}: "
            f"{err}; a damaged or partly downloaded file): {fix}"
        ) from None
    headers = text.split("\n\n", 1)[0]
    return [
        line.split(":", 1)[1].strip()
        for line in headers.splitlines()
        if line.startswith("Requires-Dist:")
    ]


def check_wheelhouse(folder: str | Path, requirements=(*REQUIREMENTS, PACKAGE)) -> list[str]:
    """Check that ``pip install --no-index --find-links folder`` can install the runner's needs.

    Walks the dependency tree through the wheels' metadata, with this Python's markers and
    wheel tags, and collects every requirement no compatible wheel in ``folder`` meets.

    Args:
        folder: the wheelhouse (made by ``scripts/make_wheelhouse.py``).
        requirements: the top-level requirements (default: the runner's and genai_keras).

    Returns:
        The wheel files the install would use, best version per distribution.

    Raises:
        WheelhouseError: the folder is missing or empty, or the message names each missing
            distribution (and what needs it), wheels built for another Python or platform,
            or a protected distribution (jax, torch, ...) that installing would bring in.
    """
    markers, requirements_mod, _, tags, utils, version = _packaging()
    folder = Path(folder)
    if not folder.is_dir():
        raise WheelhouseError(
            f"wheelhouse {folder} does not exist: make it on a machine with network with "
            f"`python scripts/make_wheelhouse.py --dest {folder}` and copy it here"
        )
    supported = set(tags.sys_tags())
    wheels: dict[str, list] = {}  # name -> [(version, path, compatible)]
    for path in sorted(folder.glob("*.whl")):
        try:
            name, ver, _, wheel_tags = utils.parse_wheel_filename(path.name)
        except (utils.InvalidWheelFilename, version.InvalidVersion):
            continue
        wheels.setdefault(canonical(name), []).append(
            (ver, path, bool(supported & set(wheel_tags)))
        )
    if not wheels:
        raise WheelhouseError(
            f"wheelhouse {folder} holds no wheels (*.whl): make it with "
            f"`python scripts/make_wheelhouse.py --dest {folder}`"
        )

    problems: dict[str, tuple[str, list[str]]] = {}  # name -> (what is wrong, needed by)

    def problem(name: str, what: str, needed_by: str) -> None:
        problems.setdefault(name, (what, []))[1].append(needed_by)

    chosen: dict[str, Path] = {}
    env = markers.default_environment()
    queue = [(requirements_mod.Requirement(r), "the runner") for r in requirements]
    seen: set[tuple[str, str, frozenset]] = set()
    here = f"Python {platform.python_version()} on {platform.machine()}"
    while queue:
        req, needed_by = queue.pop(0)
        name = canonical(req.name)
        key = (name, str(req.specifier), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        if is_protected(name):
            try:
                importlib.metadata.version(req.name)
            except importlib.metadata.PackageNotFoundError:
                problem(
                    name,
                    f"{req} is not installed, and the runner never installs it: "
                    f"install the machine's CUDA build first",
                    needed_by,
                )
            continue
        candidates = wheels.get(name, [])
        fitting = [c for c in candidates if c[2] and req.specifier.contains(c[0], prereleases=True)]
        if not fitting:
            if not candidates:
                problem(name, f"{name}: missing", needed_by)
            elif not any(c[2] for c in candidates):
                problem(
                    name,
                    f"{name}: no wheel for this {here} (the wheelhouse has "
                    f"{', '.join(c[1].name for c in candidates)}; make it with "
                    f"--python-version {sys.version_info.major}.{sys.version_info.minor})",
                    needed_by,
                )
            else:
                problem(
                    name,
                    f"{name}{req.specifier}: the wheelhouse has only "
                    f"{', '.join(str(c[0]) for c in candidates)}",
                    needed_by,
                )
            continue
        ver, path, _ = max(fitting, key=lambda c: c[0])
        if name in chosen and not req.extras:
            continue
        chosen[name] = path
        for line in _wheel_requires(path):
            try:
                dep = requirements_mod.Requirement(line)
            except requirements_mod.InvalidRequirement as err:
                raise WheelhouseError(
                    f"wheel {path.name} in {folder} has a malformed Requires-Dist line "
                    f"{line!r} ({err}): rebuild or re-download that wheel, or delete it and "
                    f"make the wheelhouse again (python scripts/make_wheelhouse.py)"
                ) from None
            extras = req.extras or {""}
            if dep.marker is not None and not any(
                dep.marker.evaluate(dict(env, extra=extra)) for extra in extras
            ):
                continue
            queue.append((dep, f"{name} {ver}"))
    if problems:
        lines = [
            f"{what} (needed by {', '.join(dict.fromkeys(by))})" for what, by in problems.values()
        ]
        raise WheelhouseError(
            f"wheelhouse {folder} is incomplete for this {here}; not installing anything:\n  "
            + "\n  ".join(lines)
            + "\nadd the missing wheels (`pip download --only-binary=:all: "
            "-d DIR NAME` for the GPU machine's Python and platform), or rerun "
            "scripts/make_wheelhouse.py"
        )
    return sorted(chosen.values())
