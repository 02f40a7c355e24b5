"""``benchmarks/mutation.py``: every test it selects exists and reaches mutmut's config.

A selected test that silently drops out of the run turns its module's mutants into "no
tests" survivors (node IDs such as ``tests/test_x.py::test_y`` once did), so the score
would measure a smaller suite than the one the script lists.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.repo_tooling


@pytest.fixture(scope="module")
def mutation():
    spec = importlib.util.spec_from_file_location("mutation", ROOT / "benchmarks" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("mutation", None)


def test_every_selected_test_file_and_test_exists(mutation):
    for name, (_, tests, _) in mutation.MODULES.items():
        for entry in tests:
            if not entry.startswith("tests/"):
                continue  # a pytest option such as -k and its expression
            path, _, test = entry.partition("::")
            assert (ROOT / path).is_file(), f"{name}: {path} does not exist"
            if test:
                assert f"def {test}(" in (ROOT / path).read_text(), f"{name}: {entry} not found"


@pytest.mark.parametrize("module", ["metrics", "checks"])
def test_the_scratch_config_keeps_every_selected_test(mutation, module):
    work = mutation._scratch(module)
    try:
        config = tomllib.loads((work / "pyproject.toml").read_text())["tool"]["mutmut"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert config["pytest_add_cli_args_test_selection"] == mutation.MODULES[module][1]
    assert config["only_mutate"] == mutation.MODULES[module][0]


def test_the_scratch_conftest_turns_off_shrinking_only_there(mutation):
    """A property test that catches a mutant stops at its first failing example in the
    scratch copy; the repository's own conftest keeps Hypothesis' defaults."""
    work = mutation._scratch("checks")
    try:
        probe = (
            "import conftest, hypothesis;"
            "print(hypothesis.Phase.shrink in hypothesis.settings.default.phases)"
        )
        shrinks = {
            folder.name: subprocess.run(
                [sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True
            ).stdout.strip()
            for folder in (work, ROOT)
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert shrinks == {work.name: "False", ROOT.name: "True"}
