"""Tests for genai_keras.checkpoints: storage round trips, load-or-train, verification.

The comparison that scores the checkpoints is tested in test_studies.py."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import shutil
import time

import keras
import numpy as np
import pytest

from genai_keras import checkpoints as ck
from genai_keras import families, recipes
from genai_keras import fast_mode as gk_fast_mode
from genai_keras.models import vae as V
from genai_keras.protocol import GenerativeModel
from genai_keras.studies import comparison


# ------------------------------------------------------------------------------ recipes
def test_recipe_names_and_families():
    assert list(recipes.RECIPES) == [
        "independent_bernoulli",
        "bernoulli_mixture",
        "autoencoder",
        "vae_2d",
        "vae",
        "vae_long",
        "conditional_vae",
        "dcgan",
        "wgan_gp",
        "conditional_gan",
        "self_conditioned_gan",
        "flow_matching",
        "guided_flow_matching",
        "char_transformer",
        "denoiser",
        "denoiser_cvae",
        "super_resolver",
        "super_resolver_cvae",
        "inpainter",
        "inpainter_cvae",
        "augment_classifier",
        "augment_cvae",
        "char_transformer_pretrain",
        "char_transformer_finetune",
        "char_transformer_scratch",
    ]
    for name, recipe in recipes.RECIPES.items():
        assert recipe.name == name and recipe.family in recipes.FAMILIES and not recipe.fast
        assert recipe.describe().startswith(f"{name}: ")
        assert json.loads(json.dumps(recipe.as_dict()))["name"] == name
    assert set(ck.MODELS) <= set(recipes.RECIPES)
    with pytest.raises(
        ValueError,
        match="family must be one of pixel, autoencoder, vae, gan, text, diffusion, application",
    ):
        recipes.Recipe("x", "energy", "X", "09")


def test_recipe_replace_changes_fields_model_and_optimizer_keys():
    vae = recipes.get("vae", fast=False)
    changed = vae.replace(latent_dim=2, learning_rate=1e-3, epochs=3, limit=512, seed=7)
    assert changed.model["latent_dim"] == 2 and changed.optimizer["learning_rate"] == 1e-3
    assert (changed.epochs, changed.limit, changed.seed) == (3, 512, 7)
    assert changed.model["beta"] == vae.model["beta"]  # the rest is kept
    # The original (and the registry) are untouched: frozen, and the dicts are copied.
    assert vae.model["latent_dim"] == 32 and vae.optimizer["learning_rate"] == 2e-3
    assert recipes.RECIPES["vae"] is vae and vae.epochs == 6 and vae.limit is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        vae.epochs = 1
    mixture = recipes.get("bernoulli_mixture", fast=False).replace(num_components=5)
    assert mixture.model["num_components"] == 5
    assert vae.replace() == vae


def test_recipe_replace_unknown_key_names_the_known_ones():
    vae = recipes.get("vae")
    with pytest.raises(ValueError, match="Recipe 'vae' has no setting 'nope'; known: ") as info:
        vae.replace(nope=1)
    message = str(info.value)
    for known in ("batch_size", "beta", "epochs", "latent_dim", "learning_rate", "limit", "seed"):
        assert known in message
    with pytest.raises(ValueError, match=r"has no setting 'latent_dim'.*num_components"):
        recipes.get("bernoulli_mixture").replace(latent_dim=2)  # a VAE setting on a pixel recipe
    with pytest.raises(ValueError, match="not the whole 'model' dict"):
        vae.replace(model={"latent_dim": 2})
    with pytest.raises(ValueError, match="not the whole 'optimizer' dict"):
        vae.replace(optimizer={})


def test_get_unknown_recipe_raises():
    with pytest.raises(
        ValueError,
        match=r"Unknown recipe 'nope'; choose one of: "
        r"independent_bernoulli, bernoulli_mixture, .*char_transformer",
    ):
        recipes.get("nope")
    with pytest.raises(ValueError, match="Unknown recipe 'nope'"):
        families.train("nope")
    with pytest.raises(ValueError, match="takes a Recipe or a recipe name, got int"):
        families.train(3)


@pytest.mark.parametrize("name", list(recipes.RECIPES))
def test_fast_variant_is_what_get_returns_in_fast_mode(name):
    full = recipes.RECIPES[name]
    fast = recipes.get(name, fast=True)
    assert fast == recipes.fast_variant(full) and fast.fast is True
    assert recipes.fast_variant(fast) is fast  # already fast: unchanged
    assert recipes.get(name, fast=False) is full
    assert (fast.name, fast.family, fast.seed) == (full.name, full.family, full.seed)
    if full.family == "text":
        assert fast.steps == 150 and fast.model["num_layers"] == 2
        assert fast.steps < full.steps and fast.model["embed_dim"] < full.model["embed_dim"]
    else:
        assert fast.limit == recipes.FAST_IMAGES == 1024
        assert fast.epochs == (None if full.epochs is None else 1)
    assert fast.describe().endswith("(fast mode)")


def test_get_follows_the_fast_mode_variable(monkeypatch):
    monkeypatch.setenv("GENAI_KERAS_FAST", "1")
    assert recipes.get("vae").fast is True and recipes.get("vae").limit == 1024
    monkeypatch.setenv("GENAI_KERAS_FAST", "0")
    assert recipes.get("vae") is recipes.RECIPES["vae"]


def test_conditional_models_and_checkpoint_paths(tmp_path):
    assert [n for n in ck.MODELS if recipes.RECIPES[n].conditional] == [
        "conditional_vae",
        "conditional_gan",
        "guided_flow_matching",
    ]
    assert ck.checkpoint_path("bernoulli_mixture", tmp_path) == tmp_path / "bernoulli_mixture.npz"
    assert ck.checkpoint_path("vae", tmp_path) == tmp_path / "vae.weights.npz"
    assert ck.checkpoint_path("dcgan").parent == ck.CHECKPOINT_DIR
    path = tmp_path / "bytes.bin"
    path.write_bytes(b"genai")
    assert ck.sha256(path) == hashlib.sha256(b"genai").hexdigest()
    assert ck.read_manifest(tmp_path) == {}


# -------------------------------------------------------------------------- checkpoints


def test_unknown_model_name_raises():
    with pytest.raises(ValueError, match=r"Unknown model 'gan'.*dcgan"):
        ck.load_or_train("gan")
    with pytest.raises(ValueError, match="Unknown model"):
        ck.checkpoint_path("pixelcnn")


@pytest.fixture(scope="module")
def tiny_vae():
    """The "vae" recipe's architecture, trained for one step on 256 digits."""
    model, _ = V.train(recipes.get("vae", fast=True).replace(limit=256, batch_size=256))
    return model


