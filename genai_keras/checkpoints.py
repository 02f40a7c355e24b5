"""Trained comparison models of chapters 01-03, shipped or trained on demand.

Chapter 04 compares every image model of the course on the same metrics. Training
them all takes a while on a laptop CPU, so small checkpoints ship in
``genai_keras/assets/checkpoints/`` (made by ``scripts/train_checkpoints.py``, which
records how in ``manifest.json`` there). :func:`load_or_train` loads a checkpoint
when it is present, and otherwise trains the model with the chapter module's own
``train_default`` (the same code and defaults the chapter notebooks use); in fast
mode that is a tiny run, good for tests only, and nothing is written into the package.

Keras models are stored as their Keras config plus float16 weights in a compressed
``.npz`` (half the size of a ``.keras`` file; sampling is unaffected at the precision
of 8-bit images). The Bernoulli mixture uses its own ``.npz`` format.

:func:`compare_models` scores models (test NLL where the model has one, FID, KID, IS,
precision, recall, training time, parameters) for the comparison table of chapter 04
and ``benchmarks/compare.py``.

Used in chapter 04.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

CHECKPOINT_DIR = Path(__file__).resolve().parent / "assets" / "checkpoints"
MANIFEST = "manifest.json"


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """How one comparison model is trained, stored and scored.

    Attributes:
        name: the checkpoint name (``load_or_train(name)``).
        title: a short display name.
        chapter: the chapter that teaches the model.
        family: ``"pixel"``, ``"vae"`` or ``"gan"``.
        file: the checkpoint file name inside ``CHECKPOINT_DIR``.
        conditional: True when samples need labels (drawn 0..9 in turn for scoring).
        recipe: the call that trains the checkpoint (for the manifest).
        likelihood: ``"exact"``, ``"iwae"`` (importance-weighted bound) or None.
    """

    name: str
    title: str
    chapter: str
    family: str
    file: str
    conditional: bool
    recipe: str
    likelihood: str | None


#: The comparison models, in table order. Training budgets for the shipped
#: checkpoints (1-8 minutes each on a 2-core CPU) are in ``_FULL``.
MODELS: dict[str, ModelSpec] = {
    spec.name: spec for spec in [
        ModelSpec("independent_bernoulli", "Independent Bernoulli", "01", "pixel",
                  "independent_bernoulli.npz", False,
                  "pixel.IndependentBernoulli(pseudo_count=1).fit(static-binarised train)", "exact"),
        ModelSpec("bernoulli_mixture", "Bernoulli mixture (K=100)", "01", "pixel",
                  "bernoulli_mixture.npz", False, "pixel.train_default()", "exact"),
        ModelSpec("vae", "VAE", "02", "vae", "vae.npz", False,
                  "vae.train_default(epochs=EPOCHS)", "iwae"),
        ModelSpec("conditional_vae", "Conditional VAE", "02", "vae", "conditional_vae.npz", True,
                  "vae.train_default_conditional(epochs=EPOCHS)", "iwae"),
        ModelSpec("dcgan", "DCGAN", "03", "gan", "dcgan.npz", False,
                  "gan.train_default('dcgan', epochs=EPOCHS)", None),
        ModelSpec("wgan_gp", "WGAN-GP", "03", "gan", "wgan_gp.npz", False,
                  "gan.train_default('wgan-gp', epochs=EPOCHS)", None),
        ModelSpec("conditional_gan", "Conditional GAN", "03", "gan", "conditional_gan.npz", True,
                  "gan.train_default('conditional', epochs=EPOCHS)", None),
    ]
}

#: Budgets of the full (checkpoint) runs, in epochs. The DCGAN gets its full default (the
#: benchmark's model); the others shorter runs (their learning rates still decay to 0).
_FULL = {"vae_epochs": 6, "cvae_epochs": 6,
         "gan_epochs": {"dcgan": 12, "wgan_gp": 2, "conditional_gan": 6}}
#: Budgets of the tiny fast-mode runs (tests, fast notebooks): results are meaningless.
_FAST = {"train_limit": 2000, "vae_epochs": 1, "gan_images": 512, "mixture_components": 10,
         "mixture_iterations": 3}
_GAN_KIND = {"dcgan": "dcgan", "wgan_gp": "wgan-gp", "conditional_gan": "conditional"}


def _spec(name: str) -> ModelSpec:
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}; choose one of: {', '.join(MODELS)}.")
    return MODELS[name]


def _fast(fast: bool | None) -> bool:
    if fast is None:
        from genai_keras.config import fast_mode

        return fast_mode()
    return bool(fast)


# ----------------------------------------------------------------- saving / loading

def save_keras_model(model: Any, path: str | Path) -> Path:
    """Save a Keras model as its config plus float16 weights in a compressed ``.npz``.

    Integer variables (seed-generator states) are kept exactly.
    """
    import keras

    path = Path(path)
    config = json.dumps(keras.saving.serialize_keras_object(model))
    arrays = {}
    for i, w in enumerate(model.get_weights()):
        w = np.asarray(w)
        arrays[f"w{i:03d}"] = w.astype(np.float16) if np.issubdtype(w.dtype, np.floating) else w
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, config=np.array(config), **arrays)
    return path


def load_keras_model(path: str | Path) -> Any:
    """Rebuild a model saved by :func:`save_keras_model` (weights back in float32)."""
    import keras

    import genai_keras.models.gan  # noqa: F401  (registers the serialisable classes)
    import genai_keras.models.vae  # noqa: F401

    with np.load(path, allow_pickle=False) as data:
        config = json.loads(str(data["config"]))
        weights = [data[k] for k in sorted(k for k in data.files if k.startswith("w"))]
    model = keras.saving.deserialize_keras_object(config)
    current = model.get_weights()
    if len(current) != len(weights):
        raise ValueError(f"{path} holds {len(weights)} weight arrays but the rebuilt model has "
                         f"{len(current)}; the file is from another version of the model.")
    model.set_weights([w.astype(c.dtype) for w, c in zip(weights, current)])
    return model


def _save(name: str, model: Any, path: Path) -> Path:
    spec = _spec(name)
    if spec.family == "pixel":
        return Path(model.save(path))
    if spec.family == "gan":
        return save_keras_model(model.sampling_generator, path)
    return save_keras_model(model, path)


def _load(name: str, path: Path) -> Any:
    spec = _spec(name)
    if spec.family == "pixel":
        from genai_keras.models import pixel

        return pixel.load(path)
    if spec.family == "gan":
        from genai_keras.models import gan

        generator = load_keras_model(path)
        return gan.GAN(generator, None, num_classes=10 if spec.conditional else None, seed=0)
    return load_keras_model(path)


def read_manifest(directory: str | Path | None = None) -> dict[str, dict]:
    """The records of the shipped checkpoints (``{name: {...}}``; empty if none)."""
    path = Path(directory or CHECKPOINT_DIR) / MANIFEST
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def checkpoint_path(name: str, directory: str | Path | None = None) -> Path:
    """Where ``name``'s checkpoint lives (it may not exist yet)."""
    return Path(directory or CHECKPOINT_DIR) / _spec(name).file


