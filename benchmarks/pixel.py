"""Score the chapter-01 pixel models on binarised MNIST; write benchmarks/results/pixel.json.

Run from the repository root (under the CPU lock, so timings are honest):

    env GENAI_KERAS_DATA=../shared/data \\
        python benchmarks/pixel.py

Training data: the 60,000 training digits, statically binarised with seed 1 (what
``pixel.train`` uses). Test data: ``load_mnist("test", binarize="static")`` (seed 0),
the fixed binarised test set every likelihood in this project is reported on.
Models: the independent-pixel Bernoulli model (recipe
``gk.recipes.get("independent_bernoulli")``), the Bernoulli mixture (recipe
``gk.recipes.get("bernoulli_mixture")``: K = 100, 40 EM iterations), both fitted with
``pixel.train(recipe, images)`` as the checkpoints are, and the class-conditional
mixture classifier used in chapter 01 (10 components per digit). Reported: test negative
log-likelihood in nats per image and bits per dimension, fit times, parameter counts, EM
iterations and the classifier's test accuracy; each recipe (``recipe.as_dict()``) is
recorded under its model's ``"recipe"``. Used in chapters 01 and 04 (README table).
"""

from __future__ import annotations

import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GENAI_KERAS_FAST", "0")

import numpy as np
from _results import write_result

import genai_keras as gk
from genai_keras import recipes
from genai_keras.distributions import bits_per_dim
from genai_keras.models import pixel

CLASSIFIER_COMPONENTS = 10
CLASSIFIER_ITERATIONS = 20


def _score(model, x_test) -> dict:
    log_p = model.log_prob(x_test)
    nll = float(-log_p.mean())
    return {
        "test_nll_nats": round(nll, 3),
        "test_nll_nats_stderr": round(float(log_p.std(ddof=1) / np.sqrt(len(log_p))), 3),
        "test_bits_per_dim": round(float(bits_per_dim(nll)), 4),
        "num_parameters": int(model.num_parameters),
        "fit_seconds": round(float(model.fit_seconds), 2),
    }


def main() -> int:
    if gk.fast_mode():
        print("GENAI_KERAS_FAST is set: unset it to benchmark the full models.")
        return 1
    t0 = time.perf_counter()
    x_train, y_train = gk.data.load_mnist("train", binarize="static", seed=1)
    x_test, y_test = gk.data.load_mnist("test", binarize="static")

    independent_recipe = recipes.get("independent_bernoulli", fast=False)
    mixture_recipe = recipes.get("bernoulli_mixture", fast=False)
    independent, _ = pixel.train(independent_recipe, images=x_train)
    mixture, _ = pixel.train(mixture_recipe, images=x_train)
    classifier = pixel.BernoulliMixtureClassifier(
        num_components=CLASSIFIER_COMPONENTS, num_iterations=CLASSIFIER_ITERATIONS
    ).fit(x_train, y_train)

    results = {
        "data": {
            "train": "MNIST train, 60,000, static binarisation seed 1",
            "test": "MNIST test, 10,000, static binarisation seed 0 (load_mnist default)",
        },
        "independent_bernoulli": {
            **_score(independent, x_test),
            "pseudo_count": independent.pseudo_count,
            "recipe": independent_recipe.as_dict(),
        },
        "bernoulli_mixture": {
            **_score(mixture, x_test),
            "num_components": mixture.num_components,
            "em_iterations": mixture.iterations_run,
            "train_nll_nats": round(-mixture.history["log_likelihood"][-1], 3),
            "pseudo_count": mixture.pseudo_count,
            "weight_pseudo_count": mixture.weight_pseudo_count,
            "recipe": mixture_recipe.as_dict(),
        },
        "mixture_classifier": {
            **_score(classifier, x_test),
            "components_per_class": classifier.num_components,
            "em_iterations": classifier.num_iterations,
            "test_accuracy": round(float(np.mean(classifier.classify(x_test) == y_test)), 4),
        },
        "machine": {
            "python": platform.python_version(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "total_seconds": round(time.perf_counter() - t0, 1),
    }
    write_result("pixel", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
