"""Chapter 04's comparison table, put together exactly: what :func:`compare_models` asks of
the loader, the sampler and the metrics, the rounding of every column, and the Markdown
that :func:`comparison_markdown` writes (the notebook and the README show it).

The scoring functions are replaced by recorders that return fixed numbers with many
digits, so each column's rounding and source is pinned without training or scoring.
"""

from __future__ import annotations

import numpy as np
import pytest

from genai_keras.checkpoints import MODELS
from genai_keras.recipes import RECIPES
from genai_keras.studies import comparison

SCORES = {
    "fid": 12.34567,
    "kid_mean": 3.45678,
    "kid_std": 0.56789,
    "is_mean": 8.765432,
    "is_std": 0.123456,
    "precision": 0.7654321,
    "recall": 0.6543219,
    "num_samples": 37,
}


class _Model:
    conditional = False


@pytest.fixture
def recorded(monkeypatch):
    """Replace sampling, scoring, the NLL and the parameter count by recorders."""
    calls: dict[str, list] = {"sample": [], "evaluate": [], "nll": []}

    def sample_images(name, model, n, seed=0):
        calls["sample"].append((name, model, n))
        return np.full((n, 28, 28, 1), 0.5, np.float32)

    def evaluate_samples(images, **kwargs):
        calls["evaluate"].append((len(images), kwargs))
        return dict(SCORES)

    def heldout_nll(name, model, num_images=1000, num_samples=100):
        calls["nll"].append((name, num_images, num_samples))
        return None if name == "dcgan" else 87.654321

    monkeypatch.setattr(comparison, "sample_images", sample_images)
    monkeypatch.setattr(comparison, "evaluate_samples", evaluate_samples)
    monkeypatch.setattr(comparison, "heldout_nll", heldout_nll)
    monkeypatch.setattr(comparison, "num_parameters", lambda model: 1234567)
    return calls


def test_every_column_of_a_row_and_what_was_asked_for(recorded):
    loaded: list[tuple] = []

    def loader(name, fast=None, return_record=False):
        loaded.append((name, fast, return_record))
        return _Model(), {"train_seconds": 41.5, "source": "shipped"}

    lines: list[str] = []
    rows = comparison.compare_models(
        ["vae", "dcgan"],
        num_samples=37,
        fast=True,
        nll_images=11,
        nll_samples=7,
        kid_subsets=5,
        loader=loader,
        log=lines.append,
    )
    assert loaded == [("vae", True, True), ("dcgan", True, True)]
    assert [c[0] for c in recorded["sample"]] == ["vae", "dcgan"]
    assert [c[2] for c in recorded["sample"]] == [37, 37]
    assert recorded["evaluate"] == [(37, {"kid_subsets": 5}), (37, {"kid_subsets": 5})]
    assert recorded["nll"] == [("vae", 11, 7), ("dcgan", 11, 7)]
    eval_seconds = [row.pop("eval_seconds") for row in rows]
    assert all(isinstance(s, float) and 0 <= s < 5 for s in eval_seconds)
    common = {
        "fid": 12.35,
        "kid_mean": 3.46,
        "kid_std": 0.57,
        "is_mean": 8.765,
        "is_std": 0.123,
        "precision": 0.765,
        "recall": 0.654,
        "num_samples": 37,
        "train_seconds": 41.5,
        "parameters": 1234567,
        "source": "shipped",
    }
    assert rows == [
        {
            "name": "vae",
            "title": RECIPES["vae"].title,
            "chapter": "02",
            "test_nll": 87.65,
            "nll_kind": "iwae",
            **common,
        },
        {
            "name": "dcgan",
            "title": RECIPES["dcgan"].title,
            "chapter": "03",
            "test_nll": None,
            "nll_kind": None,
            **common,
        },
    ]
    assert lines == [
        f"{RECIPES['vae'].title}: FID 12.3, IS 8.77 ({eval_seconds[0]:.0f} s)",
        f"{RECIPES['dcgan'].title}: FID 12.3, IS 8.77 ({eval_seconds[1]:.0f} s)",
    ]


