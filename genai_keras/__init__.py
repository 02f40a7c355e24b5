"""genai_keras: generative models in Keras 3, one chapter at a time.

Notebooks write ``import genai_keras as gk`` and reach everything through that one
name: ``gk.data.load_mnist(...)``, ``gk.plotting.show_images(...)``,
``gk.models.VAE(...)``. Submodules are imported on first use, so ``import
genai_keras`` itself is cheap (the course runner does not need Keras).
"""

from __future__ import annotations

import importlib
from typing import Any

from genai_keras._quiet import import_keras_quietly
from genai_keras._version import __version__
from genai_keras.config import fast_mode, set_fast_mode, set_seed

_SUBMODULES = (
    "applications",
    "arrays",
    "backend",
    "checks",
    "config",
    "data",
    "display",
    "distributed",
    "distributions",
    "feature_net",
    "metrics",
    "models",
    "plotting",
    "text",
    "checkpoints",
    "losses",
    "protocol",
    "recipes",
    "studies",
    "utils",
)

import_keras_quietly()

__all__ = ["__version__", "fast_mode", "set_fast_mode", "set_seed", *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"genai_keras.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'genai_keras' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
