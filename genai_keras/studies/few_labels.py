"""Generative against discriminative classifiers as the number of labels grows (chapter 01).

Ng and Jordan (2001) compared naive Bayes (a generative classifier: ``p(y) p(x | y)`` with
independent features) and logistic regression (a discriminative one: ``p(y | x)``) as the
training set grows: the generative model approaches its (usually worse) best accuracy with
fewer examples, the discriminative one overtakes it once data are plentiful.
:func:`learning_curves` measures this on binarised MNIST with chapter 01's two models.

Used in chapter 01.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from genai_keras.applications.augmentation import labelled_subset
from genai_keras.checks import as_images, as_labels, as_seed, positive_int
from genai_keras.models.pixel import BernoulliMixtureClassifier
from genai_keras.optim import build_optimizer

#: The two classifiers, in the order of the results.
CLASSIFIERS = ("generative", "discriminative")


def logistic_regression(
    images: Any,
    labels: Any,
    steps: int = 300,
    batch_size: int = 128,
    learning_rate: float = 1e-2,
    seed: int = 0,
) -> keras.Model:
    """Chapter 01's logistic regression ``softmax(Wx + b)`` trained for ``steps`` Adam updates.

    Every update uses ``min(batch_size, N)`` examples drawn with replacement, so runs with
    few and with many labels get the same number of updates.

    Args:
        images: ``(N, 28, 28, 1)`` training images.
        labels: ``(N,)`` their classes 0-9.
        steps: Adam updates.
        batch_size: examples per update (at most N).
        learning_rate: Adam's step size.
        seed: seed of the weights and of the batches.

    Returns:
        The trained Keras model (images -> 10 logits).

    Raises:
        ValueError: bad images, labels, steps, batch size or seed.
    """
    x = as_images(images)
    y = as_labels(labels, num_classes=10, count=len(x))
    steps = positive_int(steps, "steps")
    batch = min(positive_int(batch_size, "batch_size"), len(x))
    seed = as_seed(seed, allow_none=False)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(10, name="logits"),
        ],
        name="logistic_regression",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    build_optimizer(model)
    idx = np.random.default_rng(seed).integers(0, len(x), steps * batch)
    model.fit(x[idx], y[idx], batch_size=batch, epochs=1, shuffle=False, verbose=0)
    return model


def learning_curves(
    train: tuple[Any, Any],
    test: tuple[Any, Any],
    sizes: Sequence[int],
    seeds: Sequence[int],
    components: int = 1,
    steps: int = 300,
    log: Callable[[str], None] | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Test accuracy of a generative and a discriminative classifier against the labels.

    For each N in ``sizes`` and each seed, N balanced labelled digits are drawn from
    ``train`` (:func:`genai_keras.applications.labelled_subset`); on them are fitted
    chapter 01's generative classifier (a Bernoulli mixture of ``components`` per class
    and Bayes' rule; ``components=1`` is naive Bayes, the model of Ng and Jordan) and its
    logistic regression (:func:`logistic_regression`, ``steps`` updates). Both are scored
    on all of ``test``.

    Args:
        train: ``(images, labels)`` to draw the labelled digits from (binary images).
        test: ``(images, labels)`` scored (binary images).
        sizes: the numbers of labels N (each >= 10 and >= 10 x ``components``).
        seeds: one run per seed and N.
        components: mixture components per class.
        steps: the logistic regression's updates.
        log: called with one line per (N, seed) (e.g. ``print``).

    Returns:
        ``{str(N): {"generative" | "discriminative": {"mean", "std", "seeds"}}}``:
        accuracies in [0, 1], ``std`` over seeds (``ddof=0``), ``seeds`` one per seed.

    Raises:
        ValueError: empty ``sizes`` or ``seeds``, or a size too small or too large.
    """
    x, y = as_images(train[0], name="train images"), as_labels(train[1])
    xt, yt = as_images(test[0], name="test images"), as_labels(test[1])
    sizes = [positive_int(n, "N", minimum=10) for n in sizes]
    seeds = [as_seed(s, allow_none=False) for s in seeds]
    if not sizes or not seeds:
        raise ValueError("Give at least one size N and one seed.")
    components = positive_int(components, "components")
    too_small = [n for n in sizes if n < 10 * components]
    if too_small:
        raise ValueError(
            f"N = {too_small[0]} gives some class fewer than {components} images; use N >= "
            f"{10 * components} or fewer components."
        )
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for n in sizes:
        accuracy: dict[str, list[float]] = {name: [] for name in CLASSIFIERS}
        for seed in seeds:
            xs, ys = labelled_subset(x, y, n, seed=seed)
            generative = BernoulliMixtureClassifier(num_components=components, seed=seed)
            accuracy["generative"].append(float(np.mean(generative.fit(xs, ys).classify(xt) == yt)))
            model = logistic_regression(xs, ys, steps=steps, seed=seed)
            logits = model.predict(xt, batch_size=1000, verbose=0)
            accuracy["discriminative"].append(float(np.mean(np.argmax(logits, axis=1) == yt)))
            if log is not None:
                log(
                    f"N={n} seed={seed}: generative {accuracy['generative'][-1]:.3f}, "
                    f"discriminative {accuracy['discriminative'][-1]:.3f}"
                )
        results[str(n)] = {
            name: {
                "mean": float(np.mean(values)),
                "std": float(np.std(values)),
                "seeds": values,
            }
            for name, values in accuracy.items()
        }
    return results


def crossover(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """One sentence on which classifier leads at which N (means over seeds), computed.

    Args:
        results: the output of :func:`learning_curves`.

    Returns:
        A sentence naming the sizes where each classifier has the higher mean accuracy.
    """
    if not results:
        raise ValueError("results is empty; pass the output of learning_curves.")
    ns = sorted(results, key=int)
    ahead = {n: results[n]["generative"]["mean"] > results[n]["discriminative"]["mean"] for n in ns}
    gen = [n for n in ns if ahead[n]]
    dis = [n for n in ns if not ahead[n]]
    if not dis:
        return f"The generative classifier is ahead at every N measured ({', '.join(ns)})."
    if not gen:
        return f"The discriminative classifier is ahead at every N measured ({', '.join(ns)})."
    if all(int(a) < int(b) for a in gen for b in dis):
        return (
            f"The generative classifier is ahead with few labels (N = {', '.join(gen)}), the "
            f"discriminative one from N = {dis[0]} on: the curves cross, as Ng and Jordan predict."
        )
    return (
        f"The lead changes back and forth: generative ahead at N = {', '.join(gen)}, "
        f"discriminative at N = {', '.join(dis)}."
    )
