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

Used in chapters 01 and 04.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras.checks import IMAGE_SHAPE, as_images, as_labels, non_negative_float, positive_int

__all__ = [
    "IndependentBernoulli",
    "BernoulliMixture",
    "BernoulliMixtureClassifier",
    "train",
    "load",
]

NUM_PIXELS = int(np.prod(IMAGE_SHAPE))


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _binary_pixels(images: Any, name: str = "images") -> np.ndarray:
    """Check binary images and return them flattened, float32 ``(N, 784)``."""
    x = as_images(images, name=name)
    flat = x.reshape(x.shape[0], NUM_PIXELS)
    if np.any((flat != 0.0) & (flat != 1.0)):
        raise ValueError(
            f"{name} must be binary (every pixel 0 or 1) for a Bernoulli pixel model, but "
            f"some pixels are grey levels strictly between 0 and 1. Binarise first, e.g. "
            f"genai_keras.data.load_mnist(..., binarize='static')."
        )
    return flat


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    """Stable log(sum(exp(a))) along ``axis`` (the max is subtracted first)."""
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def _rng(seed: Any) -> np.random.Generator:
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}.")
    return np.random.default_rng(int(seed))


def _no_labels(labels: Any, model: str) -> None:
    if labels is not None:
        raise ValueError(
            f"{model} is an unconditional model: it cannot sample given labels. Call "
            f"sample(n, seed=...) (seed by keyword), or use BernoulliMixtureClassifier "
            f"for class-conditional samples."
        )


def _as_images(flat: np.ndarray) -> np.ndarray:
    return flat.reshape((flat.shape[0],) + IMAGE_SHAPE).astype(np.float32)


def _npz_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"Pixel models are saved as NumPy archives: give a path ending in "
                         f".npz, got {str(path)!r}.")
    return path


def _write(path: str | os.PathLike, kind: str, config: dict, **arrays: np.ndarray) -> Path:
    path = _npz_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, kind=np.array(kind), config=np.array(json.dumps(config)), **arrays)
    return path


def _read(path: str | os.PathLike, expected: str | None = None) -> tuple[str, dict, dict]:
    path = _npz_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved pixel model at {str(path)!r}.")
    with np.load(path, allow_pickle=False) as data:
        if "kind" not in data or "config" not in data:
            raise ValueError(f"{str(path)!r} is not a genai_keras pixel model (no 'kind' entry).")
        kind = str(data["kind"])
        config = json.loads(str(data["config"]))
        arrays = {k: data[k] for k in data.files if k not in ("kind", "config")}
    if expected is not None and kind != expected:
        raise ValueError(f"{str(path)!r} holds a saved {kind}, not a {expected}; use "
                         f"genai_keras.models.pixel.load(path) to load any pixel model.")
    return kind, config, arrays


# ---------------------------------------------------------------------------
# independent pixels
# ---------------------------------------------------------------------------


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
            seed: int or None.
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
        model.probs = arrays["probs"]
        return model


# ---------------------------------------------------------------------------
# mixture of Bernoullis, fitted by EM
# ---------------------------------------------------------------------------


