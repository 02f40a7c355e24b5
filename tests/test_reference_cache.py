"""The cached real-data reference (``genai_keras.metrics.reference``): where it lives, what
a cache file must hold to be used, and what each kind of bad file is reported as.

Every FID, KID and precision/recall of the course compares against these features, so a
cache file is used only when its arrays have the right shapes, match the SHA-256 it
records and agree with the feature network on the spot-checked digits.
(test_checkpoint_trust.py covers a tampered file end to end.)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import genai_keras as gk
from genai_keras import metrics
from genai_keras.feature_net import load_feature_net
from genai_keras.metrics import reference
from genai_keras.metrics.reference import SPOT_CHECK, _check_cache, arrays_sha256


@pytest.fixture(scope="module")
def test_images():
    return gk.data.load_mnist("test")[0]


@pytest.fixture(scope="module")
def spot(test_images):
    """The feature network's features and probs of the spot-checked digits."""
    return load_feature_net().features_and_probs(test_images[SPOT_CHECK])


def _cache_arrays(spot):
    """Arrays of the right shapes that pass the spot check (zeros elsewhere)."""
    feats, probs = np.zeros((10000, 128), np.float32), np.zeros((10000, 10), np.float32)
    feats[SPOT_CHECK], probs[SPOT_CHECK] = spot
    return feats, probs


def _write(path: Path, feats, probs, sha256: str | None = "right") -> Path:
    arrays = {"features": feats, "probs": probs}
    if sha256 == "right":
        arrays["sha256"] = np.array(arrays_sha256(feats, probs))
    elif sha256 is not None:
        arrays["sha256"] = np.array(sha256)
    np.savez(path, **arrays)
    return path


# ----------------------------------------------------------------- where it lives
def test_cache_dir_is_the_variable_or_the_home_cache(tmp_path, monkeypatch):
    monkeypatch.delenv(metrics.CACHE_ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert reference.cache_dir() == tmp_path / ".cache" / "genai_keras"
    monkeypatch.setenv(metrics.CACHE_ENV_VAR, str(tmp_path / "elsewhere"))
    assert reference.cache_dir() == tmp_path / "elsewhere"


# ------------------------------------------------------ what a file must hold
def test_a_good_file_is_used_as_it_is(tmp_path, test_images, spot):
    feats, probs = _cache_arrays(spot)
    got_feats, got_probs, problem = _check_cache(
        _write(tmp_path / "c.npz", feats, probs), test_images
    )
    assert problem is None
    np.testing.assert_array_equal(got_feats, feats)
    np.testing.assert_array_equal(got_probs, probs)


def test_unreadable_files_name_the_error(tmp_path, test_images, spot):
    text = tmp_path / "text.npz"
    text.write_text("not a cache file")
    assert _check_cache(text, test_images) == (None, None, "is unreadable (ValueError)")
    feats, probs = _cache_arrays(spot)
    np.savez(tmp_path / "no_probs.npz", features=feats)
    assert _check_cache(tmp_path / "no_probs.npz", test_images)[2] == "is unreadable (KeyError)"
    np.savez(tmp_path / "no_features.npz", probs=probs)
    assert _check_cache(tmp_path / "no_features.npz", test_images)[2] == (
        "is unreadable (KeyError)"
    )
    # A pickled object array is refused (allow_pickle=False), not unpickled.
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, features=np.array([object()], dtype=object), probs=probs)
    assert _check_cache(pickled, test_images)[2] == "is unreadable (ValueError)"


@pytest.mark.parametrize("which", ["features", "probs"])
def test_wrong_shapes_are_reported(tmp_path, test_images, spot, which):
    feats, probs = _cache_arrays(spot)
    if which == "features":
        feats = feats[:, :64]
    else:
        probs = probs[:, :9]
    path = _write(tmp_path / "c.npz", feats, probs)
    assert _check_cache(path, test_images) == (
        None,
        None,
        f"has the wrong shapes {feats.shape}, {probs.shape}",
    )


def test_missing_or_wrong_checksum_is_reported(tmp_path, test_images, spot):
    feats, probs = _cache_arrays(spot)
    old = _write(tmp_path / "old.npz", feats, probs, sha256=None)
    assert _check_cache(old, test_images) == (
        None,
        None,
        "records no SHA-256 (an older release's cache)",
    )
    wrong = _write(tmp_path / "wrong.npz", feats, probs, sha256="0" * 64)
    assert _check_cache(wrong, test_images) == (
        None,
        None,
        "does not match the SHA-256 it records (corrupt or edited)",
    )
    # A checksum of other arrays (features right, probs changed) is also caught.
    other = _write(tmp_path / "other.npz", feats, probs, sha256=arrays_sha256(feats, probs + 1))
    assert _check_cache(other, test_images)[2].startswith("does not match the SHA-256")


