"""The GPU runner (issue 34): flags checked before anything is probed or installed,
``--help`` installs and probes nothing, wheelhouse errors name the wheel, ``gpu.json``
merges runs and a smoke run never replaces a GPU result. Nothing is installed here: pip
and the GPU probes are replaced by fakes that record their calls."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# Checks of the repository and its tools: no backend or library release changes them
# (CI runs them once, in the TensorFlow step; conftest.py).
pytestmark = pytest.mark.repo_tooling

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / ".ci" / "gpu"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gpu = _load("_gpu_runner_flags_under_test", ROOT / "benchmarks" / "gpu.py")


def _fake_tools(folder: Path, gpus: str) -> dict:
    """An environment whose ``nvidia-smi`` lists ``gpus`` and whose ``$PYTHON`` only logs
    its arguments (so .ci/gpu can never install or run anything for real)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nvidia-smi").write_text(f"#!/bin/sh\nprintf '%s' '{gpus}'\n")
    (folder / "python").write_text(f'#!/bin/sh\necho "$@" >> {folder / "calls.log"}\n')
    for tool in ("nvidia-smi", "python"):
        (folder / tool).chmod(0o755)
    return dict(
        os.environ, PATH=f"{folder}{os.pathsep}{os.environ['PATH']}", PYTHON=str(folder / "python")
    )


def _calls(folder: Path) -> str:
    log = folder / "calls.log"
    return log.read_text() if log.exists() else ""


def _ci(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(RUNNER), *args], env=env, capture_output=True, text=True, timeout=120
    )


# --------------------------------------------------------------------------- --help
@pytest.mark.parametrize("gpus", ["GPU 0: Fake H100", ""])
def test_help_prints_usage_and_installs_or_probes_nothing(tmp_path, gpus):
    env = _fake_tools(tmp_path / "bin", gpus)
    proc = _ci(["--help"], env)
    assert proc.returncode == 0, proc.stderr
    assert "GPU runner: every notebook in default mode" in proc.stdout
    assert "--wheelhouse DIR" in proc.stdout and "no GPU visible" not in proc.stderr
    assert _calls(tmp_path / "bin").split() == ["benchmarks/gpu.py", "--help"]
    real = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert real.returncode == 0 and "--cell-timeout" in real.stdout


@pytest.mark.parametrize("flag", [["--wheelhouse="], ["--wheelhouse", ""], ["--target="]])
def test_empty_wheelhouse_or_target_is_refused_before_installing(tmp_path, flag):
    env = _fake_tools(tmp_path / "bin", "GPU 0: Fake H100")
    proc = _ci(flag, env)
    assert proc.returncode == 2 and "needs a folder" in proc.stderr, proc.stderr
    assert _calls(tmp_path / "bin") == ""  # no pip install from the package index


def test_empty_wheelhouse_is_refused_by_gpu_py(monkeypatch, capsys):
    monkeypatch.setattr(gpu, "install", lambda *a, **k: pytest.fail("installed from the index"))
    with pytest.raises(SystemExit) as stop:
        gpu.main(["--install", "--wheelhouse="])
    assert stop.value.code == 2 and "--wheelhouse needs a folder" in capsys.readouterr().err


def _no_probe(monkeypatch):
    def probed(*args, **kwargs):
        raise AssertionError("probed the GPU or ran a chapter before checking the flags")

    for name in ("gpu_check", "run_notebook", "gpu_names", "backend_devices"):
        monkeypatch.setattr(gpu, name, probed)


@pytest.mark.parametrize("value", ["-5", "0", "1.5", "soon"])
def test_bad_cell_timeout_is_refused_up_front(monkeypatch, capsys, value):
    _no_probe(monkeypatch)
    with pytest.raises(SystemExit) as stop:
        gpu.main(["--only", "00", "--cell-timeout", value])
    assert stop.value.code == 2
    assert "must be a whole number of seconds >= 1" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["folder", "under a file"])
def test_bad_out_is_refused_before_any_chapter(tmp_path, monkeypatch, capsys, where):
    _no_probe(monkeypatch)
    afile = tmp_path / "afile"
    afile.write_text("keep")
    out = tmp_path if where == "folder" else afile / "gpu.json"
    with pytest.raises(SystemExit) as stop:
        gpu.main(["--only", "00", "--allow-cpu", "--out", str(out)])
    assert stop.value.code == 2
    assert ("is a folder" if where == "folder" else "which is a file") in capsys.readouterr().err


