"""Trained comparison models of chapters 01-03 (and 06), shipped or trained on demand.

Chapter 04 compares every image model of the course on the same metrics. Training
them all takes a while on a laptop CPU, so checkpoints ship in
``genai_keras/assets/checkpoints/``, made by ``scripts/train_checkpoints.py`` from the
recipes of :mod:`genai_keras.recipes` (a checkpoint's name is its recipe's name).
:func:`load_or_train` loads a checkpoint when it is present and otherwise trains the
recipe (in fast mode its tiny variant, good for tests only; nothing is written into the
package).

Keras models (VAEs, GANs, flow matching) are stored in one format, ``.weights.npz``
(:mod:`genai_keras.weights`, re-exported here:
:func:`~genai_keras.weights.write_weights`, :func:`~genai_keras.weights.read_weights`,
:func:`~genai_keras.weights.assign_weights`): float16 values keyed by variable path,
written byte-for-byte reproducibly. The architecture is rebuilt from the recipe, and
loading checks that the file holds exactly the model's variables, with the model's
shapes, before assigning any. The GANs keep only their weight-averaged generator. The
NumPy pixel models of chapter 01 use their own ``.npz`` format. How each family is
saved and loaded is its record in :mod:`genai_keras.families`.

Publishing: :func:`publish` writes a trained model's checkpoint and its ``manifest.json``
entry (recipe, training time, parameters, file size, SHA-256, ...) and the folder's
``README.md``; ``scripts/train_checkpoints.py`` and the benchmarks that ship a model
call it, and nothing else writes the manifest.

Trust: every file's SHA-256 is recorded in ``manifest.json``; :func:`load_or_train`
checks it and refuses a checkpoint without a manifest entry (``verify=False`` loads it
anyway, marking its record ``"verified": False``). A broken manifest (not JSON, an
entry with an unknown setting, or a recipe the weights do not fit) raises
:class:`ManifestError` naming the file and entry. The weights load on every Keras
backend.

This module only saves, loads and verifies. Scoring the models for chapter 04's
comparison table is :mod:`genai_keras.studies.comparison`.

Used in chapters 01, 03, 04 and 06.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import keras

from genai_keras import families, recipes
from genai_keras.files import locked, write_atomic
from genai_keras.utils import count_parameters, sha256_of
from genai_keras.weights import (  # noqa: F401 (the format's names, re-exported)
    STORAGE_DTYPE,
    WEIGHTS_FORMAT,
    WEIGHTS_SUFFIX,
    NonFiniteWeightsError,
    assign_weights,
    read_weights,
    write_weights,
)

CHECKPOINT_DIR = Path(__file__).resolve().parent / "assets" / "checkpoints"
MANIFEST = "manifest.json"
#: The comparison models, in table order (each is a recipe of :mod:`genai_keras.recipes`).
MODELS: tuple[str, ...] = (
    "independent_bernoulli",
    "bernoulli_mixture",
    "vae",
    "conditional_vae",
    "dcgan",
    "wgan_gp",
    "self_conditioned_gan",
    "conditional_gan",
    "flow_matching",
    "guided_flow_matching",
)
REGENERATE = "python scripts/train_checkpoints.py --force"
#: The command that trains and publishes the checkpoints (recorded in each manifest entry).
TRAIN_COMMAND = "env GENAI_KERAS_DATA=../shared/data python scripts/train_checkpoints.py"
#: How the Keras models' weights are stored (each manifest entry's ``storage``).
STORAGE = f"{STORAGE_DTYPE} weights ({WEIGHTS_FORMAT}, {WEIGHTS_SUFFIX}), re-loaded as float32"
#: Recipe settings that change how a model samples but not its weights.
SAMPLING_SETTINGS = ("sampler", "steps", "guidance")


class CheckpointIntegrityError(ValueError):
    """A checkpoint file differs from the one its manifest records, or has no record."""


class ManifestError(ValueError):
    """``manifest.json`` is unreadable, or one of its entries cannot describe its checkpoint."""


class RecipeMismatchWarning(UserWarning):
    """A manifest recipe samples differently from the registered recipe of the same name."""


_WARNED: set[tuple[str, str]] = set()


def _recipe(name: str) -> recipes.Recipe:
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}; choose one of: {', '.join(MODELS)}.")
    return recipes.RECIPES[name]


def checkpoint_path(name: str, directory: str | Path | None = None) -> Path:
    """Where ``name``'s checkpoint lives (it may not exist yet)."""
    suffix = families.family_of(_recipe(name)).suffix
    return Path(directory or CHECKPOINT_DIR) / f"{name}{suffix}"