def test_loaded_models_are_used_and_named_by_default(recorded):
    """Given models are not loaded again; without names, their names are the rows."""
    model = _Model()

    def loader(*args, **kwargs):
        raise AssertionError("compare_models loaded a model it was given")

    rows = comparison.compare_models(
        models={"vae": (model, {"source": "given"})}, num_samples=37, loader=loader
    )
    assert [r["name"] for r in rows] == ["vae"] and rows[0]["source"] == "given"
    assert rows[0]["train_seconds"] is None
    assert recorded["sample"][0][1] is model
    assert recorded["evaluate"] == [(37, {"kid_subsets": 100})]  # the documented defaults
    assert recorded["nll"] == [("vae", 1000, 100)]


def test_without_names_or_models_every_checkpoint_is_compared(recorded):
    asked: list[str] = []

    def loader(name, fast=None, return_record=False):
        asked.append(name)
        return _Model(), {}

    rows = comparison.compare_models(num_samples=37, loader=loader)
    assert asked == [r["name"] for r in rows] == list(MODELS)
    assert all(r["source"] is None for r in rows)


def test_markdown_table_is_exact():
    rows = [
        {
            "title": "VAE",
            "chapter": "02",
            "test_nll": 87.654,
            "nll_kind": "iwae",
            "fid": 12.34,
            "kid_mean": 3.46,
            "kid_std": 0.57,
            "is_mean": 8.765,
            "precision": 0.7654,
            "recall": 0.6543,
            "train_seconds": 41.5,
            "parameters": 1234567,
        },
        {
            "title": "DCGAN",
            "chapter": "03",
            "test_nll": None,
            "nll_kind": None,
            "fid": None,
            "kid_mean": 1.0,
            "kid_std": None,
            "is_mean": 9.0,
            "precision": 0.5,
            "recall": 0.25,
            "train_seconds": None,
            "parameters": 999,
        },
        {
            "title": "Mixture",
            "chapter": "01",
            "test_nll": 100.06,
            "nll_kind": "exact",
            "fid": 50.0,
            "kid_mean": 2.0,
            "kid_std": 0.1,
            "is_mean": 5.555,
            "precision": 0.1,
            "recall": 0.2,
            "train_seconds": 3.0,
            "parameters": 78400,
        },
    ]
    assert comparison.comparison_markdown(rows) == (
        "| model | ch. | test NLL (nats) | FID | KID | IS | precision | recall "
        "| train time (s) | parameters |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
        "| VAE | 02 | 87.7 (IWAE) | 12.3 | 3.5 ± 0.6 | 8.77 | 0.765 | 0.654 | 42 | 1,234,567 |\n"
        "| DCGAN | 03 | n/a | n/a | 1.0 ± n/a | 9.00 | 0.500 | 0.250 | n/a | 999 |\n"
        "| Mixture | 01 | 100.1 | 50.0 | 2.0 ± 0.1 | 5.55 | 0.100 | 0.200 | 3 | 78,400 |\n"
    )


def test_unknown_names_are_refused_before_anything_is_loaded(recorded):
    with pytest.raises(ValueError, match=r"Unknown model 'nope'; choose one of: "):
        comparison.compare_models(["nope"], loader=lambda *a, **k: pytest.fail("loaded"))


class _LikelihoodRecorder:
    """A model whose log-likelihood is minus the label (or -1 without labels) per image."""

    def __init__(self, conditional: bool):
        self.conditional = conditional
        self.calls: list[tuple] = []

    def log_likelihood(self, x, labels=None, num_samples=None):
        self.calls.append((x.shape, None if labels is None else labels.dtype, num_samples))
        return -(np.ones(len(x)) if labels is None else labels.astype(np.float64) + 1.0)


@pytest.mark.parametrize("conditional", [False, True])
def test_heldout_nll_of_a_vae_passes_labels_and_importance_samples(conditional):
    """A VAE's NLL: ``-mean log p(x [| y])`` over the first test digits, with the test
    labels (int32) for a conditional model and ``num_samples`` importance samples."""
    import genai_keras as gk

    model = _LikelihoodRecorder(conditional)
    nll = comparison.heldout_nll("vae", model, num_images=30, num_samples=7)
    _, y = gk.data.load_mnist("test", limit=30)
    expected = float(np.mean(y + 1.0)) if conditional else 1.0
    assert nll == pytest.approx(expected)
    assert model.calls == [((30, 28, 28, 1), np.dtype("int32") if conditional else None, 7)]
    comparison.heldout_nll("vae", model)
    assert model.calls[-1] == ((1000, 28, 28, 1), np.dtype("int32") if conditional else None, 100)
