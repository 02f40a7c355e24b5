"""Tests for genai_keras.models.pixel: independent Bernoulli, Bernoulli mixture (EM), classifier."""

import numpy as np
import pytest
import scipy.stats as st

from genai_keras import families, recipes
from genai_keras.data import load_mnist
from genai_keras.models import pixel
from genai_keras.protocol import GenerativeModel, has_likelihood


@pytest.fixture(scope="module")
def mnist_small():
    x_train, y_train = load_mnist("train", binarize="static", limit=3000, seed=1)
    x_test, y_test = load_mnist("test", binarize="static", limit=1000)
    return x_train, y_train, x_test, y_test


@pytest.fixture(scope="module")
def mixture(mnist_small):
    x_train = mnist_small[0]
    return pixel.BernoulliMixture(num_components=20, num_iterations=12, seed=0).fit(x_train)


def _toy_images(rng, n=200):
    """Two prototype 'digits' (top half / bottom half inked) with 5% pixel noise."""
    proto = np.zeros((2, 28, 28, 1), dtype=np.float32)
    proto[0, :14] = 1.0
    proto[1, 14:] = 1.0
    which = rng.integers(0, 2, size=n)
    flips = rng.random((n, 28, 28, 1)) < 0.05
    return np.abs(proto[which] - flips).astype(np.float32), which


def test_independent_bernoulli_fit_and_log_prob_match_scipy():
    rng = np.random.default_rng(0)
    x = (rng.random((50, 28, 28, 1)) < 0.3).astype(np.float32)
    model = pixel.IndependentBernoulli(pseudo_count=1.0).fit(x)
    expected_p = (x.reshape(50, -1).sum(0) + 1.0) / 52.0
    np.testing.assert_allclose(model.probs, expected_p)
    expected = st.bernoulli.logpmf(x.reshape(50, -1), expected_p).sum(axis=1)
    np.testing.assert_allclose(model.log_prob(x), expected, rtol=1e-7)
    assert model.num_parameters == 784
    # smoothing: a pixel never inked in training still has a finite log-prob
    ones = np.ones((1, 28, 28, 1), dtype=np.float32)
    assert np.isfinite(model.log_prob(ones)).all()
    assert np.isneginf(
        pixel.IndependentBernoulli(pseudo_count=0.0).fit(np.zeros((3, 28, 28, 1))).log_prob(ones)
    ).all()


def test_independent_bernoulli_samples(tmp_path):
    rng = np.random.default_rng(1)
    x = (rng.random((100, 28, 28, 1)) < 0.2).astype(np.float32)
    model = pixel.IndependentBernoulli().fit(x)
    s = model.sample(400, seed=3)
    assert s.shape == (400, 28, 28, 1) and s.dtype == np.float32
    assert set(np.unique(s)) <= {0.0, 1.0}
    # mean ink of samples agrees with sum of pixel probabilities within 4 standard errors
    ink = s.reshape(400, -1).sum(1)
    mean, var = model.probs.sum(), (model.probs * (1 - model.probs)).sum()
    assert abs(ink.mean() - mean) < 4 * np.sqrt(var / 400)
    np.testing.assert_array_equal(s, model.sample(400, seed=3))
    path = model.save(tmp_path / "ind.npz")
    loaded = pixel.load(path)
    assert isinstance(loaded, pixel.IndependentBernoulli)
    np.testing.assert_array_equal(loaded.probs, model.probs)


def test_mixture_recovers_two_prototypes():
    rng = np.random.default_rng(2)
    x, which = _toy_images(rng)
    model = pixel.BernoulliMixture(num_components=2, num_iterations=20, seed=0).fit(x)
    resp = model.responsibilities(x)
    np.testing.assert_allclose(resp.sum(1), 1.0)
    clusters = resp.argmax(1)
    agreement = max(np.mean(clusters == which), np.mean(clusters != which))
    assert agreement > 0.99
    np.testing.assert_allclose(
        np.sort(model.weights), np.sort(np.bincount(which) / len(which)), atol=0.02
    )
    assert model.num_parameters == 2 * 784 + 1


