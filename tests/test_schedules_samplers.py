"""Small, fast checks of the diffusion schedules' helpers (dtype handling, the Gaussian
velocity's refusal), selected by the mutation run next to tests/test_diffusion.py."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from genai_keras.models.diffusion import schedules


def test_tensor_keeps_the_dtype_of_arrays_and_tensors():
    as64 = schedules._tensor(np.zeros(3, np.float64))
    assert keras.backend.standardize_dtype(as64.dtype) == "float64"
    listed = schedules._tensor([0.0, 1.0])  # no dtype: float32
    assert keras.backend.standardize_dtype(listed.dtype) == "float32"
    tensor = keras.ops.ones((2,), dtype="float16")
    assert schedules._tensor(tensor) is tensor


def test_gaussian_velocity_refuses_a_spread_that_is_not_positive():
    schedule = schedules.NoiseSchedule("linear")
    for std in (0.0, -1.0):
        with pytest.raises(ValueError, match=rf"^std must be > 0, got {std!r}\.$"):
            schedules.gaussian_velocity(schedule, 0.0, std)
    velocity = schedules.gaussian_velocity(schedule, 2.0, 0.5)
    v = keras.ops.convert_to_numpy(velocity(np.zeros((1, 2), np.float64), np.array([0.5])))
    # On the straight path the velocity is eps - x0, with E[x0 | x_t = 0] and E[eps | x_t = 0].
    a, s = 0.5, 0.5
    x0 = 2.0 + a * 0.25 / (a**2 * 0.25 + s**2) * (0.0 - a * 2.0)
    np.testing.assert_allclose(v, np.full((1, 2), (0.0 - a * x0) / s - x0), rtol=1e-6)
