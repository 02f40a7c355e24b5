"""Exact behaviour of genai_keras.distributions' log-probs, KL and fits: whole error
messages, result dtypes, boundary values and axes (sampling: test_distribution_sampling.py).

Written against the survivors of a mutation run (benchmarks/mutation.py): each test pins a
detail that a plausible slip (a wrong name in a message, a dropped dtype, ``<`` for ``<=``,
``axis=+1`` for ``axis=-1``) would change.
"""

import math
import re

import keras
import numpy as np
import pytest
import scipy.special
import scipy.stats as st

from genai_keras import backend as gk_backend
from genai_keras import distributions as D

BROADCAST = (
    "Shapes do not broadcast: {}. Give arrays of the same shape, or shapes that broadcast "
    "(e.g. one parameter per dimension, shape (D,), for data (N, D))."
)
UNIT = (
    "{} must lie in [0, 1] ({}), found values in [{}]. Pass logits= for unconstrained real numbers."
)
COUNTS = (
    "k must hold non-negative integer counts (0, 1, 2, ...) for a Poisson distribution; "
    "found values in [{}]{}."
)
CATEGORICAL_PROBS = (
    "probs must be non-negative and sum to 1 over the last axis; pass logits= for "
    "unnormalised scores."
)
NAN = np.array([0.5, np.nan])


def np_(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def raises_exactly(message, fn, *args, **kwargs):
    """fn raises a ValueError whose message is exactly ``message``."""
    with pytest.raises(ValueError, match=rf"\A{re.escape(message)}\Z"):
        fn(*args, **kwargs)


def z(*shape):
    return np.zeros(shape)


# --------------------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: D.normal_log_prob(z(4, 3), z(2), np.ones(3)), "x (4, 3), mean (2,), scale (3,)"),
        (
            lambda: D.normal_log_prob(z(4, 3), z(3), log_var=z(2)),
            "x (4, 3), mean (3,), log_var (2,)",
        ),
        (lambda: D.bernoulli_log_prob(z(4, 3), probs=np.full(2, 0.5)), "x (4, 3), probs (2,)"),
        (lambda: D.poisson_log_prob(z(2, 3), np.ones(4)), "k (2, 3), rate (4,)"),
        (
            lambda: D.kl_normal(z(2, 3), z(3), z(4), z(3)),
            "mean1 (2, 3), logvar1 (3,), mean2 (4,), logvar2 (3,)",
        ),
        (
            lambda: D.kl_normal(z(2, 3), z(3), z(3), z(5)),
            "mean1 (2, 3), logvar1 (3,), mean2 (3,), logvar2 (5,)",
        ),
    ],
)
def test_shape_mismatch_messages_name_every_argument_and_shape(call, message):
    """The message lists every given argument with its shape, in the signature's order."""
    raises_exactly(BROADCAST.format(message), call)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: D.normal_log_prob(NAN), "x"),
        (lambda: D.normal_log_prob(0.0, NAN), "mean"),
        (lambda: D.normal_log_prob(0.0, 0.0, log_var=np.array([np.inf])), "log_var"),
        (lambda: D.bernoulli_log_prob(1.0, logits=NAN), "logits"),
        (lambda: D.categorical_log_prob(0, NAN), "logits"),
    ],
)
def test_non_finite_arguments_are_named(call, name):
    """NaN or inf in an argument raises a message naming that argument."""
    raises_exactly(f"{name} contains NaN or infinite values.", call)


