"""Does adding generated digits help a classifier trained on few labels? A measured answer.

The experiment of chapter 07: a small CNN
(:func:`~genai_keras.applications.models.build_small_classifier`) learns from N labelled
MNIST digits, for the same number of updates, with

- ``"none"``: the N digits only;
- ``"classical"``: the N digits through random rotations, shifts and zooms (Keras
  preprocessing layers, active in training only);
- ``"generated"``: half of every batch drawn from digits of a conditional VAE trained on
  **the same N labelled digits only** (no other label leaks in);
- ``"both"``: classical augmentation of real and generated digits.

Each (N, seed) draws its own N digits and trains its own generator; the score is the
accuracy on MNIST test digits, as mean and standard deviation over seeds. The variants of
one seed share its N digits (and generator), so :func:`paired_differences` compares them
with the baseline seed by seed.

Used in chapter 07.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from genai_keras.applications.models import build_small_classifier
from genai_keras.checks import as_images, as_labels, as_seed, positive_int
from genai_keras.models import vae
from genai_keras.optim import build_optimizer, optimizer_from_recipe
from genai_keras.protocol import default_labels
from genai_keras.recipes import Recipe, expect

VARIANTS = ("none", "classical", "generated", "both")


def labelled_subset(
    images: Any, labels: Any, n: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """N labelled digits drawn at random, as balanced as possible (``n // 10`` per class, the
    remainder to random classes).

    Args:
        images, labels: the pool, ``(M, 28, 28, 1)`` and ``(M,)``.
        n: how many to keep, 10 <= n <= M.
        seed: seed of the draw.

    Returns:
        ``(images (n, 28, 28, 1), labels (n,))`` in random order.

    Raises:
        ValueError: ``n`` below 10 or larger than the pool (or than a class allows).
    """
    x, y = as_images(images), as_labels(labels)
    n = positive_int(n, "n", minimum=10)
    if n > len(x):
        raise ValueError(
            f"N = {n} is larger than the {len(x)} labelled digits available; use N <= {len(x)}."
        )
    rng = np.random.default_rng(as_seed(seed))
    counts = np.full(10, n // 10)
    counts[rng.choice(10, n % 10, replace=False)] += 1
    picks = []
    for k in range(10):
        pool = np.flatnonzero(y == k)
        if counts[k] > len(pool):
            raise ValueError(
                f"N = {n} needs {counts[k]} digits of class {k}, only {len(pool)} "
                f"are available; use a smaller N."
            )
        picks.append(rng.choice(pool, counts[k], replace=False))
    idx = rng.permutation(np.concatenate(picks))
    return x[idx], y[idx]


def classical_augmenter(seed: int = 0) -> keras.Sequential:
    """Random rotation (up to 10 degrees), shift (up to 10% = 2.8 pixels) and zoom (up to
    10%), filling with black; a Keras model active in training only."""
    seed = as_seed(seed, allow_none=False)
    return keras.Sequential(
        [
            keras.layers.RandomRotation(
                10.0 / 360.0, fill_mode="constant", seed=seed, name="rotate"
            ),
            keras.layers.RandomTranslation(
                0.1, 0.1, fill_mode="constant", seed=seed + 1, name="shift"
            ),
            keras.layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 2, name="zoom"),
        ],
        name="classical_augmentation",
    )


def train_generator(recipe: Recipe, images: Any, labels: Any, steps: int | None = None):
    """A conditional VAE trained on the given labelled digits only.

    Args:
        recipe: a conditional VAE recipe (``gk.recipes.get("augment_cvae")``).
        images, labels: the N labelled digits.
        steps: optimizer updates; the epochs are set to reach about this many
            (default: the recipe's epochs).

    Returns:
        The trained :class:`genai_keras.models.vae.ConditionalVAE`.
    """
    expect(recipe, "vae")
    if steps is not None:
        per_epoch = math.ceil(len(images) / recipe.batch_size)
        recipe = recipe.replace(epochs=max(1, round(positive_int(steps, "steps") / per_epoch)))
    model, _ = vae.train(recipe, images, labels)
    return model


def train_classifier(
    recipe: Recipe,
    images: Any,
    labels: Any,
    augment: bool = False,
    generated: tuple[Any, Any] | None = None,
    seed: int = 0,
) -> keras.Model:
    """Train the small classifier for ``recipe.steps`` updates of ``recipe.batch_size`` digits.

    Args:
        recipe: ``gk.recipes.get("augment_classifier")``.
        images, labels: the real labelled digits.
        augment: put :func:`classical_augmenter` in front of the network (training only).
        generated: optional ``(images, labels)`` of generated digits: then half of each
            batch comes from them.
        seed: seed of the weights, batches and augmentation.

    Returns:
        The trained classifier (images -> class probabilities; no augmentation layers).
    """
    expect(recipe, "application")
    x, y = as_images(images), as_labels(labels)
    steps = positive_int(recipe.steps, "steps")
    batch = positive_int(recipe.batch_size, "batch_size")
    seed = as_seed(seed, allow_none=False)
    rng = np.random.default_rng(seed)
    if generated is None:
        idx = rng.integers(0, len(x), steps * batch)
        xs, ys = x[idx], y[idx]
    else:
        gx, gy = as_images(generated[0], name="generated"), as_labels(generated[1])
        half = batch // 2
        ri = rng.integers(0, len(x), (steps, batch - half))
        gi = rng.integers(0, len(gx), (steps, half))
        xs = np.concatenate([x[ri], gx[gi]], axis=1).reshape(-1, 28, 28, 1)
        ys = np.concatenate([y[ri], gy[gi]], axis=1).reshape(-1)
    keras.utils.set_random_seed(seed)
    classifier = build_small_classifier(seed=seed)
    model = keras.Sequential([classical_augmenter(seed), classifier]) if augment else classifier
    model.compile(optimizer=optimizer_from_recipe(recipe), loss="sparse_categorical_crossentropy")
    build_optimizer(model)
    model.fit(xs, ys, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    return classifier


def accuracy(classifier: keras.Model, images: Any, labels: Any) -> float:
    """Share of ``images`` that ``classifier`` labels correctly, in [0, 1]."""
    x = as_images(images)
    # direct calls in batches: ``predict`` would trace a new function for every classifier
    preds = np.concatenate(
        [
            np.argmax(
                keras.ops.convert_to_numpy(classifier(x[i : i + 1000], training=False)), axis=1
            )
            for i in range(0, len(x), 1000)
        ]
    )
    return float(np.mean(preds == as_labels(labels, count=len(x))))


def run(
    pool: tuple[Any, Any],
    test: tuple[Any, Any],
    ns: Sequence[int],
    seeds: Sequence[int],
    classifier_recipe: Recipe,
    generator_recipe: Recipe,
    generator_steps: int,
    num_generated: int = 1000,
    variants: Sequence[str] = VARIANTS,
    log: Any = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """The whole experiment: every N, variant and seed; test accuracy mean and spread.

    Args:
        pool: ``(images, labels)`` the labelled digits are drawn from (MNIST training set).
        test: ``(images, labels)`` to score on.
        ns: the labelled-set sizes N.
        seeds: one run per seed (the draw of N digits, generator and classifier).
        classifier_recipe, generator_recipe: the two models' recipes.
        generator_steps: updates of each generator.
        num_generated: generated digits per generator (balanced over classes).
        variants: a subset of :data:`VARIANTS`.
        log: optional ``print``-like function called after each (N, seed).

    Returns:
        ``{str(N): {variant: {"mean", "std", "seeds": [accuracy per seed]}}}``.

    Raises:
        ValueError: unknown variant, or an N larger than the pool.
    """
    bad = [v for v in variants if v not in VARIANTS]
    if bad:
        raise ValueError(f"Unknown augmentation variant(s) {bad}; use some of {VARIANTS}.")
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for n in ns:
        per_variant: dict[str, list[float]] = {v: [] for v in variants}
        for seed in seeds:
            x, y = labelled_subset(*pool, n, seed=seed)
            generated = None
            if "generated" in variants or "both" in variants:
                gen = train_generator(generator_recipe.replace(seed=seed), x, y, generator_steps)
                gy = default_labels(num_generated)
                generated = (gen.sample(num_generated, labels=gy, seed=seed), gy)
            for v in variants:
                clf = train_classifier(
                    classifier_recipe,
                    x,
                    y,
                    augment=v in ("classical", "both"),
                    generated=generated if v in ("generated", "both") else None,
                    seed=seed,
                )
                per_variant[v].append(accuracy(clf, *test))
            if log is not None:
                log(
                    f"N={n} seed={seed}: "
                    + ", ".join(f"{v} {per_variant[v][-1]:.3f}" for v in variants)
                )
        results[str(n)] = {
            v: {
                "mean": float(np.mean(a)),
                "std": float(np.std(a, ddof=1)) if len(a) > 1 else 0.0,
                "seeds": [round(s, 4) for s in a],
            }
            for v, a in per_variant.items()
        }
    return results


def paired_differences(
    results: dict[str, dict[str, dict[str, Any]]], baseline: str = "none", threshold: float = 2.0
) -> dict[str, dict[str, dict[str, Any]]]:
    """Each variant against ``baseline``, seed by seed (the runs of one seed are paired).

    The runs of one seed share the draw of N digits (and the generator), so the difference
    ``variant - baseline`` of each seed cancels what the draw of digits does to both. The
    verdict compares the mean difference with its standard error
    ``std(differences, ddof=1) / sqrt(seeds)``.

    Args:
        results: :func:`run`'s output (each variant with its per-seed accuracies ``"seeds"``).
        baseline: the variant to compare with.
        threshold: how many standard errors away from 0 the mean must be for a verdict.

    Returns:
        ``{str(N): {variant: {"mean", "se", "verdict", "differences"}}}`` for every variant
        but ``baseline`` (accuracies as fractions; ``verdict`` is ``"helps"``, ``"hurts"`` or
        ``"not distinguishable"``).

    Raises:
        ValueError: ``baseline`` missing, fewer than 2 seeds, or a variant with another
            number of seeds than the baseline.
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for n, row in results.items():
        if baseline not in row:
            raise ValueError(
                f"N = {n}: no {baseline!r} results to compare with; variants: {', '.join(row)}."
            )
        base = np.asarray(row[baseline]["seeds"], dtype=float)
        if len(base) < 2:
            raise ValueError(f"N = {n}: paired differences need at least 2 seeds, got {len(base)}.")
        out[n] = {}
        for v, scores in row.items():
            if v == baseline:
                continue
            acc = np.asarray(scores["seeds"], dtype=float)
            if acc.shape != base.shape:
                raise ValueError(
                    f"N = {n}: {v!r} has {len(acc)} seeds, {baseline!r} has "
                    f"{len(base)}; pairs need the same seeds."
                )
            diff = acc - base
            mean, se = float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)))
            verdict = (
                "helps"
                if mean > threshold * se
                else "hurts"
                if mean < -threshold * se
                else "not distinguishable"
            )
            out[n][v] = {
                "mean": mean,
                "se": se,
                "verdict": verdict,
                "differences": [float(d) for d in diff],
            }
    return out
