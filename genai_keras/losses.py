r"""The losses the chapters teach, written once with ``keras.ops`` (every backend).

* chapter 02: :func:`bernoulli_nll_from_logits`, :func:`kl_to_standard_normal` and
  their sum with a KL weight, :func:`negative_elbo`;
* chapter 03: :func:`discriminator_loss`, :func:`generator_loss`, and the WGAN-GP
  :func:`gradient_penalty` at :func:`interpolate`\ d points;
* chapter 05: :func:`causal_lm_loss`.

The notebooks show these functions where they teach them, and the models train with
exactly them. Units: nats (natural logarithms).
"""

from __future__ import annotations

from typing import Any

from keras import ops

from genai_keras.arrays import numpy_in_numpy_out
from genai_keras.distributions import bernoulli_log_prob, kl_normal

#: The GAN losses: names accepted by :func:`discriminator_loss` and :func:`generator_loss`.
GAN_LOSSES = ("nonsaturating", "minimax", "hinge", "wgan-gp")
#: The GAN losses that are binary cross-entropies (their scores are probabilities).
CROSS_ENTROPY_LOSSES = ("nonsaturating", "minimax")


# --------------------------------------------------------------------------- chapter 02
@numpy_in_numpy_out
def bernoulli_nll_from_logits(targets: Any, logits: Any) -> Any:
    """Negative Bernoulli log-likelihood, summed over pixels, in nats per image.

    Computed stably as ``softplus(l) - t * l`` (the binary cross-entropy with logits),
    through chapter 01's ``genai_keras.distributions.bernoulli_log_prob``. With
    grey-level targets ``t`` in [0, 1] it is the usual "binary cross-entropy"
    reconstruction loss (not a log-likelihood); with binary targets it is
    ``-log p(x | z)``.

    Args:
        targets: ``(batch, 28, 28, 1)`` with values in [0, 1].
        logits: ``(batch, 28, 28, 1)`` decoder logits.

    Returns:
        ``(batch,)``: nats per image.
    """
    return -ops.sum(bernoulli_log_prob(targets, logits=logits), axis=(1, 2, 3))


@numpy_in_numpy_out
def kl_to_standard_normal(z_mean: Any, z_log_var: Any) -> Any:
    r"""Closed-form
    :math:`\mathrm{KL}(\mathcal N(\mu, \mathrm{diag}\,e^{v}) \,\|\, \mathcal N(0, I))`.

    Equals :math:`\tfrac12 \sum_j (\mu_j^2 + e^{v_j} - 1 - v_j)`, summed over latent
    dimensions (chapter 01's ``genai_keras.distributions.kl_normal``).

    Args:
        z_mean, z_log_var: ``(batch, latent_dim)``.

    Returns:
        ``(batch,)``: nats per image (always >= 0).
    """
    return kl_normal(z_mean, z_log_var)


@numpy_in_numpy_out
def negative_elbo(
    targets: Any, logits: Any, z_mean: Any, z_log_var: Any, beta: float = 1.0
) -> tuple[Any, Any, Any]:
    r"""A VAE's loss:
    :math:`-\mathrm{ELBO} = -\mathbb E_q[\log p(x|z)] + \beta\,\mathrm{KL}(q(z|x)\|p(z))`.

    The expectation uses the one reparameterised sample ``z`` that produced ``logits``;
    ``beta = 1`` gives the true negative ELBO, an upper bound on ``-log p(x)``.

    Args:
        targets: ``(batch, 28, 28, 1)`` binary pixels (grey levels give a cross-entropy).
        logits: ``(batch, 28, 28, 1)`` decoder logits for ``z ~ q(z | x)``.
        z_mean, z_log_var: ``(batch, latent_dim)`` encoder outputs.
        beta: weight of the KL term (>= 0).

    Returns:
        ``(loss, reconstruction, kl)``, each ``(batch,)`` in nats per image.
    """
    reconstruction = bernoulli_nll_from_logits(targets, logits)
    kl = kl_to_standard_normal(z_mean, z_log_var)
    return reconstruction + beta * kl, reconstruction, kl


# --------------------------------------------------------------------------- chapter 03
def check_gan_loss(loss: str) -> str:
    """Return ``loss`` if it is one of :data:`GAN_LOSSES`, else raise a ValueError naming them."""
    if loss not in GAN_LOSSES:
        raise ValueError(f"Unknown GAN loss {loss!r}; choose one of {', '.join(GAN_LOSSES)}.")
    return loss


