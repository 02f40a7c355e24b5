"""Exact behaviour of genai_keras.distributions' samplers: what each draw is made of (one
``keras.random`` draw, given the seed), output shapes and dtypes, broadcasting, chunking,
boundary parameters and whole error messages.

Written against the survivors of a mutation run (benchmarks/mutation.py). The samplers are
deterministic given an int seed, so most checks compare with the same ``keras.random`` draw
made here, transformed by the documented rule (mean + scale * eps, uniform < p, inverse
CDF).
"""

import re

import keras
import numpy as np
import pytest
import scipy.special
import scipy.stats as st

from genai_keras import backend as gk_backend
from genai_keras import distributions as D
from genai_keras.distributions import sampling

WIDE = gk_backend.widest_float()  # float64 where the backend computes in it


def np_(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def raises_exactly(message, fn, *args, **kwargs):
    """fn raises a ValueError whose message is exactly ``message``."""
    with pytest.raises(ValueError, match=rf"\A{re.escape(message)}\Z"):
        fn(*args, **kwargs)


def uniform(shape, dtype, seed):
    return np_(keras.random.uniform(shape, dtype=dtype, seed=seed))


# --------------------------------------------------------------------------- messages


def test_sampler_messages():
    """Whole messages, naming the argument and the values found."""
    nan = np.array([0.5, np.nan])
    raises_exactly(
        "shape must hold non-negative sizes, got (3, -1).", D.normal_sample, shape=(3, -1)
    )
    raises_exactly("mean contains NaN or infinite values.", D.normal_sample, nan)
    raises_exactly(
        "Give exactly one of probs or logits= for a Bernoulli distribution.", D.bernoulli_sample
    )
    raises_exactly(
        "probs must lie in [0, 1] (probabilities), found values in [-0.1, 0.5]. Pass logits= "
        "for unconstrained real numbers.",
        D.bernoulli_sample,
        np.array([-0.1, 0.5]),
    )
    raises_exactly("logits contains NaN or infinite values.", D.bernoulli_sample, logits=nan)
    raises_exactly(
        "poisson_sample needs a concrete rate (NumPy or eager tensor).",
        D.poisson_sample,
        keras.KerasTensor((2,)),
    )
    raises_exactly(
        "Give exactly one of logits or probs= for a categorical distribution.",
        D.categorical_sample,
    )
    for n in (0, 2.5, True):
        raises_exactly(
            f"num_samples must be an integer >= 1, got {n!r}.", D.categorical_sample, [0.0, 1.0], n
        )
    for probs in ([-0.1, 0.6, 0.5], [0.505, 0.5]):  # negative; sums to 1.005
        raises_exactly(
            "probs must be non-negative and sum to 1 over the last axis.",
            D.categorical_sample,
            probs=np.array(probs),
        )
    raises_exactly("logits contains NaN or infinite values.", D.categorical_sample, nan)
    raises_exactly(
        "logits must have shape (K,) or (batch, K), got (2, 3, 4).",
        D.categorical_sample,
        np.zeros((2, 3, 4)),
    )


# --------------------------------------------------------------------------- normal


def test_normal_sample_is_mean_plus_scale_times_one_keras_normal_draw():
    """x = mean + scale * eps with eps = keras.random.normal(output shape, seed); the
    output shape broadcasts ``shape`` with both parameters' shapes; defaults N(0, 1)."""
    eps = np_(keras.random.normal((4,), dtype="float32", seed=7))
    got = np_(D.normal_sample(shape=4, seed=7))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, eps, rtol=1e-6)

    scale = np.array([1.0, 2.0, 3.0])  # float64: computed in float64 where available
    got = np_(D.normal_sample(1.5, scale, seed=3))
    assert got.dtype == np.dtype(WIDE)
    eps = np_(keras.random.normal((3,), dtype=WIDE, seed=3))
    np.testing.assert_allclose(got, 1.5 + scale * eps, rtol=1e-6)

    mean = np.array([0.0, 1.0])
    got = np_(D.normal_sample(mean, 2.0, shape=(4, 1), seed=5))
    assert got.shape == (4, 2) and got.dtype == np.dtype(WIDE)
    eps = np_(keras.random.normal((4, 2), dtype=WIDE, seed=5))
    np.testing.assert_allclose(got, mean + 2.0 * eps, rtol=1e-6)


def test_empty_samples():
    """A size of 0 is allowed: empty outputs of the right shape and dtype."""
    assert np_(D.normal_sample(shape=0, seed=0)).shape == (0,)
    got = np_(D.poisson_sample(2.0, shape=0, seed=0))
    assert got.shape == (0,) and got.dtype == np.float32
    got = np_(D.poisson_sample(np.array([2.0]), shape=(0, 1), seed=0))
    assert got.shape == (0, 1) and got.dtype == np.dtype(WIDE)