# --------------------------------------------------------------------------- training

def train(name: str, fast: bool | None = None, seed: int = 0) -> tuple[Any, dict]:
    """Train comparison model ``name`` with its chapter's ``train_default``.

    Args:
        name: a key of :data:`MODELS`.
        fast: a tiny run (seconds; for tests) instead of the checkpoint budget;
            None follows ``gk.fast_mode()``.
        seed: the training seed.

    Returns:
        ``(model, record)``: the trained model and a dict saying how it was made
        (``recipe``, ``settings``, ``seed``, ``train_seconds``, ``fast``).
    """
    spec = _spec(name)
    fast = _fast(fast)
    settings: dict[str, Any] = {}
    start = time.perf_counter()
    if spec.family == "pixel":
        from genai_keras.data import load_mnist
        from genai_keras.models import pixel

        limit = _FAST["train_limit"] if fast else None
        if name == "independent_bernoulli":
            images, _ = load_mnist("train", binarize="static", limit=limit, seed=1)
            model = pixel.IndependentBernoulli(pseudo_count=1.0).fit(images)
            settings = {"pseudo_count": 1.0, "limit": limit}
        else:
            if fast:
                settings = {"num_components": _FAST["mixture_components"],
                            "num_iterations": _FAST["mixture_iterations"], "limit": limit}
            model = pixel.train_default(seed=seed, **settings)
    elif spec.family == "vae":
        from genai_keras.data import load_mnist
        from genai_keras.models import vae

        limit = _FAST["train_limit"] if fast else None
        images, labels = load_mnist("train", limit=limit)
        if name == "vae":
            settings = {"epochs": _FAST["vae_epochs"] if fast else _FULL["vae_epochs"]}
            model = vae.train_default(images, seed=seed, **settings)
        else:
            settings = {"epochs": _FAST["vae_epochs"] if fast else _FULL["cvae_epochs"]}
            model = vae.train_default_conditional(images, labels, seed=seed, **settings)
        settings["limit"] = limit
    else:
        from genai_keras.models import gan

        if fast:
            settings = {"epochs": 1, "limit": _FAST["gan_images"]}
        else:
            settings = {"epochs": _FULL["gan_epochs"][name]}
        model = gan.train_default(_GAN_KIND[name], seed=seed, **settings)
        settings["epochs_run"] = len(next(iter(model.history_.values()), []))
    seconds = time.perf_counter() - start
    recipe = spec.recipe.replace("EPOCHS", str(settings.get("epochs")))
    if fast:
        recipe += f"  # fast mode: {settings}"
    record = {"name": name, "recipe": recipe, "settings": settings, "seed": seed,
              "train_seconds": round(seconds, 1), "fast": fast}
    return model, record


