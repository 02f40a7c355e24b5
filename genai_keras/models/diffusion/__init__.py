"""Diffusion and flow matching (chapter 06): latent flow matching with classifier-free guidance.

* ``schedules`` -- the forward process ``x_t = alpha(t) x0 + sigma(t) eps`` in closed form;
* ``samplers`` -- Euler, Heun, DDIM and ancestral DDPM sampling;
* ``networks`` -- the latent autoencoder and the velocity network;
* ``model`` -- :class:`LatentAutoencoder`, :class:`FlowMatching` (loss, guided sampling);
* ``training`` -- :func:`build` / :func:`train` from a recipe.

Scoring samples at given sampler settings is a study above the models:
:func:`genai_keras.studies.sampler_sweep.sample_and_score`.
"""

from genai_keras.models.diffusion import networks, samplers, schedules
from genai_keras.models.diffusion.model import TIME_SAMPLING, FlowMatching, LatentAutoencoder
from genai_keras.models.diffusion.samplers import (
    SAMPLERS,
    network_calls,
    posterior,
    sample_path,
    time_grid,
)
from genai_keras.models.diffusion.schedules import SCHEDULES, NoiseSchedule, gaussian_velocity
from genai_keras.models.diffusion.training import build, train

__all__ = [
    "SAMPLERS",
    "SCHEDULES",
    "TIME_SAMPLING",
    "FlowMatching",
    "LatentAutoencoder",
    "NoiseSchedule",
    "build",
    "gaussian_velocity",
    "network_calls",
    "networks",
    "posterior",
    "sample_path",
    "samplers",
    "schedules",
    "time_grid",
    "train",
]
