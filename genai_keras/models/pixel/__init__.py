"""Pixel-space generative models of binarised MNIST: the baselines later chapters beat.

A generative model of images is a probability distribution p(x) over 784 binary
pixels. This module holds the two simplest *real* ones, fitted exactly (no gradient
descent) with NumPy:

* :class:`IndependentBernoulli`: every pixel is an independent coin,
  :math:`p(x) = \\prod_d \\theta_d^{x_d}(1-\\theta_d)^{1-x_d}`. One parameter per pixel,
  fitted in closed form (pixel frequencies). Samples are noisy blurs of the mean digit.
* :class:`BernoulliMixture`: K such models mixed,
  :math:`p(x) = \\sum_k \\pi_k \\prod_d \\theta_{kd}^{x_d}(1-\\theta_{kd})^{1-x_d}`, fitted by
  expectation-maximisation (EM). Each component is a prototype digit; samples are
  sharper and the test likelihood is far better. The hidden component index is the
  simplest *latent variable*; chapter 02 replaces it with a continuous code z and a
  neural decoder (the VAE).
* :class:`BernoulliMixtureClassifier`: one mixture per digit class plus class
  frequencies, used as a generative classifier through Bayes' rule,
  :math:`p(y|x) \\propto p(y)\\,p(x|y)`.

All log-likelihoods are in nats per image (divide by 784 ln 2 for bits per pixel, see
:func:`genai_keras.distributions.bits_per_dim`). Every model has ``fit``,
``log_prob``, ``sample``, ``save``/``load`` (``.npz``) and ``num_parameters``;
:func:`train` fits the recipes of :mod:`genai_keras.recipes` (chapters 01 and 04).

Each model has its own submodule (``independent``, ``mixture``,
``classifier``; shared helpers in ``_common``); the models, :func:`load` and
:func:`train` are all reachable here: write ``gk.models.pixel.<name>``.

Used in chapters 01 and 04.
"""

from __future__ import annotations

import os
from typing import Any

from genai_keras.data import training_images
from genai_keras.models.pixel._common import NUM_PIXELS, _read  # noqa: F401 (NUM_PIXELS re-exported)
from genai_keras.models.pixel.classifier import BernoulliMixtureClassifier
from genai_keras.models.pixel.independent import IndependentBernoulli
from genai_keras.models.pixel.mixture import BernoulliMixture
from genai_keras.recipes import expect

__all__ = [
    "BernoulliMixture",
    "BernoulliMixtureClassifier",
    "IndependentBernoulli",
    "load",
    "train",
]


_KINDS = {
    "IndependentBernoulli": IndependentBernoulli,
    "BernoulliMixture": BernoulliMixture,
    "BernoulliMixtureClassifier": BernoulliMixtureClassifier,
}


def load(
    path: str | os.PathLike,
) -> IndependentBernoulli | BernoulliMixture | BernoulliMixtureClassifier:
    """Load any pixel model saved with ``.save(path)`` (the class is stored in the file).

    Used in chapter 04 (loading checkpoints).
    """
    kind, _, _ = _read(path)
    if kind not in _KINDS:
        raise ValueError(f"{str(path)!r} holds an unknown model kind {kind!r}.")
    return _KINDS[kind].load(path)


def train(
    recipe: Any, images: Any = None
) -> tuple[IndependentBernoulli | BernoulliMixture, dict[str, list[float]]]:
    """Fit a pixel-model recipe on statically binarised MNIST (chapters 01 and 04).

    ``gk.recipes.get("bernoulli_mixture")``: K = 100 components, 40 EM iterations;
    ``gk.recipes.get("independent_bernoulli")``: one Bernoulli per pixel with a
    pseudo-count of 1. The training images are binarised with seed 1 (one fixed
    Bernoulli draw per pixel, different from the test set's draw).

    Args:
        recipe: a pixel recipe.
        images: binary training images ``(N, 28, 28, 1)``; None loads the first
            ``recipe.limit`` (all) MNIST training digits.

    Returns:
        ``(model, history)``: the fitted model and, for the mixture, the EM curves
        (``log_likelihood`` and ``objective`` per E-step, nats per image).
    """
    expect(recipe, "pixel")
    images, _ = training_images(recipe, images, binarize="static", seed=1)
    cfg = dict(recipe.model)
    if cfg.pop("kind") == "independent":
        return IndependentBernoulli(**cfg).fit(images), {}
    model = BernoulliMixture(seed=recipe.seed, **cfg).fit(images)
    return model, {k: list(v) for k, v in model.history.items()}
