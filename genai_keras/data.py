"""Real data for the chapters: MNIST digits and the Tiny Shakespeare text.

Where the data comes from, in order:

1. the folder passed as ``data_dir=``;
2. the folder named by the environment variable ``GENAI_KERAS_DATA``;
3. otherwise the normal download (``keras.datasets.mnist`` and ``keras.utils.get_file``).

A local folder is laid out like this (the original IDX files, gzip-compressed)::

    mnist/train-images-idx3-ubyte.gz   mnist/train-labels-idx1-ubyte.gz
    mnist/t10k-images-idx3-ubyte.gz    mnist/t10k-labels-idx1-ubyte.gz
    text/tinyshakespeare.txt

Every local file is checked against the SHA-256 of its (uncompressed) content.
Used in every chapter.
"""

from __future__ import annotations

import functools
import gzip
import os
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras import backend
from genai_keras.checks import as_images, as_labels, as_seed, positive_int
from genai_keras.recipes import Recipe
from genai_keras.utils import sha256_of

DATA_ENV_VAR = "GENAI_KERAS_DATA"

#: SHA-256 of the uncompressed content of each file a local data folder holds.
SHA256 = {
    "mnist/train-images-idx3-ubyte.gz": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    ),
    "mnist/train-labels-idx1-ubyte.gz": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
    ),
    "mnist/t10k-images-idx3-ubyte.gz": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
    ),
    "mnist/t10k-labels-idx1-ubyte.gz": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
    ),
    "text/tinyshakespeare.txt": "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
}

_MNIST_FILES = {
    "train": ("mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz"),
    "test": ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"),
}
_TEXTS = {"tinyshakespeare": "text/tinyshakespeare.txt"}
_TEXT_URL = "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt"
_BINARIZE = (None, "threshold", "static")

_IDX_IMAGES_MAGIC = 0x00000803
_IDX_LABELS_MAGIC = 0x00000801


class DataIntegrityError(ValueError):
    """A data file is not what it should be (wrong hash, truncated, not IDX)."""


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """Return the local data folder in use, or None when data will be downloaded.

    Args:
        data_dir: an explicit folder; if None, ``$GENAI_KERAS_DATA`` is used if set.

    Raises:
        FileNotFoundError: the folder given (or named by the variable) does not exist.
    """
    if data_dir is not None:
        origin = "data_dir="
        path = Path(data_dir)
    elif os.environ.get(DATA_ENV_VAR):
        origin = f"${DATA_ENV_VAR}"
        path = Path(os.environ[DATA_ENV_VAR])
    else:
        return None
    path = path.expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"The data folder {str(path)!r} (from {origin}) does not exist. Point it at a "
            f"folder holding mnist/ and text/ (like ../shared/data), or unset "
            f"{DATA_ENV_VAR} to download the data instead."
        )
    return path.resolve()


def describe_source(data_dir: str | os.PathLike | None = None) -> str:
    """One line saying where the data comes from (for notebooks and logs)."""
    folder = resolve_data_dir(data_dir)
    if folder is None:
        return "downloaded through Keras (no local folder set; cached under ~/.keras/datasets)"
    return f"local folder {folder}"


def _read_verified(folder: Path, relative: str) -> bytes:
    """Read a local data file (gunzipping ``.gz``) and check the SHA-256 of its content."""
    path = folder / relative
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing. A data folder must hold {relative} "
            f"(see genai_keras.data's docstring for the layout); copy it from ../shared/data "
            f"or unset {DATA_ENV_VAR} to download the data."
        )
    raw = path.read_bytes()
    if relative.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataIntegrityError(
                f"{path} is not a valid gzip file ({exc}); it is probably truncated or "
                f"corrupt. Replace it with a fresh copy of the original file."
            ) from None
    expected = SHA256[relative]
    found = sha256_of(raw)
    if found != expected:
        raise DataIntegrityError(
            f"{path} has the wrong content: SHA-256 expected {expected}, found {found}. "
            f"The file is corrupt or a different version; replace it with a fresh copy "
            f"(e.g. from ../shared/data) or delete it and unset {DATA_ENV_VAR} to download."
        )
    return raw


