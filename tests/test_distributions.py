"""Tests for genai_keras.distributions: log-probs against scipy, sampling moments, KL, MLE."""

import math

import keras
import numpy as np
import pytest
import scipy.special
import scipy.stats as st

from genai_keras import distributions as D


def np_(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# --------------------------------------------------------------------------- log-probs


def test_normal_log_prob_matches_scipy(rng):
    x = rng.normal(size=(40, 5))
    mean = rng.normal(size=5)
    scale = rng.uniform(0.1, 3.0, size=5)
    expected = st.norm.logpdf(x, mean, scale)
    np.testing.assert_allclose(
        np_(D.normal_log_prob(x, mean, scale)), expected, rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        np_(D.normal_log_prob(x, mean, log_var=np.log(scale**2))), expected, rtol=1e-5, atol=1e-5
    )
    # float32 inputs also agree to 1e-5 (relative)
    got32 = np_(
        D.normal_log_prob(x.astype(np.float32), mean.astype(np.float32), scale.astype(np.float32))
    )
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, expected, rtol=1e-5, atol=1e-5)


def test_bernoulli_log_prob_matches_scipy_and_is_stable(rng):
    p = rng.uniform(0.01, 0.99, size=(30, 6))
    x = (rng.random((30, 6)) < p).astype(np.float64)
    expected = st.bernoulli.logpmf(x, p)
    logits = scipy.special.logit(p)
    np.testing.assert_allclose(
        np_(D.bernoulli_log_prob(x, logits=logits)), expected, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        np_(D.bernoulli_log_prob(x, probs=p)), expected, rtol=1e-5, atol=1e-6
    )
    # extreme logits: finite and exact (x * l - softplus(l))
    got = np_(
        D.bernoulli_log_prob(
            np.array([1.0, 0.0, 1.0, 0.0]), logits=np.array([-200.0, 200.0, 200.0, -200.0])
        )
    )
    np.testing.assert_allclose(got, [-200.0, -200.0, 0.0, 0.0], atol=1e-6)


def test_poisson_log_prob_matches_scipy(rng):
    rate = rng.uniform(0.05, 60.0, size=8)
    k = rng.poisson(rate, size=(50, 8)).astype(np.float64)
    expected = st.poisson.logpmf(k, rate)
    # JAX computes float64 inputs in float32 unless jax_enable_x64 is set: float32 tolerance there
    # (k log(rate) and lgamma(k + 1) reach ~200 and cancel).
    atol = 1e-4 if keras.backend.backend() == "jax" else 1e-6
    np.testing.assert_allclose(np_(D.poisson_log_prob(k, rate)), expected, rtol=1e-5, atol=atol)
    got32 = np_(D.poisson_log_prob(k.astype(np.float32), rate.astype(np.float32)))
    np.testing.assert_allclose(got32, expected, rtol=1e-5, atol=1e-4)


def test_categorical_log_prob_matches_scipy(rng):
    logits = rng.normal(size=(25, 7)) * 2
    x = rng.integers(0, 7, size=25)
    probs = scipy.special.softmax(logits, axis=1)
    expected = np.array([st.multinomial.logpmf(np.eye(7)[c], 1, probs[i]) for i, c in enumerate(x)])
    np.testing.assert_allclose(
        np_(D.categorical_log_prob(x, logits)), expected, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        np_(D.categorical_log_prob(x, probs=probs)), expected, rtol=1e-5, atol=1e-6
    )
    # one parameter vector shared by many observations (broadcasting)
    np.testing.assert_allclose(
        np_(D.categorical_log_prob(x, logits[0])), np.log(probs[0][x]), rtol=1e-5
    )


@pytest.mark.backends("tensorflow", "jax", reason="torch runs eagerly: nothing is traced")
def test_log_probs_work_inside_a_traced_function():
    """Inside tf.function / jax.jit the arguments are symbolic: value checks are skipped and
    the results stay tensors (the NumPy-out rule must not try to convert them)."""
    from keras import ops

    def loss(x, logits):
        return ops.sum(D.bernoulli_log_prob(x, logits=logits), axis=1) - D.kl_normal(logits, logits)

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        traced = tf.function(
            loss, input_signature=[tf.TensorSpec((None, 4)), tf.TensorSpec((None, 4))]
        )
    else:
        import jax

        traced = jax.jit(loss)
    out = ops.convert_to_numpy(traced(ops.ones((3, 4)), ops.zeros((3, 4))))
    expected = 4 * np.log(0.5) - 0.5 * 4 * (np.exp(0.0) - 1.0)
    np.testing.assert_allclose(out, np.full(3, expected), rtol=1e-6)


# --------------------------------------------------------------------------- sampling


def _check_moments(samples, mean, var, n):
    samples = np.asarray(samples, dtype=np.float64)
    se_mean = math.sqrt(var / n)
    assert abs(samples.mean() - mean) < 4 * se_mean, (samples.mean(), mean, se_mean)
    # standard error of the sample variance: sqrt((mu4 - var^2) / n), mu4 from the sample
    mu4 = np.mean((samples - samples.mean()) ** 4)
    se_var = math.sqrt((mu4 - samples.var() ** 2) / n)
    assert abs(samples.var(ddof=1) - var) < 4 * se_var, (samples.var(ddof=1), var, se_var)