@numpy_in_numpy_out
def discriminator_loss(
    real_logits: Any, fake_logits: Any, loss: str = "nonsaturating", label_smoothing: float = 0.0
) -> Any:
    """Discriminator (critic) loss, averaged over the batch, without any gradient penalty.

    * ``"nonsaturating"`` / ``"minimax"``: binary cross-entropy
      ``-log D(x) - log(1 - D(G(z)))`` (nats per example), from logits with ``softplus``
      (``-log sigmoid(l) = softplus(-l)``). One-sided label smoothing uses the target
      ``1 - label_smoothing`` for real images.
    * ``"hinge"``: ``relu(1 - l_real) + relu(1 + l_fake)``.
    * ``"wgan-gp"``: ``l_fake - l_real`` (add ``gp_weight * gradient_penalty``).

    Args:
        real_logits, fake_logits: ``(batch, 1)`` discriminator outputs (logits).
        loss: one of :data:`GAN_LOSSES`.
        label_smoothing: in [0, 0.5); only for the cross-entropy losses.

    Returns:
        Scalar tensor.
    """
    check_gan_loss(loss)
    if loss in CROSS_ENTROPY_LOSSES:
        t = 1.0 - label_smoothing
        real_term = t * ops.softplus(-real_logits) + (1.0 - t) * ops.softplus(real_logits)
        return ops.mean(real_term) + ops.mean(ops.softplus(fake_logits))
    if loss == "hinge":
        return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))
    return ops.mean(fake_logits) - ops.mean(real_logits)


@numpy_in_numpy_out
def generator_loss(fake_logits: Any, loss: str = "nonsaturating") -> Any:
    """Generator loss, averaged over the batch (scalar tensor).

    * ``"minimax"``: ``log(1 - D(G(z)))`` = ``-softplus(l)`` (the original game; its
      gradient vanishes when D confidently rejects the fakes, early in training).
    * ``"nonsaturating"``: ``-log D(G(z))`` = ``softplus(-l)`` (same fixed point, strong
      gradient exactly when the generator is bad).
    * ``"hinge"`` and ``"wgan-gp"``: ``-l_fake``.
    """
    check_gan_loss(loss)
    if loss == "minimax":
        return -ops.mean(ops.softplus(fake_logits))
    if loss == "nonsaturating":
        return ops.mean(ops.softplus(-fake_logits))
    return -ops.mean(fake_logits)


def interpolate(real: Any, fake: Any, seed: Any = None) -> Any:
    """Random points on the segments between real and fake examples (WGAN-GP).

    ``x_hat = eps * real + (1 - eps) * fake`` with one ``eps ~ U(0, 1)`` per example.

    Args:
        real, fake: ``(batch, ...)`` tensors of the same shape.
        seed: an int or a ``keras.random.SeedGenerator``.
    """
    import keras

    real, fake = ops.convert_to_tensor(real), ops.convert_to_tensor(fake)  # never NumPy * tensor
    shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
    eps = keras.random.uniform(shape, seed=seed, dtype=keras.backend.standardize_dtype(real.dtype))
    return eps * real + (1.0 - eps) * fake


@numpy_in_numpy_out
def gradient_penalty(gradients: Any) -> Any:
    """WGAN-GP penalty ``mean((||g||_2 - 1)^2)`` (Gulrajani et al., 2017).

    Args:
        gradients: ``(batch, ...)`` gradients of the critic with respect to its inputs
            at interpolated points (``genai_keras.backend.input_gradient``).

    Returns:
        Scalar tensor: 0 when every per-example gradient has norm 1 (a 1-Lipschitz
        critic that is as steep as allowed).
    """
    flat = ops.reshape(gradients, (ops.shape(gradients)[0], -1))
    norms = ops.sqrt(ops.sum(ops.square(flat), axis=1) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


# --------------------------------------------------------------------------- chapter 05
@numpy_in_numpy_out
def causal_lm_loss(next_ids: Any, logits: Any) -> Any:
    r"""Average next-character cross-entropy
    :math:`-\frac1{BT}\sum_{b,t} \log p(x_{t+1} \mid x_{\le t})`.

    Args:
        next_ids: ``(batch, T)`` int ids of the characters that follow each position.
        logits: ``(batch, T, V)`` the model's next-character logits.

    Returns:
        Scalar tensor, nats per character.
    """
    log_probs = ops.log_softmax(logits, axis=-1)
    # log p of the true next character: a one-hot mask picks it (exactly; XLA compiles it
    # with static shapes, where take_along_axis needs a dynamic broadcast in some Keras).
    picked = ops.sum(
        ops.one_hot(next_ids, logits.shape[-1], dtype=log_probs.dtype) * log_probs, axis=-1
    )
    return -ops.mean(picked)