def test_em_never_decreases_objective_or_log_likelihood(mixture):
    obj = np.asarray(mixture.history["objective"])
    ll = np.asarray(mixture.history["log_likelihood"])
    assert len(obj) == mixture.num_iterations + 1 == len(ll)
    assert np.all(np.diff(obj) >= -1e-6), np.diff(obj)
    assert np.all(np.diff(ll) >= -1e-6), np.diff(ll)
    assert ll[-1] > ll[0] + 10  # EM really moved
    np.testing.assert_allclose(mixture.weights.sum(), 1.0)
    assert np.all((mixture.probs > 0) & (mixture.probs < 1))


def test_mixture_beats_independent_model_on_test_nll(mnist_small, mixture):
    x_train, _, x_test, _ = mnist_small
    ind = pixel.IndependentBernoulli().fit(x_train)
    nll_ind = -ind.log_prob(x_test).mean()
    nll_mix = -mixture.log_prob(x_test).mean()
    assert 180 < nll_ind < 230  # the usual ~200 nats of an independent-pixel model
    assert nll_mix < nll_ind - 25, (nll_mix, nll_ind)
    # log_prob in batches equals one pass
    np.testing.assert_allclose(
        mixture.log_prob(x_test[:50], batch_size=7), mixture.log_prob(x_test[:50]), rtol=1e-6
    )


def test_mixture_log_prob_is_a_normalised_distribution():
    """On 2x2 'images' padded with fixed zeros, log p summed over all 16 patterns is 1."""
    rng = np.random.default_rng(3)
    model = pixel.BernoulliMixture(num_components=3, num_iterations=1)
    model.probs = np.full((3, 784), 1e-9)
    model.probs[:, :4] = rng.uniform(0.1, 0.9, size=(3, 4))
    model.weights = np.array([0.2, 0.3, 0.5])
    patterns = np.zeros((16, 784), dtype=np.float32)
    for i in range(16):
        patterns[i, :4] = [(i >> b) & 1 for b in range(4)]
    total = np.exp(model.log_prob(patterns.reshape(16, 28, 28, 1))).sum()
    np.testing.assert_allclose(total, np.prod(1 - 1e-9 * np.ones(780)), rtol=1e-6)


def test_mixture_sample_save_load(tmp_path, mixture):
    s, comp = mixture.sample(64, seed=0, return_components=True)
    assert s.shape == (64, 28, 28, 1) and s.dtype == np.float32
    assert set(np.unique(s)) <= {0.0, 1.0}
    assert comp.shape == (64,) and comp.max() < mixture.num_components
    assert mixture.component_means.shape == (20, 28, 28, 1)
    path = mixture.save(tmp_path / "mix.npz")
    loaded = pixel.BernoulliMixture.load(path)
    np.testing.assert_array_equal(loaded.probs, mixture.probs)
    assert loaded.history == mixture.history and loaded.get_config() == mixture.get_config()
    np.testing.assert_array_equal(loaded.sample(8, seed=5), mixture.sample(8, seed=5))
    assert isinstance(pixel.load(path), pixel.BernoulliMixture)


def test_classifier_bayes_rule(tmp_path, mnist_small):
    x_train, y_train, x_test, y_test = mnist_small
    clf = pixel.BernoulliMixtureClassifier(num_components=3, num_iterations=5).fit(x_train, y_train)
    proba = clf.predict_proba(x_test[:300])
    assert proba.shape == (300, 10)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.classify(x_test[:300]), proba.argmax(1))
    accuracy = np.mean(clf.classify(x_test[:300]) == y_test[:300])
    assert accuracy > 0.8, accuracy
    s = clf.sample(20, labels=np.arange(20) % 10, seed=0)
    assert s.shape == (20, 28, 28, 1)
    assert clf.num_parameters == 10 * (3 * 784 + 2) + 9
    loaded = pixel.load(clf.save(tmp_path / "clf.npz"))
    np.testing.assert_allclose(loaded.predict_proba(x_test[:20]), clf.predict_proba(x_test[:20]))