# --------------------------------------------------------------------------- Bernoulli


def test_bernoulli_sample_is_one_uniform_draw_below_p():
    """x = (u < p) with u = keras.random.uniform(parameter shape, seed) in the parameter's
    dtype (float64 arrays: float64 where available), one draw per element."""
    p = np.linspace(0.05, 0.95, 40)
    got = np_(D.bernoulli_sample(p, seed=3))
    assert got.dtype == np.dtype(WIDE)
    np.testing.assert_array_equal(got, uniform((40,), WIDE, 3) < p)
    logits = np.linspace(-3.0, 3.0, 40)
    got = np_(D.bernoulli_sample(logits=logits, seed=4))
    assert got.dtype == np.dtype(WIDE)
    np.testing.assert_array_equal(got, uniform((40,), WIDE, 4) < scipy.special.expit(logits))
    # probabilities 0 and 1 give exactly 0 and 1, per column
    got = np_(D.bernoulli_sample(np.array([0.0, 1.0]), shape=(50, 2), seed=1))
    np.testing.assert_array_equal(got, np.tile([0.0, 1.0], (50, 1)))


def test_bernoulli_python_floats_are_compared_in_float32():
    """Python-float parameters are float32, the draws' dtype: p = u + 2**-40 (u a float32
    draw) rounds to u, and u < u is false; sigmoid(logits) is computed in float32 too."""
    u = uniform((16,), "float32", 5)
    got = np_(D.bernoulli_sample([float(v) + 2.0**-40 for v in u], seed=5))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.zeros(16))

    logits = scipy.special.logit(u.astype(np.float64)) + 1e-9  # sigmoid in float64: > u
    p32 = np_(keras.ops.sigmoid(keras.ops.convert_to_tensor(logits.astype(np.float32))))
    expected = u < p32
    assert not expected.all()  # where float32 rounding matters
    np.testing.assert_array_equal(np_(D.bernoulli_sample(logits=logits.tolist(), seed=5)), expected)


# --------------------------------------------------------------------------- Poisson


def _poisson_reference(rate, seed, chunk):
    """Inverse CDF of uniform draws from one SeedGenerator, ``chunk`` samples per draw."""
    lam = np.ravel(rate)
    generator = keras.random.SeedGenerator(seed)
    u = np.concatenate(
        [
            uniform((len(lam[i : i + chunk]), 1), WIDE, generator)[:, 0]
            for i in range(0, len(lam), chunk)
        ]
    )
    return st.poisson.ppf(u, lam).reshape(np.shape(rate))


def test_poisson_sample_inverts_the_cdf_of_one_uniform_draw_per_sample():
    """Each count is the inverse CDF of one uniform draw; the grid reaches far enough
    into the tail for a large rate; rates broadcast per column; float64 in, float64 out."""
    rate = np.array([0.5, 30.0, 2500.0])
    got = np_(D.poisson_sample(rate, shape=(12, 3), seed=2))
    assert got.shape == (12, 3) and got.dtype == np.dtype(WIDE)
    expected = _poisson_reference(np.broadcast_to(rate, (12, 3)), 2, 36)
    assert expected[:, 2].max() > 2530  # beyond rate + 0.6 sd: the grid must reach it
    # (in float32, the CDF summed over ~3000 grid entries is off by up to ~1e-4)
    np.testing.assert_allclose(got, expected, rtol=0, atol=0 if WIDE == "float64" else 10)
    # default shape: the rate's shape; Python rates give float32
    got = np_(D.poisson_sample(rate[:2], seed=4))
    np.testing.assert_array_equal(got, _poisson_reference(rate[:2], 4, 2))
    assert np_(D.poisson_sample(2.0, shape=3, seed=0)).dtype == np.float32


@pytest.mark.parametrize(("budget", "chunk"), [(64, 1), (69, 2), (102, 3)])
def test_poisson_sample_chunks_draw_afresh_from_one_generator(monkeypatch, budget, chunk):
    """With a small grid budget (rate 1: a grid of 34 entries, budget // 34 samples per
    chunk) every chunk draws its own uniforms from the one seed generator, in order."""
    monkeypatch.setattr(sampling, "_POISSON_GRID_BUDGET", budget)
    got = np_(D.poisson_sample(1.0, shape=7, seed=9))
    np.testing.assert_array_equal(got, _poisson_reference(np.ones(7), 9, chunk))
    assert len(set(got.tolist())) > 1
    np.testing.assert_array_equal(np_(D.poisson_sample(1.0, shape=7, seed=9)), got)


