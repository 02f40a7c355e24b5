"""Chapter speed on TensorFlow, JAX and PyTorch, measured in one run on this machine.

    env GENAI_KERAS_DATA=../shared/data python benchmarks/backends.py [--backends jax torch]

For each backend, in a fresh process (the backend is fixed when Keras is imported):

* ``vae_train_images_per_second``: the ``vae`` recipe (32-D VAE, batch 256), one warm-up
  epoch on 6,144 digits, then a timed epoch;
* ``gan_train_images_per_second``: the ``dcgan`` recipe (batch 128), the same way on
  8,192 digits;
* ``text_train_tokens_per_second``: the ``char_transformer`` recipe, 100 warm-up steps,
  then 100 timed steps;
* ``fast_course_seconds`` and ``chapters_ok``: ``python -m genai_keras run-notebooks
  --fast`` (every chapter in fast mode), wall time and the chapters that passed.

Writes ``benchmarks/results/backends.json`` with a ``runs`` object keyed by backend.

``--xla-diagnosis`` adds one measurement to an existing result: the same VAE on
TensorFlow with ``jit_compile=True`` (XLA, the compiler JAX always uses) instead of
Keras' CPU default (TensorFlow's own oneDNN kernels), to tell whether JAX's slower VAE is
the compiler's CPU convolutions or something in the package.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import write_result

ROOT = Path(__file__).resolve().parent.parent

# What both measuring scripts start with: imports and a clock of the last epoch.
_PRELUDE = r"""
import json, sys, time
import keras
import genai_keras as gk
from genai_keras.models import autoregressive as ar, gan as G, vae as V


class EpochClock(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.last = time.perf_counter() - self.t0

"""

_THROUGHPUT = (
    _PRELUDE
    + r"""

out = {"backend": keras.backend.backend(), "keras": keras.__version__}
clock = EpochClock()
vae_recipe = gk.recipes.get("vae", fast=False).replace(limit=6144, epochs=2)
V.train(vae_recipe, callbacks=[clock])
out["vae_train_images_per_second"] = round(6144 / clock.last, 1)

clock = EpochClock()
gan_recipe = gk.recipes.get("dcgan", fast=False).replace(limit=8192, epochs=2)
G.train(gan_recipe, callbacks=[clock])
out["gan_train_images_per_second"] = round(8192 / clock.last, 1)

text_recipe = gk.recipes.get("char_transformer", fast=False).replace(steps=200)
model, curves = ar.train(text_recipe, evals=2, val_windows=8)
tokens = 100 * text_recipe.batch_size * text_recipe.model["context_length"]
out["text_train_tokens_per_second"] = round(
    tokens / (curves["seconds"][1] - curves["seconds"][0]), 1
)
out["recipes"] = {r.name: r.as_dict() for r in (vae_recipe, gan_recipe, text_recipe)}
json.dump(out, open(sys.argv[1], "w"))
"""
)


_VAE_XLA = (
    _PRELUDE
    + r"""

out = {}
for jit in (False, True):
    clock = EpochClock()
    V.train(gk.recipes.get("vae", fast=False).replace(limit=6144, epochs=2), callbacks=[clock],
            jit_compile=jit)
    out["xla" if jit else "default"] = round(6144 / clock.last, 1)
json.dump(out, open(sys.argv[1], "w"))
"""
)


def xla_diagnosis(timeout: int) -> dict:
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "xla.json"
        subprocess.run(
            [sys.executable, "-c", _VAE_XLA, str(result)],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=timeout,
        )
        speeds = json.loads(result.read_text())
    return {
        "what": "VAE training images/s on TensorFlow: Keras' CPU default (oneDNN kernels) "
        "vs jit_compile=True (XLA, as on JAX)",
        "tensorflow_default_images_per_second": speeds["default"],
        "tensorflow_xla_images_per_second": speeds["xla"],
    }


def run_backend(backend: str, timeout: int) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", GENAI_KERAS_FAST="0")
    row: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "throughput.json"
        proc = subprocess.run(
            [sys.executable, "-c", _THROUGHPUT, str(result)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode:
            row["throughput_error"] = proc.stderr[-2000:]
        else:
            row.update(json.loads(result.read_text()))
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "genai_keras",
                "run-notebooks",
                "--fast",
                "--out",
                str(Path(tmp) / "course"),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        row["fast_course_seconds"] = round(time.perf_counter() - start, 1)
    table = re.findall(r"^(\d\d)\s+\S+\.ipynb\s+(ok|failed)\s+([\d.]+)s", proc.stdout, re.MULTILINE)
    row["chapters_ok"] = [c for c, status, _ in table if status == "ok"]
    row["chapters_failed"] = [c for c, status, _ in table if status != "ok"]
    row["chapter_seconds"] = {c: float(s) for c, _, s in table}
    if proc.returncode:
        row["course_output_tail"] = proc.stdout[-2000:]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backends",
        nargs="+",
        default=["tensorflow", "jax", "torch"],
        choices=["tensorflow", "jax", "torch"],
    )
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per process")
    parser.add_argument(
        "--xla-diagnosis",
        action="store_true",
        help="only add the TensorFlow XLA measurement of the VAE to backends.json",
    )
    args = parser.parse_args(argv)
    if args.xla_diagnosis:
        from _results import RESULTS

        data = json.loads((RESULTS / "backends.json").read_text())
        data["vae_xla_diagnosis"] = xla_diagnosis(args.timeout)
        write_result("backends", data)
        return 0
    runs = {}
    for backend in args.backends:
        print(f"== {backend}", flush=True)
        runs[backend] = run_backend(backend, args.timeout)
        print(json.dumps({k: v for k, v in runs[backend].items() if k != "recipes"}), flush=True)
    ratios = {}
    for key in (
        "vae_train_images_per_second",
        "gan_train_images_per_second",
        "text_train_tokens_per_second",
    ):
        values = {b: r[key] for b, r in runs.items() if key in r}
        if values:
            best = max(values.values())
            ratios[key] = {b: round(best / v, 2) for b, v in values.items()}
    write_result(
        "backends",
        {
            "command": "python benchmarks/backends.py",
            "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
            "runs": runs,
            "slowdown_vs_fastest": ratios,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
