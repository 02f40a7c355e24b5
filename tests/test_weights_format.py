"""The ``.weights.npz`` format (genai_keras.weights) compared exactly: the bytes a shipped
checkpoint was written with, what is stored in which dtype, and every refusal's message
(issue 36: the mutation run found these unchecked)."""

from __future__ import annotations

import warnings
import zipfile

import keras
import numpy as np
import pytest

from genai_keras import checkpoints as ck
from genai_keras import weights as W


class _Named(np.ndarray):
    """A NumPy array with a Keras-style ``path``: write_weights' stand-in for a variable."""

    path: str


def _named(path: str, value) -> _Named:
    array = np.asarray(value).view(_Named)
    array.path = path
    return array


def test_rewriting_a_shipped_checkpoint_gives_its_bytes(tmp_path):
    # The format is frozen: the shipped file's arrays written again give the shipped bytes
    # (same SHA-256), also when a value's memory layout differs (Fortran order).
    shipped = ck.checkpoint_path("dcgan")
    stored = W.read_weights(shipped)
    variables = []
    for name, value in stored.items():
        if value.ndim == 2:
            value = np.asfortranarray(value)
        variables.append(_named(name, value))
    assert any(np.asarray(v).flags.f_contiguous and v.ndim == 2 for v in variables)
    out = W.write_weights(variables, tmp_path / "a" / "b" / "dcgan.weights.npz")
    assert out == tmp_path / "a" / "b" / "dcgan.weights.npz"
    assert ck.sha256(out) == ck.sha256(shipped)


