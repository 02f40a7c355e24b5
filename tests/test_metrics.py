"""Tests for genai_keras.metrics: the math, sanity curves on real digits, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import genai_keras as gk
from genai_keras import metrics
from genai_keras.feature_net import load_feature_net

# Tests that use fewer than FID_BIAS_SAMPLES samples on purpose; the warning itself is
# tested in test_small_samples_warn_that_fid_is_biased.
ignore_fid_bias = pytest.mark.filterwarnings("ignore:FID is biased upwards:UserWarning")


@pytest.fixture(scope="module")
def test_set():
    return gk.data.load_mnist("test")


@pytest.fixture(scope="module")
def halves(test_set):
    """Features and probs of two disjoint halves of the real test set (5,000 each)."""
    images, labels = test_set
    feats, probs = load_feature_net().features_and_probs(images)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(images))
    a, b = order[:5000], order[5000:]
    return {"images": images, "labels": labels, "feats": feats, "probs": probs, "a": a, "b": b}


# ------------------------------------------------------------------- Frechet distance


def test_frechet_distance_of_a_gaussian_to_itself_is_zero():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(200, 6))
    cov = m.T @ m / 200
    mu = rng.normal(size=6)
    assert metrics.frechet_distance(mu, cov, mu, cov) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_closed_form_for_diagonal_covariances():
    rng = np.random.default_rng(2)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    v1, v2 = rng.uniform(0.1, 3.0, size=5), rng.uniform(0.1, 3.0, size=5)
    # For diagonal covariances the trace term is sum (sqrt(v1) - sqrt(v2))^2.
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    got = metrics.frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2))
    assert got == pytest.approx(expected, rel=1e-9)


@ignore_fid_bias
def test_frechet_distance_one_dimensional_and_rotation_invariant():
    assert metrics.frechet_distance([0.0], [[4.0]], [3.0], [[1.0]]) == pytest.approx(9.0 + 1.0)
    rng = np.random.default_rng(3)
    n = metrics.MIN_SAMPLES_FID
    a, b = rng.normal(size=(n, 4)), rng.normal(size=(n, 4)) * 2 + 1
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    d = metrics.fid_from_features(a, b)
    d_rot = metrics.fid_from_features(a @ q, b @ q)
    assert d_rot == pytest.approx(d, rel=1e-6)


@ignore_fid_bias
def test_frechet_distance_singular_covariances_warn_and_stay_finite():
    rng = np.random.default_rng(4)
    few_a, few_b = rng.normal(size=(5, 20)), rng.normal(size=(5, 20))  # rank 4 < 20
    # fid_from_features refuses so few samples; the low-level functions still cope.
    with pytest.raises(ValueError, match="FID needs at least"):
        metrics.fid_from_features(few_a, few_b)
    with pytest.warns(RuntimeWarning, match="singular"):
        value = metrics.frechet_distance(
            *metrics.feature_statistics(few_a), *metrics.feature_statistics(few_b)
        )
    assert np.isfinite(value) and value > 0
    # A constant feature makes the covariance singular too, whatever the sample size.
    f = rng.normal(size=(metrics.MIN_SAMPLES_FID, 3))
    f[:, 2] = 1.0
    with pytest.warns(RuntimeWarning, match="constant features"):
        assert metrics.fid_from_features(f, f) == pytest.approx(0.0, abs=1e-4)


def test_feature_statistics_match_numpy():
    rng = np.random.default_rng(5)
    f = rng.normal(size=(40, 3)).astype(np.float32)
    mu, cov = metrics.feature_statistics(f)
    np.testing.assert_allclose(mu, f.astype(np.float64).mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(cov, np.cov(f, rowvar=False), rtol=1e-5, atol=1e-7)


# -------------------------------------------------------------- FID on real digits


@ignore_fid_bias
def test_fid_of_two_real_halves_is_small(halves):
    fa, fb = halves["feats"][halves["a"]], halves["feats"][halves["b"]]
    value = metrics.fid_from_features(fa, fb)
    noisy = metrics.corrupt(halves["images"][halves["b"][:2000]], "noise", 0.1, seed=0)
    noisy_value = metrics.fid(halves["images"][halves["a"][:2000]], noisy)
    assert value < 5.0, value
    assert noisy_value > 5 * value, (value, noisy_value)


@ignore_fid_bias
@pytest.mark.parametrize(
    ("kind", "levels"),
    [
        ("noise", [0.0, 0.05, 0.1, 0.2, 0.35, 0.5]),
        ("blur", [0.0, 0.5, 0.8, 1.1, 1.5, 2.0]),
        ("mask", [0, 4, 8, 12, 16, 20]),
    ],
)
def test_fid_grows_with_corruption(halves, kind, levels):
    fa = halves["feats"][halves["a"]]
    images_b = halves["images"][halves["b"][:1000]]
    net = load_feature_net()
    curve = [
        metrics.fid_from_features(fa, net.features(metrics.corrupt(images_b, kind, lv, seed=1)))
        for lv in levels
    ]
    assert all(np.diff(curve) > 0), f"{kind}: FID not increasing: {np.round(curve, 3)}"


def test_corrupt_keeps_range_and_rejects_bad_arguments(halves):
    images = halves["images"][:8]
    for kind in metrics.CORRUPTIONS:
        out = metrics.corrupt(images, kind, 3.0 if kind != "noise" else 0.3)
        assert out.shape == images.shape and out.min() >= 0.0 and out.max() <= 1.0
        assert not np.allclose(out, images)
    np.testing.assert_array_equal(metrics.corrupt(images, "blur", 0.0), images)
    with pytest.raises(ValueError, match="Unknown corruption"):
        metrics.corrupt(images, "rotate", 1.0)
    with pytest.raises(ValueError, match="level"):
        metrics.corrupt(images, "noise", -0.1)
    with pytest.raises(ValueError, match="does not fit"):
        metrics.corrupt(images, "mask", 30)


# ------------------------------------------------------------------------------- KID


def test_kid_of_two_real_halves_is_zero_within_two_std(halves):
    fa, fb = halves["feats"][halves["a"]], halves["feats"][halves["b"]]
    mean, std = metrics.kid_from_features(fa, fb, num_subsets=30, subset_size=1000)
    assert std > 0
    assert abs(mean) <= 2 * std, (mean, std)
    noisy = load_feature_net().features(
        metrics.corrupt(halves["images"][halves["b"][:2000]], "noise", 0.2, seed=0)
    )
    mean_noisy, std_noisy = metrics.kid_from_features(fa, noisy, num_subsets=10, subset_size=1000)
    assert mean_noisy > mean + 10 * std_noisy


def test_kid_matches_a_direct_computation():
    rng = np.random.default_rng(6)
    m = metrics.MIN_SAMPLES_KID
    a, b = rng.normal(size=(m, 4)), rng.normal(size=(m, 4)) + 0.5
    mean, std = metrics.kid_from_features(a, b, num_subsets=1, subset_size=m)
    k = lambda x, y: (x @ y.T / 4 + 1) ** 3  # noqa: E731
    kaa, kbb, kab = k(a, a), k(b, b), k(a, b)
    expected = ((kaa.sum() - np.trace(kaa)) + (kbb.sum() - np.trace(kbb))) / (
        m * (m - 1)
    ) - 2 * kab.mean()
    assert mean == pytest.approx(expected, rel=1e-4) and std == 0.0


def test_kid_by_degree_adds_up_to_kid_and_matches_a_direct_computation():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(300, 5)) + 1.0, rng.gamma(2.0, size=(300, 5))
    terms = metrics.kid_by_degree(a, b, num_subsets=4, subset_size=200, seed=3)
    mean, _ = metrics.kid_from_features(a, b, num_subsets=4, subset_size=200, seed=3)
    assert sorted(terms) == [1, 2, 3]
    assert sum(terms.values()) == pytest.approx(mean, rel=1e-4)
    # one subset holding every row: the unbiased MMD^2 of each kernel (x.y/d)^p, weighted 3, 3, 1
    m = metrics.MIN_SAMPLES_KID
    a, b = a[:m], b[:m]
    terms = metrics.kid_by_degree(a, b, num_subsets=1, subset_size=m)
    for degree, weight in [(1, 3), (2, 3), (3, 1)]:

        def k(x, y, degree=degree):
            return (x @ y.T / 5) ** degree

        kaa, kbb, kab = k(a, a), k(b, b), k(a, b)
        expected = ((kaa.sum() - np.trace(kaa)) + (kbb.sum() - np.trace(kbb))) / (
            m * (m - 1)
        ) - 2 * kab.mean()
        assert terms[degree] == pytest.approx(weight * expected, rel=1e-6)  # features are float32
    # the degree-1 term compares means: a shift of the mean shows up there first
    same = metrics.kid_by_degree(a, rng.normal(size=(m, 5)) + 1.0, num_subsets=1)
    shifted = metrics.kid_by_degree(a, rng.normal(size=(m, 5)) + 2.0, num_subsets=1)
    assert shifted[1] > 0.5 > abs(same[1])
    with pytest.raises(ValueError, match="features"):
        metrics.kid_by_degree(np.zeros((200, 3)), np.zeros((200, 4)))


# ------------------------------------------------------------------ Inception Score


def test_inception_score_of_real_digits_and_of_one_repeated_digit(halves):
    mean, std = metrics.inception_score_from_probs(halves["probs"], splits=10)
    assert 9.6 <= mean <= 9.95, mean
    assert std < 0.1
    repeated = np.repeat(halves["images"][:1], 20, axis=0)
    mean1, _ = metrics.inception_score(repeated, splits=2)
    assert mean1 == pytest.approx(1.0, abs=1e-3)


def test_inception_score_extremes_from_probs():
    one_hot = np.eye(10)[np.arange(100) % 10]
    assert metrics.inception_score_from_probs(one_hot, splits=1)[0] == pytest.approx(10.0, rel=1e-6)
    uniform = np.full((50, 10), 0.1)
    assert metrics.inception_score_from_probs(uniform, splits=5)[0] == pytest.approx(1.0)


# --------------------------------------------------------------- precision / recall


def test_precision_recall_detect_mode_dropping(halves):
    feats, labels, a, b = halves["feats"], halves["labels"], halves["a"], halves["b"]
    real = feats[a[:900]]
    recalls, precisions = [], []
    for kept in (10, 8, 5, 2):
        pool = b[labels[b] < kept]
        fake = feats[pool[:900]]
        p, r = metrics.precision_recall_from_features(real, fake, k=3)
        precisions.append(p)
        recalls.append(r)
    assert all(np.diff(recalls) < 0), np.round(recalls, 3)
    assert recalls[0] > 0.85 and recalls[-1] < 0.45, np.round(recalls, 3)
    # Precision stays at its real-vs-real level (about 0.88 at 900 samples, k = 3).
    assert min(precisions) > 0.8 and max(precisions) - min(precisions) < 0.05, np.round(
        precisions, 3
    )


def test_precision_recall_on_images_and_noise(halves):
    images = halves["images"]
    real, fake = images[halves["a"][:300]], images[halves["b"][:300]]
    p, r = metrics.precision_recall(real, fake, k=3)
    assert p > 0.8 and r > 0.8
    rng = np.random.default_rng(0)
    noise = rng.uniform(size=(300, 28, 28, 1)).astype(np.float32)
    p_noise, _ = metrics.precision_recall(real, noise, k=3)
    assert p_noise < 0.05


def test_knn_radii_small_example():
    f = np.array([[0.0], [1.0], [3.0], [7.0]])
    # k = 1: nearest other point; squared distances.
    np.testing.assert_allclose(metrics.knn_radii(f, k=1), [1.0, 1.0, 4.0, 16.0])
    np.testing.assert_allclose(metrics.knn_radii(f, k=2), [9.0, 4.0, 9.0, 36.0])


# ------------------------------------------------------------------ evaluate_samples


@ignore_fid_bias
def test_evaluate_samples_against_cached_test_statistics(halves, tmp_path, monkeypatch):
    monkeypatch.setenv(metrics.CACHE_ENV_VAR, str(tmp_path))
    metrics._mnist_test_reference.cache_clear()
    feats, _ = metrics.mnist_test_features()
    assert list(tmp_path.glob("mnist_test_features_*.npz"))
    np.testing.assert_allclose(feats, halves["feats"], atol=1e-5)
    metrics._mnist_test_reference.cache_clear()
    again, _ = metrics.mnist_test_features()  # now read from the file
    np.testing.assert_array_equal(again, feats)
    mu, cov = metrics.mnist_test_statistics()
    assert mu.shape == (128,) and cov.shape == (128, 128)

    train, _ = gk.data.load_mnist("train", limit=1500)
    result = metrics.evaluate_samples(train, num_real=2000, kid_subsets=10)
    assert set(result) == {
        "fid",
        "kid_mean",
        "kid_std",
        "is_mean",
        "is_std",
        "precision",
        "recall",
        "num_samples",
        "num_real",
    }
    assert result["num_samples"] == 1500 and result["num_real"] == 2000
    assert result["precision"] > 0.8 and result["recall"] > 0.8 and result["is_mean"] > 9.0
    blurred = metrics.evaluate_samples(
        metrics.corrupt(train, "blur", 1.5), num_real=2000, kid_subsets=10
    )
    assert result["fid"] < 0.1 * blurred["fid"], (result["fid"], blurred["fid"])
    assert result["kid_mean"] < 0.1 * blurred["kid_mean"]
    assert blurred["precision"] < result["precision"]
    against_array = metrics.evaluate_samples(
        train[:500], reference=halves["images"][:500], kid_subsets=5
    )
    assert against_array["num_real"] == 500


# ------------------------------------------------------------------------ bad input


def test_bad_input_raises_clear_errors(halves):
    images = halves["images"][:20]
    with pytest.raises(ValueError, match="shape"):
        metrics.fid(images[:, :20], images)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.fid(images * 255, images)
    with pytest.raises(
        ValueError, match="FID needs at least 256 samples per set, but images_a has 1"
    ):
        metrics.fid(images[:1], images)
    with pytest.raises(ValueError, match="at least 2"):
        metrics.feature_statistics(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="2-D feature array"):
        metrics.feature_statistics(np.zeros(5))
    with pytest.raises(ValueError, match="dimension"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="shape"):
        metrics.frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="feature dimension"):
        metrics.fid_from_features(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="feature dimension"):
        metrics.kid_from_features(np.zeros((5, 3)), np.zeros((5, 4)))
    many = halves["images"][: 2 * metrics.MIN_SAMPLES_KID]
    with pytest.raises(ValueError, match="subset_size=150 exceeds"):
        metrics.kid(many[:100], many[100:], subset_size=150)
    with pytest.raises(ValueError, match="at least 10 images"):
        metrics.inception_score(images[:5], splits=10)
    with pytest.raises(ValueError, match="splits=4"):
        metrics.inception_score_from_probs(np.full((3, 10), 0.1), splits=4)
    with pytest.raises(ValueError, match="probabilities"):
        metrics.inception_score_from_probs(np.ones((10, 10)), splits=2)
    with pytest.raises(ValueError, match="more than 3"):
        metrics.precision_recall_from_features(np.zeros((3, 2)), np.ones((10, 2)), k=3)
    with pytest.raises(ValueError, match="at least 4"):
        metrics.precision_recall(images, images[:3], k=3)
    with pytest.raises(ValueError, match="NaN"):
        metrics.fid_from_features(np.full((4, 2), np.nan), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="Unknown reference"):
        metrics.evaluate_samples(images, reference="cifar")
    with pytest.raises(ValueError, match="10,000"):
        metrics.evaluate_samples(images, num_real=20000)


# ------------------------------------------------------------- minimum sample sizes


def test_fid_and_kid_reject_too_few_samples(halves):
    rng = np.random.default_rng(7)
    images, few = halves["images"][:300], halves["images"][:20]
    fix = r"Pass more samples: at least {n}, and 10,000 per set"
    # FID: at least MIN_SAMPLES_FID per set; checked before the feature network runs.
    with pytest.raises(
        ValueError,
        match=r"FID needs at least 256 samples per set, but images_b "
        r"has 20 \(.*singular.*\)\. " + fix.format(n=256),
    ):
        metrics.fid(images, few)
    with pytest.raises(
        ValueError, match="FID needs at least 256 samples per set, but features_a has 255"
    ):
        metrics.fid_from_features(rng.normal(size=(255, 8)), rng.normal(size=(300, 8)))
    # Features wider than MIN_SAMPLES_FID need D + 1 samples for a non-singular covariance.
    with pytest.raises(
        ValueError, match=r"FID needs at least 301 .* features_a has 280 .*the 300 features"
    ):
        metrics.fid_from_features(rng.normal(size=(280, 300)), rng.normal(size=(400, 300)))
    # KID: at least MIN_SAMPLES_KID per set.
    with pytest.raises(
        ValueError,
        match=r"KID needs at least 100 samples per set, but images_a "
        r"has 20 \(.*\)\. " + fix.format(n=100),
    ):
        metrics.kid(few, images)
    with pytest.raises(
        ValueError, match="KID needs at least 100 samples per set, but features_b has 99"
    ):
        metrics.kid_from_features(rng.normal(size=(300, 8)), rng.normal(size=(99, 8)))
    # evaluate_samples checks the generated images, num_real and an array reference.
    with pytest.raises(
        ValueError, match="FID needs at least 256 samples per set, but images has 20"
    ):
        metrics.evaluate_samples(few)
    with pytest.raises(
        ValueError, match="FID needs at least 256 samples per set, but num_real has 100"
    ):
        metrics.evaluate_samples(images, num_real=100)
    with pytest.raises(
        ValueError, match="FID needs at least 256 samples per set, but reference has 20"
    ):
        metrics.evaluate_samples(images, reference=few)


def test_minimum_sample_sizes_are_accepted(halves):
    rng = np.random.default_rng(8)
    n_fid, n_kid = metrics.MIN_SAMPLES_FID, metrics.MIN_SAMPLES_KID
    # Two samples of the same 8-D normal: only the small-sample bias (about 0.3 here);
    # shifting one sample by 1 in each coordinate adds ||shift||^2 = 8.
    a, b = rng.normal(size=(n_fid, 8)), rng.normal(size=(n_fid, 8))
    with pytest.warns(UserWarning, match="FID is biased upwards"):
        value = metrics.fid_from_features(a, b)
    shifted = metrics.fid_from_features(a, b + 1.0)  # the warning is shown once per test
    assert 0 < value < 1.0, value
    assert abs(shifted - value - 8.0) < 1.0, (shifted, value)
    # KID (x 1000) is unbiased: near 0 for the same distribution, large for a shifted one.
    mean, _ = metrics.kid_from_features(
        rng.normal(size=(n_kid, 8)), rng.normal(size=(n_kid, 8)), num_subsets=3
    )
    far, _ = metrics.kid_from_features(
        rng.normal(size=(n_kid, 8)), rng.normal(size=(n_kid, 8)) + 1.0, num_subsets=3
    )
    assert abs(mean) < 0.5 and far > 5.0, (mean, far)


def _bias_warning(record):
    return next(w for w in record if "FID is biased" in str(w.message))


def test_small_samples_warn_that_fid_is_biased(halves, tmp_path, monkeypatch):
    import warnings

    rng = np.random.default_rng(9)
    big = rng.normal(size=(metrics.FID_BIAS_SAMPLES, 8))
    with pytest.warns(
        UserWarning,
        match=r"FID is biased upwards at small sample sizes \(features_a "
        r"has 300 samples; below 5,000 .*Compare FIDs only at "
        r"equal sample sizes, ideally 10,000 per set",
    ) as record:
        metrics.fid_from_features(rng.normal(size=(300, 8)), big)
    assert _bias_warning(record).filename == __file__, "the warning should point at the caller"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FID_BIAS_SAMPLES per set: no warning
        metrics.fid_from_features(big, big[::-1])
    reset = lambda: setattr(metrics.inputs, "_fid_bias_warned", False)  # noqa: E731 (once per session)
    reset()
    with pytest.warns(UserWarning, match="images_a has 300, images_b has 300 samples"):
        metrics.fid(halves["images"][:300], halves["images"][300:600])
    # The notebooks' fast mode scores 500 samples: it must keep working, with the warning.
    monkeypatch.setenv(metrics.CACHE_ENV_VAR, str(tmp_path))
    reset()
    with pytest.warns(UserWarning, match=r"images has 500 samples") as record:
        result = metrics.evaluate_samples(halves["images"][:500], kid_subsets=2)
    assert _bias_warning(record).filename == __file__
    assert result["num_samples"] == 500 and np.isfinite(result["fid"])


def test_fid_bias_warning_is_shown_once_per_session():
    """A sweep over sample sizes (chapter 04) prints the warning once, not at every point."""
    import warnings

    rng = np.random.default_rng(3)
    a = rng.normal(size=(300, 8))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for n in (260, 280, 300):
            metrics.fid_from_features(a[:n], rng.normal(size=(n, 8)))
    assert sum("FID is biased" in str(w.message) for w in record) == 1
