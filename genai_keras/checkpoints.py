"""Trained comparison models of chapters 01-03, shipped or trained on demand.

Chapter 04 compares every image model of the course on the same metrics. Training
them all takes a while on a laptop CPU, so checkpoints ship in
``genai_keras/assets/checkpoints/``, made by ``scripts/train_checkpoints.py`` from the
recipes of :mod:`genai_keras.recipes` (a checkpoint's name is its recipe's name).
:func:`load_or_train` loads a checkpoint when it is present and otherwise trains the
recipe (in fast mode its tiny variant, good for tests only; nothing is written into the
package).

Keras models are stored in Keras' own weights format (``.weights.h5``: the
architecture is rebuilt from the recipe); the GANs keep only their weight-averaged
generator. The NumPy pixel models of chapter 01 use their own ``.npz`` format. Every
file's SHA-256 is recorded in ``manifest.json`` and checked on load. The weights load
on every Keras backend.

:func:`compare_models` scores models (test NLL where the model has one, FID, KID, IS,
precision, recall, training time, parameters) for the comparison table of chapter 04
and ``benchmarks/compare.py``.

Used in chapter 04.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras import recipes
from genai_keras.utils import sha256_of

CHECKPOINT_DIR = Path(__file__).resolve().parent / "assets" / "checkpoints"
MANIFEST = "manifest.json"
#: The comparison models, in table order (each is a recipe of :mod:`genai_keras.recipes`).
MODELS: tuple[str, ...] = ("independent_bernoulli", "bernoulli_mixture", "vae",
                           "conditional_vae", "dcgan", "wgan_gp", "self_conditioned_gan",
                           "conditional_gan", "flow_matching", "guided_flow_matching")
#: How each family's likelihood is computed for the table (None: the family has none).
LIKELIHOOD = {"pixel": "exact", "vae": "iwae", "gan": None, "diffusion": None}
REGENERATE = "python scripts/train_checkpoints.py --force"


class CheckpointIntegrityError(ValueError):
    """A checkpoint file differs from the one its manifest records."""


def _recipe(name: str) -> recipes.Recipe:
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}; choose one of: {', '.join(MODELS)}.")
    return recipes.RECIPES[name]


def is_conditional(name: str) -> bool:
    """True when the model's samples need labels (drawn 0..9 in turn for scoring)."""
    model = _recipe(name).model
    return bool(model.get("conditional") or model.get("num_classes"))


def checkpoint_path(name: str, directory: str | Path | None = None) -> Path:
    """Where ``name``'s checkpoint lives (it may not exist yet)."""
    suffix = ".npz" if _recipe(name).family == "pixel" else ".weights.h5"
    return Path(directory or CHECKPOINT_DIR) / f"{name}{suffix}"


def sha256(path: str | Path) -> str:
    """SHA-256 of a file, as hex (``genai_keras.utils.sha256_of``)."""
    return sha256_of(path)


