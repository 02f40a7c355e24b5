"""Property-based tests (Hypothesis): the input checks of ``genai_keras.checks`` over
random values, and the distributions' log-probabilities against SciPy over random
parameters. Few examples each (the suite stays fast) with a fixed database-free seed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from genai_keras import checks, distributions

PROFILE = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32)


# ------------------------------------------------------------------------------ checks
@PROFILE
@given(st.integers(0, 2**32 - 1))
def test_as_seed_accepts_every_seed_in_range(seed):
    assert checks.as_seed(seed) == seed and type(checks.as_seed(np.uint32(seed))) is int


@PROFILE
@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32)))
def test_as_seed_refuses_ints_out_of_range(seed):
    with pytest.raises(ValueError, match=rf"seed must be an int in \[0, 2\*\*32\).*got {seed}"):
        checks.as_seed(seed)


@PROFILE
@given(st.one_of(st.floats(), st.booleans(), st.text(max_size=3)))
def test_as_seed_refuses_non_integers(seed):
    with pytest.raises(checks.InputTypeError, match=r"pass an integer seed, e\.g\. seed=0"):
        checks.as_seed(seed, allow_none=False)


def test_as_seed_none_policy():
    assert checks.as_seed(None) is None
    with pytest.raises(checks.InputTypeError, match=r"must be an int in \[0, 2\*\*32\), got None"):
        checks.as_seed(None, allow_none=False)


@PROFILE
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_unit_interval_accepts_exactly_0_to_1(value):
    if math.isnan(value):
        with pytest.raises(ValueError, match="got NaN"):
            checks.unit_interval(value, "p")
    elif 0.0 <= value <= 1.0:
        assert checks.unit_interval(value, "p") == value
        assert checks.unit_interval(np.float32(value), "p") == float(np.float32(value))
    else:
        with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\]"):
            checks.unit_interval(value, "p")


@PROFILE
@given(st.floats(allow_nan=False))
def test_positive_and_non_negative_floats(value):
    if math.isfinite(value) and value > 0:
        assert checks.positive_float(value, "x") == value
    else:
        with pytest.raises(ValueError, match="x must be a finite number > 0"):
            checks.positive_float(value, "x")
    if math.isfinite(value) and value >= 0:
        assert checks.non_negative_float(value, "x") == value
    else:
        with pytest.raises(ValueError, match="x must be a finite number >= 0"):
            checks.non_negative_float(value, "x")


@PROFILE
@given(st.one_of(st.booleans(), st.text(max_size=2), st.none()))
def test_real_number_checks_refuse_non_numbers(value):
    for check in (checks.unit_interval, checks.positive_float, checks.non_negative_float):
        with pytest.raises(checks.InputTypeError, match=r"pass a number, e.g. x=0.5"):
            check(value, "x")


@PROFILE
@given(st.integers(-50, 50), st.integers(-3, 3))
def test_positive_int(value, minimum):
    if value >= minimum:
        assert checks.positive_int(value, "n", minimum) == value
        assert checks.positive_int(np.int64(value), "n", minimum) == value
    else:
        with pytest.raises(ValueError, match=rf"n must be an integer >= {minimum}, got {value}"):
            checks.positive_int(value, "n", minimum)


@PROFILE
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 3), st.integers(1, 4)), elements=finite))
def test_as_finite_array_keeps_finite_values(x):
    out = checks.as_finite_array(x.astype(np.float64), "z", shape=(None, x.shape[1]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, x)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 7\), got"):
        checks.as_finite_array(x, "z", shape=(None, 7), what="hint")


@PROFILE
@given(
    hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-10, 10)),
    st.integers(0, 19),
    st.sampled_from([np.nan, np.inf, -np.inf]),
)
def test_as_finite_array_counts_non_finite_values(x, where, bad):
    x[where % len(x)] = bad
    with pytest.raises(ValueError, match="z contains 1 NaN or infinite values"):
        checks.as_finite_array(x, "z")


@PROFILE
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 3), st.just(28), st.just(28))))
def test_as_images_accepts_exactly_pixels_in_the_unit_interval(x):
    x = np.nan_to_num(x, nan=0.5)
    inside = bool(np.all((x >= 0) & (x <= 1)))
    if inside:
        out = checks.as_images(x)
        assert out.shape == (len(x), 28, 28, 1)
        np.testing.assert_array_equal(out[..., 0], x)
    else:
        with pytest.raises(ValueError, match="images must hold pixels in"):
            checks.as_images(x)


@PROFILE
@given(hnp.arrays(np.int64, st.integers(0, 30), elements=st.integers(-3, 12)), st.integers(2, 10))
def test_as_labels_range(y, num_classes):
    if y.size == 0 or (y.min() >= 0 and y.max() < num_classes):
        out = checks.as_labels(y, num_classes, count=len(y))
        assert out.dtype == np.int32
        np.testing.assert_array_equal(out, y)
    else:
        with pytest.raises(ValueError, match=rf"labels must lie in \[0, {num_classes - 1}\]"):
            checks.as_labels(y, num_classes)
    with pytest.raises(ValueError, match=rf"labels has {len(y)} entries but {len(y) + 1} were"):
        checks.as_labels(y, num_classes, count=len(y) + 1)


# ---------------------------------------------------------------------- distributions
@PROFILE
@given(
    hnp.arrays(np.float64, 5, elements=st.floats(-20, 20)),
    st.floats(-5, 5),
    st.floats(0.05, 20),
)
def test_normal_log_prob_matches_scipy(x, mean, scale):
    expected = stats.norm.logpdf(x, mean, scale)
    got = np.asarray(distributions.normal_log_prob(x, mean, scale), np.float64)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)
    via_log_var = distributions.normal_log_prob(x, mean, log_var=2 * np.log(scale))
    np.testing.assert_allclose(np.asarray(via_log_var, np.float64), expected, rtol=1e-4, atol=1e-3)


@PROFILE
@given(hnp.arrays(np.float64, 6, elements=st.floats(-30, 30)), st.integers(0, 2**6 - 1))
def test_bernoulli_log_prob_matches_scipy(logits, bits):
    x = np.array([(bits >> i) & 1 for i in range(6)], np.float64)
    p = 1.0 / (1.0 + np.exp(-logits))
    expected = stats.bernoulli.logpmf(x, np.clip(p, 1e-300, 1 - 1e-16))
    got = np.asarray(distributions.bernoulli_log_prob(x, logits), np.float64)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    mild = np.clip(p, 0.01, 0.99)
    got_p = np.asarray(distributions.bernoulli_log_prob(x, probs=mild), np.float64)
    np.testing.assert_allclose(got_p, stats.bernoulli.logpmf(x, mild), rtol=1e-4, atol=1e-5)


@PROFILE
@given(hnp.arrays(np.int64, 5, elements=st.integers(0, 60)), st.floats(0.01, 50))
def test_poisson_log_prob_matches_scipy(k, rate):
    got = np.asarray(distributions.poisson_log_prob(k, rate), np.float64)
    np.testing.assert_allclose(got, stats.poisson.logpmf(k, rate), rtol=1e-4, atol=1e-3)


@PROFILE
@given(
    hnp.arrays(np.float64, (4, 5), elements=st.floats(-15, 15)),
    hnp.arrays(np.int64, 4, elements=st.integers(0, 4)),
)
def test_categorical_log_prob_matches_scipy(logits, x):
    log_p = logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True))
    expected = np.array(
        [
            stats.multinomial.logpmf(np.eye(5)[c], 1, np.exp(row))
            for c, row in zip(x, log_p, strict=True)
        ]
    )
    got = np.asarray(distributions.categorical_log_prob(x, logits), np.float64)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@PROFILE
@given(
    hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)),
    hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)),
    hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)),
    hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)),
)
def test_kl_normal_matches_the_closed_form_and_is_non_negative(m1, v1, m2, v2):
    expected = 0.5 * np.sum(v2 - v1 + (np.exp(v1) + (m1 - m2) ** 2) / np.exp(v2) - 1.0, axis=-1)
    got = np.asarray(distributions.kl_normal(m1, v1, m2, v2), np.float64)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert np.all(got >= -1e-5)
    to_standard = np.asarray(distributions.kl_normal(m1, v1), np.float64)
    standard = 0.5 * np.sum(m1**2 + np.exp(v1) - 1.0 - v1, axis=-1)
    np.testing.assert_allclose(to_standard, standard, rtol=1e-4, atol=1e-4)


@PROFILE
@given(st.floats(0, 1e4), st.integers(1, 5000))
def test_bits_per_dim(nats, dims):
    assert float(distributions.bits_per_dim(nats, dims)) == pytest.approx(
        nats / (dims * math.log(2))
    )
