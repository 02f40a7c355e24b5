r"""Variational autoencoders for MNIST: the model the articles meant to write.

A VAE is a latent-variable model :math:`p(z) = \mathcal N(0, I)`,
:math:`p_\theta(x \mid z) = \prod_i \mathrm{Bernoulli}(x_i; \sigma(\mathrm{logit}_i(z)))`,
trained with an encoder :math:`q_\phi(z \mid x) = \mathcal N(\mu_\phi(x),
\mathrm{diag}\,\sigma^2_\phi(x))` by maximising the evidence lower bound

.. math::
    \mathrm{ELBO}(x) = \mathbb E_{q_\phi(z\mid x)}[\log p_\theta(x \mid z)]
        - \mathrm{KL}(q_\phi(z \mid x) \,\|\, p(z)) \le \log p_\theta(x).

The loss is the *negative* ELBO: reconstruction (nats, summed over the 784 pixels)
plus ``beta`` times the KL (nats, summed over latent dimensions), averaged over the
batch. The expectation is estimated with one reparameterised sample
:math:`z = \mu + \sigma \odot \varepsilon`, :math:`\varepsilon \sim \mathcal N(0, I)`
drawn with a model-held ``keras.random.SeedGenerator``.

Everything model-specific lives in ``call`` and ``compute_loss`` (``keras.ops`` only),
so ``fit`` works unchanged on TensorFlow, JAX and PyTorch.

The model is in ``model`` (its ``elbo`` and ``log_likelihood`` in
``likelihood``), training from a recipe in ``training``; everything is
reachable here: write ``gk.models.vae.<name>``.

Used in chapters 02 and 04.
"""

from __future__ import annotations

from genai_keras.losses import kl_to_standard_normal, negative_elbo
from genai_keras.models.vae.model import VAE, ConditionalVAE
from genai_keras.models.vae.training import build, train

__all__ = ["VAE", "ConditionalVAE", "build", "kl_to_standard_normal", "negative_elbo", "train"]