# ----------------------------------------------------------------- saving / loading
def save(name: str, model: Any, path: str | Path) -> Path:
    """Write a trained model of recipe ``name`` (GANs: the sampling generator only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    family = _recipe(name).family
    if family == "pixel":
        return Path(model.save(path))
    if family == "gan":
        model.sampling_generator.save_weights(path)
        return path
    from genai_keras.models import diffusion, vae

    # A fresh model of the recipe it was trained from: no optimizer state ships.
    builder = diffusion.build if family == "diffusion" else vae.build
    clean = builder(getattr(model, "recipe", None) or _recipe(name))
    clean.set_weights(model.get_weights())
    clean.save_weights(path)
    return path


def load(name: str, path: str | Path, expected_sha256: str | None = None,
         recipe: recipes.Recipe | None = None) -> Any:
    """Rebuild the model of recipe ``name`` and load its weights from ``path``.

    Args:
        name: a key of :data:`MODELS`.
        path: the checkpoint file.
        expected_sha256: if given, the file's SHA-256 must match.
        recipe: the recipe the weights were trained from (default: the registered one).

    Raises:
        CheckpointIntegrityError: the file's SHA-256 differs (a corrupt or replaced
            file): retrain it with ``scripts/train_checkpoints.py`` or reinstall.
    """
    recipe = recipe or _recipe(name)
    path = Path(path)
    if expected_sha256 is not None and sha256(path) != expected_sha256:
        raise CheckpointIntegrityError(
            f"{path} does not match the SHA-256 in its manifest (corrupt or replaced file). "
            f"Reinstall genai_keras, or retrain it: {REGENERATE} {name}.")
    if recipe.family == "pixel":
        from genai_keras.models import pixel

        return pixel.load(path)
    if recipe.family in ("vae", "diffusion"):
        from genai_keras.models import diffusion, vae

        model = (diffusion.build if recipe.family == "diffusion" else vae.build)(recipe)
        model.load_weights(path)
        model.recipe = recipe
        return model
    from genai_keras.models import gan

    model = gan.build_sampler(recipe)
    model.generator.load_weights(path)
    return model


def read_manifest(directory: str | Path | None = None) -> dict[str, dict]:
    """The records of the shipped checkpoints (``{name: {...}}``; empty if none)."""
    path = Path(directory or CHECKPOINT_DIR) / MANIFEST
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


# --------------------------------------------------------------------------- training
def train(name: str, fast: bool | None = None) -> tuple[Any, dict]:
    """Train comparison model ``name`` from its recipe.

    Args:
        name: a key of :data:`MODELS`.
        fast: the recipe's fast variant (seconds; for tests) instead of the full recipe;
            None follows ``gk.fast_mode()``.

    Returns:
        ``(model, record)``: the trained model and a dict saying how it was made
        (``recipe`` as data, ``train_seconds``, ``fast``).
    """
    _recipe(name)
    recipe = recipes.get(name, fast=fast)
    start = time.perf_counter()
    model, _ = recipes.train(recipe)
    record = {"name": name, "recipe": recipe.as_dict(), "seed": recipe.seed,
              "train_seconds": round(time.perf_counter() - start, 1), "fast": recipe.fast}
    return model, record


def load_or_train(name: str, fast: bool | None = None, return_record: bool = False,
                  directory: str | Path | None = None) -> Any:
    """Load comparison model ``name`` from the shipped checkpoints, or train it.

    Args:
        name: one of :data:`MODELS`.
        fast: when the checkpoint is missing, train the recipe's fast variant (True)
            or the full recipe (False); None follows ``gk.fast_mode()``. Nothing is
            saved into the package either way (``scripts/train_checkpoints.py`` does that).
        return_record: also return the record (manifest entry, or the training record
            with ``"source": "trained"``).
        directory: where to look for checkpoints (default: the package's).

    Returns:
        The model (with ``.sample(n, labels=None, seed=None)``), or
        ``(model, record)`` if ``return_record``.

    Raises:
        ValueError: unknown name; CheckpointIntegrityError: a file that does not match
            its manifest.
    """
    _recipe(name)
    path = checkpoint_path(name, directory)
    if path.is_file():
        entry = read_manifest(directory).get(name, {})
        recipe = recipes.Recipe(**entry["recipe"]) if "recipe" in entry else None
        model = load(name, path, expected_sha256=entry.get("sha256"), recipe=recipe)
        record = dict(entry, source="checkpoint")
    else:
        model, record = train(name, fast)
        record["source"] = "trained"
    return (model, record) if return_record else model


def num_parameters(model: Any) -> int:
    """Parameters used to generate (GANs: the generator only; VAEs: encoder + decoder)."""
    if hasattr(model, "num_parameters"):
        value = model.num_parameters
        return int(value() if callable(value) else value)
    from genai_keras.utils import count_parameters

    return count_parameters(model.generator if hasattr(model, "generator") else model)


# ------------------------------------------------------------------------- comparison

def sample_images(name: str, model: Any, n: int, seed: int = 0) -> np.ndarray:
    """``n`` samples of a comparison model (conditional models: digits 0..9 in turn)."""
    labels = (np.arange(n) % 10) if is_conditional(name) else None
    return np.asarray(model.sample(n, labels=labels, seed=seed), dtype=np.float32)


def test_nll(name: str, model: Any, num_images: int = 1000, num_samples: int = 100) -> float | None:
    """Test negative log-likelihood in nats per image, or None for models without one.

    Computed on the first ``num_images`` statically binarised MNIST test digits: exact
    for the pixel models, the importance-weighted bound with ``num_samples`` samples
    for VAEs (an upper bound on the NLL; conditional VAEs give ``-log p(x | y)``).
    """
    from genai_keras.data import load_mnist

    family = _recipe(name).family
    if LIKELIHOOD[family] is None:
        return None
    x, y = load_mnist("test", binarize="static", limit=num_images)
    if family == "pixel":
        return float(-np.mean(model.log_likelihood(x)))
    labels = y.astype(np.int32) if is_conditional(name) else None
    return float(-np.mean(model.log_likelihood(x, labels, num_samples=num_samples)))


def compare_models(names: Sequence[str] | None = None, num_samples: int = 10000,
                   fast: bool | None = None, nll_images: int = 1000, nll_samples: int = 100,
                   kid_subsets: int = 100, models: Mapping[str, tuple[Any, dict]] | None = None,
                   loader: Callable[..., Any] | None = None) -> list[dict]:
    """Score comparison models with every metric: the rows of chapter 04's table.

    Args:
        names: which models (default: those in ``models`` if given, else all of
            :data:`MODELS`).
        num_samples: samples per model for FID/KID/IS/precision/recall (FID is
            biased upwards for small N: compare rows only at equal ``num_samples``).
        fast: passed to :func:`load_or_train` for missing checkpoints.
        nll_images, nll_samples: test images and importance samples of the NLL.
        kid_subsets: subsets of the KID estimate.
        models: already loaded ``{name: (model, record)}`` (as returned by
            ``load_or_train(name, return_record=True)``); others are loaded.
        loader: replaces :func:`load_or_train` (for tests).

    Returns:
        One dict per model: ``name, title, chapter, test_nll, fid, kid_mean, kid_std,
        is_mean, is_std, precision, recall, train_seconds, parameters, source,
        eval_seconds`` (NLL in nats per image; None where undefined).
    """
    from genai_keras.metrics import evaluate_samples

    loader = loader or load_or_train
    rows = []
    models = dict(models or {})
    for name in names or (list(models) if models else list(MODELS)):
        recipe = _recipe(name)
        if name in models:
            model, record = models[name]
        else:
            model, record = loader(name, fast=fast, return_record=True)
        start = time.perf_counter()
        scores = evaluate_samples(sample_images(name, model, num_samples), kid_subsets=kid_subsets)
        nll = test_nll(name, model, nll_images, nll_samples)
        rows.append({
            "name": name, "title": recipe.title, "chapter": recipe.chapter,
            "test_nll": None if nll is None else round(nll, 2),
            "nll_kind": LIKELIHOOD[recipe.family],
            "fid": round(scores["fid"], 2), "kid_mean": round(scores["kid_mean"], 2),
            "kid_std": round(scores["kid_std"], 2), "is_mean": round(scores["is_mean"], 3),
            "is_std": round(scores["is_std"], 3), "precision": round(scores["precision"], 3),
            "recall": round(scores["recall"], 3), "num_samples": scores["num_samples"],
            "train_seconds": record.get("train_seconds"), "parameters": num_parameters(model),
            "source": record.get("source"), "eval_seconds": round(time.perf_counter() - start, 1),
        })
    return rows


def comparison_markdown(rows: Sequence[dict]) -> str:
    """The comparison rows as a Markdown table (what README and the notebook show)."""
    header = ("| model | ch. | test NLL (nats) | FID | KID | IS | precision | recall "
              "| train time (s) | parameters |")
    lines = [header, "|" + "---|" * 10]

    def fmt(v, spec):
        return "n/a" if v is None else format(v, spec)

    for r in rows:
        nll = fmt(r["test_nll"], ".1f")
        if r.get("nll_kind") == "iwae":
            nll += " (IWAE)"
        lines.append(
            f"| {r['title']} | {r['chapter']} | {nll} | {fmt(r['fid'], '.1f')} "
            f"| {fmt(r['kid_mean'], '.1f')} ± {fmt(r['kid_std'], '.1f')} "
            f"| {fmt(r['is_mean'], '.2f')} | {fmt(r['precision'], '.3f')} "
            f"| {fmt(r['recall'], '.3f')} | {fmt(r['train_seconds'], '.0f')} "
            f"| {r['parameters']:,} |")
    return "\n".join(lines) + "\n"