def test_argument_value_messages():
    """Whole messages: which argument, what range, which values were found."""
    raises_exactly(
        "Give either scale= (standard deviation) or log_var=, not both.",
        D.normal_log_prob,
        0.0,
        0.0,
        1.0,
        log_var=0.0,
    )
    raises_exactly(
        "Give exactly one of logits= or probs= for a Bernoulli distribution.",
        D.bernoulli_log_prob,
        1.0,
    )
    raises_exactly(
        UNIT.format("x", "Bernoulli data are 0 or 1", "0, 2"),
        D.bernoulli_log_prob,
        np.array([0.0, 2.0]),
        logits=0.0,
    )
    raises_exactly(
        UNIT.format("probs", "probabilities", "-0.5, 1.25"),
        D.bernoulli_log_prob,
        1.0,
        probs=np.array([-0.5, 1.25]),
    )
    # " with fractions" is said exactly when some count is fractional
    raises_exactly(COUNTS.format("0, 2.5", " with fractions"), D.poisson_log_prob, [0.0, 2.5], 1.0)
    raises_exactly(COUNTS.format("-1, 2", ""), D.poisson_log_prob, [-1.0, 2.0], 1.0)
    raises_exactly(COUNTS.format("-1, 2", ""), D.fit_poisson, np.array([-1, 2]))
    raises_exactly(
        "Give both mean2 and logvar2, or neither (then the second distribution is the "
        "standard normal N(0, I)).",
        D.kl_normal,
        z(2),
        z(2),
        mean2=z(2),
    )


def test_categorical_log_prob_messages():
    """Whole messages, with shapes of three different sizes so that every part of the
    batch-shape message (x's shape, the batch shape, the full shape, K) is distinct."""
    raises_exactly(
        "Give exactly one of logits= or probs= for a categorical distribution.",
        D.categorical_log_prob,
        0,
    )
    raises_exactly(
        "logits/probs need a last axis of size K (one entry per class).",
        D.categorical_log_prob,
        0,
        logits=1.5,
    )
    raises_exactly(
        "x has shape (4,) but the parameters have batch shape (2, 3) (shape (2, 3, 5) with "
        "K=5 classes on the last axis); they must broadcast.",
        D.categorical_log_prob,
        np.zeros(4, dtype=int),
        z(2, 3, 5),
    )
    indices = "x must hold integer class indices in [0, 3), found values in [{}]."
    raises_exactly(indices.format("-1, 0"), D.categorical_log_prob, np.array([-1, 0]), z(3))
    raises_exactly(indices.format("0.5, 0.5"), D.categorical_log_prob, np.array([0.5]), z(3))
    # with probs= too: K comes from the probabilities' last axis
    raises_exactly(
        indices.format("3, 3"), D.categorical_log_prob, np.array([3]), probs=np.full(3, 1 / 3)
    )
    for probs in ([-0.1, 0.6, 0.5], [1.00005, 0.0], [0.505, 0.5]):
        # negative (though summing to 1), above 1 (sum within tolerance), sum 1.005
        raises_exactly(CATEGORICAL_PROBS, D.categorical_log_prob, 0, probs=np.array(probs))


def test_fit_messages_use_the_given_axis():
    """An empty sample axis is reported for the axis given, not axis 0."""
    msg = "{} must be an array with at least one sample along axis 1, got shape (2, 0)."
    raises_exactly(msg.format("x"), D.fit_bernoulli, z(2, 0), axis=1)
    raises_exactly(msg.format("k"), D.fit_poisson, z(2, 0), axis=1)


def test_kl_monte_carlo_messages():
    """num_samples must be an int >= 2; log-probs must lead with num_samples."""
    raises_exactly(
        "num_samples must be an integer >= 2 (for a standard error), got 2.5.",
        D.kl_monte_carlo,
        lambda n, s: z(n),
        lambda x: x,
        lambda x: x,
        num_samples=2.5,
    )
    msg = (
        "log_p_fn and log_q_fn must return arrays of the same shape (num_samples, ...) "
        "= (10, ...), got {} and {}."
    )
    for log_fn, shape in ((lambda x: x[:5], "(5,)"), (lambda x: np.float64(0.0), "()")):
        raises_exactly(
            msg.format(shape, shape), D.kl_monte_carlo, lambda n, s: z(n), log_fn, log_fn, 10
        )


@pytest.mark.parametrize("num_dims", [0, -3, 2.5, True, 784.0])
def test_bits_per_dim_needs_a_positive_integer(num_dims):
    raises_exactly(
        f"num_dims must be an integer >= 1, got {num_dims!r}.", D.bits_per_dim, 1.0, num_dims
    )


# --------------------------------------------------------------------------- dtypes


def _softplus(a):
    return np.log1p(np.exp(a))