def test_ci_gpu_checks_flags_before_probing_or_installing(tmp_path):
    env = _fake_tools(tmp_path / "bin", "")  # no GPU: a bad flag is named first anyway
    env["PYTHON"] = sys.executable
    proc = _ci(["--only", "42"], env)
    assert proc.returncode == 2 and "no chapter 42" in proc.stderr, proc.stderr
    assert "no GPU visible" not in proc.stderr


# ------------------------------------------------------------------------- wheelhouse
def _wheel(folder: Path, name: str, meta: str | None, body: bytes | None = None) -> Path:
    path = folder / f"{name}-1.0-py3-none-any.whl"
    if body is not None:
        path.write_bytes(body)
        return path
    with zipfile.ZipFile(path, "w") as archive:
        if meta is not None:
            archive.writestr(f"{name}-1.0.dist-info/METADATA", meta)
        archive.writestr(f"{name}/__init__.py", "")
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("corrupt", r"wheel keras-1\.0-py3-none-any\.whl in .* could not be read"),
        ("no metadata", r"wheel keras-1\.0-py3-none-any\.whl in .* has no \.dist-info/METADATA"),
        ("bad requires", r"wheel keras-1\.0-py3-none-any\.whl in .* malformed Requires-Dist"),
    ],
)
def test_broken_wheels_are_named(tmp_path, kind, message):
    if kind == "corrupt":
        _wheel(tmp_path, "keras", None, body=b"PK\x03\x04 not really a zip")
    elif kind == "no metadata":
        _wheel(tmp_path, "keras", None)
    else:
        meta = "Metadata-Version: 2.1\nName: keras\nVersion: 1.0\nRequires-Dist: numpy >>= 1\n\n"
        _wheel(tmp_path, "keras", meta)
    with pytest.raises(gpu.WheelhouseError, match=message):
        gpu.check_wheelhouse(tmp_path, requirements=("keras",))


# ---------------------------------------------------------------------- gpu.json merges
def _fake_machine(monkeypatch, on_gpu: bool, seconds: float):
    monkeypatch.setattr(gpu, "gpu_names", lambda: ["Fake H100, 80 GiB"] if on_gpu else [])
    monkeypatch.setattr(
        gpu,
        "backend_devices",
        lambda b: {"gpu": on_gpu, "devices": ["cuda:0" if on_gpu else "cpu"]},
    )
    monkeypatch.setattr(gpu, "machine", lambda: {"gpus": ["Fake"] if on_gpu else []})
    cells = [{"cell": 0, "seconds": seconds, "outcome": "passed"}]
    monkeypatch.setattr(gpu, "run_notebook", lambda path, backend, timeout: (seconds, True, cells))


def test_a_rerun_of_one_chapter_keeps_the_others(tmp_path, monkeypatch):
    out = tmp_path / "gpu.json"
    _fake_machine(monkeypatch, on_gpu=True, seconds=10.0)
    assert gpu.main(["--backends", "jax", "--only", "00", "01", "--out", str(out)]) == 0
    _fake_machine(monkeypatch, on_gpu=True, seconds=20.0)
    assert gpu.main(["--backends", "jax", "--only", "01", "--out", str(out)]) == 0
    runs = json.loads(out.read_text())["runs"]
    assert runs["jax/00"]["seconds"] == 10.0 and runs["jax/01"]["seconds"] == 20.0


def test_a_smoke_run_never_replaces_a_gpu_result(tmp_path, monkeypatch, capsys):
    out = tmp_path / "gpu.json"
    _fake_machine(monkeypatch, on_gpu=True, seconds=10.0)
    assert gpu.main(["--backends", "jax", "--only", "00", "--out", str(out)]) == 0
    _fake_machine(monkeypatch, on_gpu=False, seconds=99.0)
    assert gpu.main(["--backends", "jax", "--only", "00", "--allow-cpu", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["runs"]["jax/00"]["seconds"] == 10.0 and data["runs"]["jax/00"]["device"] == "gpu"
    assert data["gpu"]["used"] is True  # the file still describes the GPU run
    assert "kept the GPU result of jax/00" in capsys.readouterr().out


def test_a_smoke_run_without_out_writes_elsewhere(tmp_path, monkeypatch):
    default, smoke = tmp_path / "results" / "gpu.json", tmp_path / "runs" / "gpu-smoke.json"
    monkeypatch.setattr(gpu, "DEFAULT_OUT", default)
    monkeypatch.setattr(gpu, "SMOKE_OUT", smoke, raising=False)
    _fake_machine(monkeypatch, on_gpu=False, seconds=5.0)
    assert gpu.main(["--backends", "jax", "--only", "00", "--allow-cpu"]) == 0
    assert not default.exists() and json.loads(smoke.read_text())["gpu"]["used"] is False