def load_or_train(name: str, fast: bool | None = None, return_record: bool = False,
                  directory: str | Path | None = None) -> Any:
    """Load comparison model ``name`` from the shipped checkpoints, or train it.

    Args:
        name: one of :data:`MODELS` (``"bernoulli_mixture"``, ``"vae"``,
            ``"conditional_vae"``, ``"dcgan"``, ``"wgan_gp"``, ``"conditional_gan"``,
            ``"independent_bernoulli"``).
        fast: when the checkpoint is missing, train a tiny model (True) or the full
            checkpoint recipe (False); None follows ``gk.fast_mode()``. Nothing is
            saved into the package either way (``scripts/train_checkpoints.py`` does that).
        return_record: also return the record (manifest entry, or the training record
            with ``"source": "trained"``).
        directory: where to look for checkpoints (default: the package's).

    Returns:
        The model (with ``.sample(n, labels=None, seed=None)``), or
        ``(model, record)`` if ``return_record``.

    Raises:
        ValueError: unknown name.
    """
    _spec(name)
    path = checkpoint_path(name, directory)
    if path.is_file():
        model = _load(name, path)
        record = dict(read_manifest(directory).get(name, {}), source="checkpoint")
    else:
        model, record = train(name, fast)
        record["source"] = "trained"
    return (model, record) if return_record else model


def num_parameters(model: Any) -> int:
    """Parameters used to generate (GANs: the generator only; VAEs: encoder + decoder)."""
    if hasattr(model, "num_parameters"):
        value = model.num_parameters
        return int(value() if callable(value) else value)
    target = model.generator if hasattr(model, "generator") else model
    return int(sum(int(np.prod(w.shape)) for w in target.weights
                   if "float" in str(getattr(w, "dtype", "float"))))


# ------------------------------------------------------------------------- comparison

def sample_images(name: str, model: Any, n: int, seed: int = 0) -> np.ndarray:
    """``n`` samples of a comparison model (conditional models: digits 0..9 in turn)."""
    spec = _spec(name)
    labels = (np.arange(n) % 10) if spec.conditional else None
    return np.asarray(model.sample(n, labels=labels, seed=seed), dtype=np.float32)


def test_nll(name: str, model: Any, num_images: int = 1000, num_samples: int = 100) -> float | None:
    """Test negative log-likelihood in nats per image, or None for models without one.

    Computed on the first ``num_images`` statically binarised MNIST test digits: exact
    for the pixel models, the importance-weighted bound with ``num_samples`` samples
    for VAEs (an upper bound on the NLL; conditional VAEs give ``-log p(x | y)``).
    """
    from genai_keras.data import load_mnist

    spec = _spec(name)
    if spec.likelihood is None:
        return None
    x, y = load_mnist("test", binarize="static", limit=num_images)
    if spec.family == "pixel":
        return float(-np.mean(model.log_prob(x)))
    labels = y.astype(np.int32) if spec.conditional else None
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
        spec = _spec(name)
        if name in models:
            model, record = models[name]
        else:
            model, record = loader(name, fast=fast, return_record=True)
        start = time.perf_counter()
        scores = evaluate_samples(sample_images(name, model, num_samples), kid_subsets=kid_subsets)
        nll = test_nll(name, model, nll_images, nll_samples)
        rows.append({
            "name": name, "title": spec.title, "chapter": spec.chapter,
            "test_nll": None if nll is None else round(nll, 2),
            "nll_kind": spec.likelihood,
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