def parse_idx(raw: bytes, source: str = "IDX data") -> np.ndarray:
    """Parse an uncompressed IDX file (images magic 0x803 or labels magic 0x801) to uint8.

    The header is big-endian: the magic number, the item count, then rows and columns
    for images.

    Raises:
        DataIntegrityError: wrong magic number, or fewer bytes than the header announces.
    """
    if len(raw) < 8:
        raise DataIntegrityError(f"{source} is too short to be an IDX file ({len(raw)} bytes).")
    magic = int.from_bytes(raw[0:4], "big")
    if magic == _IDX_IMAGES_MAGIC:
        if len(raw) < 16:
            raise DataIntegrityError(f"{source}: IDX image header is truncated.")
        count, rows, cols = (int.from_bytes(raw[i : i + 4], "big") for i in (4, 8, 12))
        shape, offset = (count, rows, cols), 16
    elif magic == _IDX_LABELS_MAGIC:
        shape, offset = (int.from_bytes(raw[4:8], "big"),), 8
    else:
        raise DataIntegrityError(
            f"{source} is not an IDX file: magic number {magic:#010x}, expected "
            f"{_IDX_IMAGES_MAGIC:#010x} (images) or {_IDX_LABELS_MAGIC:#010x} (labels)."
        )
    needed = offset + int(np.prod(shape))
    if len(raw) != needed:
        raise DataIntegrityError(
            f"{source}: the IDX header announces shape {shape} ({needed} bytes) but the "
            f"file holds {len(raw)} bytes; it is truncated or corrupt."
        )
    return np.frombuffer(raw, dtype=np.uint8, count=needed - offset, offset=offset).reshape(shape)


@functools.lru_cache(maxsize=4)
def _mnist_uint8(folder: Path | None, split: str) -> tuple[np.ndarray, np.ndarray]:
    if folder is None:
        images, labels = _download_mnist(split)
    else:
        image_file, label_file = _MNIST_FILES[split]
        images = parse_idx(_read_verified(folder, image_file), str(folder / image_file))
        labels = parse_idx(_read_verified(folder, label_file), str(folder / label_file))
        if images.ndim != 3 or labels.ndim != 1:
            raise DataIntegrityError(
                f"{folder / image_file} and {folder / label_file} must hold images and labels "
                f"(got arrays of rank {images.ndim} and {labels.ndim})."
            )
    if images.shape[0] != labels.shape[0]:
        raise DataIntegrityError(
            f"MNIST {split}: {images.shape[0]} images but {labels.shape[0]} labels."
        )
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def _download_mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:  # no network, proxy, etc.
        raise RuntimeError(
            f"Could not download MNIST ({type(exc).__name__}: {exc}). Without internet, "
            f"set the environment variable {DATA_ENV_VAR} to a folder holding "
            f"mnist/*-ubyte.gz (such as ../shared/data), or pass data_dir=."
        ) from exc
    return (x_train, y_train) if split == "train" else (x_test, y_test)


def load_mnist(
    split: str = "train",
    binarize: str | None = None,
    limit: int | None = None,
    data_dir: str | os.PathLike | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Load real MNIST digits.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000 images).
        binarize: None for grey levels; ``"threshold"`` for pixels > 0.5; ``"static"``
            for one Bernoulli draw per pixel with probability equal to its grey level,
            made with ``seed`` so it is the same every time (a fixed binarised data set,
            used to evaluate likelihoods). Training with a fresh draw every epoch
            ("dynamic" binarisation) is a model option, see ``binarize_dynamic``.
        limit: keep only the first ``limit`` images (None keeps all).
        data_dir: a local data folder (see the module docstring); default
            ``$GENAI_KERAS_DATA``, else download.
        seed: the seed of the ``"static"`` draw.

    Returns:
        ``(images, labels)``: float32 images of shape ``(N, 28, 28, 1)`` with pixels in
        [0, 1] and int64 labels of shape ``(N,)``.

    Raises:
        ValueError: unknown split or binarisation, or a bad ``limit``.
        FileNotFoundError: the local folder or one of its files is missing.
        DataIntegrityError: a file whose hash does not match, or a truncated/non-IDX file.
        RuntimeError: no local folder and the download failed.
    """
    if split not in _MNIST_FILES:
        raise ValueError(f"Unknown MNIST split {split!r}; use 'train' or 'test'.")
    if binarize == "dynamic":
        raise ValueError(
            "binarize='dynamic' is a training-time option (a new draw every epoch): load "
            "grey levels (binarize=None) and let the model binarise, or call "
            "genai_keras.data.binarize_dynamic on each batch. For a fixed binary data set "
            "use binarize='static'."
        )
    if binarize not in _BINARIZE:
        raise ValueError(f"Unknown binarize={binarize!r}; use None, 'threshold' or 'static'.")
    if limit is not None:
        limit = positive_int(limit, "limit")
    seed = as_seed(seed)
    images, labels = _mnist_uint8(resolve_data_dir(data_dir), split)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = (images.astype(np.float32) / np.float32(255.0))[..., None]
    if binarize == "threshold":
        x = (x > 0.5).astype(np.float32)
    elif binarize == "static":
        rng = np.random.default_rng(seed)
        x = (rng.random(x.shape, dtype=np.float32) < x).astype(np.float32)
    return x, labels.astype(np.int64)


def training_images(
    recipe: Recipe,
    images: Any = None,
    labels: Any = None,
    *,
    num_classes: int | None = None,
    binarize: str | None = None,
    seed: int = 0,
    default_limit: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The training data of a recipe: the caller's images (and labels), or MNIST's.

    Every family's ``train`` starts here. With no images it loads the first
    ``recipe.limit`` MNIST training digits (``default_limit`` when the recipe has no
    limit; None: all 60,000), binarised as ``binarize``/``seed`` say (see
    :func:`load_mnist`); with images it checks them (and the labels).

    Args:
        recipe: the recipe being trained (its ``limit`` and name).
        images: ``(N, 28, 28, 1)`` pixels in [0, 1], or None for MNIST.
        labels: ``(N,)`` class indices for a conditional model, else None.
        num_classes: None for a model trained on images alone (labels are refused and
            None is returned); the number of classes of a conditional one (labels are
            required with images, checked to lie in ``[0, num_classes)``).
        binarize, seed: how MNIST is loaded (``"static"`` with ``seed=1`` for the pixel
            models); ignored for the caller's images.
        default_limit: MNIST digits to load when ``recipe.limit`` is None.

    Returns:
        ``(images, labels)``: float32 ``(N, 28, 28, 1)`` and, for a conditional model,
        the labels (MNIST's int64 ones, or the caller's as int32), else None.

    Raises:
        ValueError: labels without images, labels for an unconditional model, none for
            a conditional one, or bad images/labels (the message says which).
    """
    if not isinstance(recipe, Recipe):
        raise ValueError(
            f"recipe must be a Recipe (gk.recipes.get(name)), got {type(recipe).__name__}."
        )
    conditional = num_classes is not None
    if images is None:
        if labels is not None:
            raise ValueError(
                "Labels without images: pass both, or neither (MNIST training digits)."
            )
        limit = recipe.limit if recipe.limit is not None else default_limit
        x, y = load_mnist("train", binarize=binarize, limit=limit, seed=seed)
        return x, (y if conditional else None)
    x = as_images(images)
    if not conditional:
        if labels is not None:
            raise ValueError(
                f"Recipe {recipe.name!r} is unconditional: train it on images only (labels=None)."
            )
        return x, None
    if labels is None:
        raise ValueError(
            f"Recipe {recipe.name!r} is conditional: pass the labels too, "
            f"train(recipe, images, labels)."
        )
    return x, as_labels(labels, num_classes=positive_int(num_classes, "num_classes"), count=len(x))


