r"""A mixture of K independent-pixel models fitted by EM: :class:`BernoulliMixture`.

:math:`p(x) = \sum_k \pi_k \prod_d \theta_{kd}^{x_d}(1-\theta_{kd})^{1-x_d}`; each
component is a prototype digit, and the hidden component index is the simplest latent
variable.

Used in chapters 01 and 04.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras.checks import as_seed, non_negative_float, positive_int
from genai_keras.models.pixel._common import (
    NUM_PIXELS,
    _as_images,
    _binary_pixels,
    _check_probabilities,
    _logsumexp,
    _no_labels,
    _read,
    _rng,
    _write,
)


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

    def __init__(
        self,
        num_components: int = 50,
        num_iterations: int = 30,
        pseudo_count: float = 1.0,
        weight_pseudo_count: float = 1.0,
        tol: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.num_components = positive_int(num_components, "num_components (K)")
        self.num_iterations = positive_int(num_iterations, "num_iterations")
        self.pseudo_count = non_negative_float(pseudo_count, "pseudo_count")
        self.weight_pseudo_count = non_negative_float(weight_pseudo_count, "weight_pseudo_count")
        self.tol = non_negative_float(tol, "tol")
        self.seed = as_seed(seed, allow_none=False)
        self.probs: np.ndarray | None = None
        self.weights: np.ndarray | None = None
        self.history: dict[str, list[float]] = {"log_likelihood": [], "objective": []}
        self.fit_seconds: float = 0.0

    def get_config(self) -> dict:
        return {
            "num_components": self.num_components,
            "num_iterations": self.num_iterations,
            "pseudo_count": self.pseudo_count,
            "weight_pseudo_count": self.weight_pseudo_count,
            "tol": self.tol,
            "seed": self.seed,
        }

    @property
    def num_parameters(self) -> int:
        """The number of free parameters: K x 784 pixel probabilities + (K - 1) weights."""
        return self.num_components * NUM_PIXELS + self.num_components - 1

    @property
    def iterations_run(self) -> int:
        """EM iterations actually run by the last ``fit`` (M-steps)."""
        return max(len(self.history["objective"]) - 1, 0)

    def _check_fitted(self) -> tuple[np.ndarray, np.ndarray]:
        if self.probs is None or self.weights is None:
            raise ValueError(
                f"This {type(self).__name__} is not fitted yet: call fit(images) first."
            )
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
            raise ValueError(
                f"Got {n} images for {self.num_components} components; give at "
                f"least as many images as components (or lower K)."
            )
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
                it > 0
                and self.tol > 0
                and self.history["objective"][-1] - self.history["objective"][-2] < self.tol
            )
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
        out = [
            _logsumexp(self._joint_log(x[i : i + batch_size], probs, weights), axis=1)
            for i in range(0, x.shape[0], batch_size)
        ]
        return np.concatenate(out)

    def sample(
        self, n: int, labels: Any = None, seed: Any = None, return_components: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` binary images: pick a component k ~ pi, then every pixel ~ theta_k.

        Args:
            n: number of images (>= 1).
            labels: must be None (the model is unconditional).
            seed: int, None or a NumPy Generator (gk.utils.sampling_rng: None follows gk.set_seed).
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
        return _write(
            path,
            "BernoulliMixture",
            self.get_config(),
            probs=probs,
            weights=weights,
            log_likelihood=np.asarray(self.history["log_likelihood"]),
            objective=np.asarray(self.history["objective"]),
            fit_seconds=np.asarray(self.fit_seconds),
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> BernoulliMixture:
        """Load a model written by :meth:`save`."""
        _, config, arrays = _read(path, "BernoulliMixture")
        return cls._from_arrays(config, arrays, path=path)

    @classmethod
    def _from_arrays(
        cls, config: dict, arrays: dict, prefix: str = "", path: Any = ""
    ) -> BernoulliMixture:
        model = cls(**config)
        k = model.num_components
        model.probs = _check_probabilities(
            arrays.get(prefix + "probs"), prefix + "probs", (k, NUM_PIXELS), path
        )
        model.weights = _check_probabilities(
            arrays.get(prefix + "weights"), prefix + "weights", (k,), path
        )
        if not np.isclose(model.weights.sum(), 1.0, atol=1e-4):
            raise ValueError(
                f"{prefix}weights in {str(path)!r} must sum to 1 (mixture weights), "
                f"got {model.weights.sum():g}; the file is damaged or was not "
                f"written by save(): save the fitted model again."
            )
        model.history = {
            "log_likelihood": list(map(float, arrays[prefix + "log_likelihood"])),
            "objective": list(map(float, arrays[prefix + "objective"])),
        }
        model.fit_seconds = float(arrays.get(prefix + "fit_seconds", 0.0))
        return model