def test_normal_sample_moments():
    n = 20000
    s = np_(D.normal_sample(1.5, 2.0, shape=n, seed=3))
    assert s.shape == (n,)
    _check_moments(s, 1.5, 4.0, n)


def test_bernoulli_sample_moments():
    n = 20000
    s = np_(D.bernoulli_sample(0.3, shape=n, seed=4))
    assert set(np.unique(s)) <= {0.0, 1.0}
    _check_moments(s, 0.3, 0.3 * 0.7, n)
    s2 = np_(D.bernoulli_sample(logits=np.full(n, scipy.special.logit(0.8)), seed=5))
    _check_moments(s2, 0.8, 0.16, n)


@pytest.mark.parametrize("rate", [0.7, 4.0, 50.0])
def test_poisson_sample_moments(rate):
    n = 20000
    s = np_(D.poisson_sample(rate, shape=n, seed=6))
    assert np.all(s == np.round(s)) and s.min() >= 0
    _check_moments(s, rate, rate, n)


def test_categorical_sample_frequencies():
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    n = 20000
    s = np_(D.categorical_sample(np.log(probs), num_samples=n, seed=7))
    assert s.shape == (n,)
    freq = np.bincount(s, minlength=4) / n
    se = np.sqrt(probs * (1 - probs) / n)
    assert np.all(np.abs(freq - probs) < 4 * se)
    s2 = np_(D.categorical_sample(probs=np.stack([probs, probs[::-1]]), num_samples=5, seed=7))
    assert s2.shape == (2, 5)


def test_sampling_is_reproducible_with_a_seed():
    a = np_(D.normal_sample(0.0, 1.0, shape=(5,), seed=11))
    b = np_(D.normal_sample(0.0, 1.0, shape=(5,), seed=11))
    np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- KL


def test_kl_normal_closed_form_values():
    # KL(N(0,1) || N(1, 4)) = log 2 + (1 + 1) / 8 - 1/2 per dimension
    per_dim = math.log(2.0) + 2.0 / 8.0 - 0.5
    got = np_(D.kl_normal(np.zeros(3), np.zeros(3), np.ones(3), np.full(3, math.log(4.0))))
    np.testing.assert_allclose(got, 3 * per_dim, rtol=1e-6)
    # against N(0, I): 1/2 sum(mu^2 + s^2 - log s^2 - 1); zero at the prior itself
    mu, lv = np.array([[0.5, -1.0]]), np.array([[0.2, -0.3]])
    expected = 0.5 * np.sum(mu**2 + np.exp(lv) - lv - 1.0, axis=-1)
    np.testing.assert_allclose(np_(D.kl_normal(mu, lv)), expected, rtol=1e-6)
    np.testing.assert_allclose(
        np_(D.kl_normal(np.zeros((4, 2)), np.zeros((4, 2)))), np.zeros(4), atol=1e-7
    )
    assert np_(D.kl_normal(mu, lv)).shape == (1,)


def test_kl_normal_is_asymmetric():
    a = float(np_(D.kl_normal(0.0, 0.0, 1.0, math.log(4.0))))
    b = float(np_(D.kl_normal(1.0, math.log(4.0), 0.0, 0.0)))
    assert a > 0 and b > 0 and abs(a - b) > 0.1


@pytest.mark.parametrize(
    ("m1", "s1", "m2", "s2"), [(0.0, 1.0, 1.0, 2.0), (0.5, 0.3, -0.5, 1.5), (2.0, 2.0, 0.0, 1.0)]
)
def test_kl_monte_carlo_agrees_with_closed_form(m1, s1, m2, s2):
    mean1, sd1 = np.array([m1, -m1]), np.array([s1, s1 * 1.2])
    mean2, sd2 = np.array([m2, m2 + 0.3]), np.array([s2, s2 * 0.8])
    exact = float(np_(D.kl_normal(mean1, 2 * np.log(sd1), mean2, 2 * np.log(sd2))))
    est, se = D.kl_monte_carlo(
        lambda n, seed: D.normal_sample(mean1, sd1, shape=(n, 2), seed=seed),
        lambda x: D.normal_log_prob(x, mean1, sd1),
        lambda x: D.normal_log_prob(x, mean2, sd2),
        num_samples=20000,
        seed=3,
    )
    assert se > 0
    assert abs(est - exact) < 4 * se, (est, exact, se)


# --------------------------------------------------------------------------- MLE


