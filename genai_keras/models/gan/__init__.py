"""Generative adversarial networks (chapter 03): DCGAN, WGAN-GP / hinge, conditional GAN.

* ``networks`` -- the generator and discriminator builders (and the MLP image GAN);
* ``model`` -- :class:`GAN`: the backend-neutral training step, sampling;
* ``training`` -- :func:`build` / :func:`train` from a recipe, and callbacks;
* ``clusters`` -- k-means clusters of the images for the self-conditioned GAN.

The measured mode-collapse demonstration (the MLP image GAN trained and scored) is a
study above the models: :mod:`genai_keras.studies.collapse`.

The losses live in :mod:`genai_keras.losses` and are re-exported here, so a notebook
can write ``gan.generator_loss``. Everything is reachable as ``gk.models.gan.<name>``.
"""

from genai_keras.callbacks import TimeLimit
from genai_keras.losses import (
    GAN_LOSSES,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    interpolate,
)
from genai_keras.models.gan import clusters
from genai_keras.models.gan.model import GAN, optimal_discriminator
from genai_keras.models.gan.networks import (
    build_discriminator,
    build_generator,
    build_mlp_discriminator,
    build_mlp_generator,
    build_mlp_image_gan,
    build_tutorial_discriminator,
    build_tutorial_generator,
)
from genai_keras.models.gan.training import (
    GANMonitor,
    build,
    build_sampler,
    interpolate_latents,
    train,
)
from genai_keras.utils import count_parameters

__all__ = [
    "GAN",
    "GAN_LOSSES",
    "GANMonitor",
    "TimeLimit",
    "build",
    "build_discriminator",
    "build_generator",
    "build_mlp_discriminator",
    "build_mlp_generator",
    "build_mlp_image_gan",
    "build_sampler",
    "build_tutorial_discriminator",
    "build_tutorial_generator",
    "clusters",
    "count_parameters",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
    "interpolate",
    "interpolate_latents",
    "optimal_discriminator",
    "train",
]
