"""The protocol as code (issue 24): ``model.conditional`` is the one answer to
"conditional?", and ``gk.protocol.default_labels`` the one rule for a conditional
model's ``labels=None``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import genai_keras as gk
from genai_keras import checkpoints, families, recipes
from genai_keras.models import autoencoder, pixel, vae
from genai_keras.protocol import default_labels

ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------- default labels
def test_default_labels_are_the_classes_in_turn():
    labels = default_labels(23)
    assert labels.dtype == np.int32 and labels.shape == (23,)
    np.testing.assert_array_equal(labels[:12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    assert np.bincount(default_labels(30)).tolist() == [3] * 10  # balanced
    np.testing.assert_array_equal(default_labels(5, num_classes=3), [0, 1, 2, 0, 1])
    np.testing.assert_array_equal(default_labels(np.int64(4)), [0, 1, 2, 3])
    assert default_labels(0).shape == (0,)


@pytest.mark.parametrize(
    ("n", "num_classes", "what"),
    [
        (-1, 10, r"n must be an integer >= 0, got -1"),
        (2.5, 10, r"n must be an integer >= 0, got 2\.5"),
        (True, 10, r"n must be an integer >= 0, got True"),
        ("10", 10, r"n must be an integer >= 0, got '10'"),
        (4, 0, r"num_classes must be an integer >= 1, got 0"),
        (4, None, r"num_classes must be an integer >= 1, got None"),
    ],
)
def test_default_labels_bad_input_is_a_clear_error(n, num_classes, what):
    with pytest.raises(ValueError, match=what):
        default_labels(n, num_classes)


def test_the_package_writes_the_rule_once():
    """No module but protocol.py spells out ``np.arange(n) % k`` labels."""
    pattern = re.compile(r"arange\([^)]*\)\s*%\s*(10\b|[\w.]*num_classes)|tile\(np\.arange\(10\)")
    found = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "genai_keras").rglob("*.py")
        if p.name != "protocol.py" and pattern.search(p.read_text())
    ]
    assert not found, f"use gk.protocol.default_labels instead: {found}"
    assert pattern.search("labels = np.arange(n) % self.num_classes")
    assert pattern.search("gy = np.arange(num_generated) % 10")
    assert not pattern.search("images[np.arange(steps * batch_size) % len(images)]")


# ---------------------------------------------------------------------- conditional
def _untrained(recipe: recipes.Recipe):
    if recipe.family == "gan":
        return gk.models.gan.build_sampler(recipe)
    return families.family_of(recipe).build(recipe)


@pytest.mark.parametrize(
    "name",
    [n for n in checkpoints.MODELS if families.family_of(recipes.RECIPES[n]).build is not None],
)
def test_a_model_is_conditional_exactly_when_its_recipe_is(name):
    recipe = recipes.get(name, fast=True)
    model = _untrained(recipe)
    assert isinstance(model, gk.protocol.GenerativeModel)
    assert model.conditional is recipe.conditional
    assert recipe.conditional is (
        name in ("conditional_vae", "conditional_gan", "guided_flow_matching")
    )


def test_the_self_conditioned_gan_is_not_conditional():
    recipe = recipes.get("self_conditioned_gan", fast=True)
    assert recipe.model["clusters"] and not recipe.conditional
    assert not gk.models.gan.build_sampler(recipe).conditional
    clash = recipe.replace(conditional=True)
    assert clash.conditional
    with pytest.raises(ValueError, match=r"choose conditional=True .* or clusters=K"):
        gk.models.gan.build_sampler(clash)


def test_models_without_labels_say_so():
    assert pixel.IndependentBernoulli().conditional is False
    assert pixel.BernoulliMixture().conditional is False
    assert pixel.BernoulliMixtureClassifier().conditional is True
    assert autoencoder.Autoencoder(latent_dim=2).conditional is False


def test_conditional_sample_without_labels_uses_the_default_labels():
    cvae = vae.build(recipes.get("conditional_vae", fast=True))
    assert cvae.conditional
    np.testing.assert_array_equal(
        cvae.sample(12, seed=3), cvae.sample(12, labels=default_labels(12), seed=3)
    )
    assert not np.array_equal(
        cvae.sample(12, seed=3), cvae.sample(12, labels=np.zeros(12, int), seed=3)
    )


# ------------------------------------------------------------ names that no longer exist
GONE = ("train_default", "is_conditional", "save_generator", "load_generator")


def test_nothing_names_a_retired_function():
    texts = {
        str(p.relative_to(ROOT)): p.read_text()
        for folder in ("genai_keras", "benchmarks", "scripts", "tests")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "test_protocol.py"
    }
    texts.update(
        {
            str(p.relative_to(ROOT)): p.read_text()
            for p in (ROOT / "genai_keras" / "assets" / "checkpoints").iterdir()
            if p.suffix in (".json", ".md")
        }
    )
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        texts[path.name] = "".join("".join(c["source"]) for c in cells)
    for doc in ("README.md", "DEVELOPERS.md"):
        texts[doc] = (ROOT / doc).read_text()
    found = [
        f"{where}: {name}"
        for where, text in texts.items()
        for name in GONE
        if re.search(rf"\b{name}\b", text)
    ]
    assert not found, f"names of functions that no longer exist: {found}"
    assert not hasattr(checkpoints, "is_conditional")
    assert not hasattr(gk.models.gan, "load_generator")
    assert not hasattr(gk.models.gan.GAN, "save_generator")
