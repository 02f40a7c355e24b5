r"""Full-reference image quality: PSNR and SSIM between restored and true images.

Both compare a restored image with the original, pixel by pixel (PSNR) or window by
window (SSIM); neither says whether the result *looks* like a digit, which is why
chapter 07 also reports the fixed classifier's accuracy on restored images.

- PSNR: :math:`10 \log_{10}(R^2 / \mathrm{MSE})` in decibels, with data range
  :math:`R = 1` for pixels in [0, 1]. Higher is better; +6 dB halves the RMS error.
- SSIM (Wang et al., 2004): the mean over Gaussian windows (sigma 1.5 pixels) of
  :math:`\frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
  {(\mu_x^2+\mu_y^2+C_1)(\sigma_x^2+\sigma_y^2+C_2)}`
  with :math:`C_1 = (0.01 R)^2`, :math:`C_2 = (0.03 R)^2`; 1 means identical. The
  settings are those of ``skimage.metrics.structural_similarity(data_range=1,
  gaussian_weights=True, sigma=1.5, use_sample_covariance=False)``, which the tests
  compare against.

Used in chapter 07.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genai_keras.checks import as_images, positive_float

#: SSIM's Gaussian window: standard deviation in pixels and truncation in sigmas
#: (scikit-image's defaults: an 11x11 window).
SSIM_SIGMA = 1.5
SSIM_TRUNCATE = 3.5


def _pair(restored: Any, reference: Any) -> tuple[np.ndarray, np.ndarray]:
    x = as_images(restored, name="restored")
    y = as_images(reference, name="reference")
    if x.shape != y.shape:
        raise ValueError(
            f"restored {x.shape} and reference {y.shape} must have the same shape "
            f"(one restored image per reference image)."
        )
    return x.astype(np.float64), y.astype(np.float64)


def psnr(restored: Any, reference: Any, mask: Any = None, max_db: float = 100.0) -> np.ndarray:
    """Peak signal-to-noise ratio of each image, in dB (pixels in [0, 1], data range 1).

    Args:
        restored: ``(N, 28, 28, 1)`` images in [0, 1].
        reference: the true images, same shape.
        mask: optional ``(N, 28, 28, 1)`` weights (1 on the pixels to compare, e.g. an
            inpainting hole); the MSE is then the mean over those pixels only.
        max_db: the value given to a perfect restoration (MSE 0), instead of infinity;
            a finite number > 0.

    Returns:
        float64 ``(N,)``: PSNR per image in dB. Average these for a data set.

    Raises:
        ValueError: shapes differ, pixels outside [0, 1], a mask that selects no pixel,
            or ``max_db`` not a finite number > 0.
    """
    max_db = positive_float(max_db, "max_db")
    x, y = _pair(restored, reference)
    if mask is None:
        mse = np.mean((x - y) ** 2, axis=(1, 2, 3))
    else:
        m = as_images(mask, name="mask").astype(np.float64)
        if m.shape != x.shape:
            raise ValueError(f"mask {m.shape} must have the images' shape {x.shape}.")
        area = m.sum(axis=(1, 2, 3))
        if np.any(area == 0):
            raise ValueError(
                "Every mask must select at least one pixel (a hole to score); "
                "pass mask=None to compare whole images."
            )
        mse = np.sum(m * (x - y) ** 2, axis=(1, 2, 3)) / area
    with np.errstate(divide="ignore"):
        out = -10.0 * np.log10(mse)
    return np.minimum(out, max_db)


def ssim(restored: Any, reference: Any) -> np.ndarray:
    """Structural similarity of each image (Wang et al., 2004), Gaussian window sigma 1.5.

    Local means, variances and the covariance come from Gaussian filters (reflecting
    borders); the SSIM map is averaged over the pixels at least 5 pixels from the
    border, as scikit-image does.

    Args:
        restored: ``(N, 28, 28, 1)`` images in [0, 1].
        reference: the true images, same shape.

    Returns:
        float64 ``(N,)``: SSIM per image, at most 1 (identical images).

    Raises:
        ValueError: shapes differ or pixels outside [0, 1].
    """
    import scipy.ndimage

    x, y = _pair(restored, reference)
    x, y = x[..., 0], y[..., 0]

    def blur(a):
        return scipy.ndimage.gaussian_filter(
            a, sigma=(0, SSIM_SIGMA, SSIM_SIGMA), truncate=SSIM_TRUNCATE, mode="reflect"
        )

    c1, c2 = 0.01**2, 0.03**2
    mx, my = blur(x), blur(y)
    vx = blur(x * x) - mx * mx
    vy = blur(y * y) - my * my
    cxy = blur(x * y) - mx * my
    num = (2 * mx * my + c1) * (2 * cxy + c2)
    den = (mx * mx + my * my + c1) * (vx + vy + c2)
    pad = int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5)
    smap = (num / den)[:, pad:-pad, pad:-pad]
    return smap.mean(axis=(1, 2))