# name -> (call with value a in one argument, Python numbers elsewhere; a's values;
# the value in float64)
DTYPE_CASES = {
    "normal x": (lambda a: D.normal_log_prob(a), [0.5, -1.0], st.norm.logpdf),
    "normal mean": (
        lambda a: D.normal_log_prob(0.3, a),
        [0.5, -1.0],
        lambda a: st.norm.logpdf(0.3, a),
    ),
    "normal scale": (
        lambda a: D.normal_log_prob(0.3, 0.1, a),
        [0.5, 2.0],
        lambda a: st.norm.logpdf(0.3, 0.1, a),
    ),
    "normal log_var": (
        lambda a: D.normal_log_prob(0.3, 0.1, log_var=a),
        [0.5, -1.0],
        lambda a: st.norm.logpdf(0.3, 0.1, np.exp(0.5 * a)),
    ),
    "bernoulli x": (
        lambda a: D.bernoulli_log_prob(a, logits=0.4),
        [0.0, 1.0],
        lambda a: 0.4 * a - _softplus(0.4),
    ),
    "bernoulli logits": (
        lambda a: D.bernoulli_log_prob(1.0, logits=a),
        [0.5, -1.0],
        lambda a: -_softplus(-a),
    ),
    "bernoulli probs": (lambda a: D.bernoulli_log_prob(1.0, probs=a), [0.25, 0.75], np.log),
    "poisson k": (
        lambda a: D.poisson_log_prob(a, 1.5),
        [2.0, 3.0],
        lambda a: st.poisson.logpmf(a, 1.5),
    ),
    "poisson rate": (
        lambda a: D.poisson_log_prob(2, a),
        [0.5, 2.0],
        lambda a: st.poisson.logpmf(2, a),
    ),
    "categorical logits": (
        lambda a: D.categorical_log_prob(1, a),
        [0.5, -1.0, 2.0],
        lambda a: scipy.special.log_softmax(a)[1],
    ),
    "categorical probs": (
        lambda a: D.categorical_log_prob(0, probs=a),
        [0.25, 0.75],
        lambda a: np.log(a[0]),
    ),
    "kl mean1": (lambda a: D.kl_normal(a, 0.0), [0.5, -1.0], lambda a: 0.5 * np.sum(a**2)),
    "kl logvar1": (
        lambda a: D.kl_normal(0.0, a),
        [0.5, -1.0],
        lambda a: 0.5 * np.sum(np.exp(a) - a - 1.0),
    ),
    "kl mean2": (
        lambda a: D.kl_normal(0.0, 0.0, a, 0.0),
        [0.5, -1.0],
        lambda a: 0.5 * np.sum(a**2),
    ),
    "kl logvar2": (
        lambda a: D.kl_normal(0.0, 0.0, 0.0, a),
        [0.5, -1.0],
        lambda a: 0.5 * np.sum(a + np.exp(-a) - 1.0),
    ),
}


@pytest.mark.parametrize("case", DTYPE_CASES)
def test_python_numbers_give_float32_and_one_float64_argument_gives_float64(case):
    """The result's dtype: floatx for Python numbers, float64 (where the backend computes
    in it) as soon as any one argument is a float64 array; the value is the same."""
    call, values, expected = DTYPE_CASES[case]
    got32, got64 = np_(call(list(values))), np_(call(np.array(values)))
    assert got32.dtype == np.float32
    assert got64.dtype == np.dtype(gk_backend.widest_float())
    np.testing.assert_allclose(got32, expected(np.array(values)), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got64, expected(np.array(values)), rtol=1e-6, atol=1e-7)


def test_a_float64_tensor_counts_as_float64():
    """A float64 backend tensor is cast to the computing dtype, which stays float64."""
    t = keras.ops.convert_to_tensor(np.array([0.5, 1.0]))
    got = np_(D.normal_log_prob(t))
    assert got.dtype == np.dtype(gk_backend.widest_float())
    np.testing.assert_allclose(got, st.norm.logpdf([0.5, 1.0]), rtol=1e-6)


