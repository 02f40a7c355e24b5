"""Tests of the functions added for issue 33's chapter changes (chapters 01, 05, 07, 08)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

import genai_keras as gk
from genai_keras.applications import select_completions
from genai_keras.models import autoregressive as ar
from genai_keras.plotting import diagrams
from genai_keras.studies import few_labels

# -- chapter 07: inpainting by selection


def _half_mask(n: int) -> np.ndarray:
    mask = np.zeros((n, 28, 28, 1), np.float32)
    mask[:, 14:] = 1.0
    return mask


def test_select_completions_finds_the_matching_pool_digit_and_keeps_visible_pixels():
    rng = np.random.default_rng(0)
    pool = rng.random((6, 28, 28, 1)).astype(np.float32)
    mask = _half_mask(2)
    shown = pool[[4, 1]] * (1 - mask)  # two pool digits with their lower halves hidden
    draws = select_completions(pool, shown, mask, num_draws=3)
    assert draws.shape == (3, 2, 28, 28, 1) and draws.dtype == np.float32
    np.testing.assert_allclose(draws[0], pool[[4, 1]], atol=1e-6)  # exact match ranks first
    np.testing.assert_array_equal(
        draws[:, :, :14], np.broadcast_to(shown[:, :14], (3, 2, 14, 28, 1))
    )
    assert not np.allclose(draws[1], draws[0])  # the next picks are other pool digits


def test_select_completions_ranks_by_visible_pixels_only():
    pool = np.zeros((2, 28, 28, 1), np.float32)
    pool[1, 14:] = 1.0  # differs from the damaged digit only where the hole is
    pool[0, :14] = 0.2  # differs a little on the visible half
    shown = np.zeros((1, 28, 28, 1), np.float32)
    draws = select_completions(pool, shown, _half_mask(1), num_draws=2, batch_size=1)
    np.testing.assert_array_equal(draws[0, 0, 14:], 1.0)  # pool[1]'s hole, not pool[0]'s


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mask": np.zeros((2, 28, 28, 1))}, "mask must have the shape of shown"),
        ({"mask": np.full((1, 28, 28, 1), 0.5)}, "only 0 \\(visible\\) and 1 \\(hidden\\)"),
        ({"num_draws": 4}, "num_draws=4 is more than the pool's 3 images"),
        ({"num_draws": 0}, "num_draws"),
    ],
)
def test_select_completions_rejects_bad_inputs(kwargs, message):
    args = {
        "pool": np.zeros((3, 28, 28, 1), np.float32),
        "shown": np.zeros((1, 28, 28, 1), np.float32),
        "mask": _half_mask(1),
        "num_draws": 2,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        select_completions(**args)


# -- chapter 05: scoring every model on the same characters, with full context


def _tiny_model(context: int) -> ar.CharTransformer:
    vocab = gk.text.CharVocabulary.from_text("abcdefgh \n")
    model = ar.CharTransformer(
        vocab, context_length=context, embed_dim=16, num_heads=2, num_layers=1
    )
    model(np.zeros((1, context), np.int64))
    return model


def test_nats_at_positions_is_the_last_position_cross_entropy():
    model = _tiny_model(4)
    ids = np.random.default_rng(1).integers(0, model.vocab_size, 40)
    positions = np.array([4, 10, 39])
    got = ar.nats_at_positions(model, ids, positions, batch_size=2)
    expected = []
    for p in positions:
        logits = gk.arrays.to_numpy(model(ids[None, p - 4 : p]))[0, -1].astype(np.float64)
        log_probs = logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max()
        expected.append(-log_probs[ids[p]])
    assert got == pytest.approx(float(np.mean(expected)), rel=1e-5)
    assert 0 < got < 2 * np.log(model.vocab_size)  # an untrained model: near log V


@pytest.mark.parametrize(
    ("positions", "message"),
    [
        (np.array([], np.int64), "positions is empty"),
        (np.array([3]), r"positions must lie in \[4, 39\]"),
        (np.array([40]), r"positions must lie in \[4, 39\]"),
    ],
)
def test_nats_at_positions_rejects_bad_positions(positions, message):
    model = _tiny_model(4)
    with pytest.raises(ValueError, match=message):
        ar.nats_at_positions(model, np.zeros(40, np.int64), positions)


# -- chapter 01: generative vs discriminative with few labels


def _binary_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic binary 'digits': class k inks row block k, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    x = (rng.random((n, 28, 28, 1)) < 0.05).astype(np.float32)
    for i, k in enumerate(y):
        x[i, 2 * k + 2 : 2 * k + 4] = 1.0
    return x, y


def test_learning_curves_scores_both_classifiers_per_size_and_seed():
    train, test = _binary_digits(200, 0), _binary_digits(100, 1)
    lines = []
    results = few_labels.learning_curves(train, test, (20, 40), (0, 1), steps=5, log=lines.append)
    assert list(results) == ["20", "40"] and len(lines) == 4
    for row in results.values():
        assert set(row) == set(few_labels.CLASSIFIERS)
        for scores in row.values():
            assert len(scores["seeds"]) == 2 and 0 <= scores["mean"] <= 1
            assert scores["std"] == pytest.approx(np.std(scores["seeds"]))
    assert results["40"]["generative"]["mean"] > 0.9  # naive Bayes fits these easy classes


def test_learning_curves_rejects_too_few_labels_for_the_components():
    train = _binary_digits(100, 0)
    with pytest.raises(ValueError, match="N = 10 gives some class fewer than 2 images"):
        few_labels.learning_curves(train, train, (10,), (0,), components=2)
    with pytest.raises(ValueError, match="at least one size N and one seed"):
        few_labels.learning_curves(train, train, (20,), ())


def _results(pairs):
    return {str(n): {"generative": {"mean": g}, "discriminative": {"mean": d}} for n, g, d in pairs}


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([(20, 0.6, 0.5), (200, 0.8, 0.7)], "generative classifier is ahead at every N"),
        ([(20, 0.5, 0.6), (200, 0.7, 0.8)], "discriminative classifier is ahead at every N"),
        ([(20, 0.6, 0.5), (200, 0.7, 0.8)], "from N = 200 on: the curves cross"),
        ([(20, 0.5, 0.6), (200, 0.8, 0.7)], "The lead changes back and forth"),
    ],
)
def test_crossover_sentence_follows_the_means(pairs, expected):
    assert expected in few_labels.crossover(_results(pairs))


# -- chapter 08: the data-parallel diagram


def test_data_parallel_diagram_draws_every_replica_inside_the_figure():
    fig = gk.plotting.data_parallel_diagram(num_devices=3)
    try:
        texts = [t.get_text() for t in fig.findobj(Text) if t.get_text().strip()]
        assert "3 devices" in fig.get_suptitle()
        for label in ("global batch", "slice 3", "device 3", "all-reduce", "same update"):
            assert any(label in t for t in texts), (label, texts)
        fig.canvas.draw()
        renderer, frame = fig.canvas.get_renderer(), fig.bbox
        for text in fig.findobj(Text):
            if text.get_text().strip():
                box = text.get_window_extent(renderer)
                assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, text.get_text()
    finally:
        plt.close(fig)


@pytest.mark.parametrize("bad", [1, 7, 2.0, True, "4"])
def test_data_parallel_diagram_rejects_bad_device_counts(bad):
    with pytest.raises(ValueError, match="num_devices must be an int from 2 to 6"):
        diagrams.data_parallel_diagram(num_devices=bad)
