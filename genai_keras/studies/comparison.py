"""Chapter 04's comparison: every image model of the course scored on the same metrics.

The models are the shipped checkpoints of :data:`genai_keras.checkpoints.MODELS` (loaded,
or trained when missing, by :func:`genai_keras.checkpoints.load_or_train`). Each gets:

* :func:`heldout_nll` -- the negative log-likelihood of MNIST test digits, in nats per
  image, where the model has one (exact for the pixel models, an importance-weighted
  bound for the VAEs);
* chapter 04's sample metrics of :func:`sample_images` (FID, KID, IS, precision, recall,
  from :func:`genai_keras.metrics.evaluate_samples`);
* its training time and parameter count.

:func:`compare_models` makes the rows, :func:`comparison_markdown` the table that the
notebook and README show; ``benchmarks/compare.py`` records them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from genai_keras import families, recipes
from genai_keras.checkpoints import MODELS, load_or_train, num_parameters
from genai_keras.data import load_mnist
from genai_keras.metrics import evaluate_samples
from genai_keras.protocol import default_labels

#: How each checkpoint family's likelihood is computed for the table (None: it has none);
#: read from :data:`genai_keras.families.FAMILIES`.
LIKELIHOOD: dict[str, str | None] = {
    f.name: f.likelihood for f in families.FAMILIES.values() if f.has_checkpoints
}


def _comparison_recipe(name: str) -> recipes.Recipe:
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}; choose one of: {', '.join(MODELS)}.")
    return recipes.RECIPES[name]


def sample_images(name: str, model: Any, n: int, seed: int = 0) -> np.ndarray:
    """``n`` samples ``(n, 28, 28, 1)``, pixels in [0, 1], of comparison model ``name``
    (conditional models: digits 0, 1, ..., 9, 0, ... in turn,
    :func:`genai_keras.protocol.default_labels`)."""
    _comparison_recipe(name)  # an unknown name is a clear error
    labels = default_labels(n) if model.conditional else None
    return np.asarray(model.sample(n, labels=labels, seed=seed), dtype=np.float32)


def heldout_nll(
    name: str, model: Any, num_images: int = 1000, num_samples: int = 100
) -> float | None:
    """Negative log-likelihood of held-out digits in nats per image, or None for models
    without one.

    Computed on the first ``num_images`` statically binarised MNIST test digits: exact
    for the pixel models, the importance-weighted bound with ``num_samples`` samples
    for VAEs (an upper bound on the NLL; conditional VAEs give ``-log p(x | y)``).
    """
    kind = families.family_of(_comparison_recipe(name)).likelihood
    if kind is None:
        return None
    x, y = load_mnist("test", binarize="static", limit=num_images)
    if kind == "exact":
        return float(-np.mean(model.log_likelihood(x)))
    labels = y.astype(np.int32) if model.conditional else None
    return float(-np.mean(model.log_likelihood(x, labels, num_samples=num_samples)))


def compare_models(
    names: Sequence[str] | None = None,
    num_samples: int = 10000,
    fast: bool | None = None,
    nll_images: int = 1000,
    nll_samples: int = 100,
    kid_subsets: int = 100,
    models: Mapping[str, tuple[Any, dict]] | None = None,
    loader: Callable[..., Any] | None = None,
    log: Callable[[str], None] | None = None,
) -> list[dict]:
    """Score comparison models with every metric: the rows of chapter 04's table.

    Args:
        names: which models (default: those in ``models`` if given, else all of
            :data:`~genai_keras.checkpoints.MODELS`).
        num_samples: samples per model for FID/KID/IS/precision/recall (FID is
            biased upwards for small N: compare rows only at equal ``num_samples``).
        fast: passed to :func:`~genai_keras.checkpoints.load_or_train` for missing
            checkpoints.
        nll_images, nll_samples: test images and importance samples of the NLL.
        kid_subsets: subsets of the KID estimate.
        models: already loaded ``{name: (model, record)}`` (as returned by
            ``load_or_train(name, return_record=True)``); others are loaded.
        loader: replaces :func:`~genai_keras.checkpoints.load_or_train` (for tests).
        log: called with one progress line per model (e.g. ``print``); None is quiet.

    Returns:
        One dict per model: ``name, title, chapter, test_nll, nll_kind, fid, kid_mean,
        kid_std, is_mean, is_std, precision, recall, num_samples, train_seconds,
        parameters, source, eval_seconds`` (NLL in nats per image of
        :func:`heldout_nll`; None where undefined).
    """
    loader = loader or load_or_train
    rows = []
    models = dict(models or {})
    for name in names or (list(models) if models else list(MODELS)):
        recipe = _comparison_recipe(name)
        if name in models:
            model, record = models[name]
        else:
            model, record = loader(name, fast=fast, return_record=True)
        start = time.perf_counter()
        scores = evaluate_samples(sample_images(name, model, num_samples), kid_subsets=kid_subsets)
        nll = heldout_nll(name, model, nll_images, nll_samples)
        rows.append(
            {
                "name": name,
                "title": recipe.title,
                "chapter": recipe.chapter,
                "test_nll": None if nll is None else round(nll, 2),
                "nll_kind": LIKELIHOOD[recipe.family],
                "fid": round(scores["fid"], 2),
                "kid_mean": round(scores["kid_mean"], 2),
                "kid_std": round(scores["kid_std"], 2),
                "is_mean": round(scores["is_mean"], 3),
                "is_std": round(scores["is_std"], 3),
                "precision": round(scores["precision"], 3),
                "recall": round(scores["recall"], 3),
                "num_samples": scores["num_samples"],
                "train_seconds": record.get("train_seconds"),
                "parameters": num_parameters(model),
                "source": record.get("source"),
                "eval_seconds": round(time.perf_counter() - start, 1),
            }
        )
        if log is not None:
            log(
                f"{recipe.title}: FID {rows[-1]['fid']:.1f}, IS {rows[-1]['is_mean']:.2f} "
                f"({rows[-1]['eval_seconds']:.0f} s)"
            )
    return rows


def comparison_markdown(rows: Sequence[dict]) -> str:
    """The rows of :func:`compare_models` as a Markdown table (what README and the
    notebook show)."""
    header = (
        "| model | ch. | test NLL (nats) | FID | KID | IS | precision | recall "
        "| train time (s) | parameters |"
    )
    lines = [header, "|" + "---|" * 10]

    def fmt(value: float | None, spec: str) -> str:
        return "n/a" if value is None else format(value, spec)

    for r in rows:
        nll = fmt(r["test_nll"], ".1f")
        if r.get("nll_kind") == "iwae":
            nll += " (IWAE)"
        lines.append(
            f"| {r['title']} | {r['chapter']} | {nll} | {fmt(r['fid'], '.1f')} "
            f"| {fmt(r['kid_mean'], '.1f')} ± {fmt(r['kid_std'], '.1f')} "
            f"| {fmt(r['is_mean'], '.2f')} | {fmt(r['precision'], '.3f')} "
            f"| {fmt(r['recall'], '.3f')} | {fmt(r['train_seconds'], '.0f')} "
            f"| {r['parameters']:,} |"
        )
    return "\n".join(lines) + "\n"


__all__ = ["LIKELIHOOD", "compare_models", "comparison_markdown", "heldout_nll", "sample_images"]
