"""Benchmark of chapter 06: latent flow matching, unconditional and guided, against a
DCGAN trained for the same time, with sweeps over sampler steps and guidance weight.

Runs (one after the other on one machine; each model is scored with chapter 04's metrics
on ``--samples`` samples against the MNIST test set):

* ``default``: the unconditional recipe ``gk.recipes.get("flow_matching")`` (both
  training stages timed), sampled with its default sampler (Heun, 20 steps).
* ``dcgan_same_time``: the DCGAN recipe ``gk.recipes.get("dcgan")`` with 16 epochs
  (instead of 12, so that the time runs out first), stopped at the default run's
  training time.
* ``guided``: ``gk.recipes.get("guided_flow_matching")`` at the best guidance weight of
  the sweep (the lowest FID among the weights whose class accuracy is >= 95%), with
  ``class_accuracy``: the share of samples that the feature network puts in the class
  they were asked for.
* ``steps_<sampler>_<K>``: the default model with each sampler at 5, 10, 20, 50 steps
  (``--sweep-samples`` samples each).
* ``guidance_w<w>``: the guided model at several guidance weights (``--sweep-samples``).

Every model is sampled with its recipe's sampler (50 ancestral DDPM steps) unless a
sweep says otherwise. ``--only guided_rescore`` scores the shipped guided checkpoint
again without retraining it (its training record is kept).

With ``--save-checkpoint`` the two flow-matching models become the shipped checkpoints.
Run from the repository root (about 40 minutes on a 2-core CPU)::

    python benchmarks/diffusion.py [--save-checkpoint]

Writes ``benchmarks/results/diffusion.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np
from _results import write_json_to

import genai_keras as gk
from genai_keras import backend, recipes
from genai_keras import checkpoints as ck
from genai_keras.models import diffusion as D
from genai_keras.models import gan as G
from genai_keras.studies import sampler_sweep

RESULTS = Path(__file__).resolve().parent / "results" / "diffusion.json"
STEPS = (5, 10, 20, 50)
WEIGHTS = (0.0, 1.0, 1.5, 2.0, 3.0, 4.0)
DCGAN_EPOCHS = 16
TRAINING_KEYS = (
    "recipe",
    "seed",
    "train_seconds",
    "parameters",
    "epochs_run",
    "autoencoder_loss",
    "loss",
)
TIME_LIMIT = 600.0  # the chapter's budget: training stops here if the epochs are not done


def score(images: np.ndarray) -> dict:
    """Chapter 04's metrics of a GAN's samples."""
    return {
        k: (round(float(v), 4) if isinstance(v, float) else v)
        for k, v in gk.metrics.evaluate_samples(images).items()
    }


def sample_and_score(
    model: D.FlowMatching,
    n: int,
    steps: int | None = None,
    sampler: str | None = None,
    guidance: float | None = None,
) -> dict:
    """One point of the sweep: the chapter's scoring at sample seed 1, FID bias warning off."""
    return sampler_sweep.sample_and_score(
        model, n, steps, sampler, guidance, seed=1, quiet_bias=True
    )


def train_flow(recipe: recipes.Recipe) -> tuple[D.FlowMatching, dict]:
    start = time.perf_counter()
    model, history = D.train(recipe, max_seconds=TIME_LIMIT)
    seconds = time.perf_counter() - start
    return model, {
        "recipe": recipe.name,
        "seed": recipe.seed,
        "train_seconds": round(seconds, 1),
        "parameters": model.num_parameters(),
        "epochs_run": len(history["loss"]),
        "autoencoder_loss": [round(v, 3) for v in history["autoencoder_loss"]],
        "loss": [round(v, 4) for v in history["loss"]],
    }