def test_weights_npz_round_trip_in_float16(tiny_vae, tmp_path):
    path = ck.save("vae", tiny_vae, ck.checkpoint_path("vae", tmp_path))
    assert path == tmp_path / "vae.weights.npz" and path.is_file()
    stored = ck.read_weights(path)
    assert list(stored) == [w.path for w in tiny_vae.weights]  # keyed by variable path
    assert {a.dtype for a in stored.values()} == {np.dtype(ck.STORAGE_DTYPE)}
    loaded = ck.load("vae", path, expected_sha256=ck.sha256(path))
    assert type(loaded) is V.VAE and not loaded.conditional
    assert isinstance(loaded, GenerativeModel)
    assert loaded.get_weights()  # not an empty comparison
    for a, b in zip(loaded.get_weights(), tiny_vae.get_weights(), strict=True):
        assert a.dtype == np.float32  # re-loaded as float32: the float16 value of each weight
        np.testing.assert_array_equal(a, b.astype(np.float16).astype(np.float32))
    np.testing.assert_allclose(loaded.sample(4, seed=3), tiny_vae.sample(4, seed=3), atol=2e-2)
    assert ck.num_parameters(loaded) == ck.num_parameters(tiny_vae)
    # Half the size of float32; saving again writes the same bytes (no optimizer state,
    # fixed zip timestamps).
    assert path.stat().st_size < 2 * ck.num_parameters(tiny_vae) + 20_000
    again = ck.save("vae", loaded, tmp_path / "again.weights.npz")
    assert ck.sha256(again) == ck.sha256(path)