def test_mle_recovers_known_parameters(rng):
    n = 20000
    mean, scale = D.fit_normal(rng.normal(3.0, 2.0, size=n))
    assert abs(mean - 3.0) < 4 * 2.0 / math.sqrt(n)
    assert abs(scale - 2.0) < 4 * 2.0 / math.sqrt(2 * n)
    p = D.fit_bernoulli((rng.random((n, 3)) < [0.1, 0.5, 0.9]).astype(float))
    assert np.all(np.abs(p - [0.1, 0.5, 0.9]) < 4 * np.sqrt(np.array([0.09, 0.25, 0.09]) / n))
    lam = D.fit_poisson(rng.poisson(6.0, size=n))
    assert abs(lam - 6.0) < 4 * math.sqrt(6.0 / n)
    probs = np.array([0.5, 0.3, 0.2])
    pi = D.fit_categorical(rng.choice(3, size=n, p=probs), num_classes=3)
    assert np.all(np.abs(pi - probs) < 4 * np.sqrt(probs * (1 - probs) / n))
    # exact closed forms on tiny data
    np.testing.assert_allclose(D.fit_bernoulli(np.array([1.0, 1.0, 0.0]), pseudo_count=1.0), 3 / 5)
    np.testing.assert_allclose(
        D.fit_categorical(np.array([0, 0, 2]), 3, pseudo_count=1.0), [3 / 6, 1 / 6, 2 / 6]
    )
    np.testing.assert_allclose(D.fit_normal(np.array([1.0, 3.0]))[1], 1.0)


def test_bits_per_dim():
    np.testing.assert_allclose(D.bits_per_dim(784 * math.log(2.0)), 1.0)


# --------------------------------------------------------------------------- bad input


def test_negative_scale_and_rate_raise():
    with pytest.raises(ValueError, match="scale must be finite and > 0"):
        D.normal_log_prob(0.0, 0.0, -1.0)
    with pytest.raises(ValueError, match="scale must be finite and > 0"):
        D.normal_sample(0.0, np.array([1.0, 0.0]), seed=0)
    with pytest.raises(ValueError, match="rate must be finite and > 0"):
        D.poisson_log_prob(2, -0.5)
    with pytest.raises(ValueError, match="rate must be finite and > 0"):
        D.poisson_sample(0.0, shape=3, seed=0)
    with pytest.raises(ValueError, match=r"either scale= .* or log_var="):
        D.normal_log_prob(0.0, 0.0, 1.0, log_var=0.0)


def test_probabilities_outside_unit_interval_raise():
    with pytest.raises(ValueError, match=r"probs must lie in \[0, 1\]"):
        D.bernoulli_log_prob(1.0, probs=1.2)
    with pytest.raises(ValueError, match=r"probs must lie in \[0, 1\]"):
        D.bernoulli_sample(np.array([0.5, -0.1]), seed=0)
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\]"):
        D.bernoulli_log_prob(2.0, logits=0.0)
    with pytest.raises(ValueError, match="exactly one of logits= or probs="):
        D.bernoulli_log_prob(1.0)
    with pytest.raises(ValueError, match="sum to 1"):
        D.categorical_log_prob(np.array([0]), probs=np.array([[0.5, 0.6]]))


def test_bad_counts_and_classes_raise():
    with pytest.raises(ValueError, match="non-negative integer counts"):
        D.poisson_log_prob(np.array([1.5]), 2.0)
    with pytest.raises(ValueError, match="non-negative integer counts"):
        D.fit_poisson(np.array([-1, 2]))
    with pytest.raises(ValueError, match=r"integer class indices in \[0, 3\)"):
        D.categorical_log_prob(np.array([3]), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"integer class indices in \[0, 2\)"):
        D.fit_categorical(np.array([0, 2]), num_classes=2)
    with pytest.raises(ValueError, match="num_classes must be an integer >= 1"):
        D.fit_categorical(np.array([0]), num_classes=0)
    with pytest.raises(ValueError, match=r"needs data in \{0, 1\}"):
        D.fit_bernoulli(np.array([0.0, 0.5]))
    with pytest.raises(ValueError, match="at least 2 samples"):
        D.fit_normal(np.array([1.0]))
    with pytest.raises(ValueError, match="Every count is 0"):
        D.fit_poisson(np.zeros(5))


def test_shape_mismatches_raise():
    with pytest.raises(ValueError, match="Shapes do not broadcast"):
        D.normal_log_prob(np.zeros((4, 3)), np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="Shapes do not broadcast"):
        D.bernoulli_log_prob(np.zeros((4, 3)), logits=np.zeros(5))
    with pytest.raises(ValueError, match="Shapes do not broadcast"):
        D.kl_normal(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"must\s+broadcast"):
        D.categorical_log_prob(np.zeros(4, dtype=int), np.zeros((3, 5)))
    with pytest.raises(ValueError, match="does not broadcast with the parameters"):
        D.normal_sample(np.zeros(3), 1.0, shape=(10, 4), seed=0)
    with pytest.raises(ValueError, match="both mean2 and logvar2, or neither"):
        D.kl_normal(np.zeros(2), np.zeros(2), mean2=np.zeros(2))


def test_kl_monte_carlo_bad_arguments_raise():
    with pytest.raises(ValueError, match="num_samples must be an integer >= 2"):
        D.kl_monte_carlo(lambda n, s: np.zeros(n), lambda x: x, lambda x: x, num_samples=1)
    with pytest.raises(ValueError, match="same shape"):
        D.kl_monte_carlo(lambda n, s: np.zeros(n), lambda x: x, lambda x: x[:-1], num_samples=10)