def test_the_spot_check_tolerances(tmp_path, test_images, spot):
    feats, probs = _cache_arrays(spot)
    scale = float(np.abs(spot[0]).max())
    assert scale > 2, scale  # the premise of the absolute tolerance checks below
    message = (
        "differs from the feature network's output on 100 spot-checked test digits "
        "(written by another network, or edited)"
    )

    def problem(f, p):
        return _check_cache(_write(tmp_path / "c.npz", f, p), test_images)[2]

    small = feats.copy()
    small[SPOT_CHECK] += 0.9e-3 * scale  # within atol = 1e-3 * (largest feature)
    assert problem(small, probs) is None
    large = feats.copy()
    large[SPOT_CHECK] += 2e-3 * scale
    assert problem(large, probs) == message
    relative = feats.copy()
    relative[SPOT_CHECK] *= 1.01  # 1% of every feature, beyond rtol = 1e-3
    assert problem(relative, probs) == message
    edge = feats.copy()  # the largest features, moved by less than atol + rtol * |feature|
    rows, cols = np.nonzero(np.abs(spot[0]) > 0.9 * scale)
    edge[SPOT_CHECK[rows], cols] += 1.5e-3 * scale * np.sign(spot[0][rows, cols])
    assert problem(edge, probs) is None
    near = probs.copy()
    near[SPOT_CHECK] += 5e-4  # within the probabilities' atol = 1e-3
    assert problem(feats, near) is None
    far = probs.copy()
    far[SPOT_CHECK] += 1e-2
    assert problem(feats, far) == message


# ------------------------------------------------------------ the cache in use
@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    folder = tmp_path / "several" / "levels" / "down"  # created with its parents
    monkeypatch.setenv(metrics.CACHE_ENV_VAR, str(folder))
    reference._mnist_test_reference.cache_clear()
    yield folder
    reference._mnist_test_reference.cache_clear()


def test_computed_features_are_written_whole_and_read_only(fresh_cache):
    feats, probs = metrics.mnist_test_features()
    assert not feats.flags.writeable and not probs.flags.writeable
    (path,) = fresh_cache.glob("mnist_test_features_*.npz")
    with np.load(path) as data:
        assert set(data.files) == {"features", "probs", "sha256"}
        np.testing.assert_array_equal(data["features"], feats)
        np.testing.assert_array_equal(data["probs"], probs)
        assert str(data["sha256"]) == arrays_sha256(feats, probs)
    reference._mnist_test_reference.cache_clear()
    again, again_probs = metrics.mnist_test_features()  # read back from the file
    assert not again.flags.writeable and not again_probs.flags.writeable
    np.testing.assert_array_equal(again, feats)


def test_an_older_release_cache_is_replaced_without_a_warning(fresh_cache, test_images, spot):
    feats, probs = _cache_arrays(spot)
    fresh_cache.mkdir(parents=True)
    path = fresh_cache / f"mnist_test_features_{load_feature_net().cache_key}.npz"
    _write(path, feats, probs, sha256=None)
    with warnings.catch_warnings():
        # an old cache is routine: recomputed quietly
        warnings.simplefilter("error", reference.ReferenceCacheWarning)
        got, _ = metrics.mnist_test_features()
    assert np.abs(got).sum() > np.abs(feats).sum()  # recomputed: every digit, not zeros
    assert _check_cache(path, test_images)[2] is None  # and rewritten with its SHA-256


def test_without_the_file_cache_no_file_is_read_or_written(fresh_cache, test_images, spot):
    feats, probs = _cache_arrays(spot)  # a valid file of mostly zeros
    fresh_cache.mkdir(parents=True)
    path = _write(
        fresh_cache / f"mnist_test_features_{load_feature_net().cache_key}.npz", feats, probs
    )
    before = path.read_bytes()
    got, _ = metrics.mnist_test_features(use_file_cache=False)
    assert np.abs(got).sum() > np.abs(feats).sum()  # computed, not read from the file
    assert path.read_bytes() == before  # and the file is left as it was
    assert sorted(p.name for p in fresh_cache.iterdir()) == [path.name]


def test_a_corrupt_cache_is_recomputed_with_a_warning_that_says_why(fresh_cache, spot):
    feats, probs = _cache_arrays(spot)
    fresh_cache.mkdir(parents=True)
    path = fresh_cache / f"mnist_test_features_{load_feature_net().cache_key}.npz"
    _write(path, feats, probs, sha256="0" * 64)
    with pytest.warns(reference.ReferenceCacheWarning) as record:
        got, _ = metrics.mnist_test_features()
    assert [str(w.message) for w in record if w.category is reference.ReferenceCacheWarning] == [
        f"The cached MNIST reference features {path} does not match the SHA-256 it records "
        "(corrupt or edited); recomputing them (seconds) and rewriting the file."
    ]
    assert np.abs(got).sum() > np.abs(feats).sum()
