"""The declared dependency floors, from pyproject.toml: as a constraints file, or checked.

    python scripts/floors.py constraints --extras tensorflow notebooks test > floors.txt
    uv pip install -c floors.txt -e ".[tensorflow,notebooks,test]"   # exactly the floors
    python scripts/floors.py check --extras tensorflow notebooks test   # installed == floors

pyproject.toml is the one place that lists the floors (``name>=X`` in ``dependencies`` and
``optional-dependencies``); CI's floor job installs exactly them, so each floor is a
release the course was tested on. ``check`` exits 1 naming every package that is not at
its floor (what a resolver may do when another package needs a newer release).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")


def canonical(name: str) -> str:
    """A distribution name as package indexes compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(text: str) -> tuple[str, str | None, str | None]:
    """``"keras>=3.8 ; marker"`` -> ("keras", ">=", "3.8"); no version -> (name, None, None)."""
    text = text.split(";")[0].split("#")[0].strip()
    match = _REQUIREMENT.match(text)
    if not match:
        raise ValueError(f"cannot read the requirement {text!r}: write it as 'name>=version'")
    name, spec = match.group(1), match.group(2).strip()
    if not spec:
        return canonical(name), None, None
    op = re.match(r"(==|>=)\s*([0-9][0-9A-Za-z.+]*)$", spec)
    if not op:
        raise ValueError(
            f"requirement {text!r}: only 'name>=floor' (or '==' for a pinned tool) is used in "
            "this project, so that the floor job can install the floor"
        )
    return canonical(name), op.group(1), op.group(2)


def declared(extras: list[str], pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """Package -> floor (or pin) for the core dependencies and the given extras."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    unknown = sorted(set(extras) - set(optional))
    if unknown:
        raise ValueError(f"unknown extras {unknown}; pyproject.toml declares {sorted(optional)}")
    floors: dict[str, str] = {}
    for text in project["dependencies"] + [r for extra in extras for r in optional[extra]]:
        name, _op, version = parse_requirement(text)
        if version is None:
            raise ValueError(f"{name} has no floor in pyproject.toml: add '>=<oldest tested>'")
        floors[name] = version
    return floors


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def check(extras: list[str]) -> list[str]:
    """Lines naming every declared package whose installed version is not its floor."""
    problems = []
    for name, floor in declared(extras).items():
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}: not installed (floor {floor})")
            continue
        want = _release(floor)
        if _release(found)[: len(want)] != want:
            problems.append(f"{name}: {found} installed, floor {floor}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["constraints", "check"])
    parser.add_argument("--extras", nargs="*", default=[], help="extras of pyproject.toml")
    args = parser.parse_args(argv)
    if args.command == "constraints":
        for name, floor in declared(args.extras).items():
            print(f"{name}=={floor}")
        return 0
    problems = check(args.extras)
    for line in problems:
        print("not at its floor:", line, file=sys.stderr)
    if not problems:
        print(f"every declared package is at its floor ({len(declared(args.extras))} checked)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