def test_poisson_counts_do_not_depend_on_floatx():
    """The counting is done in the widest float, not Keras' floatx: with floatx float16
    (exact integers only up to 2048) counts near 3000 are unchanged."""
    rate = np.full(8, 3000.0)
    expected = np_(D.poisson_sample(rate, seed=1))
    floatx = keras.config.floatx()
    keras.config.set_floatx("float16")
    try:
        got = np_(D.poisson_sample(rate, seed=1))
    finally:
        keras.config.set_floatx(floatx)
    np.testing.assert_array_equal(got, expected)
    assert (expected % 2 == 1).any() and expected.min() > 2048


# --------------------------------------------------------------------------- categorical


def test_categorical_sample_shapes_and_boundaries():
    """One draw by default; a one-hot probs row always gives its class; zeros are valid
    probabilities; a row may miss 1 by up to 1e-4; 2-D parameters give (batch, n)."""
    assert np_(D.categorical_sample([0.0, 1.0, 2.0], seed=0)).shape == (1,)
    got = np_(D.categorical_sample(probs=np.array([0.0, 1.0, 0.0]), num_samples=20, seed=1))
    np.testing.assert_array_equal(got, np.ones(20))
    got = np_(D.categorical_sample(probs=[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], num_samples=9, seed=2))
    assert got.shape == (2, 9) and got.dtype == np.int32
    np.testing.assert_array_equal(got, [[2] * 9, [0] * 9])
    got = np_(D.categorical_sample(probs=np.array([1.00005, 0.0]), num_samples=5, seed=3))
    np.testing.assert_array_equal(got, np.zeros(5))


@pytest.mark.backends(
    "tensorflow", "torch", reason="JAX adds its Gumbel noise in float32: 1e8 + noise rounds"
)
def test_categorical_sample_logits_dtype():
    """Logits keep their precision: float64 logits 1e8 and 1e8 + 1 differ by 1 (P(1) =
    sigmoid(1)), while as Python floats (float32) they are equal (P(1) = 1/2)."""
    n = 4000
    for logits, p in (
        ([1e8, 1e8 + 1.0], 0.5),
        (np.array([1e8, 1e8 + 1.0]), scipy.special.expit(1.0) if WIDE == "float64" else 0.5),
    ):
        freq = np_(D.categorical_sample(logits, num_samples=n, seed=6)).mean()
        assert abs(freq - p) < 4 * np.sqrt(p * (1 - p) / n), (freq, p)


# --------------------------------------------------------------------------- seeds


SAMPLERS = {
    "normal": lambda seed: D.normal_sample(0.0, np.ones(3), shape=(4, 3), seed=seed),
    "bernoulli": lambda seed: D.bernoulli_sample(np.full(12, 0.5), seed=seed),
    "bernoulli logits": lambda seed: D.bernoulli_sample(logits=np.zeros(12), seed=seed),
    "poisson": lambda seed: D.poisson_sample(np.array([0.5, 30.0]), shape=(6, 2), seed=seed),
    "categorical": lambda seed: D.categorical_sample(np.zeros(5), num_samples=12, seed=seed),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_seeds(name):
    """The same int seed gives the same draws, another seed others; a SeedGenerator is
    accepted: two with the same seed agree, and one advances between calls."""
    draw = SAMPLERS[name]
    a, b, c = np_(draw(11)), np_(draw(11)), np_(draw(12))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    first = np_(draw(keras.random.SeedGenerator(3)))
    generator = keras.random.SeedGenerator(3)
    np.testing.assert_array_equal(np_(draw(generator)), first)
    assert not np.array_equal(np_(draw(generator)), first)


def test_list_parameters_get_one_draw_per_element():
    """Python lists (and tensors) are shaped like arrays on every backend: keras.ops.shape
    refuses lists on JAX and PyTorch, which once gave one shared draw for all elements."""
    for mean in ([0.0, 0.0, 0.0, 0.0], keras.ops.zeros((4,))):  # a list; a tensor
        got = np_(D.normal_sample(mean, seed=1))
        assert got.shape == (4,) and len(set(got.tolist())) == 4
    got = np_(D.bernoulli_sample([0.5] * 40, seed=2))
    np.testing.assert_array_equal(got, uniform((40,), "float32", 2) < 0.5)
    assert np_(D.poisson_sample([1.0, 20.0], shape=(3, 2), seed=0)).shape == (3, 2)
    raises_exactly(
        "x must hold integer class indices in [0, 2), found values in [5, 5].",
        D.categorical_log_prob,
        [5],
        [0.1, 0.2],
    )
