"""Probability distributions with Keras ops: log-probabilities, sampling, KL and MLE.

A generative model is a probability distribution over data. This module holds the
small distributions every chapter builds on, written with ``keras.ops`` so that the
same functions are model losses (a VAE's reconstruction term is a Bernoulli
log-probability, its regulariser is :func:`kl_normal`):

* log-probabilities (element-wise, in nats): :func:`normal_log_prob`,
  :func:`bernoulli_log_prob`, :func:`poisson_log_prob`, :func:`categorical_log_prob`;
* sampling with ``keras.random`` and a seed: :func:`normal_sample`,
  :func:`bernoulli_sample`, :func:`poisson_sample`, :func:`categorical_sample`;
* KL divergence: :func:`kl_normal` (closed form for diagonal Gaussians),
  :func:`kl_monte_carlo` (estimate with a standard error);
* maximum-likelihood fits in closed form (NumPy): :func:`fit_normal`,
  :func:`fit_bernoulli`, :func:`fit_poisson`, :func:`fit_categorical`.

Arguments are checked for bad values (negative scale or rate, probabilities outside
[0, 1], shapes that do not broadcast) whenever they are concrete (NumPy arrays,
Python numbers, eager tensors); inside a traced/compiled function the value checks are
skipped, so the functions also work as losses in ``model.fit``.

Each group lives in its own submodule (``log_prob``, ``sampling``,
``kl``, ``fitting``; shared argument checks in ``_checks``) and is
re-exported here: write ``gk.distributions.<name>``.

Used in chapters 01 (distributions, pixel models), 02 (VAE loss) and 05 (categorical
next-character distributions).
"""

from __future__ import annotations

from genai_keras.distributions.fitting import (
    fit_bernoulli,
    fit_categorical,
    fit_normal,
    fit_poisson,
)
from genai_keras.distributions.kl import kl_monte_carlo, kl_normal
from genai_keras.distributions.log_prob import (
    bernoulli_log_prob,
    bits_per_dim,
    categorical_log_prob,
    normal_log_prob,
    poisson_log_prob,
)
from genai_keras.distributions.sampling import (
    bernoulli_sample,
    categorical_sample,
    normal_sample,
    poisson_sample,
)

__all__ = [
    "bernoulli_log_prob",
    "bernoulli_sample",
    "bits_per_dim",
    "categorical_log_prob",
    "categorical_sample",
    "fit_bernoulli",
    "fit_categorical",
    "fit_normal",
    "fit_poisson",
    "kl_monte_carlo",
    "kl_normal",
    "normal_log_prob",
    "normal_sample",
    "poisson_log_prob",
    "poisson_sample",
]
