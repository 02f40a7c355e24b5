"""Tests of genai_keras.data: real MNIST and text, and every bad input a user can hit."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

import genai_keras as gk
from genai_keras import data


def _write_idx_images(path: Path, images: np.ndarray) -> bytes:
    header = (0x803).to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in images.shape)
    raw = header + images.astype(np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw))
    return raw


def _write_idx_labels(path: Path, labels: np.ndarray) -> bytes:
    raw = (
        (0x801).to_bytes(4, "big")
        + len(labels).to_bytes(4, "big")
        + labels.astype(np.uint8).tobytes()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw))
    return raw


@pytest.fixture(autouse=True)
def _fresh_cache():
    data._mnist_uint8.cache_clear()
    yield
    data._mnist_uint8.cache_clear()


@pytest.fixture
def fake_folder(tmp_path, monkeypatch):
    """A small, valid data folder whose expected hashes are patched to match it."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    hashes = dict(data.SHA256)
    for split in ("train", "test"):
        image_file, label_file = data._MNIST_FILES[split]
        hashes[image_file] = hashlib.sha256(
            _write_idx_images(tmp_path / image_file, images)
        ).hexdigest()
        hashes[label_file] = hashlib.sha256(
            _write_idx_labels(tmp_path / label_file, labels)
        ).hexdigest()
    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n"
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "tinyshakespeare.txt").write_text(text)
    hashes["text/tinyshakespeare.txt"] = hashlib.sha256(text.encode()).hexdigest()
    monkeypatch.setattr(data, "SHA256", hashes)
    return tmp_path, images, labels, text


# --- real data -------------------------------------------------------------------------


def test_real_mnist_matches_published_facts():
    x, y = gk.data.load_mnist("train")
    assert x.shape == (60000, 28, 28, 1) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert abs(float(x.mean()) - 0.1307) < 1e-4
    assert abs(float(x.std()) - 0.3081) < 1e-4
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    _, y_test = gk.data.load_mnist("test")
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_binarize_and_limit():
    grey, labels = gk.data.load_mnist("test", limit=500)
    assert grey.shape == (500, 28, 28, 1) and labels.shape == (500,)
    thr, _ = gk.data.load_mnist("test", binarize="threshold", limit=500)
    assert set(np.unique(thr)) <= {0.0, 1.0}
    np.testing.assert_array_equal(thr, (grey > 0.5).astype(np.float32))
    static_a, _ = gk.data.load_mnist("test", binarize="static", limit=500)
    static_b, _ = gk.data.load_mnist("test", binarize="static", limit=500)
    np.testing.assert_array_equal(static_a, static_b)  # the same fixed draw every time
    assert abs(static_a.mean() - grey.mean()) < 0.01  # P(1) equals the grey level


def test_binarize_dynamic_draws_bernoulli():
    x = np.full((4000, 28, 28, 1), 0.3, dtype=np.float32)
    b = gk.data.binarize_dynamic(x, seed_generator=1)  # NumPy in, NumPy out
    assert isinstance(b, np.ndarray)
    assert set(np.unique(b)) <= {0.0, 1.0}
    assert abs(b.mean() - 0.3) < 0.005


def test_real_text():
    text = gk.data.load_text("tinyshakespeare")
    assert len(text) == 1115394
    assert text.startswith("First Citizen:")


def test_local_folder_argument_wins_over_env(fake_folder, monkeypatch):
    folder, images, labels, text = fake_folder
    monkeypatch.setenv("GENAI_KERAS_DATA", "/nonexistent/folder")
    x, y = gk.data.load_mnist("train", data_dir=folder)
    np.testing.assert_array_equal(x[..., 0], images.astype(np.float32) / 255)
    np.testing.assert_array_equal(y, labels)
    assert gk.data.load_text(data_dir=folder) == text


def test_env_folder_used(fake_folder, monkeypatch):
    folder, _, _, _ = fake_folder
    monkeypatch.setenv("GENAI_KERAS_DATA", str(folder))
    x, _ = gk.data.load_mnist("test")
    assert x.shape == (7, 28, 28, 1)
    assert str(folder.resolve()) in gk.data.describe_source()


# --- bad input ---------------------------------------------------------------------------


def test_unknown_split():
    with pytest.raises(ValueError, match=r"Unknown MNIST split 'validation'.*'train' or 'test'"):
        gk.data.load_mnist("validation")


def test_unknown_binarize_and_dynamic_hint():
    with pytest.raises(ValueError, match="Unknown binarize='otsu'"):
        gk.data.load_mnist("test", binarize="otsu")
    with pytest.raises(ValueError, match="training-time option"):
        gk.data.load_mnist("test", binarize="dynamic")


def test_bad_limit():
    with pytest.raises(ValueError, match="limit must be an integer >= 1"):
        gk.data.load_mnist("test", limit=0)


def test_unknown_text_name():
    with pytest.raises(ValueError, match="Unknown text corpus 'war_and_peace'"):
        gk.data.load_text("war_and_peace")


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*GENAI_KERAS_DATA"):
        gk.data.load_mnist("train", data_dir=tmp_path / "nope")


