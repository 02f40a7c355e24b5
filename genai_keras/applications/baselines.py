"""Classical baselines: what a practitioner tries before any learned model.

- Denoising: a Gaussian or a median filter, the kind and strength chosen on
  validation images by PSNR (:func:`choose_filter`).
- Super-resolution: bicubic interpolation
  (:func:`genai_keras.applications.degradations.upsample_bicubic`).
- Inpainting: fill each hidden pixel with the nearest visible pixel's value, or with
  the training set's mean image (:func:`fill_hole`).

Used in chapter 07.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.applications.degradations import check_mask
from genai_keras.checks import as_images, positive_float
from genai_keras.metrics.image_quality import psnr

#: The filters :func:`choose_filter` tries: (kind, size) with size a Gaussian's sigma
#: in pixels or a median filter's window side.
FILTER_GRID = (
    ("gaussian", 0.5),
    ("gaussian", 0.75),
    ("gaussian", 1.0),
    ("gaussian", 1.5),
    ("median", 2),
    ("median", 3),
    ("median", 5),
)
FILLS = ("nearest", "mean")


def apply_filter(images: Any, kind: str, size: float) -> np.ndarray:
    """Smooth each image with a Gaussian (sigma ``size`` pixels) or median
    (``size`` x ``size``) filter.

    Args:
        images: ``(N, 28, 28, 1)`` in [0, 1].
        kind: ``"gaussian"`` or ``"median"``.
        size: Gaussian standard deviation (> 0) or median window side (integer >= 1).

    Returns:
        float32 ``(N, 28, 28, 1)`` in [0, 1].

    Raises:
        ValueError: unknown kind, a Gaussian size that is not a finite number > 0, or a
            median size that is not a whole number >= 1.
    """
    import scipy.ndimage

    x = as_images(images)
    if not isinstance(kind, str) or kind not in ("gaussian", "median"):
        raise ValueError(f"Unknown filter {kind!r}; use 'gaussian' or 'median'.")
    try:
        size = positive_float(size, "size")
    except ValueError as exc:
        raise type(exc)(f"Filter size must be > 0 (a sigma or a window side): {exc}") from None
    if kind == "median" and (size < 1 or size != int(size)):
        raise ValueError(
            f"size of a median filter is its window side: a whole number >= 1 "
            f"(e.g. 3), got {size:g}."
        )
    if kind == "gaussian":
        out = scipy.ndimage.gaussian_filter(x, sigma=(0, size, size, 0), mode="reflect")
    else:
        out = scipy.ndimage.median_filter(x, size=(1, int(size), int(size), 1), mode="reflect")
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def choose_filter(noisy: Any, clean: Any) -> tuple[tuple[str, float], dict[str, float]]:
    """The filter of ``FILTER_GRID`` with the best mean PSNR on validation pairs.

    Args:
        noisy: ``(N, 28, 28, 1)`` corrupted validation digits.
        clean: the same digits, clean.

    Returns:
        ``((kind, size), scores)``: the winner and every filter's mean PSNR in dB
        (keys like ``"median 3"``).
    """
    scores = {
        f"{kind} {size:g}": float(np.mean(psnr(apply_filter(noisy, kind, size), clean)))
        for kind, size in FILTER_GRID
    }
    best = max(scores, key=scores.get)
    kind, size = best.split()
    return (kind, float(size)), scores


def fill_hole(
    images: Any, mask: Any, method: str = "nearest", mean_image: Any = None
) -> np.ndarray:
    """Fill the hidden pixels without learning: nearest visible pixel, or a mean image.

    Args:
        images: ``(N, 28, 28, 1)`` in [0, 1] (hidden pixels' values are ignored).
        mask: ``(N, 28, 28, 1)``, 1 on hidden pixels.
        method: ``"nearest"`` (copy the closest visible pixel, Euclidean distance) or
            ``"mean"`` (copy the pixels of ``mean_image``).
        mean_image: ``(28, 28, 1)``, e.g. the training digits' mean (``"mean"`` only).

    Returns:
        float32 ``(N, 28, 28, 1)``: visible pixels unchanged, hidden ones filled.

    Raises:
        ValueError: unknown method, or ``"mean"`` without ``mean_image``.
    """
    import scipy.ndimage

    x = as_images(images)
    m = check_mask(mask, len(x)) > 0.5
    if method not in FILLS:
        raise ValueError(f"Unknown fill {method!r}; use one of {FILLS}.")
    out = x.copy()
    if method == "mean":
        if mean_image is None:
            raise ValueError("method='mean' needs mean_image, e.g. train_images.mean(axis=0).")
        mean = as_images(np.asarray(mean_image)[None], name="mean_image")[0]
        return np.where(m, mean[None], x).astype(np.float32)
    for i in range(len(x)):
        if m[i].all():
            out[i] = 0.0
            continue
        _, (rows, cols) = scipy.ndimage.distance_transform_edt(m[i, ..., 0], return_indices=True)
        out[i, ..., 0] = x[i, ..., 0][rows, cols]
    return out
