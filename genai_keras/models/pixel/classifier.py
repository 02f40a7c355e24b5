r"""One mixture per digit class plus Bayes' rule: :class:`BernoulliMixtureClassifier`.

A generative model of (image, label) pairs, :math:`p(x, y) = p(y)\,p(x \mid y)`, used
as a classifier through :math:`p(y \mid x) \propto p(y)\,p(x \mid y)`.

Used in chapter 01 (generative vs discriminative classifiers).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras.checks import (
    IMAGE_SHAPE,
    as_finite_array,
    as_labels,
    as_seed,
    non_negative_float,
    positive_int,
)
from genai_keras.models.pixel._common import (
    NUM_PIXELS,
    _as_images,
    _binary_pixels,
    _logsumexp,
    _read,
    _rng,
    _write,
)
from genai_keras.models.pixel.mixture import BernoulliMixture
from genai_keras.protocol import default_labels


class BernoulliMixtureClassifier:
    """Class-conditional generative model p(x, y) = p(y) p(x | y), one mixture per class.

    Fitting one :class:`BernoulliMixture` per digit keeps each component tied to a
    class (an unconditional mixture's components carry no labels and often mix two
    digits), and every class model is fitted on its own data, so the whole thing is a
    proper generative model of (image, label) pairs. Classification is Bayes' rule:

    .. math:: p(y | x) = \\frac{p(y)\\,p(x | y)}{\\sum_{y'} p(y')\\,p(x | y')}

    computed in log space. The model also samples digits of a chosen class.

    Used in chapter 01 (generative vs discriminative classifiers).

    Args:
        num_components: K >= 1 components per class.
        num_iterations: EM iterations per class.
        pseudo_count: Beta pseudo-count for pixel probabilities.
        num_classes: number of classes (10 digits).
        seed: seed of each class's initialisation.
    """

    conditional = True

    def __init__(
        self,
        num_components: int = 10,
        num_iterations: int = 20,
        pseudo_count: float = 1.0,
        num_classes: int = 10,
        seed: int = 0,
    ) -> None:
        self.num_components = positive_int(num_components, "num_components (K)")
        self.num_iterations = positive_int(num_iterations, "num_iterations")
        self.pseudo_count = non_negative_float(pseudo_count, "pseudo_count")
        self.num_classes = positive_int(num_classes, "num_classes", minimum=2)
        self.seed = as_seed(seed, allow_none=False)
        self.class_log_prior: np.ndarray | None = None
        self.mixtures: list[BernoulliMixture] = []
        self.fit_seconds: float = 0.0

    def get_config(self) -> dict:
        return {
            "num_components": self.num_components,
            "num_iterations": self.num_iterations,
            "pseudo_count": self.pseudo_count,
            "num_classes": self.num_classes,
            "seed": self.seed,
        }

    @property
    def num_parameters(self) -> int:
        """Per-class mixture parameters plus (num_classes - 1) class probabilities."""
        per_class = self.num_components * NUM_PIXELS + self.num_components - 1
        return self.num_classes * per_class + self.num_classes - 1

    def _check_fitted(self) -> np.ndarray:
        if self.class_log_prior is None or len(self.mixtures) != self.num_classes:
            raise ValueError(
                "This BernoulliMixtureClassifier is not fitted yet: call fit(images, labels) first."
            )
        return self.class_log_prior

    def fit(self, images: Any, labels: Any) -> BernoulliMixtureClassifier:
        """Fit p(y) (class frequencies, +1 smoothing) and one mixture p(x | y) per class.

        Raises:
            ValueError: bad images (shape, non-binary), labels of the wrong count or
                range, or a class with fewer images than components.
        """
        start = time.perf_counter()
        x = _binary_pixels(images)
        y = as_labels(labels, num_classes=self.num_classes, count=x.shape[0])
        counts = np.bincount(y, minlength=self.num_classes)
        if counts.min() < self.num_components:
            c = int(np.argmin(counts))
            raise ValueError(
                f"Class {c} has {counts[c]} images but each class needs at least "
                f"num_components={self.num_components}; give more data or lower K."
            )
        self.class_log_prior = np.log((counts + 1.0) / (counts.sum() + self.num_classes))
        self.mixtures = []
        for c in range(self.num_classes):
            mix = BernoulliMixture(
                self.num_components,
                self.num_iterations,
                pseudo_count=self.pseudo_count,
                seed=(self.seed + c) % 2**32,
            )
            self.mixtures.append(mix.fit(_as_images(x[y == c])))
        self.fit_seconds = time.perf_counter() - start
        return self

    def log_joint(self, images: Any) -> np.ndarray:
        """log p(y) + log p(x | y) for every class: float64 ``(N, num_classes)``, nats."""
        prior = self._check_fitted()
        x = _as_images(_binary_pixels(images))
        return np.stack([m.log_prob(x) for m in self.mixtures], axis=1) + prior

    def predict_proba(self, images: Any) -> np.ndarray:
        """p(y | x) by Bayes' rule: float64 ``(N, num_classes)``, rows sum to 1."""
        joint = self.log_joint(images)
        return np.exp(joint - _logsumexp(joint, axis=1)[:, None])

    def classify(self, images: Any) -> np.ndarray:
        """The most probable class of each image, int64 ``(N,)``."""
        return np.argmax(self.log_joint(images), axis=1)

    predict = classify

    def log_likelihood(self, images: Any, labels: Any = None) -> np.ndarray:
        """``log p(x)`` (``labels=None``) or ``log p(x | y)``: float64 ``(N,)``, nats per image."""
        if labels is None:
            return self.log_prob(images)
        y = as_labels(labels, num_classes=self.num_classes, count=len(np.asarray(images)))
        return self.log_joint(images)[np.arange(len(y)), y] - self._check_fitted()[y]

    def log_prob(self, images: Any) -> np.ndarray:
        """log p(x) = log sum_y p(y) p(x | y): float64 ``(N,)`` in nats per image."""
        return _logsumexp(self.log_joint(images), axis=1)

    def sample(self, n: int, labels: Any = None, seed: Any = None) -> np.ndarray:
        """Draw ``n`` binary images; ``labels`` (n,) picks each image's class.

        ``labels=None`` draws the classes 0, 1, ..., 9, 0, ... in turn, as every
        conditional model of the course does (``genai_keras.protocol``); pass
        ``labels="prior"`` to draw them from the fitted class prior ``p(y)`` instead.
        ``seed``: an int, None or a NumPy Generator (``gk.utils.sampling_rng``: None
        follows ``gk.set_seed``).

        Returns:
            float32 ``(n, 28, 28, 1)`` with values in {0, 1}.
        """
        n = positive_int(n, "n")
        prior = self._check_fitted()
        rng = _rng(seed)
        if labels is None:
            y = default_labels(n, self.num_classes)
        elif isinstance(labels, str) and labels == "prior":
            y = rng.choice(self.num_classes, size=n, p=np.exp(prior) / np.exp(prior).sum())
        else:
            y = as_labels(labels, num_classes=self.num_classes, count=n)
        out = np.zeros((n, *IMAGE_SHAPE), dtype=np.float32)
        for c in np.unique(y):
            idx = np.flatnonzero(y == c)
            out[idx] = self.mixtures[c].sample(len(idx), seed=rng)
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Save every class mixture and the class prior to one ``.npz`` file."""
        prior = self._check_fitted()
        arrays: dict[str, np.ndarray] = {
            "class_log_prior": prior,
            "fit_seconds": np.asarray(self.fit_seconds),
        }
        for c, m in enumerate(self.mixtures):
            arrays.update(
                {
                    f"c{c}_probs": m.probs,
                    f"c{c}_weights": m.weights,
                    f"c{c}_log_likelihood": np.asarray(m.history["log_likelihood"]),
                    f"c{c}_objective": np.asarray(m.history["objective"]),
                }
            )
        return _write(path, "BernoulliMixtureClassifier", self.get_config(), **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> BernoulliMixtureClassifier:
        """Load a model written by :meth:`save`."""
        _, config, arrays = _read(path, "BernoulliMixtureClassifier")
        model = cls(**config)
        as_finite_array(arrays.get("class_log_prior"), "class_log_prior", (model.num_classes,))
        prior = np.asarray(arrays["class_log_prior"], dtype=np.float64)  # unrounded
        if prior.max() > 0 or not np.isclose(np.exp(prior).sum(), 1.0, atol=1e-4):
            raise ValueError(
                f"class_log_prior in {str(path)!r} must be log-probabilities (<= 0, "
                f"exponentials summing to 1); the file is damaged or was not written "
                f"by save(): save the fitted model again."
            )
        model.class_log_prior = prior
        model.fit_seconds = float(arrays["fit_seconds"])
        mix_config = {
            "num_components": model.num_components,
            "num_iterations": model.num_iterations,
            "pseudo_count": model.pseudo_count,
        }
        model.mixtures = [
            BernoulliMixture._from_arrays(
                {**mix_config, "seed": (model.seed + c) % 2**32}, arrays, f"c{c}_", path=path
            )
            for c in range(model.num_classes)
        ]
        return model
