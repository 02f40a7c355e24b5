"""Mutation score of the package's core: how many small deliberate breakages ("mutants")
of the code the tests catch.

Runs mutmut (the ``mutation`` extra: ``pip install -e .[mutation]``) once per module,
each time in a scratch copy of the package and the tests, mutating only that module and
running only the tests listed for it (mutmut then runs, for each mutant, only the
selected tests that call the mutated function). Writes
``benchmarks/results/mutation.json``: per module, mutants killed / total and every
survivor with ``file:line`` and its diff; survivors judged equivalent (no test could
tell them apart from the original) are marked with the reason, from :data:`EQUIVALENT`.

    python benchmarks/mutation.py                  # every module (about an hour, 1 core)
    python benchmarks/mutation.py losses checks    # some modules; the others are kept
    python benchmarks/mutation.py --survivors checks  # only checks' recorded survivors,
                                                      # against the current tests

Results of modules not re-run are kept in the JSON, so modules can be run one by one.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from genai_keras.files import write_atomic, write_json

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "mutation.json"

# module -> (files mutated, tests run, pure maths). Pure-maths modules must reach 90%,
# the others 85%.
_DIFFUSION_MATHS = [
    "tests/test_schedules_samplers.py",
    "tests/test_diffusion.py",
    "tests/test_sampler_details.py",
    "-k",
    "not (training_records or guided_model or weights_round_trip or bad_sampling_requests "
    "or bad_recipes)",
]
MODULES: dict[str, tuple[list[str], list[str], bool]] = {
    "losses": (["genai_keras/losses.py"], ["tests/test_losses.py"], True),
    "diffusion_schedules": (["genai_keras/models/diffusion/schedules.py"], _DIFFUSION_MATHS, True),
    "diffusion_samplers": (["genai_keras/models/diffusion/samplers.py"], _DIFFUSION_MATHS, False),
    "checks": (
        ["genai_keras/checks.py"],
        [
            "tests/test_checks_messages.py",
            "tests/test_checks_and_plotting.py",
            "tests/test_properties.py",
        ],
        False,
    ),
    "distributions": (
        ["genai_keras/distributions/*"],
        [
            "tests/test_distributions.py",
            "tests/test_distribution_fitting.py",
            "tests/test_properties.py",
            "tests/test_distributions_exact.py",
            "tests/test_distribution_sampling.py",
        ],
        True,
    ),
    "weights": (
        ["genai_keras/weights.py"],
        [
            "tests/test_checkpoint_trust.py",
            "tests/test_checkpoint_verification.py",
            "tests/test_weights_format.py",
            "tests/test_atomic_writes.py",
            # the source scan reads mutmut's mutated copies of weights.py, whose changed
            # write calls are (rightly) not on its list: the clean run would fail
            "-k",
            "not no_writer_replaces_a_file_non_atomically",
        ],
        False,
    ),
    "metrics": (
        ["genai_keras/metrics/*"],
        [
            "tests/test_metrics.py",
            "tests/test_metrics_arguments.py",
            "tests/test_reference_cache.py",
            "tests/test_checkpoint_trust.py::test_tampered_reference_cache_is_detected_and_recomputed",
            "tests/test_image_quality.py",
            # PSNR and SSIM against closed forms and scikit-image (the file's other tests
            # train models)
            "tests/test_applications.py::test_psnr_closed_form_and_mask",
            "tests/test_applications.py::test_ssim_closed_form_for_constant_images",
            "tests/test_applications.py::test_ssim_and_psnr_match_scikit_image",
            "tests/test_applications.py::test_quality_metrics_reject_bad_inputs",
            "tests/test_bad_inputs.py::test_psnr_max_db_and_real_radii",
            # it checks that the bias warning points at the caller's line (stacklevel):
            # mutmut's trampolines add frames, so it fails on the clean code there
            "-k",
            "not small_samples_warn_that_fid_is_biased",
        ],
        True,
    ),
    "checkpoints": (
        ["genai_keras/checkpoints.py"],
        ["tests/test_checkpoint_trust.py", "tests/test_checkpoints.py"],
        False,
    ),
    "notebook_runner": (
        ["genai_keras/notebook_runner.py"],
        [
            "tests/test_notebook_runner.py",
            "tests/test_runner_safety.py",
            "tests/test_runner_messages.py",
        ],
        False,
    ),
    "studies": (
        ["genai_keras/studies/*"],
        [
            "tests/test_studies.py",
            "tests/test_reading.py",
            "tests/test_reading_golden.py",
            "tests/test_few_labels.py",
            "tests/test_comparison_rows.py",
        ],
        False,
    ),
}

# Survivors that no test can kill because the mutant computes the same thing, keyed by
# mutant name, with the reason. Kept in the JSON next to the survivor.
_SAME_DTYPE = "the default dtype (float32) is the inputs' dtype in every caller"
_UNOBSERVABLE_COPY = (
    "astype(copy=None) copies only when needed, as copy=False does; the result is never "
    "written to, so whether it is a copy cannot be seen"
)
_LABELS_BRANCH = (
    "entering the fractional-label check for integer or empty arrays changes nothing: "
    "integers have no fraction and np.all of nothing is True"
)
_SAME_NAMES = "the names come from the variables themselves: the zip never sees unequal lengths"
_ZIP_DEFAULT = "zipfile's default, the same bytes"
_TEXT_ARRAY = "np.array of a list of str is a unicode array with or without dtype=str"
_NO_OBJECTS = "allow_pickle only matters for object arrays, which write_weights never writes"
_SAME_CAST = "float16 -> float64 -> the variable's float32 (assign casts) equals float16 -> float32"
_VALIDATED_NAME = (
    "the images already passed as_images and the sample-count check under their own name; "
    "the feature network's name argument only labels errors those checks rule out"
)
_FLOAT64_DEFAULT = "astype(None) converts to float64, NumPy's default float type"
_BATCHING = (
    "the batch size only groups the distance computations: the radii change by float32 "
    "rounding, below any tolerance a test could justify"
)
_BOOL_MEAN = "an array of 0.0 and 1.0 has the same mean as the booleans written into it"
_SAME_RADII = (
    "without real_radii, precision_recall_from_features computes the same k-NN radii itself "
    "(they are passed only to reuse the cached ones)"
)
_CACHE_KEY = (
    "the key only names the cache entry; the value comes from the same features whatever it "
    "is (the feature network does not change within a process)"
)
_NO_PICKLES = "np.load refuses pickles by default and for a falsy allow_pickle, as with False"
_DIST = "genai_keras.distributions."
_POISSON_GRID = (
    "one grid entry more or two fewer (the chunk size is unchanged): the grid still ends more "
    "than 11 sd above the largest rate, and a count differs only "
    "when a uniform draw exceeds the CDF at the grid's end (below 1e-15 per draw in float64)"
)
_REVERSED_LAST_AXIS = "on the 2-D (samples, grid) arrays axis +1 is axis -1"
_NEGATIVE_RESHAPE = "NumPy's reshape infers a size given as any negative number, as for -1"
_EMPTY_CAST = "the empty counts are cast to the rate's float dtype by the return line anyway"
_LAST_STEP_X0 = (
    "at s = 0 both schedules give alpha = 1 and sigma = 0 exactly (every backend), so the "
    "last step's alpha(s) x0 + sigma(s) eps is x0 for any finite eps; s is never 1 on the grid"
)
EQUIVALENT: dict[str, str] = {
    _DIST + "fitting.x__samples__mutmut_3": "every caller passes axis: the default is unused",
    _DIST + "fitting.x_fit_categorical__mutmut_12": "axis=0 is _samples' default",
    _DIST + "fitting.x_fit_categorical__mutmut_32": _FLOAT64_DEFAULT,
    _DIST + "sampling.x__sample_shape__mutmut_7": "np.broadcast_shapes() of no shapes is ()",
    **{_DIST + f"sampling.x_poisson_sample__mutmut_{n}": _POISSON_GRID for n in (39, 40)},
    _DIST + "sampling.x_poisson_sample__mutmut_35": "arange(n) starts at 0, as arange(0, n)",
    _DIST + "sampling.x_poisson_sample__mutmut_54": (
        "the rates reach the backend in its widest float either way: float64 on TensorFlow "
        "and PyTorch, and JAX rounds float64 to float32 as astype(float32) does"
    ),
    _DIST + "sampling.x_poisson_sample__mutmut_56": _NEGATIVE_RESHAPE,
    _DIST + "kl.x_kl_monte_carlo__mutmut_45": _NEGATIVE_RESHAPE,
    **{_DIST + f"sampling.x_poisson_sample__mutmut_{n}": _REVERSED_LAST_AXIS for n in (89, 113)},
    _DIST + "sampling.x_poisson_sample__mutmut_125": "axis=0 is ops.concatenate's default",
    **{_DIST + f"sampling.x_poisson_sample__mutmut_{n}": _EMPTY_CAST for n in (128, 130)},
    _DIST + "log_prob.x_categorical_log_prob__mutmut_72": "axis=-1 is log_softmax's default",
    _DIST + "log_prob.x_categorical_log_prob__mutmut_126": (
        "where(p >= floor, p, floor): at p == floor both branches are the floor"
    ),
    _DIST + "sampling.x_categorical_sample__mutmut_83": (
        "dtype='int32' is keras.random.categorical's default"
    ),
    **{f"genai_keras.metrics.frechet.x_fid__mutmut_{n}": _VALIDATED_NAME for n in (30, 33, 34)},
    **{f"genai_keras.metrics.frechet.x_fid__mutmut_{n}": _VALIDATED_NAME for n in (37, 40, 41)},
    **{
        f"genai_keras.metrics.kernel_distance.x_kid__mutmut_{n}": _VALIDATED_NAME
        for n in (34, 37, 38, 41, 44, 45)
    },
    "genai_keras.metrics.kernel_distance.x_kid_by_degree__mutmut_31": _FLOAT64_DEFAULT,
    "genai_keras.metrics.kernel_distance.x_kid_by_degree__mutmut_32": _FLOAT64_DEFAULT,
    "genai_keras.metrics.reference.x__check_cache__mutmut_2": _NO_PICKLES,
    "genai_keras.metrics.reference.x__check_cache__mutmut_4": _NO_PICKLES,
    **{
        f"genai_keras.metrics.{name}__mutmut_{n}": _BATCHING
        for name, n in (("manifold.x_knn_radii", 2), ("manifold.x__coverage", 1))
    },
    "genai_keras.metrics.manifold.x__sq_norms__mutmut_8": "einsum reads IJ,IJ->I as ij,ij->i",
    **{f"genai_keras.metrics.manifold.x__coverage__mutmut_{n}": _BOOL_MEAN for n in (6, 8)},
    "genai_keras.metrics.inception.x_inception_score_from_probs__mutmut_3": _FLOAT64_DEFAULT,
    **{
        f"genai_keras.metrics.inception.x_inception_score_from_probs__mutmut_{n}": (
            "the marginal (C,) broadcasts against the (n, C) split as (1, C) does"
        )
        for n in (53, 55)
    },
    **{
        f"genai_keras.metrics.evaluate.x_evaluate_samples__mutmut_{n}": _SAME_RADII
        for n in (81, 122, 165, 169)
    },
    **{
        f"genai_keras.metrics.evaluate.x_evaluate_samples__mutmut_{n}": _CACHE_KEY
        for n in (67, 71, 82)
    },
    "genai_keras.metrics.manifold.x_knn_radii__mutmut_52": (
        "np.partition's default axis is the last, axis 1 of the 2-D distance block"
    ),
    "genai_keras.metrics.image_quality.x__pair__mutmut_17": _FLOAT64_DEFAULT,
    "genai_keras.metrics.image_quality.x__pair__mutmut_18": _FLOAT64_DEFAULT,
    "genai_keras.metrics.image_quality.x_psnr__mutmut_27": _FLOAT64_DEFAULT,
    "genai_keras.metrics.image_quality.x_ssim__mutmut_16": (
        "mode='reflect' is gaussian_filter's default"
    ),
    "genai_keras.metrics.evaluate.x_evaluate_samples__mutmut_42": (
        "name='images' is as_images' default"
    ),
    "genai_keras.metrics.reference.x_mnist_test_statistics__mutmut_4": (
        "the key only names the cache entry; the statistics are computed from the same "
        "features whatever it is (the feature network does not change within a process)"
    ),
    "genai_keras.metrics.reference.x__check_cache__mutmut_46": (
        "the fallback scale is used only when every spot-checked feature is 0, which the "
        "feature network's output on real digits never is"
    ),
    "genai_keras.weights.x_write_weights__mutmut_21": _TEXT_ARRAY,
    "genai_keras.weights.x_write_weights__mutmut_23": _TEXT_ARRAY,
    "genai_keras.weights.x_write_weights__mutmut_27": _SAME_NAMES,
    "genai_keras.weights.x_write_weights__mutmut_30": _SAME_NAMES,
    "genai_keras.weights.x_write_weights__mutmut_31": _SAME_NAMES,
    "genai_keras.weights.x_write_weights__mutmut_75": _ZIP_DEFAULT + " (ZIP_STORED)",
    "genai_keras.weights.x_write_weights__mutmut_82": _ZIP_DEFAULT + " (1980-01-01 00:00:00)",
    "genai_keras.weights.x_write_weights__mutmut_94": _NO_OBJECTS,
    "genai_keras.weights.x_write_weights__mutmut_97": _NO_OBJECTS,
    "genai_keras.weights.x_write_weights__mutmut_98": _NO_OBJECTS,
    "genai_keras.weights.x_assign_weights__mutmut_57": _SAME_CAST,
    "genai_keras.weights.x_read_weights__mutmut_21": "allow_pickle=False is np.load's default",
    "genai_keras.weights.x_read_weights__mutmut_23": "allow_pickle=False is np.load's default",
    "genai_keras.weights.x_write_weights__mutmut_57": "NumPy reads order='c' as 'C'",
    "genai_keras.notebook_runner.x_run_notebooks__mutmut_107": (
        "run_notebooks sets both variables before the loop, so pop finds the key: its "
        "default is never used"
    ),
    "genai_keras.notebook_runner.x_main__mutmut_80": "None is argparse's default default",
    "genai_keras.checks.x_as_finite_array__mutmut_51": _UNOBSERVABLE_COPY,
    "genai_keras.checks.x_as_images__mutmut_55": _UNOBSERVABLE_COPY,
    "genai_keras.checks.x_as_images__mutmut_57": _UNOBSERVABLE_COPY,
    "genai_keras.checks.x_as_images__mutmut_58": _UNOBSERVABLE_COPY,
    "genai_keras.checks.x_as_labels__mutmut_25": _LABELS_BRANCH,
    "genai_keras.checks.x_as_labels__mutmut_27": _LABELS_BRANCH,
    "genai_keras.losses.x_interpolate__mutmut_12": _SAME_DTYPE,
    "genai_keras.losses.x_interpolate__mutmut_15": _SAME_DTYPE,
    "genai_keras.losses.x_causal_lm_loss__mutmut_5": "axis=-1 is log_softmax's default",
    "genai_keras.losses.x_causal_lm_loss__mutmut_20": (
        "cast(ids, None) keeps the ids' integer dtype, which take_along_axis accepts"
    ),
    **{
        f"genai_keras.models.diffusion.samplers.x_sample_path__mutmut_{n}": _LAST_STEP_X0
        for n in (100, 103)
    },
}

_PYPROJECT = """\
[tool.pytest.ini_options]
addopts = "-p no:cacheprovider -p no:randomly"
filterwarnings = ["ignore::DeprecationWarning"]

