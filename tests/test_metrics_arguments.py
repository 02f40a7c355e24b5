"""The image-level metrics pass their arguments on: defaults, seeds, and the argument each
error message names.

``fid``, ``kid``, ``precision_recall`` and ``inception_score`` run the feature network and
then the ``*_from_features`` maths (tested in test_metrics.py); these tests pin what lies
between: the documented defaults reach the maths, and a bad input is reported under the
name of the argument that holds it.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import genai_keras as gk
from genai_keras import metrics
from genai_keras.feature_net import load_feature_net
from genai_keras.metrics.reference import arrays_sha256

pytestmark = pytest.mark.filterwarnings("ignore:FID is biased upwards:UserWarning")


@pytest.fixture(scope="module")
def digits():
    """Two disjoint sets of 300 real test digits, with their features and class probs."""
    images, _ = gk.data.load_mnist("test", limit=600)
    a, b = images[:300], images[300:]
    net = load_feature_net()
    (fa, pa), (fb, _) = net.features_and_probs(a), net.features_and_probs(b)
    return {"a": a, "b": b, "fa": fa, "fb": fb, "pa": pa}


# ----------------------------------------------------------------------- defaults
def test_kid_defaults_and_seed_reach_the_feature_maths(digits):
    a, b, fa, fb = digits["a"], digits["b"], digits["fa"], digits["fb"]
    # Subsets of 100 of the 300 digits: the seed and the number of subsets matter.
    default = metrics.kid(a, b, subset_size=100)
    assert default == metrics.kid_from_features(fa, fb, num_subsets=100, subset_size=100, seed=0)
    assert default == metrics.kid(a, b, subset_size=100)  # a fixed seed: the same value twice
    seeded = metrics.kid(a, b, subset_size=100, seed=3)
    assert seeded == metrics.kid_from_features(fa, fb, subset_size=100, seed=3)
    assert seeded != default  # the seed matters, so the comparisons above can fail
    assert metrics.kid_from_features(fa, fb, num_subsets=101, subset_size=100) != default
    # Without subset_size: subsets as large as the smaller set (one subset of everything).
    assert metrics.kid(a[:150], b) == metrics.kid_from_features(fa[:150], fb, subset_size=150)


def test_kid_by_degree_defaults(digits):
    fa, fb = digits["fa"], digits["fb"]
    default = metrics.kid_by_degree(fa, fb, subset_size=100)
    assert default == metrics.kid_by_degree(fa, fb, num_subsets=100, subset_size=100, seed=0)
    assert default != metrics.kid_by_degree(fa, fb, num_subsets=101, subset_size=100)
    assert default != metrics.kid_by_degree(fa, fb, subset_size=100, seed=1)


def test_precision_recall_default_k_and_its_minimum(digits):
    a, b = digits["a"], digits["b"]
    default = metrics.precision_recall(a, b)
    assert default == metrics.precision_recall_from_features(digits["fa"], digits["fb"], k=3)
    assert default != metrics.precision_recall(a, b, k=1)
    # k neighbours need k + 1 samples in each set: exactly k + 1 works, k does not.
    assert all(0 <= v <= 1 for v in metrics.precision_recall(a[:4], b[:4], k=3))
    with pytest.raises(ValueError, match=r"^real_images needs at least 4 images, got 3\."):
        metrics.precision_recall(a[:3], b, k=3)
    with pytest.raises(ValueError, match=r"^fake_images needs at least 4 images, got 3\."):
        metrics.precision_recall(a, b[:3], k=3)
    with pytest.raises(ValueError, match=r"^k must be an integer >= 1, got 0\."):
        metrics.precision_recall(a, b, k=0)


def test_inception_score_default_splits_and_its_minimum(digits):
    a = digits["a"]
    default = metrics.inception_score(a)
    assert default == metrics.inception_score_from_probs(digits["pa"], splits=10)
    assert default != metrics.inception_score(a, splits=11)
    assert np.isfinite(metrics.inception_score(a[:10], splits=10)).all()  # one image a split
    with pytest.raises(ValueError, match=r"^images needs at least 10 images, got 9\."):
        metrics.inception_score(a[:9])
    with pytest.raises(ValueError, match=r"^splits must be an integer >= 1, got 0\."):
        metrics.inception_score(a, splits=0)
    with pytest.raises(ValueError, match=r"^images must have shape \(N, 28, 28, 1\)"):
        metrics.inception_score(a[:, :20])


# ------------------------------------------------------- errors name their argument
@pytest.mark.parametrize("metric", ["fid", "kid"])
def test_fid_and_kid_name_the_argument_with_the_bad_images(digits, metric):
    fn = getattr(metrics, metric)
    good, few = digits["a"], digits["a"][:20]
    for position, name in ((0, "images_a"), (1, "images_b")):
        bad_shape = [good, good]
        bad_shape[position] = good[:, :20]
        with pytest.raises(ValueError, match=rf"^{name} must have shape \(N, 28, 28, 1\)"):
            fn(*bad_shape)
        too_few = [good, good]
        too_few[position] = few
        with pytest.raises(ValueError, match=rf"needs at least \d+ samples per set, but {name} "):
            fn(*too_few)


def test_fid_bias_warning_names_both_sets(digits, monkeypatch):
    from genai_keras.metrics import inputs

    monkeypatch.setattr(inputs, "_fid_bias_warned", False)  # shown once per process
    with pytest.warns(UserWarning, match="FID is biased") as record:
        metrics.fid(digits["a"], digits["b"][:280])
    message = next(str(w.message) for w in record if "FID is biased" in str(w.message))
    assert "(images_a has 300, images_b has 280 samples;" in message


# ------------------------------------------------------------- the cache checksum
def test_arrays_sha256_hashes_both_arrays_as_float32():
    rng = np.random.default_rng(0)
    feats, probs = rng.normal(size=(5, 3)), rng.random((5, 2))  # float64
    expected = hashlib.sha256(
        feats.astype(np.float32).tobytes() + probs.astype(np.float32).tobytes()
    ).hexdigest()
    assert arrays_sha256(feats, probs) == expected
    assert arrays_sha256(feats.astype(np.float32), probs) == expected
    assert arrays_sha256(np.asfortranarray(feats), probs) == expected  # layout does not matter
    assert arrays_sha256(probs, feats) != expected


# ------------------------------------------------------------- evaluate_samples
def test_evaluate_samples_against_an_array_is_the_component_metrics(digits):
    real, fake, fr, ff = digits["a"], digits["b"], digits["fa"], digits["fb"]
    _, probs = load_feature_net().features_and_probs(fake)
    got = metrics.evaluate_samples(fake, reference=real, kid_subset_size=100)
    assert got["fid"] == metrics.fid_from_features(fr, ff)
    kid = metrics.kid_from_features(fr, ff, num_subsets=100, subset_size=100, seed=0)
    assert (got["kid_mean"], got["kid_std"]) == kid
    assert (got["is_mean"], got["is_std"]) == metrics.inception_score_from_probs(probs, 10)
    assert (got["precision"], got["recall"]) == metrics.precision_recall_from_features(fr, ff, 3)
    assert (got["num_samples"], got["num_real"]) == (300, 300)
    other = metrics.evaluate_samples(fake, reference=real, kid_subset_size=100, seed=3, k=5)
    assert (other["kid_mean"], other["kid_std"]) == metrics.kid_from_features(
        fr, ff, subset_size=100, seed=3
    )
    assert other["kid_mean"] != got["kid_mean"]  # the seed reaches KID's subsets
    pr = metrics.precision_recall_from_features(fr, ff, 5)
    assert (other["precision"], other["recall"]) == pr != (got["precision"], got["recall"])


def test_evaluate_samples_against_the_test_set_uses_its_first_num_real_digits(digits):
    fake = digits["b"]
    real = metrics.mnist_test_features()[0][:300]
    ff = digits["fb"]
    got = metrics.evaluate_samples(fake, num_real=300, k=5)
    assert got["num_real"] == 300
    assert got["fid"] == pytest.approx(metrics.fid_from_features(real, ff), rel=1e-9)
    pr = metrics.precision_recall_from_features(real, ff, 5)
    assert (got["precision"], got["recall"]) == pytest.approx(pr, rel=1e-12)


def test_evaluate_samples_errors_name_the_argument(digits):
    images = digits["a"]
    with pytest.raises(ValueError, match=r"^k must be an integer >= 1, got 0\.$"):
        metrics.evaluate_samples(images, k=0)
    with pytest.raises(ValueError, match=r"^splits must be an integer >= 1, got 0\.$"):
        metrics.evaluate_samples(images, splits=0)
    with pytest.raises(
        ValueError,
        match=r"^Unknown reference 'cifar'; use 'mnist_test' or pass an array of real images\.$",
    ):
        metrics.evaluate_samples(images, reference="cifar")


def test_num_real_bounds_of_the_test_set_statistics():
    with pytest.raises(ValueError, match=r"^num_real must be an integer >= 2, got 1\.$"):
        metrics.mnist_test_statistics(1)
    with pytest.raises(
        ValueError, match=r"^num_real=10001 exceeds the 10,000 MNIST test images\.$"
    ):
        metrics.mnist_test_statistics(10001)
    mu, cov = metrics.mnist_test_statistics(2)  # the smallest accepted
    assert mu.shape == (128,) and cov.shape == (128, 128)
    mu_all, _ = metrics.mnist_test_statistics(10000)  # the largest
    first = metrics.mnist_test_features()[0][:300].astype(np.float64)
    mu_300, cov_300 = metrics.mnist_test_statistics(300)
    np.testing.assert_allclose(mu_300, first.mean(axis=0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(cov_300, np.cov(first, rowvar=False), rtol=1e-7, atol=1e-10)
    assert not np.allclose(mu_300, mu_all)


def test_evaluate_samples_with_sets_of_different_sizes(digits, monkeypatch):
    from genai_keras.metrics import inputs

    real, fr = digits["a"], digits["fa"]
    fake = np.concatenate([digits["a"], digits["b"]])
    ff = np.concatenate([digits["fa"], digits["fb"]])
    _, probs = load_feature_net().features_and_probs(fake)
    monkeypatch.setattr(inputs, "_fid_bias_warned", False)
    with pytest.warns(UserWarning, match="FID is biased") as record:
        got = metrics.evaluate_samples(fake, reference=real, splits=5)
    message = next(str(w.message) for w in record if "FID is biased" in str(w.message))
    assert "(images has 600, the reference has 300 samples;" in message
    assert (got["num_samples"], got["num_real"]) == (600, 300)
    # precision and recall compare equal numbers: the first 300 of each set
    pr = metrics.precision_recall_from_features(fr, ff[:300], 3)
    assert (got["precision"], got["recall"]) == pr
    assert (got["is_mean"], got["is_std"]) == metrics.inception_score_from_probs(probs, 5)
    on_test_set = metrics.evaluate_samples(digits["b"], num_real=400)
    test_feats = metrics.mnist_test_features()[0]
    pr = metrics.precision_recall_from_features(test_feats[:300], digits["fb"], 3)
    assert (on_test_set["precision"], on_test_set["recall"]) == pytest.approx(pr, rel=1e-12)
    assert on_test_set["num_real"] == 400


def test_evaluate_samples_names_the_set_that_is_too_small_or_malformed(digits):
    a, b = digits["a"], digits["b"]
    both = np.concatenate([a, b])
    with pytest.raises(ValueError, match=r"^images must have shape \(N, 28, 28, 1\)"):
        metrics.evaluate_samples(a[:, :20], reference=b)
    with pytest.raises(ValueError, match=r"^reference must have shape \(N, 28, 28, 1\)"):
        metrics.evaluate_samples(a, reference=b[:, :20])
    # k neighbours need k + 1 images in each set (beyond FID's 256 only for a large k)
    with pytest.raises(ValueError, match=r"^images needs at least 301 images, got 300\.$"):
        metrics.evaluate_samples(a, reference=b, k=300)
    with pytest.raises(ValueError, match=r"^reference needs at least 301 images, got 300\.$"):
        metrics.evaluate_samples(both, reference=b, k=300)
    with pytest.raises(ValueError, match=r"^images needs at least 301 images, got 300\.$"):
        metrics.evaluate_samples(a, reference=b, splits=301)


# -------------------------------------------------- k-NN radii and the IS maths
def test_knn_radii_closed_form_on_a_line():
    points = np.array([[0.0], [1.0], [3.0], [6.0]])
    np.testing.assert_array_equal(metrics.knn_radii(points, k=1), [1.0, 1.0, 4.0, 9.0])
    np.testing.assert_array_equal(metrics.knn_radii(points, k=2), [9.0, 4.0, 9.0, 25.0])
    small = points / 10  # squared distances below 1 stay below 1
    np.testing.assert_allclose(metrics.knn_radii(small, k=1), [0.01, 0.01, 0.04, 0.09])
    assert metrics.knn_radii(points, k=1).dtype == np.float32
    rng = np.random.default_rng(0)
    f = rng.normal(size=(50, 4))
    default = metrics.knn_radii(f)
    np.testing.assert_array_equal(default, metrics.knn_radii(f, k=3))
    assert not np.array_equal(default, metrics.knn_radii(f, k=4))
    for batch_size in (1, 7, 49):  # the batching changes the radii by float32 rounding only
        np.testing.assert_allclose(metrics.knn_radii(f, batch_size=batch_size), default, rtol=1e-5)


def test_knn_radii_messages():
    f = np.zeros((3, 5))
    with pytest.raises(
        ValueError,
        match=r"^k-NN radii with k=3 need more than 3 samples, got 3; pass more images or a "
        r"smaller k\.$",
    ):
        metrics.knn_radii(f, k=3)
    assert metrics.knn_radii(np.arange(8.0).reshape(4, 2), k=3).shape == (4,)
    with pytest.raises(ValueError, match=r"^features must be a 2-D feature array"):
        metrics.knn_radii(np.zeros(5))
    with pytest.raises(ValueError, match=r"^k must be an integer >= 1, got 0\.$"):
        metrics.knn_radii(np.zeros((4, 2)), k=0)


def test_precision_counts_a_point_on_a_ball_boundary_as_inside():
    real = np.array([[0.0], [1.0], [3.0], [6.0]])  # k = 1 radii (squared): 1, 1, 4, 9
    on_boundary = np.array([[-1.0], [100.0], [-1.0], [100.0]])  # -1 lies on 0's ball only
    precision, _ = metrics.precision_recall_from_features(real, on_boundary, k=1)
    assert precision == 0.5


def test_inception_score_closed_form_per_split():
    one_hot = np.eye(10)
    # split 1: classes 0 and 1 (IS = 2); split 2: class 0 twice (IS = 1)
    probs = one_hot[[0, 1, 0, 0]]
    mean, std = metrics.inception_score_from_probs(probs, splits=2)
    assert mean == pytest.approx(1.5, abs=1e-6) and std == pytest.approx(0.5, abs=1e-6)
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(10), size=110)
    default = metrics.inception_score_from_probs(p)
    assert default == metrics.inception_score_from_probs(p, splits=10)
    assert default != metrics.inception_score_from_probs(p, splits=11)


def test_inception_score_messages_and_tolerance():
    p = np.full((20, 10), 0.1)
    with pytest.raises(
        ValueError,
        match=r"^inception_score needs at least splits=21 images, got 20;",
    ):
        metrics.inception_score_from_probs(p, splits=21)
    with pytest.raises(ValueError, match=r"^probs must be a 2-D feature array"):
        metrics.inception_score_from_probs(np.full(10, 0.1))
    with pytest.raises(ValueError, match=r"^splits must be an integer >= 1, got 0\.$"):
        metrics.inception_score_from_probs(p, splits=0)
    negative = p.copy()
    negative[0, :2] = (-0.1, 0.3)  # the row still sums to 1
    message = r"^probs must be probabilities: non-negative rows summing to 1\.$"
    with pytest.raises(ValueError, match=message):
        metrics.inception_score_from_probs(negative, splits=2)
    near = p.copy()
    near[:, 0] += 5e-4  # rows summing to 1.0005: within the 1e-3 tolerance
    assert np.isfinite(metrics.inception_score_from_probs(near, splits=2)).all()
    off = p.copy()
    off[:, 0] += 1e-2
    with pytest.raises(ValueError, match=message):
        metrics.inception_score_from_probs(off, splits=2)


def test_precision_recall_from_features_messages_and_radii():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
    with pytest.raises(ValueError, match=r"^real_features must be a 2-D feature array"):
        metrics.precision_recall_from_features(real[0], fake)
    with pytest.raises(ValueError, match=r"^fake_features must be a 2-D feature array"):
        metrics.precision_recall_from_features(real, fake[0])
    with pytest.raises(
        ValueError,
        match=r"^real_features has feature dimension 3 but fake_features has 4; both must come "
        r"from the same feature network\.$",
    ):
        metrics.precision_recall_from_features(real, rng.normal(size=(10, 4)))
    with pytest.raises(ValueError, match=r"^k must be an integer >= 1, got 0\.$"):
        metrics.precision_recall_from_features(real, fake, k=0)
    for name, args in (("real", (real[:3], fake)), ("fake", (real, fake[:3]))):
        with pytest.raises(
            ValueError,
            match=rf"^precision_recall with k=3 needs more than 3 {name} samples, got 3; pass "
            r"more images or a smaller k\.$",
        ):
            metrics.precision_recall_from_features(*args, k=3)
    assert len(metrics.precision_recall_from_features(real[:4], fake[:4], k=3)) == 2
    with pytest.raises(
        ValueError, match=r"One radius per real feature row: knn_radii\(real_features, k\)\."
    ):
        metrics.precision_recall_from_features(real, fake, real_radii=np.ones(9))
    # Radii of 0 are valid squared distances (duplicate points): every fake point is
    # outside real balls of radius 0 here, so precision is 0.
    precision, _ = metrics.precision_recall_from_features(real, fake, real_radii=np.zeros(10))
    assert precision == 0.0
    small = np.full(10, 0.5)  # radii below 1 are accepted as they are
    expected = metrics.precision_recall_from_features(real, fake, real_radii=small)[0]
    assert 0.0 <= expected <= 1.0