def test_fits_and_bits_per_dim_return_float64():
    """The NumPy fits and bits_per_dim compute in float64 even for float32 data."""
    data = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    mean, scale = D.fit_normal(data)
    assert mean.dtype == scale.dtype == np.float64
    assert D.fit_bernoulli(data).dtype == np.float64
    nats = np.array([784 * math.log(2.0), 0.1], dtype=np.float32)
    bpd = D.bits_per_dim(nats)
    assert bpd.dtype == np.float64
    np.testing.assert_allclose(bpd, nats.astype(np.float64) / (784 * math.log(2.0)), rtol=1e-15)
    assert float(D.bits_per_dim(np.array([2.0]), np.int64(2))[0]) == pytest.approx(1 / math.log(2))


def test_fits_accept_backend_tensors():
    """Tensors go through keras.ops.convert_to_numpy (safe for device tensors)."""
    x = keras.ops.convert_to_tensor(np.array([1.0, 3.0, 5.0], dtype=np.float32))
    np.testing.assert_allclose(D.fit_normal(x), (3.0, math.sqrt(8 / 3)), rtol=1e-7)
    assert D.fit_poisson(x) == pytest.approx(3.0)
    # a list of tensors (e.g. per-batch results) too, each converted on its own
    parts = [keras.ops.convert_to_tensor(np.array([v], dtype=np.float32)) for v in (1, 3, 5)]
    np.testing.assert_allclose(D.fit_normal(parts), ([3.0], [math.sqrt(8 / 3)]), rtol=1e-7)


# --------------------------------------------------------------------------- values


def test_normal_log_prob_defaults_to_the_standard_normal():
    x = np.array([0.0, 1.5, -2.0])
    np.testing.assert_allclose(np_(D.normal_log_prob(x)), st.norm.logpdf(x), rtol=1e-6)


def test_log_factorial_is_accurate_to_1e_14_in_float64():
    """log k! (Lanczos) is within a few ulps: rate 1 leaves -1 - log k! exactly."""
    k = np.array([4.0, 9.0, 19.0])
    got = np_(D.poisson_log_prob(k, 1.0))
    atol = 3e-14 if gk_backend.widest_float() == "float64" else 1e-5
    np.testing.assert_allclose(got, -1.0 - scipy.special.gammaln(k + 1), rtol=0, atol=atol)


def test_kl_normal_of_scalars():
    """Scalars: no axis to sum; KL(N(0,1) || N(1,4)) = log 2 + 2/8 - 1/2."""
    got = float(np_(D.kl_normal(0.0, 0.0, 1.0, math.log(4.0))))
    assert got == pytest.approx(math.log(2.0) + 0.25 - 0.5, rel=1e-6)
    assert float(np_(D.kl_normal(1.0, 0.0))) == pytest.approx(0.5, rel=1e-6)


@pytest.mark.parametrize("wide", [False, True])
def test_bernoulli_probs_0_and_1_are_clipped_by_dtype(wide):
    """probs of exactly 0 and 1 are clipped to [eps, 1 - eps]: eps = 1e-7 in float32,
    1e-12 in float64 (finite log-probs, never log 0)."""
    dtype = gk_backend.widest_float() if wide else "float32"
    eps = 1e-12 if dtype == "float64" else 1e-7
    x = np.array([1.0, 0.0], dtype=dtype)
    got = np_(D.bernoulli_log_prob(x, probs=np.array([0.0, 1.0], dtype=dtype)))
    hi = np.asarray(1.0 - eps, dtype=dtype).astype(np.float64)
    np.testing.assert_allclose(got, [math.log(eps), math.log1p(-hi)], rtol=1e-5)


def test_categorical_probs_boundaries():
    """Exact 0 and 1 are valid probabilities (log 0 becomes log 1e-30); a row may miss 1 by
    up to 1e-4; 1-D and 3-D probs are normalised over their last axis."""
    got = np_(D.categorical_log_prob(np.array([0, 1]), probs=np.array([0.0, 1.0])))
    np.testing.assert_allclose(got, [math.log(1e-30), 0.0], rtol=1e-5)
    got = np_(D.categorical_log_prob(0, probs=np.array([0.50005, 0.5])))
    np.testing.assert_allclose(got, math.log(0.50005), rtol=1e-6)
    probs = scipy.special.softmax(np.arange(24.0).reshape(2, 3, 4) % 5, axis=-1)
    x = np.array([[0, 3, 1], [2, 2, 0]])
    expected = np.log(np.take_along_axis(probs, x[..., None], axis=-1)[..., 0])
    np.testing.assert_allclose(np_(D.categorical_log_prob(x, probs=probs)), expected, rtol=1e-6)


