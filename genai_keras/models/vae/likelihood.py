r"""Scoring images with a VAE: the ELBO and the importance-weighted log-likelihood.

:class:`VAELikelihood` holds :meth:`~VAELikelihood.elbo` and
:meth:`~VAELikelihood.log_likelihood` of :class:`~genai_keras.models.vae.VAE`. It is
a mixin: it uses the model's ``encoder``, ``decoder``, ``latent_dim`` and
``_condition``. Both estimates are in nats per image and need binary pixels (the
decoder's Bernoulli likelihood is a probability only for 0/1 values).

Used in chapters 02 and 04.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from keras import ops

from genai_keras.checks import as_images, positive_int
from genai_keras.losses import bernoulli_nll_from_logits, kl_to_standard_normal
from genai_keras.utils import logsumexp

_LOG_2PI = math.log(2.0 * math.pi)


def _check_binary(x: np.ndarray, method: str) -> None:
    """Raise ValueError unless every pixel of ``x`` is exactly 0 or 1 (Bernoulli likelihood)."""
    grey = (x != 0.0) & (x != 1.0)
    if np.any(grey):
        raise ValueError(
            f"{method} needs binary images (every pixel 0 or 1): the decoder's Bernoulli "
            f"likelihood is a probability only for binary pixels, but {int(grey.sum())} pixels "
            f"lie strictly between 0 and 1 (e.g. {float(x[grey][0]):g}). Load binary digits "
            f"with gk.data.load_mnist('test', binarize='static') (or binarize='threshold'), or "
            f"threshold your images: (images > 0.5).astype('float32')."
        )


class VAELikelihood:
    """The likelihood methods of :class:`~genai_keras.models.vae.VAE` (a mixin)."""

    def _log_weights(
        self,
        x: np.ndarray,
        c: np.ndarray | None,
        num_samples: int,
        rng: np.random.Generator,
        max_decode: int,
    ) -> np.ndarray:
        """``log p(x, z_s) - log q(z_s | x)`` for ``s = 1..num_samples``: ``(N, num_samples)``."""
        d = self.latent_dim
        out = np.empty((len(x), num_samples), dtype=np.float64)
        images_per_chunk = max(1, min(len(x), max_decode // min(num_samples, max_decode)))
        for i in range(0, len(x), images_per_chunk):
            xb = x[i : i + images_per_chunk]
            cb = None if c is None else c[i : i + images_per_chunk]
            m, v = self.encoder(xb, cb)
            m, v = ops.convert_to_numpy(m), ops.convert_to_numpy(v)
            b = len(xb)
            per = max(1, max_decode // b)
            for s in range(0, num_samples, per):
                k = min(per, num_samples - s)
                eps = rng.standard_normal((b, k, d)).astype(np.float32)
                z = m[:, None, :] + np.exp(0.5 * v)[:, None, :] * eps
                targets = np.repeat(xb, k, axis=0)
                cond = None if cb is None else np.repeat(cb, k, axis=0)
                logits = self.decoder(z.reshape(b * k, d), cond)
                log_px = -ops.convert_to_numpy(bernoulli_nll_from_logits(targets, logits))
                log_pz = -0.5 * np.sum(z.astype(np.float64) ** 2 + _LOG_2PI, axis=-1)
                log_qz = -0.5 * np.sum(
                    eps.astype(np.float64) ** 2 + v[:, None, :] + _LOG_2PI, axis=-1
                )
                out[i : i + b, s : s + k] = log_px.reshape(b, k) + log_pz - log_qz
        return out

    def elbo(
        self,
        images: Any,
        labels: Any = None,
        num_samples: int = 1,
        seed: int | None = 0,
        batch_size: int = 1000,
    ) -> np.ndarray:
        """Evidence lower bound per image, in nats (KL in closed form, ``beta`` ignored).

        ``ELBO = E_q[log p(x|z)] - KL(q(z|x) || N(0, I))``, the expectation estimated
        with ``num_samples`` reparameterised draws: a lower bound on ``log p(x)``.

        Args:
            images: binary images ``(N, 28, 28, 1)`` (or ``(N, 28, 28)``: a channel axis
                is added), every pixel 0 or 1, e.g. ``load_mnist("test",
                binarize="static")``. Grey levels are rejected: the Bernoulli
                likelihood is a probability only for binary pixels.
            labels: ``(N,)`` digits, for conditional models only.
            num_samples: posterior draws per image (>= 1).
            seed: seed of the draws; batch_size: images encoded at once.

        Returns:
            float64 ``(N,)``: nats per image (take ``.mean()`` for a data-set value).

        Raises:
            ValueError: bad shape, pixels outside [0, 1] or not binary, bad labels or
                ``num_samples``.
        """
        x = as_images(images)
        c = self._condition(labels, len(x))
        num_samples = positive_int(num_samples, "num_samples")
        _check_binary(x, f"{type(self).__name__}.elbo")
        rng = np.random.default_rng(seed)
        parts = []
        for i in range(0, len(x), batch_size):
            xb = x[i : i + batch_size]
            cb = None if c is None else c[i : i + batch_size]
            m, v = self.encoder(xb, cb)
            kl = ops.convert_to_numpy(kl_to_standard_normal(m, v)).astype(np.float64)
            m, v = ops.convert_to_numpy(m), ops.convert_to_numpy(v)
            rec = np.zeros(len(xb))
            for _ in range(num_samples):
                z = m + np.exp(0.5 * v) * rng.standard_normal(m.shape).astype(np.float32)
                rec += ops.convert_to_numpy(bernoulli_nll_from_logits(xb, self.decoder(z, cb)))
            parts.append(-(rec / num_samples) - kl)
        return np.concatenate(parts)

    def log_likelihood(
        self,
        images: Any,
        labels: Any = None,
        num_samples: int = 1000,
        seed: int | None = 0,
        max_decode: int = 5000,
    ) -> np.ndarray:
        r"""Importance-weighted estimate of :math:`\log p(x)` per image, in nats.

        :math:`\log \frac1k \sum_{s=1}^k p(x, z_s) / q(z_s \mid x)` with
        :math:`z_s \sim q(z \mid x)` (the IWAE bound of Burda, Grosse and Salakhutdinov,
        2016): a lower bound in expectation that rises with ``k`` towards
        :math:`\log p(x)`; ``k = 1`` is the ELBO. Images and samples are decoded in
        chunks of at most ``max_decode`` images, so ``k = 1000`` fits in memory.

        Args:
            images, labels: as in :meth:`elbo` (binary pixels only).
            num_samples: importance samples k per image (>= 1).
            seed: seed of the draws; max_decode: images decoded at once.

        Returns:
            float64 ``(N,)``: nats per image (negate and average for the test NLL).

        Raises:
            ValueError: bad shape, pixels outside [0, 1] or not binary, bad labels,
                ``num_samples`` or ``max_decode``.
        """
        x = as_images(images)
        c = self._condition(labels, len(x))
        num_samples = positive_int(num_samples, "num_samples")
        max_decode = positive_int(max_decode, "max_decode")
        _check_binary(x, f"{type(self).__name__}.log_likelihood")
        logw = self._log_weights(x, c, num_samples, np.random.default_rng(seed), max_decode)
        return logsumexp(logw, axis=1) - np.log(num_samples)