[tool.mutmut]
source_paths = ["genai_keras"]
only_mutate = {only}
pytest_add_cli_args_test_selection = {tests}
pytest_add_cli_args = ["-x", "-q"]
also_copy = ["conftest.py", "benchmarks", "scripts"]
# A mutant "times out" past 2 x 15 x (its tests' time in the stats run + 1 s) CPU seconds
# (mutmut's default): generous, because a child re-traces what the stats run had traced
# once for all tests (a multiplier of 4 timed out unchanged-looking mutants).
timeout_multiplier = 15.0
# Each mutant's tests run in a process forked from a server that has only collected the
# tests: forked straight from mutmut's main process (which ran the suite and started
# TensorFlow's thread pools), a child spins until its CPU limit and reads as "timeout",
# a kill that the tests never made.
process_isolation = "forkserver"
"""


# Appended to the scratch copy's conftest.py: a mutant that a property test catches is
# killed at its first failing example. Hypothesis would otherwise shrink that example
# (hundreds of extra calls) only to print it more simply, which a mutation run never reads.
_NO_SHRINKING = """

from hypothesis import Phase as _Phase
from hypothesis import settings as _settings

_settings.register_profile("mutation", phases=[_Phase.explicit, _Phase.reuse, _Phase.generate])
_settings.load_profile("mutation")
"""


def _scratch(module: str) -> Path:
    only, tests, _ = MODULES[module]
    work = Path(tempfile.mkdtemp(prefix=f"mutation_{module}_"))
    shutil.copytree(ROOT / "genai_keras", work / "genai_keras", ignore=_ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=_ignore)
    for tooling in ("benchmarks", "scripts"):  # some tests load these scripts
        shutil.copytree(ROOT / tooling, work / tooling, ignore=_ignore)
    write_atomic(work / "conftest.py", (ROOT / "conftest.py").read_text() + _NO_SHRINKING)
    for pattern in only:
        for path in work.glob(pattern):
            if path.suffix == ".py":
                path.write_text(undecorate(path.read_text()))
    # a test file or a test in one (node IDs: "tests/test_x.py::test_y"); a file that is gone
    # is left out
    tests = [t for t in tests if not t.startswith("tests/") or (ROOT / t.split("::")[0]).exists()]
    (work / "pyproject.toml").write_text(
        _PYPROJECT.format(only=json.dumps(only), tests=json.dumps(tests))
    )
    return work


def undecorate(source: str) -> str:
    """Write each top-level ``@decorator def f`` as ``def f`` then ``f = decorator(f)``.

    The same function at run time, but mutmut (which skips decorated functions) then
    mutates it: most of the package's maths is wrapped by ``numpy_in_numpy_out``. Only
    the scratch copy is rewritten."""
    tree = ast.parse(source)
    lines = source.splitlines()
    edits = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            first = min(d.lineno for d in node.decorator_list) - 1
            last = max(d.end_lineno for d in node.decorator_list)
            wrapped = node.name
            for decorator in reversed(node.decorator_list):
                wrapped = f"{ast.get_source_segment(source, decorator)}({wrapped})"
            edits.append((first, last, node.end_lineno, f"{node.name} = {wrapped}"))
    for first, last, end, assignment in reversed(edits):
        lines[end:end] = [assignment]
        del lines[first:last]
    return "\n".join(lines) + "\n"


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", ".pytest_cache") or n.endswith(".pyc")}


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the scratch copy's package, not the worktree's
    env.setdefault("GENAI_KERAS_FAST", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("KERAS_BACKEND", "tensorflow")
    shared = ROOT.parent / "shared" / "data"
    if "GENAI_KERAS_DATA" not in env and shared.is_dir():
        env["GENAI_KERAS_DATA"] = str(shared)
    return env


_COLLECT = """
import json, sys
from pathlib import Path
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
out = []
for meta in Path("mutants").rglob("*.py.meta"):
    source = Path(str(meta)[: -len(".meta")])
    path = source.relative_to("mutants")
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        status = status_by_exit_code[code]
        diff = get_diff_for_mutant(name, path=path) if status == "survived" else ""
        out.append(dict(name=name, file=str(path), status=status, diff=diff))