def publish(name: str, model: D.FlowMatching, run: dict) -> None:
    """Make ``model`` (trained from recipe ``name`` by this benchmark) the package's checkpoint."""
    recipe = recipes.get(name, fast=False)
    ck.publish(
        name,
        model,
        {
            "name": name,
            "recipe": recipe.as_dict(),
            "seed": recipe.seed,
            "train_seconds": run["train_seconds"],
            "fast": False,
            "command": "python benchmarks/diffusion.py --save-checkpoint",
        },
        log=lambda line: print(line, flush=True),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--sweep-samples", type=int, default=2_000)
    ap.add_argument("--save-checkpoint", action="store_true")
    ap.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="rerun only these groups (default, steps, guided, dcgan; guided_rescore: "
        "score the shipped guided checkpoint again) and keep the rest",
    )
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()

    previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
    runs = dict(previous.get("runs", {}))
    wanted = set(args.only) if args.only is not None else {"default", "dcgan", "guided", "steps"}
    default_recipe = recipes.get("flow_matching", fast=False)
    guided_recipe = recipes.get("guided_flow_matching", fast=False)

    if "default" in wanted or "steps" in wanted:
        model, run = train_flow(default_recipe)
        if "default" in wanted:
            runs["default"] = {**run, **sample_and_score(model, args.samples)}
            print("default", runs["default"], flush=True)
            if args.save_checkpoint:
                publish("flow_matching", model, run)
        if "steps" in wanted:
            for sampler in D.SAMPLERS:
                for steps in STEPS:
                    runs[f"steps_{sampler}_{steps}"] = sample_and_score(
                        model, args.sweep_samples, steps, sampler
                    )
                    print(sampler, steps, runs[f"steps_{sampler}_{steps}"], flush=True)
    if "guided" in wanted or "guided_rescore" in wanted:
        if "guided" in wanted:
            model, run = train_flow(guided_recipe)
        else:  # the shipped checkpoint, scored again (e.g. after a change of sampler)
            model, entry = ck.load_or_train("guided_flow_matching", return_record=True)
            previous_run = runs.get("guided") or {  # else what the checkpoint's record says
                "recipe": entry["name"],
                "seed": entry["seed"],
                "train_seconds": entry["train_seconds"],
                "parameters": entry["parameters"],
            }
            run = {k: v for k, v in previous_run.items() if k in TRAINING_KEYS}
        sweep = {}
        for w in WEIGHTS:
            sweep[w] = runs[f"guidance_w{w:g}"] = sample_and_score(
                model, args.sweep_samples, guidance=w
            )
            print("w", w, sweep[w], flush=True)
        eligible = [w for w in WEIGHTS if sweep[w]["class_accuracy"] >= 0.95] or list(WEIGHTS)
        best = min(eligible, key=lambda w: sweep[w]["fid"])
        runs["guided"] = {
            **run,
            "best_guidance": best,
            **sample_and_score(model, args.samples, guidance=best),
        }
        print("guided", runs["guided"], flush=True)
        if args.save_checkpoint and "guided" in wanted:
            publish("guided_flow_matching", model, run)
    if "dcgan" in wanted:
        limit = runs["default"]["train_seconds"]
        start = time.perf_counter()
        # More epochs than the recipe's 12 (its learning rate decays over all of them), so
        # that the time limit, not the epoch count, ends the run.
        gan, _ = G.train(
            recipes.get("dcgan", fast=False).replace(epochs=DCGAN_EPOCHS), max_seconds=limit
        )
        seconds = time.perf_counter() - start
        t = time.perf_counter()
        images = gan.sample(args.samples, seed=1)
        runs["dcgan_same_time"] = {
            "recipe": "dcgan",
            "epochs": DCGAN_EPOCHS,
            "max_seconds": limit,
            "train_seconds": round(seconds, 1),
            "sample_seconds_10k": round((time.perf_counter() - t) * 10_000 / args.samples, 2),
            **score(images),
        }
        print("dcgan", runs["dcgan_same_time"], flush=True)
    record = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "devices": backend.list_devices(),
        },
        "date_utc": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
        "num_samples": args.samples,
        "sweep_samples": args.sweep_samples,
        "recipes": {"default": default_recipe.as_dict(), "guided": guided_recipe.as_dict()},
        "runs": runs,
    }
    write_json_to(args.out, record)  # atomic; runs merged with the file's
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
