r"""Every pixel an independent coin: :class:`IndependentBernoulli`, fitted in closed form.

:math:`p(x) = \prod_d \theta_d^{x_d}(1-\theta_d)^{1-x_d}`, one parameter per pixel.

Used in chapter 01.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras.checks import IMAGE_SHAPE, non_negative_float, positive_int
from genai_keras.models.pixel._common import (
    NUM_PIXELS,
    _as_images,
    _binary_pixels,
    _check_probabilities,
    _no_labels,
    _read,
    _rng,
    _write,
)


class IndependentBernoulli:
    """Every pixel an independent Bernoulli variable: the simplest model of images.

    Fit in closed form with a symmetric Beta prior (Laplace smoothing):
    :math:`\\hat\\theta_d = (\\sum_n x_{nd} + a) / (N + 2a)`. Without it (a = 0) a pixel
    that is never inked in training gets :math:`\\theta_d = 0` and any test digit that
    inks it gets log-probability minus infinity.

    Used in chapter 01.

    Args:
        pseudo_count: a >= 0, the Beta(a + 1, a + 1) prior's pseudo-count per pixel
            (a = 1: Laplace's rule of succession).

    Attributes:
        probs: ``(784,)`` float64 pixel probabilities (None before ``fit``).
    """

    conditional = False

    def __init__(self, pseudo_count: float = 1.0) -> None:
        self.pseudo_count = non_negative_float(pseudo_count, "pseudo_count")
        self.probs: np.ndarray | None = None
        self.fit_seconds: float = 0.0

    def get_config(self) -> dict:
        return {"pseudo_count": self.pseudo_count}

    @property
    def num_parameters(self) -> int:
        """Number of free parameters: one probability per pixel (784)."""
        return NUM_PIXELS

    def _check_fitted(self) -> np.ndarray:
        if self.probs is None:
            raise ValueError("This IndependentBernoulli is not fitted yet: call fit(images) first.")
        return self.probs

    def fit(self, images: Any) -> IndependentBernoulli:
        """Estimate each pixel's probability of ink from binary images ``(N, 28, 28, 1)``.

        Raises:
            ValueError: bad shape or values not in {0, 1}.
        """
        start = time.perf_counter()
        x = _binary_pixels(images)
        a = self.pseudo_count
        self.probs = (x.sum(axis=0, dtype=np.float64) + a) / (x.shape[0] + 2.0 * a)
        self.fit_seconds = time.perf_counter() - start
        return self

    @property
    def mean_image(self) -> np.ndarray:
        """The pixel probabilities as an image ``(28, 28, 1)`` (the model's mean)."""
        return self._check_fitted().reshape(IMAGE_SHAPE).astype(np.float32)

    def log_likelihood(self, images: Any, labels: Any = None) -> np.ndarray:
        """The protocol's name for :meth:`log_prob` (exact, nats per image)."""
        _no_labels(labels, type(self).__name__)
        return self.log_prob(images)

    def log_prob(self, images: Any) -> np.ndarray:
        """log p(x) of binary images ``(N, 28, 28, 1)``: float64 ``(N,)`` in nats per image.

        Raises:
            ValueError: not fitted, bad shape, or values not in {0, 1}.
        """
        p = self._check_fitted()
        x = _binary_pixels(images).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):  # p = 0 or 1 only if a = 0
            log_p, log_1mp = np.log(p), np.log1p(-p)
        # x * log p with the convention 0 * log 0 = 0 (an impossible event never observed)
        return np.where(x > 0, log_p, 0.0).sum(1) + np.where(x > 0, 0.0, log_1mp).sum(1)

    def sample(self, n: int, labels: Any = None, seed: Any = None) -> np.ndarray:
        """Draw ``n`` binary images, float32 ``(n, 28, 28, 1)`` with values in {0, 1}.

        Args:
            n: number of images (>= 1).
            labels: must be None (the model is unconditional).
            seed: int, None or a NumPy Generator (gk.utils.sampling_rng: None follows gk.set_seed).
        """
        n = positive_int(n, "n")
        _no_labels(labels, "IndependentBernoulli")
        p = self._check_fitted()
        u = _rng(seed).random((n, NUM_PIXELS))
        return _as_images((u < p).astype(np.float32))

    def save(self, path: str | os.PathLike) -> Path:
        """Save to a ``.npz`` file; returns the path."""
        return _write(path, "IndependentBernoulli", self.get_config(), probs=self._check_fitted())

    @classmethod
    def load(cls, path: str | os.PathLike) -> IndependentBernoulli:
        """Load a model written by :meth:`save`."""
        _, config, arrays = _read(path, "IndependentBernoulli")
        model = cls(**config)
        model.probs = _check_probabilities(arrays.get("probs"), "probs", (NUM_PIXELS,), path)
        return model