def test_missing_file(fake_folder):
    folder, *_ = fake_folder
    (folder / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte\.gz is missing"):
        gk.data.load_mnist("test", data_dir=folder)


def test_hash_mismatch_names_file_and_both_hashes(fake_folder, monkeypatch):
    folder, *_ = fake_folder
    path = folder / "mnist" / "train-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[-1] ^= 0xFF  # one flipped pixel
    path.write_bytes(gzip.compress(bytes(raw)))
    expected = data.SHA256["mnist/train-images-idx3-ubyte.gz"]
    found = hashlib.sha256(bytes(raw)).hexdigest()
    with pytest.raises(data.DataIntegrityError) as info:
        gk.data.load_mnist("train", data_dir=folder)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert expected in message and found in message
    assert "replace it" in message


def test_text_hash_mismatch(fake_folder):
    folder, *_ = fake_folder
    (folder / "text" / "tinyshakespeare.txt").write_text("not Shakespeare")
    with pytest.raises(
        data.DataIntegrityError, match=r"tinyshakespeare\.txt has the wrong content"
    ):
        gk.data.load_text(data_dir=folder)


def test_truncated_gzip(fake_folder):
    folder, *_ = fake_folder
    path = folder / "mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(data.DataIntegrityError, match=r"not a valid gzip file.*truncated"):
        gk.data.load_mnist("train", data_dir=folder)


def test_truncated_idx_payload(fake_folder, monkeypatch):
    folder, images, *_ = fake_folder
    raw = _write_idx_images(folder / "mnist" / "train-images-idx3-ubyte.gz", images)[:-100]
    (folder / "mnist" / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(raw))
    hashes = dict(data.SHA256)
    hashes["mnist/train-images-idx3-ubyte.gz"] = hashlib.sha256(raw).hexdigest()
    monkeypatch.setattr(data, "SHA256", hashes)  # the hash matches; the IDX check must catch it
    with pytest.raises(data.DataIntegrityError, match=r"header announces shape.*truncated"):
        gk.data.load_mnist("train", data_dir=folder)


def test_non_idx_file():
    with pytest.raises(data.DataIntegrityError, match="not an IDX file: magic number 0x89504e47"):
        data.parse_idx(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "picture.png")
    with pytest.raises(data.DataIntegrityError, match="too short"):
        data.parse_idx(b"\x00\x00", "tiny")


def test_no_folder_and_no_network(monkeypatch):
    import keras

    def offline(*args, **kwargs):
        raise OSError("Temporary failure in name resolution")

    monkeypatch.delenv("GENAI_KERAS_DATA", raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(
        RuntimeError,
        match=r"Could not download MNIST.*set the environment variable GENAI_KERAS_DATA",
    ):
        gk.data.load_mnist("train")
    with pytest.raises(RuntimeError, match=r"Could not download the text.*GENAI_KERAS_DATA"):
        gk.data.load_text()


def test_fast_mode_flag(monkeypatch):
    monkeypatch.setenv("GENAI_KERAS_FAST", "1")
    assert gk.fast_mode() is True
    monkeypatch.setenv("GENAI_KERAS_FAST", "0")
    assert gk.fast_mode() is False
    monkeypatch.delenv("GENAI_KERAS_FAST")
    assert gk.fast_mode() is False
    monkeypatch.setenv("GENAI_KERAS_FAST", "maybe")
    with pytest.raises(ValueError, match="GENAI_KERAS_FAST='maybe' is not understood"):
        gk.fast_mode()


def test_set_seed_repeats_draws():
    import keras

    gk.set_seed(3)
    a = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.normal((3,))))
    gk.set_seed(3)
    b = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.normal((3,))))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        gk.set_seed(-1)


def test_version():
    assert isinstance(gk.__version__, str) and gk.__version__.count(".") == 2


def test_one_sha256_for_bytes_and_files(tmp_path):
    """data, feature_net and checkpoints share utils.sha256_of (bytes or a file's path)."""
    from genai_keras import checkpoints, feature_net, utils

    path = tmp_path / "blob.bin"
    content = bytes(range(256)) * 5000  # more than one 1 MiB block
    path.write_bytes(content)
    expected = hashlib.sha256(content).hexdigest()
    assert (
        utils.sha256_of(content) == utils.sha256_of(path) == utils.sha256_of(str(path)) == expected
    )
    assert data.sha256_of is feature_net.sha256_of is checkpoints.sha256 is utils.sha256_of


def test_training_images_loads_checks_and_refuses():
    vae, cvae = gk.recipes.get("vae", fast=True), gk.recipes.get("conditional_vae", fast=True)
    x, y = data.training_images(vae.replace(limit=5))
    assert x.shape == (5, 28, 28, 1) and y is None  # unconditional: no labels
    x, y = data.training_images(cvae.replace(limit=5), num_classes=10)
    np.testing.assert_array_equal(y, data.load_mnist("train", limit=5)[1])
    x, _ = data.training_images(
        gk.recipes.get("augment_classifier", fast=False), num_classes=10, default_limit=7
    )
    assert len(x) == 7  # recipe without a limit
    binary, _ = data.training_images(vae.replace(limit=3), binarize="static", seed=1)
    np.testing.assert_array_equal(binary, data.load_mnist("train", "static", limit=3, seed=1)[0])
    images = np.zeros((4, 28, 28), np.uint8)  # no channel axis: added
    x, y = data.training_images(cvae, images, [0, 1, 2, 3], num_classes=10)
    assert x.shape == (4, 28, 28, 1) and y.dtype == np.int32
    with pytest.raises(ValueError, match="Labels without images"):
        data.training_images(cvae, labels=[1, 2], num_classes=10)
    with pytest.raises(ValueError, match="Recipe 'vae' is unconditional"):
        data.training_images(vae, images, [0, 1, 2, 3])
    with pytest.raises(
        ValueError, match="Recipe 'conditional_vae' is conditional: pass the labels"
    ):
        data.training_images(cvae, images, num_classes=10)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\]"):
        data.training_images(cvae, images, [0, 1, 2, 10], num_classes=10)
    with pytest.raises(ValueError, match="pixels in \\[0, 1\\]"):
        data.training_images(vae, images + 255)
    with pytest.raises(ValueError, match="must be a Recipe"):
        data.training_images("vae")