def binarize_dynamic(images, seed_generator=None):
    """Draw binary images with ``P(pixel = 1)`` equal to the grey level (Keras ops).

    Call it on every batch during training ("dynamic binarisation"): each epoch sees a
    new binary version of each digit, which regularises likelihood models.

    Args:
        images: tensor ``(..., 28, 28, 1)``, pixels in [0, 1].
        seed_generator: a ``keras.random.SeedGenerator`` (or an int seed).

    Returns:
        Values in {0, 1}, same shape: NumPy for NumPy images, a tensor for tensors.
    """
    import keras

    # Drawn per example as on one device, also when replicas share the batch (chapter 08).
    noise = backend.draw_for_replica(
        lambda shape: keras.random.uniform(shape, seed=seed_generator), keras.ops.shape(images)
    )
    binary = keras.ops.cast(keras.ops.less(noise, images), images.dtype)
    # NumPy in, NumPy out (genai_keras/arrays.py); tensors (a training step) stay tensors.
    return binary if keras.ops.is_tensor(images) else keras.ops.convert_to_numpy(binary)


def load_text(name: str = "tinyshakespeare", data_dir: str | os.PathLike | None = None) -> str:
    """Load a text corpus as one string.

    Args:
        name: ``"tinyshakespeare"`` (1,115,394 characters of Shakespeare's plays).
        data_dir: a local data folder; default ``$GENAI_KERAS_DATA``, else download.

    Raises:
        ValueError: unknown corpus name.
        DataIntegrityError: the file's SHA-256 does not match.
        RuntimeError: no local folder and the download failed.
    """
    if name not in _TEXTS:
        raise ValueError(f"Unknown text corpus {name!r}; available: {sorted(_TEXTS)}.")
    folder = resolve_data_dir(data_dir)
    relative = _TEXTS[name]
    raw = _read_verified(folder, relative) if folder is not None else _download_text(relative)
    return raw.decode("utf-8")


def _download_text(relative: str) -> bytes:
    import keras

    try:
        path = keras.utils.get_file("shakespeare.txt", _TEXT_URL)
    except Exception as exc:
        raise RuntimeError(
            f"Could not download the text ({type(exc).__name__}: {exc}). Without internet, "
            f"set the environment variable {DATA_ENV_VAR} to a folder holding "
            f"{relative} (such as ../shared/data), or pass data_dir=."
        ) from exc
    raw = Path(path).read_bytes()
    found = sha256_of(raw)
    if found != SHA256[relative]:
        raise DataIntegrityError(
            f"The downloaded {path} has the wrong content: SHA-256 expected "
            f"{SHA256[relative]}, found {found}. Delete it and try again, or set "
            f"{DATA_ENV_VAR} to a folder with a verified copy."
        )
    return raw
