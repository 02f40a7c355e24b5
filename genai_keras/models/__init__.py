"""Model families, one module each; loaded on first use (``gk.models.vae.VAE``)."""

from __future__ import annotations

from typing import Any

_SUBMODULES = ("pixel", "conv", "autoencoder", "vae", "gan", "autoregressive", "diffusion")


def __getattr__(name: str) -> Any:
    # Local on purpose: the lazy loader (a family's code loads on first use). One plain
    # import per submodule (no importlib): readers and tools see every edge.
    if name == "pixel":
        import genai_keras.models.pixel as module
    elif name == "conv":
        import genai_keras.models.conv as module
    elif name == "autoencoder":
        import genai_keras.models.autoencoder as module
    elif name == "vae":
        import genai_keras.models.vae as module
    elif name == "gan":
        import genai_keras.models.gan as module
    elif name == "autoregressive":
        import genai_keras.models.autoregressive as module
    elif name == "diffusion":
        import genai_keras.models.diffusion as module
    else:
        raise AttributeError(f"module 'genai_keras.models' has no attribute {name!r}")
    globals()[name] = module
    return module