#: SHA-256 of a file, as hex: :func:`genai_keras.utils.sha256_of` (scripts and tests use
#: this name).
sha256 = sha256_of


# ----------------------------------------------------------------- saving / loading
def _checkpoint_family(name: str, recipe: recipes.Recipe) -> families.Family:
    family = families.family_of(recipe)
    if not family.has_checkpoints:
        raise ValueError(f"Recipe {name!r} (family {recipe.family!r}) is not a Keras checkpoint.")
    return family


def save(name: str, model: Any, path: str | Path) -> Path:
    """Write a trained model of recipe ``name`` (GANs: the sampling generator only).

    Pixel models: their ``.npz``. Keras models: ``.weights.npz``
    (:func:`~genai_keras.weights.write_weights`, float16), copied first into a fresh model
    of the recipe so that the variable paths are those :func:`load` builds (no optimizer
    state ships).
    """
    path = Path(path)
    recipe = getattr(model, "recipe", None) or _recipe(name)
    family = _checkpoint_family(name, recipe)
    if not path.name.endswith(family.suffix) or path.name == family.suffix:
        raise ValueError(
            f"Cannot save recipe {name!r} as {str(path)!r}: its checkpoints are written in "
            f"the {family.suffix} format, and load() reads a file by its suffix. Give a "
            f"name ending in {family.suffix}, e.g. {str(path.with_name(name + family.suffix))!r} "
            f"(checkpoint_path({name!r}, folder) gives it)."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return family.save(model, path, recipe)


def load(
    name: str,
    path: str | Path,
    expected_sha256: str | None = None,
    recipe: recipes.Recipe | None = None,
) -> Any:
    """Rebuild the model of recipe ``name`` and load its weights from ``path``.

    Args:
        name: a key of :data:`MODELS`.
        path: the checkpoint file (``.weights.npz``; a Keras ``.weights.h5`` of an
            older release is read too, for conversion).
        expected_sha256: if given, the file's SHA-256 must match (64 hex digits, either
            case; anything else raises :class:`ManifestError`).
        recipe: the recipe the weights were trained from (default: the registered one).

    Raises:
        CheckpointIntegrityError: the file's SHA-256 differs (a corrupt or replaced
            file): retrain it with ``scripts/train_checkpoints.py`` or reinstall.
        NonFiniteWeightsError: the file holds NaN or infinite weights.
        ValueError: the file does not hold this architecture's weights.
    """
    recipe = recipe or _recipe(name)
    path = Path(path)
    if expected_sha256 is not None and sha256(path) != _checked_sha256(expected_sha256, name):
        raise CheckpointIntegrityError(
            f"{path} does not match the SHA-256 in its manifest (corrupt or replaced file). "
            f"Reinstall genai_keras, or retrain it: {REGENERATE} {name}."
        )
    return _checkpoint_family(name, recipe).load(path, recipe)


def _checked_sha256(value: Any, name: str, where: str = "") -> str:
    """A recorded SHA-256 as lower-case hex (64 digits, either case accepted).

    Raises:
        ManifestError: ``value`` is not 64 hexadecimal digits (null, a number, too short).
    """
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", value.strip()):
        raise ManifestError(
            f"The sha256 of {where or 'checkpoint ' + repr(name)} is {value!r}, not 64 "
            f"hexadecimal digits, so the file cannot be verified. Reinstall genai_keras to "
            f"restore the manifest, or retrain: {REGENERATE} {name}."
        )
    return value.strip().lower()


def read_manifest(directory: str | Path | None = None) -> dict[str, dict]:
    """The records of the shipped checkpoints (``{name: {...}}``; empty if none).

    Raises:
        ManifestError: ``manifest.json`` exists but is not JSON (corrupt, truncated) or
            not a mapping of names to records.
    """
    path = Path(directory or CHECKPOINT_DIR) / MANIFEST
    if not path.is_file():
        return {}
    fix = f"Reinstall genai_keras to restore it, or regenerate it: {REGENERATE}."
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        where = (
            f" ({err.msg}, line {err.lineno} column {err.colno})"
            if isinstance(err, json.JSONDecodeError)
            else ""
        )
        raise ManifestError(
            f"{path} is not valid JSON{where}: it is corrupt or truncated. {fix}"
        ) from err
    if not isinstance(manifest, dict) or not all(isinstance(v, dict) for v in manifest.values()):
        raise ManifestError(f"{path} must map checkpoint names to records (JSON objects). {fix}")
    return manifest


# -------------------------------------------------------------------------- publishing
def publish(
    name: str,
    model: Any,
    record: Mapping[str, Any],
    directory: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Save a model trained from recipe ``name`` as a checkpoint and record it in the manifest.

    Writes the checkpoint file (:func:`save`), sets ``name``'s entry of ``manifest.json``
    (the others are kept, in :data:`MODELS` order) and rewrites the folder's
    ``README.md`` from the manifest. :func:`load_or_train` then verifies the file
    against the entry. ``scripts/train_checkpoints.py`` and the benchmarks that ship a
    model (``--save-checkpoint``) publish with this.

    Args:
        name: a key of :data:`MODELS`.
        model: the trained model (GANs: the sampling generator is what is saved).
        record: how it was made: ``name``, ``recipe`` (``recipe.as_dict()``), ``seed``,
            ``train_seconds``, ``fast`` (:func:`train`'s record), and optionally
            ``command`` (default: the script's) and other keys, kept as they are.
        directory: the checkpoint folder (default: the package's, ``CHECKPOINT_DIR``).
        log: called with one summary line (e.g. ``print``); None is quiet.

    Returns:
        The manifest entry: ``record`` plus ``parameters``, ``file``, ``file_kib``,
        ``sha256``, ``command``, ``made`` (UTC date), ``keras``, ``backend``,
        ``cpu_count`` and, for Keras models, ``storage``.
    """
    directory = Path(directory or CHECKPOINT_DIR)
    path = checkpoint_path(name, directory)
    save(name, model, path)
    entry = dict(record)
    entry.update(
        parameters=num_parameters(model),
        file=path.name,
        file_kib=round(path.stat().st_size / 1024),
        sha256=sha256(path),
        command=entry.get("command", f"{TRAIN_COMMAND} --force {name}"),
        made=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
        keras=keras.__version__,
        backend=keras.backend.backend(),
        cpu_count=os.cpu_count(),
    )
    if _recipe(name).family != "pixel":
        entry["storage"] = STORAGE
    write_manifest_entry(name, entry, directory)
    if log is not None:
        log(
            f"{name}: {entry['train_seconds']:.0f} s, {entry['parameters']:,} parameters, "
            f"{entry['file_kib']} KiB, {recipes.Recipe(**entry['recipe']).describe()}"
        )
    return entry


def write_manifest_entry(
    name: str, entry: Mapping[str, Any], directory: str | Path | None = None
) -> dict[str, dict]:
    """Set ``name``'s entry of ``manifest.json`` in ``directory`` (default: the package's)
    and rewrite the file (JSON, 2-space indent, :data:`MODELS` order) and ``README.md``.

    The manifest is read, updated and replaced atomically under a lock
    (``genai_keras.files``): a publish that fails part-way leaves the old manifest
    whole, and concurrent publishes keep every entry; readers never see half a file.

    Returns:
        The whole manifest as written.
    """
    _recipe(name)
    directory = Path(directory or CHECKPOINT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    with locked(directory / MANIFEST):  # concurrent publishes each keep the others' entries
        manifest = read_manifest(directory)
        manifest[name] = dict(entry)
        manifest = {k: manifest[k] for k in MODELS if k in manifest}  # table order
        write_atomic(directory / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        write_atomic(directory / "README.md", _manifest_readme(manifest))
    return manifest


def _manifest_readme(manifest: Mapping[str, Mapping[str, Any]]) -> str:
    """The human-readable ``README.md`` of a checkpoint folder: a table of its manifest."""
    lines = [
        "# Shipped checkpoints of the comparison models (chapters 01-03)",
        "",
        "Made by `scripts/train_checkpoints.py` and loaded by",
        "`genai_keras.checkpoints.load_or_train(name)` for chapter 04's comparison.",
        "Regenerate (about 30 minutes on a 2-core CPU):",
        "",
        f"    {TRAIN_COMMAND} --force",
        "",
        "Keras models are stored as `.weights.npz` (float16 arrays keyed by variable path,",
        "re-loaded as float32 after every name and shape is checked; the architecture is",
        "rebuilt from the recipe in `genai_keras/recipes.py`); the GANs keep only their",
        "weight-averaged generator; the NumPy pixel models use `.npz`. Each file's SHA-256",
        "is in `manifest.json` and is checked on load; a file without an entry is refused.",
        "The weights load on TensorFlow, JAX and PyTorch alike.",
        "",
        "| name | recipe | seed | train time (s) | parameters | file (KiB) | made |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in manifest.items():
        recipe = recipes.Recipe(**r["recipe"]).describe()
        lines.append(
            f"| {name} | {recipe} | {r['seed']} | {r['train_seconds']:.0f} | "
            f"{r['parameters']:,} | {r['file_kib']} | {r['made']} |"
        )
        if r.get("converted"):
            lines.append(f"|  | ({r['converted']}) | | | | | |")
    lines += [
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Keras {keras.__version__} ({keras.backend.backend()}).",
    ]
    return "\n".join(lines) + "\n"


def _manifest_recipe(name: str, entry: dict, manifest: Path) -> recipes.Recipe | None:
    """The recipe an entry records (None if it records none), checked against the registry."""
    if "recipe" not in entry:
        return None
    registered = _recipe(name)
    where = f"entry {name!r} of {manifest}"
    fix = f"Reinstall genai_keras to restore the manifest, or retrain: {REGENERATE} {name}."
    data = entry["recipe"]
    if not isinstance(data, dict):
        raise ManifestError(f"The recipe of {where} is not a JSON object. {fix}")
    known = set(registered.as_dict())
    unknown = sorted(set(data) - known)
    if unknown:
        raise ManifestError(
            f"The recipe of {where} has unknown setting(s) {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(sorted(known))}). {fix}"
        )
    unknown = sorted(set(data.get("model") or {}) - set(registered.model))
    if unknown:
        raise ManifestError(
            f"The recipe of {where} has unknown model setting(s) "
            f"{', '.join(map(repr, unknown))} (recipe {name!r} knows: "
            f"{', '.join(sorted(registered.model))}). {fix}"
        )
    try:
        recipe = recipes.Recipe(**data)
    except (TypeError, ValueError) as err:
        raise ManifestError(f"The recipe of {where} is invalid ({err}). {fix}") from err
    if (recipe.name, recipe.family) != (registered.name, registered.family):
        raise ManifestError(
            f"{where} records recipe {recipe.name!r} of family {recipe.family!r}, "
            f"not {registered.name!r} ({registered.family}). {fix}"
        )
    differ = [
        f"{k}={recipe.model.get(k)!r} (registered: {registered.model.get(k)!r})"
        for k in SAMPLING_SETTINGS
        if k in registered.model and recipe.model.get(k) != registered.model[k]
    ]
    if differ and (name, str(differ)) not in _WARNED:
        _WARNED.add((name, str(differ)))
        warnings.warn(
            f"{where} samples with {', '.join(differ)}: the checkpoint is loaded with the "
            f"manifest's settings, those its scores were measured with. Pass them to "
            f"model.sample(...) to sample as the registered recipe does.",
            RecipeMismatchWarning,
            stacklevel=3,
        )
    return recipe


def _recipe_differences(recipe: recipes.Recipe, registered: recipes.Recipe) -> str:
    ours, theirs = recipe.as_dict(), registered.as_dict()
    ours.update(ours.pop("model"))
    theirs.update(theirs.pop("model"))
    keys = [
        k for k in sorted(set(ours) | set(theirs)) if ours.get(k) != theirs.get(k) and k != "fast"
    ]
    return (
        ", ".join(f"{k}={ours.get(k)!r} (registered: {theirs.get(k)!r})" for k in keys) or "nothing"
    )


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
    model, _ = families.train(recipe)
    record = {
        "name": name,
        "recipe": recipe.as_dict(),
        "seed": recipe.seed,
        "train_seconds": round(time.perf_counter() - start, 1),
        "fast": recipe.fast,
    }
    return model, record


def load_or_train(
    name: str,
    fast: bool | None = None,
    return_record: bool = False,
    directory: str | Path | None = None,
    verify: bool = True,
) -> Any:
    """Load comparison model ``name`` from the shipped checkpoints, or train it.

    Args:
        name: one of :data:`MODELS`.
        fast: when the package's checkpoint is missing, train the recipe's fast variant
            (True) or the full recipe (False); None follows ``gk.fast_mode()``. Nothing is
            saved into the package either way (``scripts/train_checkpoints.py`` does that).
        return_record: also return the record (manifest entry with ``"source":
            "checkpoint"`` and ``"verified"``, or the training record with ``"source":
            "trained"``).
        directory: where to look for checkpoints (default: the package's). An explicit
            directory must exist and hold the checkpoint: only the package's own
            directory falls back to training.
        verify: check the file against its ``manifest.json`` entry (SHA-256, file name,
            recipe). False loads a checkpoint that has no entry (or no manifest) too,
            marking its record ``"verified": False``; a recorded SHA-256 is still checked.

    Returns:
        The model (with ``.sample(n, labels=None, seed=None)``), or
        ``(model, record)`` if ``return_record``.

    Raises:
        ValueError: unknown name, or an explicit ``directory`` that does not exist, is a
            file, or lacks the checkpoint. CheckpointIntegrityError: a file that does not
            match its manifest, or has no manifest entry (unless ``verify=False``).
        ManifestError: ``manifest.json`` is unreadable, or its entry cannot describe the file.
    """
    registered = _recipe(name)
    if directory is not None:
        folder = Path(directory)
        if not folder.exists():
            raise ValueError(
                f"Checkpoint directory {folder} does not exist. Pass the folder "
                f"that holds {checkpoint_path(name).name} and {MANIFEST}, or "
                f"directory=None for the package's checkpoints."
            )
        if not folder.is_dir():
            raise ValueError(
                f"Checkpoint directory {folder} is a file, not a folder. Pass the "
                f"folder that holds {checkpoint_path(name).name} and {MANIFEST}, "
                f"or directory=None for the package's checkpoints."
            )
    path = checkpoint_path(name, directory)
    if not path.is_file():
        if directory is not None:
            raise ValueError(
                f"{path} does not exist: an explicit checkpoint directory must "
                f"hold the checkpoint (nothing is trained for it). Save one with "
                f"gk.checkpoints.save, or call load_or_train({name!r}) without "
                f"directory to use the package's (or train it)."
            )
        model, record = train(name, fast)
        record["source"] = "trained"
        return (model, record) if return_record else model

    manifest_path = path.parent / MANIFEST
    entry = read_manifest(path.parent).get(name)
    if entry is None or "sha256" not in entry:
        if verify:
            why = (
                f"{manifest_path} has no entry {name!r}"
                if manifest_path.is_file()
                else f"there is no {manifest_path}"
            )
            if entry is not None:
                why = f"entry {name!r} of {manifest_path} records no sha256"
            raise CheckpointIntegrityError(
                f"Refusing to load {path}: {why}, so it cannot be verified. Reinstall "
                f"genai_keras (or restore {MANIFEST}), retrain it ({REGENERATE} {name}), or, if "
                f"you trust the file, pass verify=False."
            )
        entry = dict(entry or {})
    if entry.get("file") not in (None, path.name):
        raise ManifestError(
            f"Entry {name!r} of {manifest_path} describes file {entry['file']!r}, "
            f"not {path.name}. Reinstall genai_keras, or regenerate the "
            f"checkpoint: {REGENERATE} {name}."
        )
    recorded = None
    if entry.get("sha256") is not None or (verify and "sha256" in entry):
        # recorded: it must be a hash (null, "" or a number is an error, never a pass)
        recorded = _checked_sha256(entry["sha256"], name, f"entry {name!r} of {manifest_path}")
    recipe = _manifest_recipe(name, entry, manifest_path)
    try:
        model = load(name, path, expected_sha256=recorded, recipe=recipe)
    except (CheckpointIntegrityError, NonFiniteWeightsError):
        raise
    except (TypeError, ValueError, KeyError) as err:
        if recipe is None:
            raise
        raise ManifestError(
            f"{path.name} does not fit the recipe of entry {name!r} in {manifest_path} ({err}). "
            f"That recipe differs from the registered one in: "
            f"{_recipe_differences(recipe, registered)}. Reinstall genai_keras to restore "
            f"{MANIFEST}, or retrain: {REGENERATE} {name}."
        ) from err
    record = dict(entry, source="checkpoint", verified=recorded is not None)
    return (model, record) if return_record else model


def num_parameters(model: Any) -> int:
    """Parameters used to generate (GANs: the generator only; VAEs: encoder + decoder)."""
    if hasattr(model, "num_parameters"):
        value = model.num_parameters
        return int(value() if callable(value) else value)
    return count_parameters(model.generator if hasattr(model, "generator") else model)