def test_train_mixture_recipe_fast():
    recipe = recipes.get("bernoulli_mixture", fast=True).replace(
        limit=500, num_components=5, num_iterations=2
    )
    model, history = pixel.train(recipe)
    assert isinstance(model, pixel.BernoulliMixture)
    assert model.num_components == 5 and model.iterations_run == 2 and model.seed == recipe.seed
    assert set(history) == {"log_likelihood", "objective"}
    assert history == model.history and len(history["objective"]) == 3
    assert model.sample(4, seed=0).shape == (4, 28, 28, 1)
    # The family table trains the same model (EM is deterministic given the seed).
    again, _ = families.train(recipe)
    np.testing.assert_array_equal(again.probs, model.probs)


def test_train_recipes_on_given_images(mnist_small):
    x = mnist_small[0][:300]
    ind, history = pixel.train(recipes.get("independent_bernoulli"), images=x)
    assert isinstance(ind, pixel.IndependentBernoulli) and history == {}
    np.testing.assert_allclose(ind.probs, pixel.IndependentBernoulli(pseudo_count=1.0).fit(x).probs)
    smoothed, _ = pixel.train(recipes.get("independent_bernoulli").replace(pseudo_count=0.5), x)
    assert smoothed.pseudo_count == 0.5
    mix, _ = pixel.train(
        recipes.get("bernoulli_mixture").replace(num_components=3, num_iterations=1), x
    )
    assert mix.probs.shape == (3, 784) and mix.iterations_run == 1


def test_train_builds_what_the_recipes_say():
    """train() reads K, the EM iterations, the prior and the seed from the recipe (not
    defaults of its own): changing the recipe changes the fitted model."""
    rng = np.random.default_rng(3)
    x = (rng.random((64, 28, 28, 1)) < 0.3).astype("float32")
    mixture = recipes.get("bernoulli_mixture", fast=True).replace(
        num_components=4, num_iterations=2
    )
    model, history = pixel.train(mixture, x)
    assert model.probs.shape == (4, 784) and model.iterations_run == 2
    assert len(history["log_likelihood"]) == 2 + 1  # one per E-step, the last one included
    other, _ = pixel.train(mixture.replace(seed=mixture.seed + 1), x)
    assert not np.allclose(model.probs, other.probs)  # the recipe's seed reaches the fit
    independent = recipes.get("independent_bernoulli", fast=False)
    fitted, _ = pixel.train(independent, x)
    assert fitted.pseudo_count == independent.model["pseudo_count"] == 1.0
    ones = np.ones((4, 28, 28, 1), "float32")
    smoothed, _ = pixel.train(independent.replace(pseudo_count=2.0), ones)
    np.testing.assert_allclose(smoothed.probs, (4 + 2.0) / (4 + 4.0), rtol=1e-6)


def test_train_rejects_other_recipes_and_bad_images():
    with pytest.raises(ValueError, match="Expected a pixel recipe"):
        pixel.train(recipes.get("vae"))
    with pytest.raises(ValueError, match="Expected a pixel recipe"):
        pixel.train("bernoulli_mixture")
    with pytest.raises(ValueError, match="must be binary"):
        pixel.train(recipes.get("independent_bernoulli"), np.full((4, 28, 28, 1), 0.5))
    with pytest.raises(ValueError, match=r"has no setting 'components'; known: .*num_components"):
        recipes.get("bernoulli_mixture").replace(components=5)


