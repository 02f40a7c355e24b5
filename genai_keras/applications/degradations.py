"""The damage each restoration task undoes: noise, lower resolution, missing pixels.

Every function takes clean digits ``(N, 28, 28, 1)`` with pixels in [0, 1] and
returns float32 arrays in [0, 1]; random ones take a ``seed`` and are repeatable.
Bad settings (negative noise, a factor that does not divide 28, a mask outside the
image) raise a ValueError that says what to change.

Used in chapter 07.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.checks import as_images, as_seed, non_negative_float, positive_int, unit_interval
from genai_keras.metrics.corruptions import corrupt

SIDE = 28
#: Inpainting masks: a square patch, or the whole lower half of the image.
MASKS = ("square", "lower_half")


def gaussian_noise(images: Any, sigma: float, seed: int = 0) -> np.ndarray:
    """Add Gaussian noise of standard deviation ``sigma`` (pixel units), then clip to [0, 1].

    Args:
        images: ``(N, 28, 28, 1)`` clean digits in [0, 1].
        sigma: noise standard deviation, >= 0 (0.5 is heavy: half the ink's brightness).
        seed: seed of the noise.

    Returns:
        float32 ``(N, 28, 28, 1)`` noisy digits in [0, 1].

    Raises:
        ValueError: ``sigma`` negative or not finite.
    """
    sigma = _level(sigma, "sigma", "the noise standard deviation, e.g. 0.5")
    return corrupt(images, "noise", sigma, seed=seed)


def salt_and_pepper(images: Any, fraction: float, seed: int = 0) -> np.ndarray:
    """Set a random ``fraction`` of the pixels to 0 or 1 (each with probability 1/2).

    Args:
        images: ``(N, 28, 28, 1)`` clean digits in [0, 1].
        fraction: share of the pixels hit, in [0, 1].
        seed: seed of the positions and values.

    Returns:
        float32 ``(N, 28, 28, 1)`` in [0, 1].

    Raises:
        ValueError: ``fraction`` outside [0, 1].
    """
    fraction = _level(fraction, "fraction", "the share of pixels hit, e.g. 0.2")
    if fraction > 1:
        raise ValueError(
            f"fraction is a share of the pixels: use a value in [0, 1], got {fraction}."
        )
    x = as_images(images).copy()
    rng = np.random.default_rng(as_seed(seed))
    hit = rng.random(x.shape) < fraction
    x[hit] = (rng.random(int(hit.sum())) < 0.5).astype(np.float32)
    return x


def check_factor(factor: Any) -> int:
    """Return ``factor`` as an int if it divides 28 (1, 2, 4, 7, 14, 28), else raise ValueError."""
    factor = positive_int(factor, "factor")
    if SIDE % factor:
        divisors = [d for d in range(1, SIDE + 1) if SIDE % d == 0]
        raise ValueError(
            f"factor {factor} does not divide the image side {SIDE}; use one of "
            f"{divisors} (e.g. 4 for 7x7 -> 28x28)."
        )
    return factor


def downsample(images: Any, factor: int) -> np.ndarray:
    """Average ``factor x factor`` blocks: what a sensor with ``factor`` times fewer pixels sees.

    Args:
        images: ``(N, 28, 28, 1)`` in [0, 1].
        factor: an integer dividing 28 (4 gives 7x7 images, 2 gives 14x14).

    Returns:
        float32 ``(N, 28 // factor, 28 // factor, 1)`` in [0, 1].

    Raises:
        ValueError: ``factor`` does not divide 28.
    """
    factor = check_factor(factor)
    x = as_images(images)
    s = SIDE // factor
    return x.reshape(len(x), s, factor, s, factor, 1).mean(axis=(2, 4)).astype(np.float32)


def upsample_bicubic(low: Any, size: int = SIDE) -> np.ndarray:
    """Bicubic interpolation of small images back to ``size x size`` (``keras.ops.image.resize``).

    The classical super-resolution baseline and the input of the learned networks.

    Args:
        low: ``(N, s, s, 1)`` images in [0, 1] with ``s`` dividing ``size``.
        size: output side in pixels.

    Returns:
        float32 ``(N, size, size, 1)``, clipped to [0, 1] (bicubic overshoots).

    Raises:
        ValueError: not square single-channel images, or a side that does not divide ``size``.
    """
    import keras

    arr = np.asarray(low)
    if arr.ndim != 4 or arr.shape[1] != arr.shape[2] or arr.shape[3] != 1 or size % arr.shape[1]:
        raise ValueError(
            f"low must have shape (N, s, s, 1) with s dividing {size} (e.g. the "
            f"output of downsample(images, 4)), got {arr.shape}."
        )
    arr = as_images(arr, name="low", shape=arr.shape[1:])
    out = keras.ops.image.resize(arr, (size, size), interpolation="bicubic", antialias=False)
    return np.clip(keras.ops.convert_to_numpy(out), 0.0, 1.0).astype(np.float32)


def make_mask(
    count: int,
    kind: str = "square",
    side: int = 12,
    seed: int = 0,
    top: int | None = None,
    left: int | None = None,
) -> np.ndarray:
    """Masks of missing pixels: 1 where the pixel is hidden, 0 where it is kept.

    Args:
        count: number of masks N.
        kind: ``"square"`` (a ``side x side`` patch) or ``"lower_half"`` (rows 14..27).
        side: the patch side in pixels (square only), 1..28.
        seed: seed of the patch positions (random in the central region where the
            digits' ink is, unless ``top`` and ``left`` are given).
        top, left: a fixed patch position (both or neither); the patch must fit.

    Returns:
        float32 ``(N, 28, 28, 1)`` of zeros and ones.

    Raises:
        ValueError: unknown kind, a side outside 1..28, a ``top``/``left`` that is not a
            whole number or puts the patch outside the image, or a bad seed.
    """
    count = positive_int(count, "count")
    seed = as_seed(seed)
    if kind not in MASKS:
        raise ValueError(f"Unknown mask kind {kind!r}; use one of {MASKS}.")
    mask = np.zeros((count, SIDE, SIDE, 1), np.float32)
    if kind == "lower_half":
        mask[:, SIDE // 2 :] = 1.0
        return mask
    side = positive_int(side, "side")
    if side > SIDE:
        raise ValueError(
            f"A square of side {side} does not fit in a {SIDE}x{SIDE} image; use side <= {SIDE}."
        )
    if (top is None) != (left is None):
        raise ValueError("Give both top and left for a fixed patch, or neither for random ones.")
    if top is not None:
        top = positive_int(top, "top", minimum=0)
        left = positive_int(left, "left", minimum=0)
        if not (0 <= top <= SIDE - side and 0 <= left <= SIDE - side):
            raise ValueError(
                f"The {side}x{side} patch at (top={top}, left={left}) lies outside "
                f"the {SIDE}x{SIDE} image: top and left must be in 0..{SIDE - side}."
            )
        corners = np.tile([[top, left]], (count, 1))
    else:
        rng = np.random.default_rng(seed)
        centres = rng.integers(10, 19, size=(count, 2))
        corners = np.clip(centres - side // 2, 0, SIDE - side)
    for i, (r, c) in enumerate(corners):
        mask[i, r : r + side, c : c + side] = 1.0
    return mask


def apply_mask(images: Any, mask: Any, fill: float = 0.0) -> np.ndarray:
    """Hide the masked pixels: set them to ``fill``.

    Args:
        images: ``(N, 28, 28, 1)`` in [0, 1].
        mask: ``(N, 28, 28, 1)`` with 1 on hidden pixels (:func:`make_mask`).
        fill: the value written into the hole, in [0, 1].

    Returns:
        float32 ``(N, 28, 28, 1)`` in [0, 1].

    Raises:
        ValueError: bad images or mask, or ``fill`` not a number in [0, 1].
    """
    fill = unit_interval(fill, "fill")
    x = as_images(images)
    m = check_mask(mask, len(x))
    return np.where(m > 0.5, np.float32(fill), x).astype(np.float32)


def check_mask(mask: Any, count: int) -> np.ndarray:
    """Return ``mask`` as float32 ``(count, 28, 28, 1)`` of 0/1 values, else raise ValueError."""
    m = as_images(mask, name="mask")
    if len(m) != count or not np.all((m == 0) | (m == 1)):
        raise ValueError(
            f"mask must hold one 0/1 mask per image ({count}), got {len(m)} masks "
            f"with values {np.unique(m)[:5]}; build it with make_mask()."
        )
    return m


def _level(value: Any, name: str, what: str) -> float:
    try:
        return non_negative_float(value, name)
    except ValueError:
        raise ValueError(f"{name} must be a finite number >= 0 ({what}), got {value!r}.") from None
