"""The release artefacts: the wheel holds the package, its assets and checkpoints (what a
user who runs `pip install genai_keras` needs) and nothing of the repository's tests,
benchmarks or scripts; the metadata carries the README, the license and the floors."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest

from genai_keras import _requirements

# Checks of the repository and its tools: no backend or library release changes them
# (CI runs them once, in the TensorFlow step; conftest.py).
pytestmark = pytest.mark.repo_tooling

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "genai_keras"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the package's sources (the repository is not touched)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ["pyproject.toml", "README.md", "LICENSE"]:
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / "genai_keras", ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    if _setuptools_release() >= (77,):  # what pyproject's build-system asks for: no download
        command.append("--no-build-isolation")
    result = subprocess.run(
        [*command, "-w", str(work / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (found,) = (work / "dist").glob("genai_keras-*.whl")
    return found


def _setuptools_release() -> tuple[int, ...]:
    try:
        return _requirements.release(metadata.version("setuptools"))
    except metadata.PackageNotFoundError:
        return (0,)


def package_files() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_the_wheel_holds_the_package_assets_and_checkpoints_only(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = package_files() - names
    assert not missing, f"files of genai_keras/ missing from the wheel: {sorted(missing)}"
    checkpoints = {n for n in names if n.startswith("genai_keras/assets/checkpoints/")}
    assert "genai_keras/assets/checkpoints/manifest.json" in checkpoints
    assert sum(n.endswith(".npz") for n in checkpoints) >= 10
    assert "genai_keras/assets/feature_net.weights.h5" in names
    outside = sorted(
        n for n in names if not n.startswith(("genai_keras/", "genai_keras-"))
    )  # tests/, benchmarks/, scripts/, notebooks/ ...
    assert not outside, f"the wheel carries files outside the package: {outside[:10]}"


def test_the_wheel_metadata_has_readme_license_and_floors(wheel):
    archive = zipfile.ZipFile(wheel)
    (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    metadata = Parser().parsestr(archive.read(metadata_name).decode())
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "# genai_keras" in metadata.get_payload()
    requires = metadata.get_all("Requires-Dist")
    assert any(r.startswith("keras>=3.") for r in requires)
    assert any(r.startswith("tensorflow>=") and 'extra == "tensorflow"' in r for r in requires)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in archive.namelist())
