"""Nothing lost (issue 34): every writer replaces its file atomically, a write that fails
part-way (disk full) keeps the old file, concurrent publishes keep every manifest entry,
results files merge their runs, and no non-atomic writer comes back (the writers' list)."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import resource
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from genai_keras import checkpoints as ck
from genai_keras import files, recipes
from genai_keras.models import pixel

ROOT = Path(__file__).resolve().parent.parent


def _in_child(work, *args, disk_limit: int | None = None) -> tuple[int, str]:
    """Run ``work(*args)`` in a forked process (the package is imported already: no start-up
    cost) and return its exit status and what it reported. With ``disk_limit``, writes are
    limited to that many bytes per file, as on a full disk: a write past it fails with
    OSError (EFBIG) instead of killing the process."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child():
        if disk_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (disk_limit, disk_limit))
        try:
            work(*args)
            queue.put("ok")
        except BaseException as err:  # reported to the test
            queue.put(f"{type(err).__name__}: {err}")

    process = context.Process(target=child)
    process.start()
    process.join(120)
    return process.exitcode, queue.get(timeout=5)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# ------------------------------------------------------------------------ the helper
def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("old")

    def write_half():
        with files.atomic_open(target) as f:
            f.write("half of the new")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_half()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    files.write_atomic(target, "new")
    assert target.read_text() == "new"
    with (
        pytest.raises(ValueError, match="mode must be 'w' or 'wb'"),
        files.atomic_open(target, "a"),
    ):
        pass


def test_new_files_get_normal_permissions_and_old_files_keep_theirs(tmp_path):
    new = files.write_atomic(tmp_path / "new.txt", "x")
    assert new.stat().st_mode & 0o777 == 0o666 & ~_umask()  # not mkstemp's 0600
    old = tmp_path / "old.txt"
    old.write_text("x")
    old.chmod(0o640)
    files.write_json(old, {"a": 1})
    assert old.stat().st_mode & 0o777 == 0o640 and json.loads(old.read_text()) == {"a": 1}


def test_runner_writes_notebooks_with_normal_permissions(tmp_path):
    from genai_keras import notebook_runner

    notebook_runner._write_atomic(tmp_path / "00_x.ipynb", "{}")
    assert (tmp_path / "00_x.ipynb").stat().st_mode & 0o777 == 0o666 & ~_umask()


# ----------------------------------------------------------- failures part-way (disk full)
def _binary_images(n=40, seed=0):
    return (np.random.default_rng(seed).random((n, 28, 28, 1)) < 0.3).astype("float32")


def test_pixel_checkpoint_survives_a_save_that_fails_part_way(tmp_path):
    path = tmp_path / "independent_bernoulli.npz"
    model = pixel.IndependentBernoulli().fit(_binary_images())
    model.save(path)
    before = path.read_bytes()
    other = pixel.IndependentBernoulli().fit(_binary_images(seed=1))
    _, report = _in_child(other.save, path, disk_limit=1500)  # the disk fills up mid-save
    assert report.startswith("OSError"), report
    assert path.read_bytes() == before  # the good checkpoint is whole, not truncated
    assert pixel.load(path).num_parameters == model.num_parameters
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def _entry(name: str, seed: int = 0) -> dict:
    return {
        "name": name,
        "recipe": recipes.RECIPES[name].as_dict(),
        "seed": seed,
        "train_seconds": 1.0,
        "parameters": 10,
        "file_kib": 1,
        "made": "2026-01-01",
        "sha256": "0" * 64,
        "padding": "x" * 3000,  # a manifest of a few KiB
    }


def test_manifest_survives_a_publish_that_fails_part_way(tmp_path):
    ck.write_manifest_entry("vae", _entry("vae"), tmp_path)
    before = (tmp_path / ck.MANIFEST).read_text()
    _, report = _in_child(
        ck.write_manifest_entry, "dcgan", _entry("dcgan"), tmp_path, disk_limit=2000
    )
    assert report.startswith("OSError"), report
    assert (tmp_path / ck.MANIFEST).read_text() == before
    assert list(ck.read_manifest(tmp_path)) == ["vae"]  # still readable: nothing refused


def _publish_many(name: str, folder, start: float) -> None:
    while time.time() < start:
        time.sleep(0.005)
    for i in range(25):
        ck.write_manifest_entry(name, dict(_entry(name), seed=i), folder)


def _read_while_publishing(folder, start: float) -> None:
    while time.time() < start:
        time.sleep(0.005)
    while time.time() < start + 3:
        ck.read_manifest(folder)  # ManifestError on half a file


def test_concurrent_publishes_keep_every_entry_and_readers_never_see_half(tmp_path):
    names = ["vae", "dcgan", "wgan_gp"]
    start = time.time() + 1  # every process starts publishing at once
    context = multiprocessing.get_context("fork")
    pool = context.Pool(len(names) + 1)
    try:
        jobs = [pool.apply_async(_publish_many, (n, tmp_path, start)) for n in names]
        jobs.append(pool.apply_async(_read_while_publishing, (tmp_path, start)))
        for job in jobs:
            job.get(timeout=120)  # re-raises a child's error (ManifestError, ...)
    finally:
        pool.terminate()
    manifest = ck.read_manifest(tmp_path)
    assert sorted(manifest) == sorted(names)
    assert all(manifest[n]["seed"] == 24 for n in names)  # each process's last write landed


