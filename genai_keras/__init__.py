"""genai_keras: generative models in Keras 3, one chapter at a time.

Notebooks write ``import genai_keras as gk`` and reach everything through that one
name: ``gk.data.load_mnist(...)``, ``gk.plotting.show_images(...)``,
``gk.models.VAE(...)``. Submodules are imported on first use, so ``import
genai_keras`` itself is cheap (the notebook runner does not need Keras).
"""

from __future__ import annotations

from typing import Any

from genai_keras import _jax_cache, _requirements
from genai_keras._quiet import import_keras_quietly
from genai_keras._version import __version__
from genai_keras.config import fast_mode, set_fast_mode, set_seed

_SUBMODULES = (
    "applications",
    "arrays",
    "backend",
    "callbacks",
    "checkpoints",
    "checks",
    "config",
    "data",
    "display",
    "distributed",
    "distributions",
    "families",
    "feature_net",
    "losses",
    "metrics",
    "models",
    "optim",
    "plotting",
    "protocol",
    "recipes",
    "studies",
    "text",
    "utils",
    "weights",
)

# Before Keras loads: a dependency below its declared floor gets one clear message.
_requirements.check_installed_versions()

# Submodules that import no Keras; every other one needs it, and its first use brings Keras
# in quietly (TensorFlow's C++ start-up lines hidden): not at ``import genai_keras``, which
# the course runner and the notebook runner do without any deep-learning framework.
_KERAS_FREE = frozenset({"config", "display", "protocol", "recipes", "weights"})

_jax_cache.enable()

__all__ = ["__version__", "fast_mode", "set_fast_mode", "set_seed"]
__all__.extend(_SUBMODULES)  # the lazy submodules, which __getattr__ imports on first use


def __getattr__(name: str) -> Any:
    # Local on purpose: the lazy loader (``import genai_keras`` imports no Keras). One plain
    # import per submodule (no importlib): readers and tools see every edge.
    if name in _SUBMODULES and name not in _KERAS_FREE:
        import_keras_quietly()
    if name == "applications":
        import genai_keras.applications as module
    elif name == "arrays":
        import genai_keras.arrays as module
    elif name == "backend":
        import genai_keras.backend as module
    elif name == "callbacks":
        import genai_keras.callbacks as module
    elif name == "checkpoints":
        import genai_keras.checkpoints as module
    elif name == "checks":
        import genai_keras.checks as module
    elif name == "config":
        import genai_keras.config as module
    elif name == "data":
        import genai_keras.data as module
    elif name == "display":
        import genai_keras.display as module
    elif name == "distributed":
        import genai_keras.distributed as module
    elif name == "distributions":
        import genai_keras.distributions as module
    elif name == "families":
        import genai_keras.families as module
    elif name == "feature_net":
        import genai_keras.feature_net as module
    elif name == "losses":
        import genai_keras.losses as module
    elif name == "metrics":
        import genai_keras.metrics as module
    elif name == "models":
        import genai_keras.models as module
    elif name == "optim":
        import genai_keras.optim as module
    elif name == "plotting":
        import genai_keras.plotting as module
    elif name == "protocol":
        import genai_keras.protocol as module
    elif name == "recipes":
        import genai_keras.recipes as module
    elif name == "studies":
        import genai_keras.studies as module
    elif name == "text":
        import genai_keras.text as module
    elif name == "utils":
        import genai_keras.utils as module
    elif name == "weights":
        import genai_keras.weights as module
    else:
        raise AttributeError(f"module 'genai_keras' has no attribute {name!r}")
    globals()[name] = module
    return module


def __dir__() -> list[str]:
    return sorted(__all__)