def test_floats_are_stored_in_float16_and_other_dtypes_as_they_are(tmp_path):
    variables = [
        _named("dense/kernel", np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)),
        _named("seed_generator/state", np.array([7, 11], dtype=np.int32)),
        _named("scalar", np.float32(0.5)),
    ]
    path = W.write_weights(variables, tmp_path / "m.weights.npz")
    stored = W.read_weights(path)
    assert list(stored) == ["dense/kernel", "seed_generator/state", "scalar"]
    assert stored["dense/kernel"].dtype == np.float16
    assert stored["seed_generator/state"].dtype == np.int32
    np.testing.assert_array_equal(stored["seed_generator/state"], [7, 11])
    assert stored["scalar"].shape == () and stored["scalar"] == np.float16(0.5)
    # every member is a plain .npy with the fixed timestamp
    with zipfile.ZipFile(path) as archive:
        names = [info.filename for info in archive.infolist()]
        assert names == ["format.npy", "paths.npy", "w0000.npy", "w0001.npy", "w0002.npy"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_duplicate_paths_are_refused_by_name(tmp_path):
    variables = [_named(n, np.zeros(2, np.float32)) for n in ("b", "a", "c", "a", "b")]
    with pytest.raises(ValueError, match="unique paths") as info:
        W.write_weights(variables, tmp_path / "x.weights.npz")
    assert str(info.value) == (
        "Variables must have unique paths to be saved; repeated: ['a', 'b']. "
        "Give the model's layers explicit names."
    )
    assert not (tmp_path / "x.weights.npz").exists()


def test_float16_overflow_message_and_no_warning(tmp_path):
    big = _named("big", np.array([1.0, -1e5], np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the cast's overflow is handled, not warned about
        with pytest.raises(ValueError, match="beyond the float16") as info:
            W.write_weights([big], tmp_path / "big.weights.npz")
    assert str(info.value) == (
        "Variable 'big' has values beyond the float16 range (max |x| = 1e+05); it cannot be stored."
    )


def test_non_finite_values_are_named(tmp_path):
    names = [f"v{i}" for i in range(7)]
    arrays = {
        n: np.array([np.nan if i % 2 == 0 else np.inf], np.float16) for i, n in enumerate(names)
    }
    arrays["ids"] = np.array(["not", "numbers"])  # no float: never checked
    with pytest.raises(W.NonFiniteWeightsError, match="NaN or infinite") as info:
        W.check_finite(arrays, "m.npz")
    assert str(info.value).startswith(
        "m.npz holds NaN or infinite weights in 7 variable(s) (v0, v1, v2, v3, v4 ...): the "
        "model would generate NaN images."
    )
    six = {n: arrays[n] for n in names[:6]}
    with pytest.raises(W.NonFiniteWeightsError, match="NaN or infinite") as info:
        W.check_finite(six, "m.npz")
    assert "in 6 variable(s) (v0, v1, v2, v3, v4 ...): the model" in str(info.value)
    five = {n: arrays[n] for n in names[:5]}
    with pytest.raises(W.NonFiniteWeightsError, match="NaN or infinite") as info:
        W.check_finite(five, "m.npz")
    assert "in 5 variable(s) (v0, v1, v2, v3, v4): the model" in str(info.value)
    W.check_finite({"ids": np.array(["a"]), "n": np.array([1, 2])}, "m.npz")  # no error


def test_read_refusals_exactly(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, paths=np.array(["a"]), w0000=np.zeros(2))
    with pytest.raises(ValueError, match="is not a genai_keras weights file") as info:
        W.read_weights(other)
    assert str(info.value) == f"{other} is not a genai_keras weights file (genai_keras.weights/1)."
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, format=np.array("genai_keras.weights/0"), paths=np.array([]))
    with pytest.raises(ValueError, match="is not a genai_keras weights file"):
        W.read_weights(wrong)
    missing = tmp_path / "missing.weights.npz"
    with pytest.raises(ValueError, match="FileNotFoundError"):
        W.read_weights(missing)
    broken = tmp_path / "broken.weights.npz"
    broken.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="could not be read") as info:
        W.read_weights(broken)
    assert str(info.value) == (
        f"{broken} could not be read as a genai_keras weights file (BadZipFile: File is not "
        "a zip file); it is truncated or not this format."
    )


def test_pickled_arrays_are_refused(tmp_path):
    # A weights file cannot make the loader run code: object (pickled) arrays are refused.
    pickled = tmp_path / "pickled.weights.npz"
    np.savez(
        pickled,
        format=np.array(W.WEIGHTS_FORMAT),
        paths=np.array(["a"], dtype=object),
        w0000=np.zeros(2, np.float16),
    )
    with pytest.raises(ValueError, match="could not be read") as info:
        W.read_weights(pickled)
    assert str(info.value).startswith(
        f"{pickled} could not be read as a genai_keras weights file (ValueError: Object "
        "arrays cannot be loaded when allow_pickle=False)"
    )


def _model_variables():
    return [
        keras.Variable(np.zeros((2, 3), np.float32), name="kernel"),
        keras.Variable(np.zeros((3,), np.float32), name="bias"),
    ]


def test_assign_weights_refusals_exactly(tmp_path):
    model = _model_variables()
    # the file misses a variable (and holds nothing else)
    one = W.write_weights([_named("kernel", np.ones((2, 3), np.float32))], tmp_path / "one.npz")
    with pytest.raises(ValueError, match="could not be loaded") as info:
        W.assign_weights(model, one)
    assert str(info.value) == (
        f"{one} could not be loaded into the model: the file holds 1 variables, the model has "
        "2; missing from the file: bias."
    )
    # the file holds extra variables (more than five are cut with ...)
    extra = [_named(f"x{i}", np.zeros(1, np.float32)) for i in range(6)]
    full = [_named("kernel", np.ones((2, 3))), _named("bias", np.ones(3)), *extra]
    many = W.write_weights(full, tmp_path / "many.npz")
    with pytest.raises(ValueError, match="could not be loaded") as info:
        W.assign_weights(model, many, what="the tiny model")
    assert str(info.value) == (
        f"{many} could not be loaded into the tiny model: the file holds 8 variables, the tiny "
        "model has 2; not in the tiny model: x0, x1, x2, x3, x4 ...."
    )
    # shapes differ; and a model with more than five variables the file lacks
    shapes = W.write_weights(
        [_named("kernel", np.ones((3, 2))), _named("bias", np.ones(3))], tmp_path / "s.npz"
    )
    with pytest.raises(ValueError, match="shapes differ") as info:
        W.assign_weights(model, shapes)
    assert str(info.value) == (
        f"{shapes} could not be loaded into the model: the file holds 2 variables, the model "
        "has 2; shapes differ (file vs model): kernel (3, 2) vs (2, 3)."
    )
    # five extra variables are all named; six shapes differ: five are listed
    five = W.write_weights(full[:7], tmp_path / "five.npz")
    with pytest.raises(ValueError, match="could not be loaded") as info:
        W.assign_weights(model, five)
    assert str(info.value).endswith("; not in the model: x0, x1, x2, x3, x4.")
    wide = [keras.Variable(np.zeros((1, 1), np.float32), name=f"s{i}") for i in range(6)]
    swapped = W.write_weights(
        [_named(f"s{i}", np.zeros((2, 1), np.float32)) for i in range(6)], tmp_path / "w.npz"
    )
    with pytest.raises(ValueError, match="shapes differ") as info:
        W.assign_weights(wide, swapped)
    assert str(info.value).endswith(
        "shapes differ (file vs model): s0 (2, 1) vs (1, 1); s1 (2, 1) vs (1, 1); "
        "s2 (2, 1) vs (1, 1); s3 (2, 1) vs (1, 1); s4 (2, 1) vs (1, 1)."
    )
    big_model = [keras.Variable(np.zeros(1, np.float32), name=f"m{i}") for i in range(6)]
    with pytest.raises(ValueError, match="missing from the file") as info:
        W.assign_weights(big_model, one)
    assert "missing from the file: m0, m1, m2, m3, m4 ...; not in the model: kernel." in str(
        info.value
    )
    five_missing = big_model[:5]
    with pytest.raises(ValueError, match="missing from the file") as info:
        W.assign_weights(five_missing, one)
    assert "missing from the file: m0, m1, m2, m3, m4; not in" in str(info.value)
    # nothing was assigned by any refused load
    assert all(not np.any(keras.ops.convert_to_numpy(v)) for v in model)


def test_an_empty_file_is_not_an_empty_model(tmp_path):
    empty = W.write_weights([], tmp_path / "empty.weights.npz")
    with pytest.raises(ValueError, match="could not be loaded") as info:
        W.assign_weights([], empty)
    assert str(info.value) == (
        f"{empty} could not be loaded into the model: the file holds 0 variables, the model has 0."
    )


def test_assign_weights_loads_float16_into_the_variables_dtype(tmp_path):
    model = _model_variables()
    values = {"kernel": np.full((2, 3), 0.1, np.float32), "bias": np.arange(3, dtype=np.float32)}
    path = W.write_weights([_named(n, v) for n, v in values.items()], tmp_path / "m.npz")
    W.assign_weights(model, path)
    for variable in model:
        loaded = keras.ops.convert_to_numpy(variable)
        assert loaded.dtype == np.float32
        expected = values[variable.path].astype(np.float16).astype(np.float32)
        np.testing.assert_array_equal(loaded, expected)