def test_legacy_weights_h5_is_read_for_conversion(tiny_vae, tmp_path):
    path = tmp_path / "vae.weights.h5"
    tiny_vae.save_weights(path)
    loaded = ck.load("vae", path)
    assert loaded.get_weights()  # not an empty comparison
    for a, b in zip(loaded.get_weights(), tiny_vae.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_weights_file_checks(tiny_vae, tmp_path):
    path = ck.save("vae", tiny_vae, tmp_path / "vae.weights.npz")
    truncated = tmp_path / "truncated.weights.npz"
    truncated.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(
        ValueError,
        match=r"truncated\.weights\.npz could not be read as a genai_keras "
        r"weights file .*truncated or not this format",
    ):
        ck.load("vae", truncated)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(ValueError, match=r"other\.npz is not a genai_keras weights file"):
        ck.read_weights(other)
    import keras

    big = keras.Variable(np.full((2,), 1e6, np.float32), name="big")
    with pytest.raises(ValueError, match="Variable 'big' has values beyond the float16 range"):
        ck.write_weights([big], tmp_path / "big.weights.npz")


def test_pixel_checkpoint_round_trip(tmp_path):
    model, record = ck.train("bernoulli_mixture", fast=True)
    assert (
        record["fast"] is True
        and record["recipe"] == recipes.get("bernoulli_mixture", fast=True).as_dict()
    )
    path = ck.save("bernoulli_mixture", model, ck.checkpoint_path("bernoulli_mixture", tmp_path))
    assert path.suffix == ".npz"
    loaded = ck.load("bernoulli_mixture", path)
    np.testing.assert_array_equal(loaded.probs, model.probs)
    np.testing.assert_array_equal(loaded.sample(5, seed=1), model.sample(5, seed=1))


def test_gan_generator_round_trip(tmp_path):
    from genai_keras.models import gan

    model, _ = gan.train(recipes.get("dcgan", fast=True).replace(limit=256))
    path = ck.save("dcgan", model, ck.checkpoint_path("dcgan", tmp_path))
    loaded = ck.load("dcgan", path, expected_sha256=ck.sha256(path))
    assert loaded.discriminator is None and not loaded.conditional
    # The weight-averaged generator (the one that samples) is what ships, in float16.
    assert loaded.generator.get_weights()  # not an empty comparison
    for a, b in zip(
        loaded.generator.get_weights(), model.sampling_generator.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(a, b.astype(np.float16).astype(np.float32))
    np.testing.assert_allclose(loaded.sample(4, seed=2), model.sample(4, seed=2), atol=5e-2)
    assert ck.num_parameters(loaded) == ck.num_parameters(model)


@pytest.mark.filterwarnings("ignore:Skipping nested container")
def test_weights_from_another_architecture_raise(tiny_vae, tmp_path):
    path = ck.save("vae", tiny_vae, tmp_path / "vae.weights.npz")
    with pytest.raises(
        ValueError,
        match=r"could not be loaded into recipe 'conditional_vae'.s model: "
        r"the file holds 18 variables, .*shapes differ",
    ):
        ck.load("conditional_vae", path)
    with pytest.raises(
        ValueError, match=r"could not be loaded.*missing from the file: project/kernel"
    ):
        ck.load("dcgan", path)


def test_wrong_sha256_raises_integrity_error(tiny_vae, tmp_path):
    path = ck.save("vae", tiny_vae, tmp_path / "vae.weights.npz")
    with pytest.raises(ck.CheckpointIntegrityError, match="does not match the SHA-256"):
        ck.load("vae", path, expected_sha256="0" * 64)
    assert issubclass(ck.CheckpointIntegrityError, ValueError)


@pytest.mark.parametrize("name", ["independent_bernoulli", "dcgan"])
def test_tampered_checkpoint_raises_with_how_to_fix_it(name, tmp_path):
    if not ck.checkpoint_path(name).is_file() or not ck.read_manifest():
        pytest.fail(f"{name} or the manifest is not shipped: a packaging regression")
    directory = tmp_path / "checkpoints"
    shutil.copytree(ck.CHECKPOINT_DIR, directory)
    path = ck.checkpoint_path(name, directory)
    ck.load_or_train(name, directory=directory)  # the untouched copy loads
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # change one byte
    path.write_bytes(bytes(data))
    fix = (
        r"does not match the SHA-256 in its manifest \(corrupt or replaced file\)\. "
        r"Reinstall genai_keras, or retrain it: python scripts/train_checkpoints\.py "
        rf"--force {name}\."
    )
    with pytest.raises(ck.CheckpointIntegrityError, match=fix) as info:
        ck.load_or_train(name, directory=directory)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_missing_checkpoint_is_trained_fast_and_not_saved(tmp_path, monkeypatch):
    monkeypatch.setattr(ck, "CHECKPOINT_DIR", tmp_path)  # only the package's folder trains
    model, record = ck.load_or_train("bernoulli_mixture", fast=True, return_record=True)
    assert record["source"] == "trained" and record["fast"] is True
    assert list(tmp_path.iterdir()) == []
    samples = np.asarray(model.sample(6, seed=1))
    assert samples.shape == (6, 28, 28, 1) and set(np.unique(samples)) <= {0.0, 1.0}


def test_checkpoint_in_a_directory_is_loaded(tmp_path):
    model, _ = ck.train("independent_bernoulli", fast=True)
    ck.save("independent_bernoulli", model, ck.checkpoint_path("independent_bernoulli", tmp_path))
    sha = ck.sha256(ck.checkpoint_path("independent_bernoulli", tmp_path))
    (tmp_path / ck.MANIFEST).write_text(
        json.dumps({"independent_bernoulli": {"train_seconds": 1.5, "sha256": sha}})
    )
    loaded, record = ck.load_or_train(
        "independent_bernoulli", return_record=True, directory=tmp_path
    )
    assert record == {"train_seconds": 1.5, "sha256": sha, "source": "checkpoint", "verified": True}
    np.testing.assert_allclose(loaded.probs, model.probs)


# --------------------------------------------------------------------------- publishing
def test_publish_writes_a_checkpoint_and_an_entry_that_load_verifies(tiny_vae, tmp_path):
    lines = []
    model, record = ck.train("independent_bernoulli", fast=True)
    entry = ck.publish("independent_bernoulli", model, record, tmp_path, log=lines.append)
    path = ck.checkpoint_path("independent_bernoulli", tmp_path)
    assert entry["file"] == path.name and entry["sha256"] == ck.sha256(path)
    assert entry["command"] == f"{ck.TRAIN_COMMAND} --force independent_bernoulli"
    assert entry["parameters"] == 784 and "storage" not in entry
    assert entry["recipe"] == recipes.get("independent_bernoulli", fast=True).as_dict()
    # How it was made: the file's size, today's UTC date, this Keras, backend and machine.
    assert entry["file_kib"] == round(path.stat().st_size / 1024) > 0
    assert entry["made"] == datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    assert (entry["keras"], entry["backend"]) == (keras.__version__, keras.backend.backend())
    assert entry["cpu_count"] == os.cpu_count()
    assert lines == [
        f"independent_bernoulli: {record['train_seconds']:.0f} s, 784 parameters, "
        f"{entry['file_kib']} KiB, {recipes.Recipe(**entry['recipe']).describe()}"
    ]
    shipped = ck.read_manifest().get("independent_bernoulli")
    if shipped is not None:  # the same fields as the shipped entries (less retired notes)
        assert set(entry) == set(shipped) - {"trained_with"}
    # A Keras model: its storage is recorded; the manifest keeps both, in table order.
    vae_record = {
        "name": "vae",
        "recipe": tiny_vae.recipe.as_dict(),
        "seed": 0,
        "train_seconds": 1.0,
        "fast": True,
        "command": "pytest",
    }
    vae_entry = ck.publish("vae", tiny_vae, vae_record, tmp_path)
    assert vae_entry["storage"] == ck.STORAGE and vae_entry["command"] == "pytest"
    manifest_text = (tmp_path / ck.MANIFEST).read_text()
    assert manifest_text == json.dumps(ck.read_manifest(tmp_path), indent=2) + "\n"
    assert list(ck.read_manifest(tmp_path)) == ["independent_bernoulli", "vae"]
    assert "| independent_bernoulli |" in (tmp_path / "README.md").read_text()
    for name in ("independent_bernoulli", "vae"):
        _, loaded_record = ck.load_or_train(name, return_record=True, directory=tmp_path)
        assert loaded_record["verified"] is True and loaded_record["source"] == "checkpoint"
    path.write_bytes(path.read_bytes()[:-1] + b"x")  # the entry now refuses a changed file
    with pytest.raises(ck.CheckpointIntegrityError, match="does not match the SHA-256"):
        ck.load_or_train("independent_bernoulli", directory=tmp_path)


def test_rewriting_the_shipped_manifest_keeps_its_bytes(tmp_path):
    if not ck.read_manifest():
        pytest.fail("no shipped manifest: a packaging regression")
    shutil.copy(ck.CHECKPOINT_DIR / ck.MANIFEST, tmp_path / ck.MANIFEST)
    for name, entry in ck.read_manifest().items():
        ck.write_manifest_entry(name, entry, tmp_path)
    assert (tmp_path / ck.MANIFEST).read_bytes() == (ck.CHECKPOINT_DIR / ck.MANIFEST).read_bytes()
    with pytest.raises(ValueError, match="Unknown model 'gan'"):
        ck.write_manifest_entry("gan", {}, tmp_path)


def test_benchmarks_and_scripts_import_the_package_not_each_other():
    """They reach publish through ``genai_keras.checkpoints``; nobody edits ``sys.path``."""
    root = ck.CHECKPOINT_DIR.parents[2]
    found = [
        f"{p.relative_to(root)}: {line.strip()}"
        for folder in ("benchmarks", "scripts")
        for p in sorted((root / folder).glob("*.py"))
        for line in p.read_text().splitlines()
        if "sys.path.insert" in line
        or "sys.path.append" in line
        or line.strip().startswith(("from train_checkpoints", "import train_checkpoints"))
    ]
    assert not found, f"import the installed package instead: {found}"


@pytest.mark.parametrize("name", list(ck.MODELS))
def test_shipped_checkpoints_load_and_sample(name):
    path = ck.checkpoint_path(name)
    if not path.is_file():
        pytest.fail(f"{path.name} is not shipped: a packaging regression")
    model, record = ck.load_or_train(name, return_record=True)  # checks the SHA-256
    assert record["source"] == "checkpoint" and record["train_seconds"] > 0
    assert record["sha256"] == ck.sha256(path) and record["file"] == path.name
    assert record["recipe"]["name"] == name and record["fast"] is False
    assert record["verified"] is True
    assert isinstance(model, GenerativeModel)
    assert model.conditional is recipes.RECIPES[name].conditional
    samples = comparison.sample_images(name, model, 10, seed=0)
    assert samples.shape == (10, 28, 28, 1)
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    assert ck.num_parameters(model) == record["parameters"]
    # Keras models: float16 weights, 2 bytes per parameter (the VAEs ~1.7 M parameters;
    # the flow-matching models ~6.9 M: a velocity MLP of width 512, plus the autoencoder)
    if recipes.RECIPES[name].family != "pixel":
        assert path.name.endswith(".weights.npz") and record["storage"].startswith("float16")
        held = model.generator if recipes.RECIPES[name].family == "gan" else model
        values = sum(int(np.prod(w.shape)) for w in held.weights)  # with the frozen encoder
        assert path.stat().st_size < 2 * values + 50_000


def test_recipe_differences_names_every_field_that_differs_except_fast():
    """The warning's text for a manifest recipe that is not the registered one."""
    registered = recipes.get("vae", fast=False)
    assert ck._recipe_differences(registered, registered) == "nothing"
    assert ck._recipe_differences(registered.replace(fast=True), registered) == "nothing"
    changed = registered.replace(latent_dim=8, epochs=2)
    assert ck._recipe_differences(changed, registered) == (
        f"epochs=2 (registered: {registered.epochs!r}), "
        f"latent_dim=8 (registered: {registered.model['latent_dim']!r})"
    )
    extra = dataclasses.replace(registered, model={**registered.model, "new_key": 1})
    assert ck._recipe_differences(extra, registered) == "new_key=1 (registered: None)"


def test_shipped_readme_is_the_table_the_code_writes_for_the_shipped_manifest():
    """The folder's README.md is generated: rewriting it from the shipped manifest gives the
    committed text (all but the last line, which names the machine that wrote it)."""
    shipped = (ck.CHECKPOINT_DIR / "README.md").read_text().split("\n")
    written = ck._manifest_readme(ck.read_manifest()).split("\n")
    assert written[-1] == shipped[-1] == ""  # one final newline
    assert written[-2].startswith("Machine: ") and shipped[-2].startswith("Machine: ")
    assert written[:-2] == shipped[:-2]


def test_publish_creates_missing_parent_folders_and_dates_in_utc(tmp_path, monkeypatch):
    """The date is UTC's even where local time is on another day."""
    utc = datetime.datetime.now(datetime.UTC)
    monkeypatch.setenv("TZ", "Etc/GMT+12" if utc.hour < 12 else "Etc/GMT-14")
    time.tzset()
    try:
        assert datetime.datetime.now().date() != utc.date()  # local time: another day
        model, record = ck.train("independent_bernoulli", fast=True)
        entry = ck.publish("independent_bernoulli", model, record, tmp_path / "new" / "folder")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert entry["made"] == datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    assert (tmp_path / "new" / "folder" / ck.MANIFEST).is_file()


def test_train_follows_its_fast_argument_not_the_global_mode():
    assert gk_fast_mode()  # the tests run in fast mode
    model, record = ck.train("independent_bernoulli", fast=False)
    assert model.probs.size == 784 and record["fast"] is False
    assert record["recipe"] == recipes.get("independent_bernoulli", fast=False).as_dict()
    assert isinstance(record["train_seconds"], float)  # seconds to 0.1 s, not rounded to 1 s
    assert record["seed"] == recipes.get("independent_bernoulli", fast=False).seed
