"""Benchmark: the TensorFlow-tutorial DCGAN recipe vs genai_keras' default GAN.

Both are trained on the 60,000 MNIST training digits in one run on one machine: first
the package's default GAN, exactly as its recipe ``gk.recipes.get("dcgan")`` says (the
recipe the shipped checkpoint and notebook 03 use: all its epochs, learning rate
decaying to 0), then the tutorial recipe for the same wall-clock time. Both are scored
with chapter 04's metrics (FID, classifier Inception Score, precision/recall) on 10,000
samples against the MNIST test set.

Run (from the repository root; takes about twice the default GAN's training time)::

    python benchmarks/gan.py

Writes ``benchmarks/results/gan.json`` (with the recipe, ``recipe.as_dict()``, under
``"recipe"``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402

import genai_keras as gk  # noqa: E402
from genai_keras import recipes  # noqa: E402
from genai_keras.models import gan as G  # noqa: E402
from genai_keras.utils import count_parameters  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "gan.json"


def tutorial_gan(seed: int) -> tuple[G.GAN, int]:
    """The TF tutorial recipe: its networks, Adam(1e-4) (default betas), batch 256."""
    keras.utils.set_random_seed(seed)
    gan = G.GAN(G.build_tutorial_generator(100), G.build_tutorial_discriminator(), seed=seed,
                name="tutorial_gan")
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-4, name="d_adam"),
                g_optimizer=keras.optimizers.Adam(1e-4, name="g_adam"))
    return gan, 256


def default_recipe(seed: int = 0, **changes) -> recipes.Recipe:
    """genai_keras' default DCGAN recipe, ``gk.recipes.get("dcgan")`` (never its fast
    variant), with ``seed`` and any other :meth:`~genai_keras.recipes.Recipe.replace`
    changes."""
    return recipes.get("dcgan", fast=False).replace(**{"seed": seed, **changes})


def default_gan(recipe: recipes.Recipe, num_images: int) -> tuple[G.GAN, int, int]:
    """The compiled, untrained GAN of a recipe, built as ``gan.train(recipe)`` builds it
    (learning rate decaying to 0 over the recipe's epochs of ``num_images`` images),
    with the recipe's batch size and epochs."""
    batch, epochs = recipe.batch_size, recipe.epochs
    total_steps = epochs * -(-num_images // batch)
    return G.build(recipe, total_steps=total_steps), batch, epochs


def train_and_score(name: str, gan: G.GAN, batch_size: int, images: np.ndarray,
                    budget: float | None, num_samples: int, seed: int,
                    epochs: int = 10_000) -> dict:
    monitor, limit = G.GANMonitor(num_samples=16, seed=seed), G.TimeLimit(budget or 1e12)
    t0 = time.perf_counter()
    gan.fit(images, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0,
            callbacks=[monitor, limit])
    train_s = time.perf_counter() - t0
    n_images = limit.steps_done * batch_size
    t1 = time.perf_counter()
    samples = gan.sample(num_samples, seed=seed + 1)
    sample_s = time.perf_counter() - t1
    scores = gk.metrics.evaluate_samples(samples)
    epoch_s = monitor.history.get("epoch_seconds", [])
    steps_per_epoch = -(-len(images) // batch_size)
    full_epochs = epoch_s[:-1] if limit.steps_done % steps_per_epoch else epoch_s
    result = {
        "name": name,
        "generator_params": count_parameters(gan.generator),
        "discriminator_params": count_parameters(gan.discriminator),
        "batch_size": batch_size,
        "train_seconds": round(train_s, 1),
        "steps": limit.steps_done,
        "epochs": round(n_images / len(images), 2),
        "epoch_seconds": [round(s, 1) for s in full_epochs],
        "images_per_second": round(n_images / train_s, 1),
        "sample_seconds_10k": round(sample_s * 10_000 / num_samples, 2),
        "last_epoch_losses": {k: round(v[-1], 4) for k, v in monitor.history.items()
                              if k != "epoch_seconds"},
        **{k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in scores.items()},
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=None,
                    help="train both for this many seconds instead (default: the tutorial "
                         "gets the default GAN's measured training time)")
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()

    recipe = default_recipe(args.seed)
    images, _ = gk.data.load_mnist("train", limit=recipe.limit)
    record = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "keras": keras.__version__, "backend": keras.backend.backend()},
        "date_utc": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
        "num_samples": args.samples,
        "recipe": recipe.as_dict(),
    }
    gan, batch, epochs = default_gan(recipe, len(images))
    runs = {"genai_keras_default": train_and_score(
        "genai_keras default DCGAN", gan, batch, images, args.budget, args.samples, args.seed,
        epochs=epochs)}
    budget = args.budget or runs["genai_keras_default"]["train_seconds"]
    record["budget_seconds"] = round(budget, 1)
    tutorial, tutorial_batch = tutorial_gan(args.seed)
    runs["tutorial_dcgan"] = train_and_score("TF tutorial DCGAN", tutorial, tutorial_batch, images,
                                             budget, args.samples, args.seed)
    record["runs"] = {"tutorial_dcgan": runs["tutorial_dcgan"],
                      "genai_keras_default": runs["genai_keras_default"]}
    test, _ = gk.data.load_mnist("test")
    record["reference_mnist_test_is"] = round(float(gk.metrics.inception_score(test)[0]), 3)
    d, t = runs["genai_keras_default"], runs["tutorial_dcgan"]
    record["summary"] = {
        "default_train_seconds": d["train_seconds"],
        "default_is_at_least_9": d["is_mean"] >= 9.0,
        "default_within_10_minutes": d["train_seconds"] <= 600,
        "default_fid_lower_than_tutorial": d["fid"] < t["fid"],
        "speedup_images_per_second": round(d["images_per_second"] / t["images_per_second"], 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
