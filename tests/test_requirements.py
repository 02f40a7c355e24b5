"""Dependency floors: one list (pyproject.toml), requirement files that agree with it, and a
clear refusal at import when an installed package is below its floor."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from genai_keras import _requirements

# Checks of the repository and its tools: no backend or library release changes them
# (CI runs them once, in the TensorFlow step; conftest.py).
pytestmark = pytest.mark.repo_tooling

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("floors_script", ROOT / "scripts" / "floors.py")
floors_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(floors_script)

ALL_EXTRAS = sorted(
    floors_script.tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
)


def requirement_lines(path: Path) -> dict[str, tuple[str, str]]:
    """Name -> (operator, version) of a requirements file (``-e .`` and comments skipped)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("#")[0].strip()
        if not text or text.startswith("-"):
            continue
        name, op, version = floors_script.parse_requirement(text)
        assert version is not None, f"{path.name}: {text!r} has no floor"
        found[name] = (op, version)
    return found


def test_every_dependency_in_pyproject_has_a_floor():
    floors = floors_script.declared(ALL_EXTRAS)
    for name in ["keras", "numpy", "scipy", "matplotlib", "h5py", "tensorflow", "jax", "torch"]:
        assert name in floors, f"{name} has no floor in pyproject.toml"
    for name in ["nbclient", "nbconvert", "ipykernel", "nbval", "pytest", "ruff"]:
        assert name in floors


def test_requirement_files_repeat_the_floors_of_pyproject():
    # Every extra but the maintainers' tools (`release`, `docs`: the website, `mutation`)
    # is in what users install.
    maintainers = ("release", "docs", "mutation")
    floors = floors_script.declared([e for e in ALL_EXTRAS if e not in maintainers])
    listed = requirement_lines(ROOT / "requirements.txt")
    listed.update(requirement_lines(ROOT / "requirements-backends.txt"))
    assert set(listed) == set(floors), (
        f"only in the requirement files: {sorted(set(listed) - set(floors))}; "
        f"only in pyproject.toml: {sorted(set(floors) - set(listed))}"
    )
    for name, (op, version) in listed.items():
        same = _requirements.release(version) == _requirements.release(floors[name])
        assert same, f"{name}: {op}{version} in a requirements file, floor {floors[name]}"


def test_floor_constraints_pin_each_package_at_its_floor(capsys):
    assert floors_script.main(["constraints", "--extras", "tensorflow", "notebooks"]) == 0
    lines = capsys.readouterr().out.split()
    floors = floors_script.declared(["tensorflow", "notebooks"])
    assert f"keras=={floors['keras']}" in lines and f"tensorflow=={floors['tensorflow']}" in lines
    assert f"nbconvert=={floors['nbconvert']}" in lines
    assert not any(line.startswith("pytest==") for line in lines)  # not an extra asked for


def test_floor_script_refuses_unknown_extras_and_unbounded_requirements():
    with pytest.raises(ValueError, match=r"unknown extras \['tensorfow'\]"):
        floors_script.declared(["tensorfow"])
    with pytest.raises(ValueError, match="only 'name>=floor'"):
        floors_script.parse_requirement("numpy<2")


def test_release_compares_versions_numerically():
    assert _requirements.release("3.15.1") > _requirements.release("3.8")
    assert _requirements.release("2.18.0") == _requirements.release("2.18")
    assert _requirements.release("2.13.0+cpu") == (2, 13)
    assert _requirements.release("2.18.1rc0") == (2, 18, 1)
    with pytest.raises(ValueError, match="cannot read the version 'abc'"):
        _requirements.release("abc")


def test_declared_floors_take_core_and_chosen_extras_only():
    requires = [
        "keras>=3.8",
        "numpy>=1.26.4",
        'tensorflow>=2.18.1; extra == "tensorflow"',
        'jax>=0.7.2; extra == "jax"',
        "ruff==0.17.6; extra == 'lint'",
    ]
    assert _requirements.declared_floors(requires) == {"keras": "3.8", "numpy": "1.26.4"}
    assert _requirements.declared_floors(requires, ("jax",))["jax"] == "0.7.2"
    assert "tensorflow" not in _requirements.declared_floors(requires, ("jax",))


def _fake_distribution(folder: Path, name: str, version: str) -> None:
    info = folder / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_import_refuses_a_keras_below_the_floor_with_the_fix(tmp_path):
    """A fresh process whose Keras metadata says 3.5.0 (put first on the path): ``import
    genai_keras`` stops before Keras loads, naming the package, both versions and the fix."""
    _fake_distribution(tmp_path, "keras", "3.5.0")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "KERAS_BACKEND": "tensorflow",
    }
    env.pop(_requirements.SKIP_VARIABLE, None)
    code = "import genai_keras, sys; print('imported'); print('keras' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "DependencyVersionError" in result.stderr
    floor = floors_script.declared([])["keras"]  # the metadata of the installed package
    assert f"keras 3.5.0 is installed; genai_keras needs keras>={floor}" in result.stderr
    assert f"Fix: pip install --upgrade 'keras>={floor}'" in result.stderr
    # The escape hatch for an untested stack imports the package.
    env[_requirements.SKIP_VARIABLE] = "1"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "imported" in result.stdout


def test_the_backend_in_use_is_checked_and_the_others_are_not(monkeypatch):
    versions = {"keras": "3.15.1", "numpy": "2.4.0", "jax": "0.4.30", "tensorflow": "2.21.0"}
    monkeypatch.setattr(_requirements.metadata, "version", lambda name: versions[name])
    monkeypatch.setattr(
        _requirements.metadata,
        "requires",
        lambda name: ["keras>=3.8", "numpy>=1.26.4", 'jax>=0.7.2; extra == "jax"'],
    )
    monkeypatch.delenv(_requirements.SKIP_VARIABLE, raising=False)
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    _requirements.check_installed_versions()  # JAX is old, but not in use
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    with pytest.raises(_requirements.DependencyVersionError, match=r"jax 0\.4\.30 is installed"):
        _requirements.check_installed_versions()


def test_the_course_runner_refuses_an_old_nbclient_before_running(monkeypatch, tmp_path, capsys):
    from genai_keras import notebook_runner

    versions = {"nbclient": "0.9.0", "keras": "3.15.1"}
    monkeypatch.setattr(_requirements.metadata, "version", lambda name: versions.get(name, "99"))
    monkeypatch.setattr(
        _requirements.metadata,
        "requires",
        lambda name: ["keras>=3.13", 'nbclient>=0.10; extra == "notebooks"'],
    )
    monkeypatch.delenv(_requirements.SKIP_VARIABLE, raising=False)
    out = tmp_path / "runs"
    assert notebook_runner.main(["run-notebooks", "--fast", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nbclient 0.9.0 is installed; genai_keras needs nbclient>=0.10" in err
    assert "pip install --upgrade 'nbclient>=0.10'" in err
    assert not out.exists()  # refused before anything ran or was written
