"""Checkpoints are verified or refused, without holes (issue 34): a null or malformed
SHA-256 is an error, hex compares case-insensitively, NaN weights are refused with the
file's name, and a save name's suffix must match the format.

Every test works on copies in ``tmp_path``; the shipped files are never modified.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from genai_keras import checkpoints as ck
from genai_keras import recipes
from genai_keras.models import vae

NAME = "dcgan"  # the smallest shipped Keras checkpoint


def _set_sha(directory, value):
    manifest = json.loads((directory / ck.MANIFEST).read_text())
    manifest[NAME]["sha256"] = value
    (directory / ck.MANIFEST).write_text(json.dumps(manifest))


def _tamper(path, value=1.5):
    """Scale (or, with NaN, poison) every weight: a loadable file that is not the shipped one."""
    with np.load(path) as data:
        arrays = {k: (data[k] * value if k.startswith("w") else data[k]) for k in data.files}
    with open(path, "wb") as f:
        np.savez(f, **arrays)


@pytest.mark.parametrize("value", [None, "", 12345, "abc123", "z" * 64])
def test_null_or_malformed_sha256_is_an_error_not_a_pass(shipped, value):
    directory, path = shipped
    _tamper(path)  # a replaced file must never load as "verified"
    _set_sha(directory, value)
    with pytest.raises(ck.ManifestError, match=r"sha256 of entry 'dcgan' .* not 64 hexadecimal"):
        ck.load_or_train(NAME, directory=directory, return_record=True)


def test_null_sha256_with_verify_false_loads_unverified(shipped):
    directory, _ = shipped
    _set_sha(directory, None)
    _, record = ck.load_or_train(NAME, directory=directory, return_record=True, verify=False)
    assert record["verified"] is False


def test_upper_case_sha256_verifies_a_correct_file(shipped):
    directory, path = shipped
    _set_sha(directory, ck.sha256(path).upper())
    _, record = ck.load_or_train(NAME, directory=directory, return_record=True)
    assert record["verified"] is True
    _tamper(path)
    with pytest.raises(ck.CheckpointIntegrityError, match="does not match the SHA-256"):
        ck.load_or_train(NAME, directory=directory)


def test_nan_weights_are_refused_with_the_file_name(shipped):
    directory, path = shipped
    _tamper(path, np.nan)
    _set_sha(directory, ck.sha256(path))  # recorded: only the values are wrong
    with pytest.raises(ck.NonFiniteWeightsError, match=rf"{path.name} holds NaN or infinite"):
        ck.load_or_train(NAME, directory=directory)
    with pytest.raises(ValueError, match=r"NaN or infinite weights in \d+ variable"):
        ck.load(NAME, path)


def test_save_refuses_a_suffix_that_is_not_the_format(tmp_path):
    model = vae.build(recipes.get("vae", fast=True))
    for bad in ("gen.h5", "gen.weights.h5", "gen.npz", "gen.keras"):
        with pytest.raises(ValueError, match=r"written in the \.weights\.npz format.*ending in"):
            ck.save("vae", model, tmp_path / bad)
        assert not (tmp_path / bad).exists()
    path = ck.save("vae", model, tmp_path / "gen.weights.npz")
    assert ck.load("vae", path) is not None
