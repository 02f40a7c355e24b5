"""The Keras weights file format of the shipped checkpoints: ``.weights.npz``.

A zip of NumPy arrays, each variable's values in float16 (:data:`STORAGE_DTYPE`, half the
size of float32; re-loaded in the variable's dtype) keyed by its variable path
(``encoder/enc_conv1/kernel``), written byte-for-byte reproducibly (fixed timestamps: the
same weights, the same bytes and SHA-256). Loading checks that the file holds exactly
the model's variables, with the model's shapes, before assigning any.

:mod:`genai_keras.checkpoints` re-exports everything here. Used in chapters 01-04 and 06
(through the checkpoints) and by ``scripts/train_checkpoints.py``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras.files import atomic_open

#: The Keras checkpoints' file suffix and format tag (stored in each file).
WEIGHTS_SUFFIX = ".weights.npz"
WEIGHTS_FORMAT = "genai_keras.weights/1"
#: How floating-point weights are stored (they are re-loaded in the variable's dtype).
STORAGE_DTYPE = "float16"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # a fixed timestamp: the same weights, the same bytes


class NonFiniteWeightsError(ValueError):
    """A weights file holds NaN or infinite values (a diverged run, or a damaged file)."""


def check_finite(arrays: dict[str, Any], path: str | Path) -> None:
    """Refuse weights with NaN or infinite values, naming the file and the variables.

    Raises:
        NonFiniteWeightsError: some floating-point array holds a NaN or an infinity.
    """
    bad = [
        name
        for name, value in arrays.items()
        if np.issubdtype(np.asarray(value).dtype, np.floating)
        and not np.all(np.isfinite(np.asarray(value)))
    ]
    if bad:
        raise NonFiniteWeightsError(
            f"{path} holds NaN or infinite weights in {len(bad)} variable(s) "
            f"({', '.join(bad[:5])}{' ...' if len(bad) > 5 else ''}): the model would "
            f"generate NaN images. The training diverged or the file is damaged: retrain it "
            f"(a lower learning rate), or reinstall genai_keras for the shipped file."
        )


def write_weights(variables: Sequence[Any], path: str | Path) -> Path:
    """Write Keras variables to ``path`` in the ``.weights.npz`` format.

    Each variable is stored under its ``path`` (which must be unique), floating-point
    values in :data:`STORAGE_DTYPE`. The file is a zip of ``.npy`` arrays with fixed
    timestamps, so the same weights always give the same bytes (and SHA-256).

    Raises:
        ValueError: two variables share a path, or a finite value overflows float16.
    """
    import keras

    path = Path(path)
    names = [v.path for v in variables]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(
            f"Variables must have unique paths to be saved; repeated: {dup}. "
            "Give the model's layers explicit names."
        )
    arrays = {"format": np.array(WEIGHTS_FORMAT), "paths": np.array(names, dtype=str)}
    for i, (name, variable) in enumerate(zip(names, variables, strict=True)):
        value = np.asarray(keras.ops.convert_to_numpy(variable))
        if np.issubdtype(value.dtype, np.floating):
            with np.errstate(over="ignore"):
                stored = value.astype(STORAGE_DTYPE)
            if not np.all(np.isfinite(stored)[np.isfinite(value)]):
                raise ValueError(
                    f"Variable {name!r} has values beyond the {STORAGE_DTYPE} "
                    f"range (max |x| = {np.abs(value).max():.3g}); it cannot be stored."
                )
            value = stored
        arrays[f"w{i:04d}"] = np.array(value, order="C")  # (ascontiguousarray makes 0-d 1-d)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            with archive.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, value, allow_pickle=False)
    return path


def read_weights(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a ``.weights.npz`` file, ``{variable path: array}`` (as stored).

    Pickled (object) arrays are refused: loading a weights file never runs its code.

    Raises:
        ValueError: the file is not in this format (or is truncated, or holds pickles).
    """
    path = Path(path)
    try:
        with open(path, "rb") as head:
            is_zip = head.read(2) == b"PK"
        if not is_zip:  # (np.load would try it as a pickle and suggest loading it unsafely)
            raise zipfile.BadZipFile("File is not a zip file")
        with np.load(path, allow_pickle=False) as data:
            files = set(data.files)
            tagged = "format" in files and str(data["format"]) == WEIGHTS_FORMAT
            if tagged:
                names = [str(n) for n in data["paths"]]
                arrays = {n: data[f"w{i:04d}"] for i, n in enumerate(names)}
    except (OSError, zipfile.BadZipFile, KeyError, EOFError, ValueError) as err:
        raise ValueError(
            f"{path} could not be read as a genai_keras weights file "
            f"({type(err).__name__}: {err}); it is truncated or not this format."
        ) from err
    if not tagged:
        raise ValueError(f"{path} is not a genai_keras weights file ({WEIGHTS_FORMAT}).")
    return arrays


def assign_weights(variables: Sequence[Any], path: str | Path, what: str = "the model") -> None:
    """Load a ``.weights.npz`` file into ``variables`` (cast to each variable's dtype).

    Every variable must be in the file, with its shape, and the file must hold nothing
    else; nothing is assigned unless all match.

    Raises:
        NonFiniteWeightsError: the file holds NaN or infinite values.
        ValueError: names or shapes differ (the message lists them).
    """
    stored = read_weights(path)
    check_finite(stored, path)
    wanted = {v.path: v for v in variables}
    missing = [n for n in wanted if n not in stored]
    extra = [n for n in stored if n not in wanted]
    shapes = [
        f"{n} {tuple(stored[n].shape)} vs {tuple(v.shape)}"
        for n, v in wanted.items()
        if n in stored and tuple(stored[n].shape) != tuple(v.shape)
    ]
    if not wanted or missing or extra or shapes:
        parts = [f"the file holds {len(stored)} variables, {what} has {len(wanted)}"]
        if missing:
            parts.append(
                f"missing from the file: {', '.join(missing[:5])}"
                + (" ..." if len(missing) > 5 else "")
            )
        if extra:
            parts.append(
                f"not in {what}: {', '.join(extra[:5])}" + (" ..." if len(extra) > 5 else "")
            )
        if shapes:
            parts.append(f"shapes differ (file vs model): {'; '.join(shapes[:5])}")
        raise ValueError(f"{path} could not be loaded into {what}: {'; '.join(parts)}.")
    for n, variable in wanted.items():
        variable.assign(stored[n].astype(variable.dtype))
