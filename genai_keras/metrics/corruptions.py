"""Controlled corruptions of real images (noise, blur, mask), to check that a metric notices."""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.checks import as_images, as_seed, non_negative_float

CORRUPTIONS = ("noise", "blur", "mask")


def corrupt(images: Any, kind: str, level: float, seed: int = 0) -> np.ndarray:
    """Damage real images in a controlled way, to check that a metric notices.

    A good metric should get monotonically worse as ``level`` grows.

    Args:
        images: ``(N, 28, 28, 1)``, pixels in [0, 1].
        kind: ``"noise"`` (add Gaussian noise of standard deviation ``level``, then clip
            to [0, 1]), ``"blur"`` (Gaussian blur with standard deviation ``level``
            pixels) or ``"mask"`` (zero a square patch of side ``level`` pixels at a
            random position near the centre of each image, where the ink is).
        level: the strength (0 leaves the images unchanged).
        seed: seed of the noise / patch positions.

    Returns:
        Float32 images of the same shape, pixels in [0, 1].

    Raises:
        ValueError: unknown kind, a level that is not a finite number >= 0 (a str such as
            "0.5" included), a bad seed, or a patch larger than the image.
    """
    import scipy.ndimage

    x = as_images(images).copy()
    if not isinstance(kind, str) or kind not in CORRUPTIONS:
        raise ValueError(f"Unknown corruption {kind!r}; use one of {CORRUPTIONS}.")
    level = non_negative_float(level, "level")
    rng = np.random.default_rng(as_seed(seed))
    if level == 0:
        return x
    if kind == "noise":
        x = np.clip(x + rng.normal(0.0, level, size=x.shape).astype(np.float32), 0.0, 1.0)
    elif kind == "blur":
        x = scipy.ndimage.gaussian_filter(x, sigma=(0, level, level, 0), mode="constant")
    else:
        side = round(level)
        if side > 28:
            raise ValueError(f"A mask patch of side {side} does not fit in a 28x28 image.")
        # Patch centres fall in the middle of the image, where the digits are
        # (MNIST digits fill the central 20x20 box), so the patch hides ink.
        centres = rng.integers(10, 19, size=(x.shape[0], 2))
        rows, cols = np.clip(centres - side // 2, 0, 28 - side).T
        for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
            x[i, r : r + side, c : c + side, :] = 0.0
    return np.clip(x, 0.0, 1.0).astype(np.float32)
