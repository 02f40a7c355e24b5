"""Model families, one module each; loaded on first use (``gk.models.vae.VAE``)."""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = ("pixel", "autoencoder", "vae", "gan", "autoregressive", "diffusion")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"genai_keras.models.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'genai_keras.models' has no attribute {name!r}")