def test_models_follow_the_generative_model_protocol(mnist_small, mixture):
    x_train, y_train, x_test, _ = mnist_small
    ind = pixel.IndependentBernoulli().fit(x_train)
    clf = pixel.BernoulliMixtureClassifier(num_components=2, num_iterations=2).fit(x_train, y_train)
    for model, conditional in ((ind, False), (mixture, False), (clf, True)):
        assert isinstance(model, GenerativeModel), type(model).__name__
        assert model.conditional is conditional
        s = model.sample(3, seed=0)
        assert s.shape == (3, 28, 28, 1) and s.dtype == np.float32
        np.testing.assert_array_equal(s, model.sample(3, labels=None, seed=0))
    assert clf.sample(4, labels=[1, 2, 3, 4], seed=0).shape == (4, 28, 28, 1)
    # log_likelihood is the protocol's name for the exact log_prob (nats per image).
    for model in (ind, mixture):
        assert has_likelihood(model)
        np.testing.assert_array_equal(
            model.log_likelihood(x_test[:20]), model.log_prob(x_test[:20])
        )
        np.testing.assert_array_equal(
            model.log_likelihood(x_test[:20], labels=None), model.log_prob(x_test[:20])
        )
        with pytest.raises(ValueError, match="unconditional model"):
            model.log_likelihood(x_test[:2], labels=[0, 1])
        with pytest.raises(ValueError, match="unconditional model"):
            model.sample(2, labels=[0, 1], seed=0)


# --------------------------------------------------------------------------- bad input


def test_bad_hyperparameters_raise():
    with pytest.raises(ValueError, match=r"num_components \(K\) must be an integer >= 1"):
        pixel.BernoulliMixture(num_components=0)
    with pytest.raises(ValueError, match=r"num_components \(K\) must be an integer >= 1"):
        pixel.BernoulliMixtureClassifier(num_components=0)
    with pytest.raises(ValueError, match="num_iterations must be an integer >= 1"):
        pixel.BernoulliMixture(num_iterations=0)
    with pytest.raises(ValueError, match="pseudo_count must be a finite number >= 0"):
        pixel.IndependentBernoulli(pseudo_count=-1)


def test_non_binary_or_badly_shaped_data_raise():
    grey = np.full((5, 28, 28, 1), 0.5, dtype=np.float32)
    with pytest.raises(ValueError, match="must be binary"):
        pixel.IndependentBernoulli().fit(grey)
    with pytest.raises(ValueError, match="must be binary"):
        pixel.BernoulliMixture(2, 1).fit(grey)
    with pytest.raises(ValueError, match=r"pixels in \[0, 1\]"):
        pixel.IndependentBernoulli().fit(np.full((2, 28, 28, 1), 255.0))
    with pytest.raises(ValueError, match=r"must have shape \(N, 28, 28, 1\)"):
        pixel.IndependentBernoulli().fit(np.zeros((3, 32, 32, 1)))
    model = pixel.IndependentBernoulli().fit(np.zeros((3, 28, 28, 1)))
    with pytest.raises(ValueError, match="must be binary"):
        model.log_prob(grey)
    with pytest.raises(ValueError, match="at least as many images as components"):
        pixel.BernoulliMixture(num_components=10).fit(np.zeros((3, 28, 28, 1)))


def test_unfitted_labels_and_paths_raise(tmp_path):
    with pytest.raises(ValueError, match="not fitted yet"):
        pixel.BernoulliMixture().log_prob(np.zeros((1, 28, 28, 1)))
    with pytest.raises(ValueError, match="not fitted yet"):
        pixel.IndependentBernoulli().sample(2)
    model = pixel.IndependentBernoulli().fit(np.zeros((3, 28, 28, 1)))
    with pytest.raises(ValueError, match="unconditional model"):
        model.sample(2, labels=[0, 1])
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        model.sample(0)
    with pytest.raises(ValueError, match=r"ending in \.npz"):
        model.save(tmp_path / "model.keras")
    path = model.save(tmp_path / "ind.npz")
    with pytest.raises(
        ValueError, match="holds a saved IndependentBernoulli, not a BernoulliMixture"
    ):
        pixel.BernoulliMixture.load(path)
    with pytest.raises(ValueError, match="entries but 3 were expected"):
        pixel.BernoulliMixtureClassifier(1, 1).fit(np.zeros((3, 28, 28, 1)), [0, 1])