class BernoulliMixture:
    """A mixture of K independent-pixel Bernoulli models, fitted by EM (MAP-EM).

    E-step: responsibilities :math:`r_{nk} = p(k | x_n)` by Bayes' rule, computed in
    log space (``X @ log(theta / (1 - theta)).T + sum log(1 - theta)`` then logsumexp), so
    nothing underflows even though each :math:`p(x_n | k)` is around e^-100.
    M-step with a Beta(a + 1, a + 1) prior on every pixel probability and a
    Dirichlet(b + 1) prior on the weights:

    .. math:: \\theta_{kd} = \\frac{\\sum_n r_{nk} x_{nd} + a}{N_k + 2a}, \\qquad
              \\pi_k = \\frac{N_k + b}{N + K b}, \\qquad N_k = \\sum_n r_{nk}.

    Each iteration can only increase the penalised objective
    :math:`\\log p(X|\\theta,\\pi) + \\log p(\\theta,\\pi)` (recorded in
    ``history["objective"]``); the prior keeps every probability inside (0, 1), so no
    log 0 ever occurs. Initialisation is fixed by ``seed``: each component starts as
    a random training image averaged with the mean image.

    Used in chapters 01 and 04.

    Args:
        num_components: K >= 1.
        num_iterations: maximum number of EM iterations (>= 1).
        pseudo_count: a >= 0 for the pixel probabilities.
        weight_pseudo_count: b >= 0 for the mixture weights.
        tol: stop early when the objective improves by less than ``tol`` nats per
            image in one iteration (0 runs every iteration).
        seed: seed of the initialisation.

    Attributes:
        probs: ``(K, 784)`` float64 pixel probabilities of each component.
        weights: ``(K,)`` float64 mixture weights (sum to 1).
        history: ``{"log_likelihood": [...], "objective": [...]}`` in nats per
            training image, one entry per E-step (entry 0 is the initialisation).
    """

    conditional = False

    def __init__(self, num_components: int = 50, num_iterations: int = 30,
                 pseudo_count: float = 1.0, weight_pseudo_count: float = 1.0,
                 tol: float = 0.0, seed: int = 0) -> None:
        self.num_components = positive_int(num_components, "num_components (K)")
        self.num_iterations = positive_int(num_iterations, "num_iterations")
        self.pseudo_count = non_negative_float(pseudo_count, "pseudo_count")
        self.weight_pseudo_count = non_negative_float(weight_pseudo_count, "weight_pseudo_count")
        self.tol = non_negative_float(tol, "tol")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
        self.seed = int(seed)
        self.probs: np.ndarray | None = None
        self.weights: np.ndarray | None = None
        self.history: dict[str, list[float]] = {"log_likelihood": [], "objective": []}
        self.fit_seconds: float = 0.0

    def get_config(self) -> dict:
        return {"num_components": self.num_components, "num_iterations": self.num_iterations,
                "pseudo_count": self.pseudo_count,
                "weight_pseudo_count": self.weight_pseudo_count, "tol": self.tol,
                "seed": self.seed}

    @property
    def num_parameters(self) -> int:
        """Free parameters: K x 784 pixel probabilities + (K - 1) weights."""
        return self.num_components * NUM_PIXELS + self.num_components - 1

    @property
    def iterations_run(self) -> int:
        """EM iterations actually run by the last ``fit`` (M-steps)."""
        return max(len(self.history["objective"]) - 1, 0)

    def _check_fitted(self) -> tuple[np.ndarray, np.ndarray]:
        if self.probs is None or self.weights is None:
            raise ValueError(f"This {type(self).__name__} is not fitted yet: call fit(images) first.")
        return self.probs, self.weights

    @property
    def component_means(self) -> np.ndarray:
        """Each component's pixel probabilities as images ``(K, 28, 28, 1)``."""
        probs, _ = self._check_fitted()
        return _as_images(probs)

    # -- the two EM steps ---------------------------------------------------
    @staticmethod
    def _joint_log(x: np.ndarray, probs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """log pi_k + log p(x_n | k), float64 ``(N, K)``."""
        log_p = np.log(probs)
        log_1mp = np.log1p(-probs)
        logit = (log_p - log_1mp).astype(np.float32)
        scores = (x @ logit.T).astype(np.float64)  # float32 BLAS, exact 0/1 inputs
        return scores + log_1mp.sum(axis=1) + np.log(weights)

    def _log_prior(self, probs: np.ndarray, weights: np.ndarray) -> float:
        a, b = self.pseudo_count, self.weight_pseudo_count
        total = 0.0
        if a > 0:
            total += a * float(np.sum(np.log(probs)) + np.sum(np.log1p(-probs)))
        if b > 0:
            total += b * float(np.sum(np.log(weights)))
        return total

    def _initialise(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.num_components
        rng = np.random.default_rng(self.seed)
        idx = rng.choice(x.shape[0], size=k, replace=x.shape[0] < k)
        mean = x.mean(axis=0, dtype=np.float64)
        probs = 0.5 * x[idx].astype(np.float64) + 0.5 * mean
        probs = np.clip(probs, 1e-3, 1.0 - 1e-3)
        return probs, np.full(k, 1.0 / k)

    def fit(self, images: Any, verbose: bool = False) -> BernoulliMixture:
        """Run EM on binary images ``(N, 28, 28, 1)``.

        Args:
            images: binary training images.
            verbose: print the objective every iteration.

        Returns:
            self, with ``probs``, ``weights``, ``history`` and ``fit_seconds`` set.

        Raises:
            ValueError: bad shape, values not in {0, 1}, or fewer images than
                components.
        """
        start = time.perf_counter()
        x = _binary_pixels(images)
        n = x.shape[0]
        if n < self.num_components:
            raise ValueError(f"Got {n} images for {self.num_components} components; give at "
                             f"least as many images as components (or lower K).")
        a, b, k = self.pseudo_count, self.weight_pseudo_count, self.num_components
        probs, weights = self._initialise(x)
        self.history = {"log_likelihood": [], "objective": []}
        for it in range(self.num_iterations + 1):
            # E-step: responsibilities and the objective at the current parameters.
            joint = self._joint_log(x, probs, weights)
            log_px = _logsumexp(joint, axis=1)
            loglik = float(log_px.sum())
            objective = loglik + self._log_prior(probs, weights)
            self.history["log_likelihood"].append(loglik / n)
            self.history["objective"].append(objective / n)
            if verbose:
                print(f"EM iteration {it:3d}: log-likelihood {loglik / n:.3f} nats/image")
            done = it == self.num_iterations or (
                it > 0 and self.tol > 0
                and self.history["objective"][-1] - self.history["objective"][-2] < self.tol)
            if done:
                break
            resp = np.exp(joint - log_px[:, None])
            # M-step (MAP): weighted pixel frequencies, smoothed by the priors.
            nk = resp.sum(axis=0)
            # (x.T @ r).T, not r.T @ x: the same product, several times faster in OpenBLAS
            sums = (x.T @ resp.astype(np.float32)).T.astype(np.float64)
            probs = (sums + a) / (nk[:, None] + 2.0 * a)
            # A component with no data and a = 0 would divide 0 by 0: keep it at 0.5.
            probs = np.where(np.isfinite(probs), probs, 0.5)
            if a == 0:
                probs = np.clip(probs, 1e-12, 1.0 - 1e-12)
            weights = (nk + b) / (n + k * b)
            weights = np.maximum(weights, 1e-300)
            weights = weights / weights.sum()
        self.probs, self.weights = probs, weights
        self.fit_seconds = time.perf_counter() - start
        return self

    def responsibilities(self, images: Any) -> np.ndarray:
        """p(k | x) for binary images: float64 ``(N, K)``, rows sum to 1."""
        probs, weights = self._check_fitted()
        joint = self._joint_log(_binary_pixels(images), probs, weights)
        return np.exp(joint - _logsumexp(joint, axis=1)[:, None])

    def log_likelihood(self, images: Any, labels: Any = None) -> np.ndarray:
        """The protocol's name for :meth:`log_prob` (exact, nats per image)."""
        _no_labels(labels, type(self).__name__)
        return self.log_prob(images)

    def log_prob(self, images: Any, batch_size: int = 10_000) -> np.ndarray:
        """log p(x) of binary images ``(N, 28, 28, 1)``: float64 ``(N,)`` in nats per image.

        Raises:
            ValueError: not fitted, bad shape, or values not in {0, 1}.
        """
        probs, weights = self._check_fitted()
        x = _binary_pixels(images)
        batch_size = positive_int(batch_size, "batch_size")
        out = [_logsumexp(self._joint_log(x[i:i + batch_size], probs, weights), axis=1)
               for i in range(0, x.shape[0], batch_size)]
        return np.concatenate(out)

    def sample(self, n: int, labels: Any = None, seed: Any = None,
               return_components: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` binary images: pick a component k ~ pi, then every pixel ~ theta_k.

        Args:
            n: number of images (>= 1).
            labels: must be None (the model is unconditional).
            seed: int or None.
            return_components: also return the chosen component of each image.

        Returns:
            float32 ``(n, 28, 28, 1)`` with values in {0, 1} (and int64 ``(n,)``
            components if asked).
        """
        n = positive_int(n, "n")
        _no_labels(labels, type(self).__name__)
        probs, weights = self._check_fitted()
        rng = _rng(seed)
        comp = rng.choice(self.num_components, size=n, p=weights)
        images = _as_images((rng.random((n, NUM_PIXELS)) < probs[comp]).astype(np.float32))
        return (images, comp) if return_components else images

    def save(self, path: str | os.PathLike) -> Path:
        """Save parameters, config and training history to a ``.npz`` file."""
        probs, weights = self._check_fitted()
        return _write(path, "BernoulliMixture", self.get_config(), probs=probs, weights=weights,
                      log_likelihood=np.asarray(self.history["log_likelihood"]),
                      objective=np.asarray(self.history["objective"]),
                      fit_seconds=np.asarray(self.fit_seconds))

    @classmethod
    def load(cls, path: str | os.PathLike) -> BernoulliMixture:
        """Load a model written by :meth:`save`."""
        _, config, arrays = _read(path, "BernoulliMixture")
        return cls._from_arrays(config, arrays)

    @classmethod
    def _from_arrays(cls, config: dict, arrays: dict, prefix: str = "") -> BernoulliMixture:
        model = cls(**config)
        model.probs = arrays[prefix + "probs"]
        model.weights = arrays[prefix + "weights"]
        model.history = {"log_likelihood": list(map(float, arrays[prefix + "log_likelihood"])),
                         "objective": list(map(float, arrays[prefix + "objective"]))}
        model.fit_seconds = float(arrays.get(prefix + "fit_seconds", 0.0))
        return model


# ---------------------------------------------------------------------------
# generative classifier: one mixture per class + Bayes' rule
# ---------------------------------------------------------------------------


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

    def __init__(self, num_components: int = 10, num_iterations: int = 20,
                 pseudo_count: float = 1.0, num_classes: int = 10, seed: int = 0) -> None:
        self.num_components = positive_int(num_components, "num_components (K)")
        self.num_iterations = positive_int(num_iterations, "num_iterations")
        self.pseudo_count = non_negative_float(pseudo_count, "pseudo_count")
        self.num_classes = positive_int(num_classes, "num_classes", minimum=2)
        self.seed = int(positive_int(seed, "seed", minimum=0))
        self.class_log_prior: np.ndarray | None = None
        self.mixtures: list[BernoulliMixture] = []
        self.fit_seconds: float = 0.0

    def get_config(self) -> dict:
        return {"num_components": self.num_components, "num_iterations": self.num_iterations,
                "pseudo_count": self.pseudo_count, "num_classes": self.num_classes,
                "seed": self.seed}

    @property
    def num_parameters(self) -> int:
        """Per-class mixture parameters plus (num_classes - 1) class probabilities."""
        per_class = self.num_components * NUM_PIXELS + self.num_components - 1
        return self.num_classes * per_class + self.num_classes - 1

    def _check_fitted(self) -> np.ndarray:
        if self.class_log_prior is None or len(self.mixtures) != self.num_classes:
            raise ValueError("This BernoulliMixtureClassifier is not fitted yet: call "
                             "fit(images, labels) first.")
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
            raise ValueError(f"Class {c} has {counts[c]} images but each class needs at least "
                             f"num_components={self.num_components}; give more data or lower K.")
        self.class_log_prior = np.log((counts + 1.0) / (counts.sum() + self.num_classes))
        self.mixtures = []
        for c in range(self.num_classes):
            mix = BernoulliMixture(self.num_components, self.num_iterations,
                                   pseudo_count=self.pseudo_count, seed=self.seed + c)
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

    def log_prob(self, images: Any) -> np.ndarray:
        """log p(x) = log sum_y p(y) p(x | y): float64 ``(N,)`` in nats per image."""
        return _logsumexp(self.log_joint(images), axis=1)

    def sample(self, n: int, labels: Any = None, seed: Any = None) -> np.ndarray:
        """Draw ``n`` binary images; ``labels`` (n,) picks each image's class (else y ~ p(y)).

        Returns:
            float32 ``(n, 28, 28, 1)`` with values in {0, 1}.
        """
        n = positive_int(n, "n")
        prior = self._check_fitted()
        rng = _rng(seed)
        if labels is None:
            y = rng.choice(self.num_classes, size=n, p=np.exp(prior) / np.exp(prior).sum())
        else:
            y = as_labels(labels, num_classes=self.num_classes, count=n)
        out = np.zeros((n,) + IMAGE_SHAPE, dtype=np.float32)
        for c in np.unique(y):
            idx = np.flatnonzero(y == c)
            out[idx] = self.mixtures[c].sample(len(idx), seed=rng)
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Save every class mixture and the class prior to one ``.npz`` file."""
        prior = self._check_fitted()
        arrays: dict[str, np.ndarray] = {"class_log_prior": prior,
                                         "fit_seconds": np.asarray(self.fit_seconds)}
        for c, m in enumerate(self.mixtures):
            arrays.update({f"c{c}_probs": m.probs, f"c{c}_weights": m.weights,
                           f"c{c}_log_likelihood": np.asarray(m.history["log_likelihood"]),
                           f"c{c}_objective": np.asarray(m.history["objective"])})
        return _write(path, "BernoulliMixtureClassifier", self.get_config(), **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> BernoulliMixtureClassifier:
        """Load a model written by :meth:`save`."""
        _, config, arrays = _read(path, "BernoulliMixtureClassifier")
        model = cls(**config)
        model.class_log_prior = arrays["class_log_prior"]
        model.fit_seconds = float(arrays["fit_seconds"])
        mix_config = {"num_components": model.num_components,
                      "num_iterations": model.num_iterations,
                      "pseudo_count": model.pseudo_count}
        model.mixtures = [
            BernoulliMixture._from_arrays({**mix_config, "seed": model.seed + c}, arrays, f"c{c}_")
            for c in range(model.num_classes)]
        return model


_KINDS = {"IndependentBernoulli": IndependentBernoulli, "BernoulliMixture": BernoulliMixture,
          "BernoulliMixtureClassifier": BernoulliMixtureClassifier}


def load(path: str | os.PathLike) -> IndependentBernoulli | BernoulliMixture | BernoulliMixtureClassifier:
    """Load any pixel model saved with ``.save(path)`` (the class is stored in the file).

    Used in chapter 04 (loading checkpoints).
    """
    kind, _, _ = _read(path)
    if kind not in _KINDS:
        raise ValueError(f"{str(path)!r} holds an unknown model kind {kind!r}.")
    return _KINDS[kind].load(path)


def train(recipe: Any, images: Any = None) -> tuple[IndependentBernoulli | BernoulliMixture,
                                                    dict[str, list[float]]]:
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
    from genai_keras.recipes import Recipe

    if not isinstance(recipe, Recipe) or recipe.family != "pixel":
        raise ValueError("Expected a pixel recipe, e.g. gk.recipes.get('bernoulli_mixture').")
    if images is None:
        from genai_keras.data import load_mnist

        images, _ = load_mnist("train", binarize="static", limit=recipe.limit, seed=1)
    cfg = dict(recipe.model)
    if cfg.pop("kind") == "independent":
        return IndependentBernoulli(**cfg).fit(images), {}
    model = BernoulliMixture(seed=recipe.seed, **cfg).fit(images)
    return model, {k: list(v) for k, v in model.history.items()}
