"""Trust in checkpoints (issue 25): a shipped file is verified against its manifest or refused.

Every test works on copies in ``tmp_path``; the shipped files are never modified.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from genai_keras import checkpoints as ck
from genai_keras import metrics

NAME = "dcgan"  # the smallest shipped Keras checkpoint


def _edit_manifest(directory, edit):
    manifest = json.loads((directory / ck.MANIFEST).read_text())
    edit(manifest)
    (directory / ck.MANIFEST).write_text(json.dumps(manifest))


def _tamper(path):
    with np.load(path) as data:  # scale every weight: a plausible, loadable file
        arrays = {k: (data[k] * 1.5 if k.startswith("w") else data[k]) for k in data.files}
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_the_copy_loads_verified(shipped):
    directory, path = shipped
    _, record = ck.load_or_train(NAME, directory=directory, return_record=True)
    assert record["source"] == "checkpoint" and record["verified"] is True
    assert record["sha256"] == ck.sha256(path)


# ------------------------------------------------- a checkpoint with no manifest entry
@pytest.mark.parametrize("how", ["no entry", "no manifest", "no sha256"])
def test_checkpoint_without_a_record_is_refused(shipped, how):
    directory, path = shipped
    _tamper(path)
    if how == "no entry":
        _edit_manifest(directory, lambda m: m.pop(NAME))
        why = rf".*manifest\.json has no entry '{NAME}'"
    elif how == "no sha256":
        _edit_manifest(directory, lambda m: m[NAME].pop("sha256"))
        why = rf"entry '{NAME}' of .*manifest\.json records no sha256"
    else:
        (directory / ck.MANIFEST).unlink()
        why = r"there is no .*manifest\.json"
    with pytest.raises(
        ck.CheckpointIntegrityError,
        match=rf"Refusing to load .*{path.name}: {why}, "
        r"so it cannot be verified\..*pass verify=False",
    ) as info:
        ck.load_or_train(NAME, directory=directory)
    assert str(path) in str(info.value)
    # The explicit opt-out loads it, and says so in the record.
    model, record = ck.load_or_train(NAME, directory=directory, return_record=True, verify=False)
    assert record["source"] == "checkpoint" and record["verified"] is False
    assert model.sample(2, seed=0).shape == (2, 28, 28, 1)


def test_verify_false_still_checks_a_recorded_sha256(shipped):
    directory, path = shipped
    _tamper(path)
    with pytest.raises(ck.CheckpointIntegrityError, match="does not match the SHA-256"):
        ck.load_or_train(NAME, directory=directory, verify=False)


# ---------------------------------------------------------- an explicit directory
def test_explicit_directory_that_is_missing_or_a_file_raises(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(ValueError, match=rf"Checkpoint directory {missing} does not exist"):
        ck.load_or_train("vae", directory=missing)
    a_file = tmp_path / "vae.weights.npz"
    a_file.write_bytes(b"x")
    with pytest.raises(ValueError, match=rf"Checkpoint directory {a_file} is a file, not a folder"):
        ck.load_or_train("vae", directory=a_file)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(
        ValueError,
        match=r"vae\.weights\.npz does not exist: an explicit checkpoint "
        r"directory must hold the checkpoint",
    ):
        ck.load_or_train("vae", directory=empty)
    assert list(empty.iterdir()) == []


# ------------------------------------------------------------------ a broken manifest
@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("{not json", r"is not valid JSON \(Expecting property name"),
        ("", r"is not valid JSON \(Expecting value, line 1 column 1\)"),
        ("[1, 2]", r"must map checkpoint names to records"),
    ],
)
def test_unreadable_manifest_names_the_file(shipped, text, what):
    directory, _ = shipped
    (directory / ck.MANIFEST).write_text(text)
    with pytest.raises(
        ck.ManifestError, match=rf"manifest\.json {what}.*Reinstall genai_keras"
    ) as info:
        ck.load_or_train(NAME, directory=directory)
    assert str(directory / ck.MANIFEST) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_truncated_manifest_names_the_file(shipped):
    directory, _ = shipped
    manifest = directory / ck.MANIFEST
    manifest.write_text(manifest.read_text()[:500])
    with pytest.raises(
        ck.ManifestError, match=r"manifest\.json is not valid JSON .*corrupt or truncated"
    ):
        ck.read_manifest(directory)


def test_manifest_recipe_with_an_unknown_setting_names_the_entry(shipped):
    directory, _ = shipped
    _edit_manifest(directory, lambda m: m[NAME]["recipe"].update(colour="blue"))
    with pytest.raises(
        ck.ManifestError,
        match=rf"recipe of entry '{NAME}' of .*manifest\.json has "
        r"unknown setting\(s\) 'colour' \(known: batch_size",
    ):
        ck.load_or_train(NAME, directory=directory)
    _edit_manifest(
        directory,
        lambda m: (m[NAME]["recipe"].pop("colour"), m[NAME]["recipe"]["model"].update(depth=9)),
    )
    with pytest.raises(ck.ManifestError, match=r"unknown model setting\(s\) 'depth'"):
        ck.load_or_train(NAME, directory=directory)


def test_manifest_recipe_of_another_architecture_names_the_entry(shipped):
    directory, path = shipped
    _edit_manifest(directory, lambda m: m[NAME]["recipe"]["model"].update(latent_dim=16))
    with pytest.raises(
        ck.ManifestError,
        match=rf"{path.name} does not fit the recipe of entry "
        rf"'{NAME}' in .*manifest\.json \(.*shapes differ.*\)\. "
        r"That recipe differs from the registered one in: "
        r"latent_dim=16 \(registered: \d+\)",
    ):
        ck.load_or_train(NAME, directory=directory)
    _edit_manifest(directory, lambda m: m[NAME]["recipe"].update(family="vae"))
    with pytest.raises(ck.ManifestError, match=r"records recipe 'dcgan' of family 'vae'"):
        ck.load_or_train(NAME, directory=directory)
    _edit_manifest(directory, lambda m: m[NAME].update(file="dcgan.weights.h5"))
    with pytest.raises(
        ck.ManifestError, match=r"describes file 'dcgan.weights.h5', not dcgan.weights.npz"
    ):
        ck.load_or_train(NAME, directory=directory)


def test_manifest_sampler_that_differs_warns_once_and_says_which(tmp_path, monkeypatch):
    name = "flow_matching"
    path = ck.checkpoint_path(name)
    if not path.is_file():
        pytest.fail(f"{path.name} is not shipped: a packaging regression")
    shutil.copy2(path, tmp_path / path.name)
    shutil.copy2(ck.CHECKPOINT_DIR / ck.MANIFEST, tmp_path / ck.MANIFEST)
    registered = ck.recipes.RECIPES[name].model
    _edit_manifest(tmp_path, lambda m: m[name]["recipe"]["model"].update(sampler="euler", steps=7))
    monkeypatch.setattr(ck, "_WARNED", set())
    with pytest.warns(
        ck.RecipeMismatchWarning,
        match=rf"entry '{name}' of .*manifest\.json samples with sampler='euler' "
        rf"\(registered: '{registered['sampler']}'\), steps=7 \(registered: "
        rf"{registered['steps']}\): the checkpoint is loaded with the manifest's",
    ):
        model, record = ck.load_or_train(name, directory=tmp_path, return_record=True)
    assert model.recipe.model["steps"] == 7 and record["verified"] is True
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ck.load_or_train(name, directory=tmp_path)  # once: no second warning


# ----------------------------------------------------- the cached reference features
@pytest.mark.filterwarnings("ignore:The cached MNIST reference")
def test_tampered_reference_cache_is_detected_and_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv(metrics.CACHE_ENV_VAR, str(tmp_path))
    metrics._mnist_test_reference.cache_clear()
    try:
        feats, probs = metrics.mnist_test_features()  # computes and writes the cache
        (cache,) = tmp_path.glob("mnist_test_features_*.npz")
        feats, probs = np.array(feats), np.array(probs)

        def reread():
            metrics._mnist_test_reference.cache_clear()
            return metrics.mnist_test_features()

        np.testing.assert_array_equal(reread()[0], feats)  # an intact cache is used
        # Edited arrays, old SHA-256 (or none): detected by the checksum.
        with np.load(cache) as data:
            stored = {k: data[k] for k in data.files}
        np.savez(cache, **dict(stored, features=stored["features"] * 3))
        with pytest.warns(
            UserWarning,
            match=r"mnist_test_features_.*\.npz does not match the "
            r"SHA-256 it records \(corrupt or edited\); recomputing",
        ):
            again, _ = reread()
        np.testing.assert_allclose(again, feats, rtol=1e-5, atol=1e-5)
        # Edited arrays with a matching SHA-256: caught by the spot check.
        from genai_keras.metrics.reference import arrays_sha256

        bad = stored["features"] * 3
        np.savez(
            cache,
            features=bad,
            probs=stored["probs"],
            sha256=np.array(arrays_sha256(bad, stored["probs"])),
        )
        with pytest.warns(
            UserWarning,
            match=r"differs from the feature network's output on 100 "
            r"spot-checked test digits",
        ):
            again, _ = reread()
        np.testing.assert_allclose(again, feats, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(reread()[0], again)  # the rewritten cache passes
    finally:
        metrics._mnist_test_reference.cache_clear()