# ------------------------------------------------------------------- results that merge
def _load_results(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import _results

    monkeypatch.setattr(_results, "RESULTS", tmp_path)
    return _results


def test_benchmark_results_with_runs_merge_instead_of_replace(tmp_path, monkeypatch, capsys):
    results = _load_results(monkeypatch, tmp_path)
    results.write_result("course", {"machine": "a", "runs": {"fast_jax": 1, "fast_torch": 2}})
    results.write_result("course", {"machine": "b", "runs": {"fast_jax": 3}})
    data = json.loads((tmp_path / "course.json").read_text())
    assert data == {"machine": "b", "runs": {"fast_jax": 3, "fast_torch": 2}}
    results.write_result("metrics", {"scores": 1})  # no runs: replaced whole
    results.write_result("metrics", {"other": 2})
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"other": 2}


def test_a_corrupt_results_file_is_named_not_replaced(tmp_path, monkeypatch):
    results = _load_results(monkeypatch, tmp_path)
    (tmp_path / "gan.json").write_text("{ half")
    with pytest.raises(ValueError, match=r"gan\.json exists but could not be read as JSON"):
        results.write_result("gan", {"runs": {"x": 1}})
    assert (tmp_path / "gan.json").read_text() == "{ half"


# ------------------------------------------------------------------- the writers' list
#: Calls that write a file. Every match in the package, benchmarks and scripts must be
#: one of ALLOWED (atomic by construction) or go through genai_keras.files.
WRITERS = re.compile(
    r"\.write_text\(|\.write_bytes\(|\bjson\.dump\(|\bnbformat\.write\(|\bnp\.savez(_compressed)?\("
    r"|\bopen\([^)]*[\"'][wax]b?\+?[\"']|\.save_weights\(|\.save\(|\bshutil\.(copy\w*|move)\("
    r"|\bos\.rename\(|\.to_csv\(|\.savefig\(|\bpickle\.dump\("
)
ALLOWED = {
    # the helper itself
    ("genai_keras/files.py", "os.fdopen"): "the atomic writer",
    # writes into a file object or temporary path that genai_keras.files replaces atomically
    ("genai_keras/weights.py", 'archive.open(info, "w"'): "a member of the zip in atomic_open",
    ("genai_keras/models/pixel/_common.py", "np.savez(f,"): "into atomic_open's file",
    ("genai_keras/metrics/reference.py", "np.savez("): "into atomic_open's file (next line: f)",
    ("scripts/train_feature_net.py", "plain.save_weights(str(temp))"): "atomic_path's temporary",
    # a pixel model's own save(), which writes through atomic_open (_common._write)
    ("genai_keras/families.py", "return Path(model.save(path))"): "pixel save: atomic",
    # a checkpoint family's save: the pixel save above or weights.write_weights (atomic)
    ("genai_keras/checkpoints.py", "return family.save(model, path, recipe)"): "atomic",
    ("scripts/train_checkpoints.py", "ck.save(name, model,"): "checkpoints.save: atomic",
    # copies into a fresh temporary build tree (nothing is replaced)
    ("scripts/make_wheelhouse.py", "shutil.copy2(ROOT / name, src / name)"): "temporary tree",
    ("genai_keras/docs_build.py", 'shutil.copytree(root / "docs", staging'): "staging tree",
    ("genai_keras/docs_build.py", 'shutil.copy2(root / "README.md", staging'): "staging tree",
    ("genai_keras/docs_build.py", "shutil.copy2(nb, target)"): "staging tree",
    ("genai_keras/docs_build.py", '(staging / "index.md").open("a"'): "staging tree",
    ("genai_keras/docs_build.py", "shutil.copytree(source, fresh"): "a new folder, os.replace'd",
    ("benchmarks/mutation.py", 'shutil.copytree(ROOT / "genai_keras", work'): "scratch copy",
    ("benchmarks/mutation.py", 'shutil.copytree(ROOT / "tests", work'): "scratch copy",
    ("benchmarks/mutation.py", "shutil.copytree(ROOT / tooling, work / tooling"): "scratch copy",
    ("benchmarks/mutation.py", "path.write_text(undecorate("): "scratch copy",
    ("benchmarks/mutation.py", '(work / "pyproject.toml").write_text('): "scratch copy",
}


def _writer_calls() -> list[tuple[str, str]]:
    found = []
    for folder in ("genai_keras", "benchmarks", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for line in path.read_text().splitlines():
                code = line.split("#", 1)[0] if not line.strip().startswith(('f"', '"')) else ""
                if WRITERS.search(code):
                    found.append((rel, line.strip()))
    return found


def test_no_writer_replaces_a_file_non_atomically():
    unlisted = [
        f"{rel}: {line}"
        for rel, line in _writer_calls()
        if not any(rel == f and snippet in line for f, snippet in ALLOWED)
    ]
    assert not unlisted, (
        "write through genai_keras.files (write_atomic, write_json, atomic_open, "
        "atomic_path, merge_runs) instead:\n  " + "\n  ".join(unlisted)
    )


def test_the_writers_list_has_no_stale_entries():
    calls = _writer_calls()
    stale = [
        f"{f}: {snippet}"
        for f, snippet in ALLOWED
        if f != "genai_keras/files.py"
        and not any(rel == f and snippet in line for rel, line in calls)
    ]
    assert not stale, f"remove from ALLOWED: {stale}"
    assert "os.fdopen" in (ROOT / "genai_keras" / "files.py").read_text()
