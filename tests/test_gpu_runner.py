"""The GPU runner on CPU: wheelhouse checks, the no-GPU refusal, per-cell seconds.

``.ci/gpu`` and ``benchmarks/gpu.py`` (issue 22). The quick tests use small synthetic
wheels and a fake ``nvidia-smi``; they never install anything. The real offline check
(a wheelhouse for this Python, a fresh venv installed with ``--no-index`` only, chapter 00
through nbval with ``--allow-cpu``) is slow and runs only when GENAI_KERAS_WHEELHOUSE
names a folder (made there by ``scripts/make_wheelhouse.py --local --cpu-backend jax``
when it holds no wheelhouse yet).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
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


gpu = _load("_gpu_runner_under_test", ROOT / "benchmarks" / "gpu.py")


def make_wheel(
    folder: Path, name: str, version: str = "1.0", requires=(), tag: str = "py3-none-any"
) -> Path:
    """A minimal wheel file: just enough METADATA for the wheelhouse check."""
    path = folder / f"{name}-{version}-{tag}.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}-{version}.dist-info/METADATA", meta + "\n")
    return path


def fake_nvidia_smi(folder: Path, listing: str = "") -> dict:
    """An environment whose ``nvidia-smi`` lists ``listing`` (nothing: no GPU)."""
    folder.mkdir(parents=True, exist_ok=True)
    tool = folder / "nvidia-smi"
    tool.write_text(f"#!/bin/sh\nprintf '%s' '{listing}'\n")
    tool.chmod(0o755)
    return dict(os.environ, PATH=f"{folder}{os.pathsep}{os.environ['PATH']}")


# --- the wheelhouse check ---------------------------------------------------------------


def test_missing_wheelhouse_is_named(tmp_path):
    with pytest.raises(gpu.WheelhouseError, match=r"nope does not exist.*make_wheelhouse"):
        gpu.check_wheelhouse(tmp_path / "nope")


def test_empty_wheelhouse_is_refused(tmp_path):
    with pytest.raises(gpu.WheelhouseError, match=r"holds no wheels"):
        gpu.check_wheelhouse(tmp_path)


def test_incomplete_wheelhouse_names_each_missing_package(tmp_path):
    make_wheel(
        tmp_path,
        "alpha",
        requires=[
            "beta>=2",
            "gamma",
            "delta; sys_platform == 'nowhere'",
            "epsilon; extra == 'docs'",
        ],
    )
    make_wheel(tmp_path, "beta", "1.5")
    make_wheel(tmp_path, "zeta")
    with pytest.raises(gpu.WheelhouseError) as error:
        gpu.check_wheelhouse(tmp_path, requirements=("alpha", "zeta", "omega"))
    message = str(error.value)
    assert "gamma: missing (needed by alpha 1.0)" in message
    assert "beta>=2: the wheelhouse has only 1.5 (needed by alpha 1.0)" in message
    assert "omega: missing (needed by the runner)" in message
    assert "delta" not in message and "epsilon" not in message  # markers and extras
    assert "zeta" not in message


def test_complete_wheelhouse_returns_the_wheels(tmp_path):
    make_wheel(tmp_path, "alpha", requires=["Beta_Pkg[fast]"])
    make_wheel(tmp_path, "beta.pkg", "3.0", requires=["gamma; extra == 'fast'"])
    make_wheel(tmp_path, "gamma")
    used = gpu.check_wheelhouse(tmp_path, requirements=("alpha",))
    assert [p.name.split("-")[0] for p in used] == ["alpha", "beta.pkg", "gamma"]


def test_wheels_for_another_python_are_named(tmp_path):
    make_wheel(tmp_path, "alpha", tag="cp27-cp27m-manylinux1_x86_64")
    with pytest.raises(
        gpu.WheelhouseError, match=r"alpha: no wheel for this Python .*--python-version"
    ):
        gpu.check_wheelhouse(tmp_path, requirements=("alpha",))


def test_protected_package_is_never_installed(tmp_path):
    make_wheel(tmp_path, "alpha", requires=["nvidia-cublas-cu99"])
    make_wheel(tmp_path, "nvidia_cublas_cu99")
    with pytest.raises(
        gpu.WheelhouseError,
        match=r"nvidia-cublas-cu99 is not installed, and the runner never installs it",
    ):
        gpu.check_wheelhouse(tmp_path, requirements=("alpha",))


def test_install_command_is_offline_and_leaves_backends_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu, "check_wheelhouse", lambda folder: [])
    command = gpu.install(str(tmp_path), target=str(tmp_path / "site"), dry_run=True)
    assert command[command.index("--find-links") + 1] == str(tmp_path)
    assert "--no-index" in command and "--target" in command and "genai_keras" in command
    assert not any(gpu.is_protected(arg.split(">")[0]) for arg in command[3:])
    online = gpu.install(dry_run=True)
    assert "--no-index" not in online and f"--editable={ROOT}" in online


def test_runner_stops_on_incomplete_wheelhouse_before_installing(tmp_path):
    make_wheel(tmp_path, "unrelated_pkg")
    env = fake_nvidia_smi(tmp_path / "bin", "GPU 0: Fake")
    proc = subprocess.run(
        ["bash", str(RUNNER), "--wheelhouse", str(tmp_path)],
        env=dict(env, PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "is incomplete" in proc.stderr and "keras: missing (needed by the runner)" in proc.stderr
    assert "genai-keras: missing" in proc.stderr and "pip install" not in proc.stdout


def test_runner_names_a_missing_wheelhouse(tmp_path):
    env = fake_nvidia_smi(tmp_path / "bin", "GPU 0: Fake")
    proc = subprocess.run(
        ["bash", str(RUNNER), "--wheelhouse", str(tmp_path / "absent")],
        env=dict(env, PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "absent does not exist" in proc.stderr


# --- no GPU -----------------------------------------------------------------------------


def test_runner_refuses_without_a_gpu(tmp_path):
    env = fake_nvidia_smi(tmp_path / "bin")  # lists nothing
    proc = subprocess.run(
        ["bash", str(RUNNER), "--only", "00"],
        env=dict(env, PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "no GPU visible" in proc.stderr and "--allow-cpu" in proc.stderr
    out = tmp_path / "gpu.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--only", "00", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "no GPU visible" in proc.stderr
    assert not out.exists()


def test_backend_without_gpu_is_refused(monkeypatch):
    monkeypatch.setattr(gpu, "gpu_names", lambda: ["Fake GPU, 80 GiB"])
    monkeypatch.setattr(
        gpu, "backend_devices", lambda b: {"gpu": b == "torch", "devices": ["cpu:0"]}
    )
    with pytest.raises(SystemExit, match=r"no GPU for jax: jax sees cpu:0"):
        gpu.gpu_check(["jax", "torch"], allow_cpu=False)
    assert gpu.gpu_check(["torch"], allow_cpu=False)["used"] is True
    report = gpu.gpu_check(["jax"], allow_cpu=True)
    assert report["used"] is False and report["allow_cpu"] is True


def test_allow_cpu_records_that_no_gpu_was_used(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu, "gpu_names", list)
    monkeypatch.setattr(gpu, "backend_devices", lambda b: {"gpu": False, "devices": ["cpu:0"]})
    cells = [
        {"cell": 0, "seconds": 0.5, "outcome": "passed"},
        {"cell": 1, "seconds": 2.0, "outcome": "passed"},
    ]
    monkeypatch.setattr(gpu, "run_notebook", lambda path, backend, timeout: (3.25, True, cells))
    out = tmp_path / "gpu.json"
    assert (
        gpu.main(["--only", "00", "--backends", "jax", "torch", "--allow-cpu", "--out", str(out)])
        == 0
    )
    result = json.loads(out.read_text())
    assert result["gpu"]["used"] is False and result["gpu"]["allow_cpu"] is True
    assert set(result["runs"]) == {"jax/00", "torch/00"}
    run = result["runs"]["jax/00"]
    assert run["seconds"] == 3.2 and run["passed"] and run["device"] == "cpu"
    assert run["cells"] == cells and [c["cell"] for c in run["slowest"]] == [1, 0]


# --- per-cell seconds -------------------------------------------------------------------

JUNIT = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="4"'
    ' time="9.9">\n'
    '<testcase classname="notebooks.x.ipynb" name="Cell 0" time="4.250" />\n'
    '<testcase classname="notebooks.x.ipynb" name="Cell 2" time="0.010">'
    '<skipped message="skip" /></testcase>\n'
    '<testcase classname="notebooks.x.ipynb" name="Cell 1" time="5.125">'
    '<failure message="boom">trace</failure></testcase>\n'
    '<testcase classname="notebooks.x.ipynb" name="Cell 3" time="0.5">'
    '<error message="teardown" /></testcase>\n'
    "</testsuite></testsuites>\n"
)


def test_parse_junit_reads_each_cell(tmp_path):
    xml = tmp_path / "cells.xml"
    xml.write_text(JUNIT)
    notebook = tmp_path / "x.ipynb"
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": "code", "source": ["import genai_keras as gk\n"]},
                    {"cell_type": "markdown", "source": "# Title"},
                    {"cell_type": "code", "source": "# NBVAL_CHECK_OUTPUT\nprint(x.shape)"},
                    {"cell_type": "code", "source": ""},
                ]
            }
        )
    )
    cells = gpu.parse_junit(xml, notebook)
    assert [c["cell"] for c in cells] == [0, 1, 2, 3]
    assert [c["outcome"] for c in cells] == ["passed", "failed", "skipped", "error"]
    assert cells[0] == {
        "cell": 0,
        "seconds": 4.25,
        "outcome": "passed",
        "source": "import genai_keras as gk",
    }
    assert cells[1]["source"] == "print(x.shape)" and cells[2]["source"] == ""
    assert "source" not in cells[3]  # more tests than code cells: no source to show
    assert [c["cell"] for c in gpu.slowest(cells, 2)] == [1, 0]


def test_parse_junit_without_a_file_is_empty(tmp_path):
    assert gpu.parse_junit(tmp_path / "none.xml") == []
    (tmp_path / "bad.xml").write_text("<testsuites")
    assert gpu.parse_junit(tmp_path / "bad.xml") == []


def test_default_wheelhouse_is_git_ignored():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    proc = subprocess.run(
        ["git", "check-ignore", "-q", "wheelhouse/keras-3.0-py3-none-any.whl"], cwd=ROOT
    )
    assert proc.returncode == 0


# --- the real offline path (slow; GENAI_KERAS_WHEELHOUSE=DIR) -----------------------------


def _offline_env() -> dict:
    """No pip configuration (no local index, no find-links): only what the command names."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    return env