print(json.dumps(out))
"""


def _line_of(path: Path, name: str, diff: str) -> int | None:
    """The line of ``path`` that the mutant changes (its first removed line)."""
    removed = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and ln[1:].strip()]
    removed = [ln for ln in removed if not ln.startswith("--")]
    if not removed:
        return None
    function = re.sub(r"__mutmut_\d+$", "", name).split(".")[-1].split("ǁ")[-1]
    function = function[2:] if function.startswith("x_") else function
    lines = path.read_text().splitlines()
    start = next(
        (i for i, ln in enumerate(lines) if re.match(rf"\s*(async )?def {function}\(", ln)), 0
    )
    for i in range(start, len(lines)):
        if lines[i].strip() == removed[0]:
            return i + 1
    return start + 1


def run_module(
    module: str, max_children: int, timeout: float, only: list[str] | None = None
) -> dict:
    """Mutate ``module`` and run its tests against every mutant (``only``: these mutants,
    by name; the others of the module are then reported as "not checked")."""
    pure = MODULES[module][2]
    work = _scratch(module)
    started = time.perf_counter()
    try:
        try:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "mutmut",
                    "run",
                    "--max-children",
                    str(max_children),
                    *(only or []),
                ],
                cwd=work,
                env=_environment(),
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            exit_code: int | None = done.returncode
        except subprocess.TimeoutExpired:  # keep what was measured: partial, said so
            exit_code, done = None, None
        seconds = time.perf_counter() - started
        collected = subprocess.run(
            [sys.executable, "-c", _COLLECT],
            cwd=work,
            env=_environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        mutants = json.loads(collected.stdout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    checked = [m for m in mutants if m["status"] not in ("not checked", "skipped")]
    if not mutants or (not checked and exit_code not in (0, None)):
        # mutmut stopped before mutating or before testing (e.g. a test failed on the
        # clean code)
        raise RuntimeError(
            f"mutmut made or tested no mutants of {module} (exit code {exit_code}); its "
            "output ends:\n"
            + (f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}" if done else "(timed out)")
        )
    killed_status = {"killed", "timeout", "segfault", "caught by type check"}
    counted = [m for m in mutants if m["status"] not in ("not checked", "skipped")]
    killed = [m for m in counted if m["status"] in killed_status]
    survivors = []
    for m in counted:
        if m["status"] in killed_status:
            continue
        entry = {
            "mutant": m["name"],
            "where": f"{m['file']}:{_line_of(ROOT / m['file'], m['name'], m['diff'])}",
            "status": m["status"],
            "diff": m["diff"],
        }
        if m["name"] in EQUIVALENT:
            entry["equivalent"] = EQUIVALENT[m["name"]]
        survivors.append(entry)
    equivalent = sum("equivalent" in s for s in survivors)
    total = len(counted)
    return {
        "files": MODULES[module][0],
        "tests": MODULES[module][1],
        "pure_maths": pure,
        "target": 0.90 if pure else 0.85,
        "killed": len(killed),
        "total": total,
        "equivalent": equivalent,
        "score": round(len(killed) / total, 4) if total else None,
        "score_without_equivalent": (
            round(len(killed) / (total - equivalent), 4) if total - equivalent else None
        ),
        "not_checked": len(mutants) - total,
        "seconds": round(seconds, 1),
        "mutmut_exit_code": exit_code,
        "complete": exit_code is not None and len(mutants) == total,
        "survivors": survivors,
    }


def recheck_survivors(entry: dict, module: str, max_children: int, timeout: float) -> dict:
    """Run the current tests against the survivors recorded in ``entry`` only (mutant names
    are stable while the module's source is unchanged) and return the updated entry: the
    same mutants, those now killed counted as killed."""
    names = [s["mutant"] for s in entry["survivors"]]
    if not names:
        return entry
    fresh = run_module(module, max_children, timeout, only=names)
    still = {s["mutant"]: s for s in fresh["survivors"]}
    rechecked = [s for s in entry["survivors"] if s["mutant"] not in still]
    unknown = set(still) - set(names)
    if unknown:
        raise RuntimeError(f"{module}: mutants {sorted(unknown)[:3]} ... are not the recorded ones")
    killed = entry["killed"] + len(rechecked)
    updated = dict(entry, killed=killed, survivors=list(still.values()))
    updated["score"] = round(killed / entry["total"], 4)
    updated["rechecked"] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "survivors_before": len(names),
        "killed_now": len(rechecked),
        "seconds": fresh["seconds"],
    }
    return updated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)}")
    parser.add_argument("--max-children", type=int, default=1, help="parallel mutants")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds per module (then: partial)"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="re-test only each module's recorded survivors with the current tests",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    for module in args.modules or list(MODULES):
        print(f"[mutation] {module} ...", flush=True)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        if args.survivors:
            recorded = results.get("modules", {}).get(module)
            if recorded is None:
                parser.error(f"--survivors: {module} has no recorded run; run it first")
            entry = recheck_survivors(recorded, module, args.max_children, args.timeout)
        else:
            entry = run_module(module, args.max_children, args.timeout)
        # read again: another module's run may have written its result meanwhile
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results.setdefault("modules", {})[module] = entry
        for other in results["modules"].values():
            _mark_equivalent(other)
        results["tool"] = "mutmut " + _version()
        results["generated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        write_json(RESULTS, results, indent=1)  # atomic: a killed run leaves the last one whole
        print(
            f"[mutation] {module}: {entry['killed']}/{entry['total']} killed "
            f"({entry['score']}), {entry['seconds']} s",
            flush=True,
        )
    return 0


def _mark_equivalent(entry: dict) -> None:
    """(Re)apply :data:`EQUIVALENT` to a module's survivors and recount."""
    for survivor in entry["survivors"]:
        if survivor["mutant"] in EQUIVALENT:
            survivor["equivalent"] = EQUIVALENT[survivor["mutant"]]
    entry["equivalent"] = sum("equivalent" in s for s in entry["survivors"])
    rest = entry["total"] - entry["equivalent"]
    entry["score_without_equivalent"] = round(entry["killed"] / rest, 4) if rest else None


def _version() -> str:
    from importlib.metadata import version

    return version("mutmut")


if __name__ == "__main__":
    sys.exit(main())
