"""Benchmark of chapter 07: restoration (denoising, super-resolution, inpainting), data
augmentation with generated digits, and fine-tuning the character transformer.

Runs the package's functions with the chapter's recipes, as the notebook does:

* ``denoising`` / ``super_resolution`` / ``inpainting``: the classical baseline (tuned
  on 500 validation digits), the regression net and the conditional VAE (``cvae_mean``
  decodes z = 0, ``cvae_sample`` one draw z ~ N(0, I), with the diversity of 5 draws),
  scored on MNIST test digits: PSNR (dB; inpainting: on the hidden pixels), SSIM and
  the fixed classifier's accuracy. The main setting is at the top level (Gaussian noise
  sigma 0.5, 4x, a 12x12 square); the task's other setting under ``*_<setting>``.
* ``augmentation``: N = 100, 300, 1000 labelled digits, variants none / classical /
  generated / both, 5 seeds; test accuracy mean, standard deviation and per seed.
* ``fine_tuning``: validation nats per character on PETRUCHIO's held-out speeches for
  the pretrained model, the fine-tuned one and the one trained from scratch.

Run from the repository root (about 15 minutes on a 2-core CPU)::

    python benchmarks/applications.py [--test-images 2000] [--seeds 5]

or, to get the same numbers and the chapter's committed outputs from one run, execute
the notebook in default mode (in place) and write the numbers it collects in its
``RESULTS`` dict::

    python benchmarks/applications.py --notebook

Writes ``benchmarks/results/applications.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import keras
from _results import write_atomic, write_result

import genai_keras as gk

TASK_KEYS = {
    "denoise": ("denoising", "denoiser"),
    "super_resolve": ("super_resolution", "super_resolver"),
    "inpaint": ("inpainting", "inpainter"),
}
SPEAKER, TRAIN_CHARS = "PETRUCHIO", 10_000


def _rounded(table: dict) -> dict:
    return {m: {k: round(float(v), 4) for k, v in row.items()} for m, row in table.items()}


def _plain(value):
    """Round floats to 4 decimals, recursively (JSON-ready)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    return value


def from_notebook() -> dict:
    """Execute notebooks/07_applications.ipynb in default mode, in place, and return its
    ``RESULTS`` dict (read by one extra cell that is not saved)."""
    import json

    import nbformat
    from nbclient import NotebookClient

    path = Path(__file__).resolve().parent.parent / "notebooks" / "07_applications.ipynb"
    nb = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell("import json as _json; print(_json.dumps(RESULTS))")
    nb.cells.append(probe)
    env_fast = os.environ.get("GENAI_KERAS_FAST")
    os.environ["GENAI_KERAS_FAST"] = "0"
    start = time.perf_counter()
    try:
        NotebookClient(
            nb,
            timeout=2400,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        if env_fast is None:
            os.environ.pop("GENAI_KERAS_FAST")
        else:
            os.environ["GENAI_KERAS_FAST"] = env_fast
    wall = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stdout")
    nb.cells.pop()
    write_atomic(path, nbformat.writes(nb) + "\n")  # as nbformat.write, but atomic
    results = json.loads(text)
    results.setdefault("timings_seconds", {})["notebook_wall"] = wall
    results["source"] = "notebooks/07_applications.ipynb, default mode"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--test-images", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--ns", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--generator-steps", type=int, default=600)
    parser.add_argument(
        "--notebook",
        action="store_true",
        help="run the chapter's notebook (default mode, in place) and keep its numbers",
    )
    args = parser.parse_args()
    if args.notebook:
        out = {
            "backend": keras.backend.backend(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            **from_notebook(),
        }
        write_result("applications", _plain(out))
        return
    A = gk.applications
    fast = gk.fast_mode()
    out: dict = {
        "backend": keras.backend.backend(),
        "fast": fast,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "test_images": args.test_images,
        "timings_seconds": {},
    }
    test = gk.data.load_mnist("test", limit=args.test_images)
    train_x, train_y = gk.data.load_mnist("train")
    val = train_x[-500:]
    for task, (key, name) in TASK_KEYS.items():
        start = time.perf_counter()
        tables, _, info = A.restoration.run_task(
            task, gk.recipes.get(name), gk.recipes.get(f"{name}_cvae"), test, val, log=print
        )
        for i, (setting, table) in enumerate(tables.items()):
            out[key if i == 0 else f"{key}_{setting.replace(' ', '_')}"] = _rounded(table)
        out.setdefault("baselines", {}).update(
            {f"{key} {s}": b for s, b in info["baseline"].items()}
        )
        out["timings_seconds"][key] = round(time.perf_counter() - start, 1)
        out["timings_seconds"][f"{key}_training"] = {
            k: round(v, 1) for k, v in info["train_seconds"].items()
        }
        print(key, out[key], flush=True)
    start = time.perf_counter()
    out["augmentation"] = A.augmentation.run(
        (train_x[:50_000], train_y[:50_000]),
        test,
        args.ns,
        list(range(args.seeds)),
        gk.recipes.get("augment_classifier"),
        gk.recipes.get("augment_cvae"),
        generator_steps=args.generator_steps,
        log=print,
    )
    out["augmentation_settings"] = {
        "generator_steps": args.generator_steps,
        "num_generated": 1000,
        "classifier": gk.recipes.get("augment_classifier").describe(),
    }
    out["timings_seconds"]["augmentation"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    results, _ = A.finetune.compare(
        gk.data.load_text(),
        SPEAKER,
        TRAIN_CHARS,
        *[gk.recipes.get(f"char_transformer_{n}") for n in ("pretrain", "finetune", "scratch")],
    )
    out["fine_tuning"] = {
        v: {
            "val_nats_per_char": round(results[v]["val_nats_per_char"], 4),
            "val_curve": [round(x, 4) for x in results[v]["curve"]["val_loss"]],
        }
        for v in ("pretrained", "fine_tuned", "scratch")
    }
    out["fine_tuning_settings"] = {
        "speaker": SPEAKER,
        "train_chars": TRAIN_CHARS,
        "sizes": results["sizes"],
        "steps": gk.recipes.get("char_transformer_scratch").steps,
    }
    out["timings_seconds"]["fine_tuning"] = round(time.perf_counter() - start, 1)
    write_result("applications", out)


if __name__ == "__main__":
    main()
