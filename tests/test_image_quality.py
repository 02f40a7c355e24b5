"""PSNR and SSIM (``genai_keras.metrics.image_quality``) against closed forms, per image.

test_applications.py compares both with scikit-image on real digits (the window, its
truncation and C2); these tests pin what that comparison does not reach: each image gets
its own value, the mask's weights, ``max_db``, the float64 arithmetic, and the exact
error messages.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from genai_keras.metrics.image_quality import psnr, ssim


def _flat(values, shape=(28, 28, 1)):
    """One constant image per value: ``(len(values), 28, 28, 1)`` float32."""
    return np.stack([np.full(shape, v, np.float32) for v in values])


def test_psnr_is_computed_per_image_in_float64():
    reference = _flat([0.5, 0.5, 0.5])
    restored = _flat([0.6, 0.52, 0.5 + 1e-4])  # MSE 1e-2, 4e-4 and 1e-8
    expected = -10 * np.log10(
        (restored.astype(np.float64) - reference.astype(np.float64))[:, 0, 0, 0] ** 2
    )
    got = psnr(restored, reference)
    assert got.dtype == np.float64 and got.shape == (3,)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(got[:2], [20.0, 33.979400086720375], rtol=1e-6)


def test_psnr_max_db_caps_each_image():
    reference = _flat([0.5, 0.5])
    restored = _flat([0.6, 0.5])  # 20 dB, and a perfect restoration
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log10(0) is expected, not a warning
        capped = psnr(restored, reference, max_db=50.0)
    np.testing.assert_allclose(capped[0], 20.0, rtol=1e-6)  # float32 0.6 - 0.5 is not 0.1
    assert capped[1] == 50.0
    np.testing.assert_array_equal(psnr(restored, reference, max_db=10.0), [10.0, 10.0])
    assert psnr(restored, reference)[1] == 100.0


def test_psnr_mask_weights_the_squared_errors():
    reference = np.zeros((2, 28, 28, 1), np.float32)
    restored = reference.copy()
    restored[:, :14] = 0.1  # error 0.1 in the top half
    restored[:, 14:] = 0.3  # error 0.3 in the bottom half
    mask = np.zeros_like(reference)
    mask[0, :14] = 1.0  # image 0: the top half only
    mask[1, :14], mask[1, 14:] = 1.0, 0.5  # image 1: both halves, the bottom weighted 0.5
    mse = [0.01, (0.01 * 1.0 + 0.09 * 0.5) / 1.5]
    np.testing.assert_allclose(psnr(restored, reference, mask=mask), -10 * np.log10(mse))


def test_psnr_and_ssim_errors_name_the_argument():
    x = _flat([0.2, 0.4])
    bad = x[:, :20]
    for fn in (psnr, ssim):
        with pytest.raises(ValueError, match=r"^restored must have shape \(N, 28, 28, 1\)"):
            fn(bad, x)
        with pytest.raises(ValueError, match=r"^reference must have shape \(N, 28, 28, 1\)"):
            fn(x, bad)
        with pytest.raises(ValueError, match=r"^reference must hold pixels in \[0, 1\]"):
            fn(x, x * 5)
        with pytest.raises(
            ValueError,
            match=r"^restored \(2, 28, 28, 1\) and reference \(1, 28, 28, 1\) must have the "
            r"same shape \(one restored image per reference image\)\.$",
        ):
            fn(x, x[:1])


def test_psnr_mask_errors():
    x = _flat([0.2, 0.4])
    with pytest.raises(
        ValueError, match=r"^mask \(1, 28, 28, 1\) must have the images' shape \(2, 28, 28, 1\)\.$"
    ):
        psnr(x, x, mask=np.ones((1, 28, 28, 1)))
    with pytest.raises(ValueError, match=r"^mask must hold pixels in \[0, 1\]"):
        psnr(x, x, mask=np.full((2, 28, 28, 1), 2.0))
    one_empty = np.ones((2, 28, 28, 1))
    one_empty[1] = 0.0  # the second image's mask selects nothing
    with pytest.raises(
        ValueError,
        match=r"^Every mask must select at least one pixel \(a hole to score\); pass mask=None "
        r"to compare whole images\.$",
    ):
        psnr(x, x, mask=one_empty)


def test_ssim_closed_form_per_image_for_constant_images():
    # Zero variances: SSIM = (2ab + C1) / (a^2 + b^2 + C1) with C1 = 0.01^2, whatever C2.
    a, b = np.array([0.2, 0.5, 0.9]), np.array([0.6, 0.5, 0.1])
    c1 = 0.01**2
    got = ssim(_flat(a), _flat(b))
    a, b = a.astype(np.float32).astype(np.float64), b.astype(np.float32).astype(np.float64)
    assert got.dtype == np.float64 and got.shape == (3,)
    np.testing.assert_allclose(got, (2 * a * b + c1) / (a * a + b * b + c1), rtol=1e-12)


def test_ssim_of_an_image_with_itself_is_one_and_with_its_negative_below_zero():
    x = np.random.default_rng(0).random((2, 28, 28, 1))
    np.testing.assert_allclose(ssim(x, x), 1.0, rtol=1e-12)
    assert np.all(ssim(x, 1.0 - x) < 0.0)