def test_offline_install_of_the_project_wheel_from_a_small_wheelhouse(tmp_path):
    """Always run (CI too): a wheelhouse built here holding the project's own wheel installs
    with no index and no network, and the installed package (not the checkout) carries its
    shipped files and starts the course runner without a deep-learning framework. The full
    wheelhouse (Keras, a backend, chapter 00) is the GENAI_KERAS_WHEELHOUSE test below."""
    env = _offline_env()
    source = tmp_path / "source"  # a clean copy: no build/ or egg-info left by another build
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "genai_keras", source / "genai_keras", ignore=shutil.ignore_patterns("__pycache__")
    )
    folder = tmp_path / "wheelhouse"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--wheel-dir",
            str(folder),
            str(source),
        ],
        check=True,
        env=env,
        cwd=tmp_path,
    )
    wheels = sorted(p.name for p in folder.glob("*.whl"))
    assert len(wheels) == 1 and wheels[0].startswith("genai_keras-"), wheels
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--find-links",
            str(folder),
            "--target",
            str(target),
            "genai_keras",
        ],
        check=True,
        env=env,
    )
    probe = (
        "import json, sys, genai_keras, genai_keras.notebook_runner\n"
        "from genai_keras import weights\n"
        "from pathlib import Path\n"
        "root = Path(genai_keras.__file__).parent\n"
        "print(json.dumps({'file': genai_keras.__file__,"
        " 'manifest': (root / 'assets/checkpoints/manifest.json').is_file(),"
        " 'checkpoints': len(list((root / 'assets/checkpoints').glob('*.npz'))),"
        " 'feature_net': (root / 'assets/feature_net.weights.h5').is_file(),"
        " 'keras': 'keras' in sys.modules}))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        env=dict(env, PYTHONPATH=str(target), TF_CPP_MIN_LOG_LEVEL="3"),
    ).stdout
    found = json.loads(shown.strip().splitlines()[-1])
    assert found["file"].startswith(str(target)), found  # the wheel, not the checkout
    assert found["manifest"] and found["feature_net"] and found["checkpoints"] >= 10, found
    assert found["keras"] is False, found
    runner = subprocess.run(
        [sys.executable, "-m", "genai_keras", "run-notebooks", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(env, PYTHONPATH=str(target)),
    )
    assert runner.returncode == 0 and "--only" in runner.stdout, runner.stderr


@pytest.mark.skipif(
    not os.environ.get("GENAI_KERAS_WHEELHOUSE"),
    reason="set GENAI_KERAS_WHEELHOUSE=DIR to install offline from a wheelhouse",
)
def test_offline_install_and_chapter_00_from_a_wheelhouse(tmp_path):
    folder = Path(os.environ["GENAI_KERAS_WHEELHOUSE"]).resolve()
    backend = os.environ.get("GENAI_KERAS_WHEELHOUSE_BACKEND", "jax")
    timings = {}
    if not (folder / "wheelhouse.json").exists():
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "make_wheelhouse.py"),
                "--local",
                "--cpu-backend",
                backend,
                "--dest",
                str(folder),
            ],
            check=True,
        )
        timings["make_wheelhouse_s"] = round(time.perf_counter() - start, 1)
    timings["wheelhouse_mib"] = round(
        sum(p.stat().st_size for p in folder.glob("*.whl")) / 2**20, 1
    )
    env = _offline_env()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    python = str(venv / "bin" / "python")

    start = time.perf_counter()  # the backend's CPU build: this CPU test only
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
            str(folder),
            backend,
        ],
        check=True,
        env=env,
    )
    timings["install_backend_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()  # what .ci/gpu --wheelhouse runs first
    subprocess.run(
        [python, str(ROOT / "benchmarks" / "gpu.py"), "--install", "--wheelhouse", str(folder)],
        check=True,
        env=env,
    )
    timings["install_runner_s"] = round(time.perf_counter() - start, 1)

    probe = (
        "import keras, genai_keras, nbval; print(keras.__version__, keras.backend.backend(), "
        "genai_keras.__file__)"
    )
    shown = subprocess.run(
        [python, "-c", probe],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        env=dict(env, KERAS_BACKEND=backend),
    ).stdout
    assert str(venv) in shown and backend in shown, shown  # the wheel, not the checkout

    out = tmp_path / "gpu.json"
    start = time.perf_counter()
    proc = subprocess.run(
        [
            "bash",
            str(RUNNER),
            "--wheelhouse",
            str(folder),
            "--allow-cpu",
            "--only",
            "00",
            "--backends",
            backend,
            "--out",
            str(out),
        ],
        env=dict(env, PYTHON=python),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    timings["runner_s"] = round(time.perf_counter() - start, 1)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    run = result["runs"][f"{backend}/00"]
    assert run["passed"] and run["device"] == "cpu" and result["gpu"]["used"] is False
    assert len(run["cells"]) >= 5 and run["slowest"][0]["seconds"] >= run["slowest"][-1]["seconds"]
    timings["notebook_00_s"] = run["seconds"]
    print("offline wheelhouse check:", json.dumps(timings))