def test_categorical_log_prob_axes_and_broadcasting():
    """The class axis is the last one whatever the rank; batch axes broadcast with x."""
    logits = np.arange(24.0).reshape(2, 3, 4) % 7 - 3.0
    log_p = scipy.special.log_softmax(logits, axis=-1)
    x = np.array([[0, 3, 1], [2, 2, 0]])
    expected = np.take_along_axis(log_p, x[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(np_(D.categorical_log_prob(x, logits)), expected, rtol=1e-6)
    # a scalar index against a batch of 3 rows; one row against 3 x 1 indices
    two_d = logits[0]
    np.testing.assert_allclose(np_(D.categorical_log_prob(2, two_d)), log_p[0][:, 2], rtol=1e-6)
    got = np_(D.categorical_log_prob(np.array([[1], [0], [3]]), two_d))
    assert got.shape == (3, 3)
    np.testing.assert_allclose(got, log_p[0][:, [1, 0, 3]].T, rtol=1e-6)
    # size-1 axes are kept
    assert np_(D.categorical_log_prob(np.array([1]), z(1, 4))).shape == (1,)


def test_categorical_indices_above_2_to_the_24_are_exact():
    """Class indices are cast to int32, not through float32 (which rounds 2**24 + 1)."""
    k = 2**24 + 2
    logits = np.zeros(k, dtype=np.float32)
    logits[-1] = 5.0
    got = np_(D.categorical_log_prob(np.array([k - 1, k - 2]), logits))
    log_norm = math.log(k - 1 + math.exp(5.0))
    # (PyTorch's float32 log-softmax over 2**24 entries is off by 1e-2)
    np.testing.assert_allclose(got, [5.0 - log_norm, -log_norm], atol=0.05)


def test_categorical_log_prob_with_unknown_shapes_stays_symbolic():
    """Symbolic inputs with unknown batch sizes (a model's inputs): the shape checks are
    skipped and the result is symbolic, for unknown x alone and for both unknown."""
    x = keras.KerasTensor((None,), dtype="int32")
    assert tuple(D.categorical_log_prob(x, keras.KerasTensor((None, 5))).shape) == (None,)
    assert tuple(D.categorical_log_prob(x, np.zeros((1, 5), np.float32)).shape) == (None,)


def test_kl_monte_carlo_details():
    """Defaults (10 000 draws, seed 0), the seed passed on, 2 samples allowed, 1-D
    log-probs, the standard error std(ddof=1)/sqrt(n), and float64 arithmetic."""
    calls = []

    def sample(n, seed):
        calls.append((n, seed))
        return np.arange(float(n))

    D.kl_monte_carlo(sample, lambda x: x, lambda x: 0 * x)
    D.kl_monte_carlo(sample, lambda x: x, lambda x: 0 * x, num_samples=2, seed=5)
    assert calls == [(10_000, 0), (2, 5)]
    est, se = D.kl_monte_carlo(
        lambda n, s: np.array([1.0, 4.0, 8.0]), lambda x: x, lambda x: 0 * x, num_samples=3
    )
    assert est == pytest.approx(13 / 3, rel=1e-12)
    assert se == pytest.approx(np.std([1.0, 4.0, 8.0], ddof=1) / math.sqrt(3), rel=1e-12)
    # log-probs in a wider float type are rounded to float64 first
    one = np.longdouble(1.0)
    lp = np.array([one + np.longdouble(2.0) ** -60, one])
    lq = np.array([one, one + np.longdouble(2.0) ** -61])
    assert D.kl_monte_carlo(lambda n, s: z(n), lambda x: lp, lambda x: lq, 2) == (0.0, 0.0)
