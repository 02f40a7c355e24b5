"""Tests for genai_keras.models.autoregressive: the character transformer and its sampler."""

import math

import keras
import numpy as np
import pytest

from genai_keras import recipes
from genai_keras import text as gt
from genai_keras.losses import causal_lm_loss
from genai_keras.models import autoregressive as ar
from genai_keras.protocol import GenerativeModel, has_likelihood

CHARS = "abcdefgh \n"


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return ar.CharTransformer(
        gt.CharVocabulary(CHARS), context_length=8, embed_dim=16, num_heads=2, num_layers=2
    )


def _logits(model, ids):
    return keras.ops.convert_to_numpy(model(np.asarray(ids, dtype=np.int32)))


# ---------------------------------------------------------------- the causal mask
def test_changing_a_later_character_never_changes_earlier_logits(model):
    rng = np.random.default_rng(0)
    x = rng.integers(0, len(CHARS), size=(3, 8))
    base = _logits(model, x)
    assert base.shape == (3, 8, len(CHARS))
    for t in range(8):
        y = x.copy()
        y[:, t] = (y[:, t] + 1) % len(CHARS)
        changed = _logits(model, y)
        np.testing.assert_array_equal(
            changed[:, :t], base[:, :t]
        )  # the past is blind to the future
        assert np.abs(changed[:, t:] - base[:, t:]).max() > 1e-6  # ...but the future sees it


def test_causal_mask_shape_and_triangle():
    m = keras.ops.convert_to_numpy(ar.causal_mask(4))
    np.testing.assert_array_equal(m, np.tril(np.ones((4, 4), dtype=bool)))


def test_attention_weights_are_lower_triangular_distributions(model):
    w = model.attention_weights("abcde")
    assert w.shape == (2, 2, 5, 5)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-5)
    assert np.all(np.triu(w, k=1) == 0)


def test_input_longer_than_context_is_an_error(model):
    with pytest.raises(ValueError, match="at most context_length=8"):
        model(np.zeros((1, 9), dtype=np.int32))


# ---------------------------------------------------------------- the sampler
def test_low_temperature_is_argmax():
    logits = np.array([0.1, 2.0, 1.9, -1.0])
    p = ar.next_char_probs(logits, temperature=1e-4)
    np.testing.assert_allclose(p, [0, 1, 0, 0], atol=1e-12)
    q = ar.next_char_probs(logits, temperature=1.0)
    np.testing.assert_allclose(q, np.exp(logits) / np.exp(logits).sum())
    flat = ar.next_char_probs(logits, temperature=100.0)
    assert flat.max() - flat.min() < 0.02  # high temperature -> near uniform


def test_top_k_never_samples_outside_the_k_best():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=30)
    best = set(np.argsort(-logits)[:5])
    p = ar.next_char_probs(logits, top_k=5)
    assert set(np.flatnonzero(p)) == best and math.isclose(p.sum(), 1.0)
    draws = rng.choice(30, size=2000, p=p)
    assert set(draws) <= best


def test_top_p_keeps_the_smallest_set_with_enough_mass():
    probs = np.array([0.05, 0.5, 0.3, 0.15])
    logits = np.log(probs)
    for top_p, kept in [
        (0.5, {1}),
        (0.51, {1, 2}),
        (0.8, {1, 2}),
        (0.81, {1, 2, 3}),
        (1.0, {0, 1, 2, 3}),
    ]:
        p = ar.next_char_probs(logits, top_p=top_p)
        assert set(np.flatnonzero(p > 0)) == kept, top_p
        np.testing.assert_allclose(p[sorted(kept)], probs[sorted(kept)] / probs[sorted(kept)].sum())
    # top-k and top-p together: the nucleus is taken among the k best
    assert set(np.flatnonzero(ar.next_char_probs(logits, top_k=2, top_p=0.99))) == {1, 2}


def test_near_zero_temperature_generation_is_greedy(model):
    prompt = "abc"
    out = model.generate(prompt, 6, temperature=1e-5, seed=0)
    ids = list(model.vocabulary.encode(prompt))
    for _ in range(6):  # the arg-max continuation by full recomputation
        ids.append(int(np.argmax(_logits(model, [ids[-8:]])[0, -1])))
    assert out == model.vocabulary.decode(ids[3:])


# ---------------------------------------------------------------- key/value cache
def test_cached_generation_equals_full_recomputation(model):
    prompt = model.vocabulary.encode("ab cd")
    # 30 new characters with context 8: the window restarts several times
    a, la = model.generate_ids(prompt, 30, seed=4, return_logits=True)
    b, lb = model.generate_ids(prompt, 30, seed=4, use_cache=False, return_logits=True)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(la, lb, atol=1e-5)
    assert la.shape == (30, len(CHARS))
    # the first step's logits are the model's own last-position logits
    np.testing.assert_allclose(la[0], _logits(model, [prompt])[0, -1], atol=1e-5)


def test_generate_returns_requested_length(model):
    s = model.generate("a", 20, seed=1, top_k=3, top_p=0.9)
    assert len(s) == 20 and set(s) <= set(CHARS)
    assert s == model.generate("a", 20, seed=1, top_k=3, top_p=0.9)
    assert model.generate("a", 0) == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(prompt=""), "prompt must be a non-empty string"),
        (dict(prompt="aZ"), "not in the vocabulary"),
        (dict(length=-1), "length must be an integer >= 0"),
        (dict(temperature=0.0), "temperature must be a finite number > 0"),
        (dict(temperature=-1.0), "temperature must be a finite number > 0"),
        (dict(top_p=0.0), r"top_p must be None or a number in \(0, 1\]"),
        (dict(top_p=1.5), r"top_p must be None or a number in \(0, 1\]"),
        (dict(top_k=0), r"top_k must be None or an integer in \[1, 10\]"),
    ],
)
def test_generate_bad_input(model, kwargs, message):
    args = dict(prompt="ab", length=5, seed=0) | kwargs
    with pytest.raises(ValueError, match=message):
        model.generate(**args)


def test_constructor_bad_input():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        ar.CharTransformer(gt.CharVocabulary(CHARS), embed_dim=10, num_heads=4)
    with pytest.raises(ValueError, match="vocabulary must be a CharVocabulary"):
        ar.CharTransformer("abc")


# ---------------------------------------------------------------- saving and training
@pytest.mark.parametrize("tie", [True, False])
def test_save_load_round_trip(tmp_path, tie):
    keras.utils.set_random_seed(1)
    m = ar.CharTransformer(
        gt.CharVocabulary(CHARS, add_unknown=True),
        context_length=6,
        embed_dim=8,
        num_heads=2,
        num_layers=1,
        tie_weights=tie,
    )
    path = tmp_path / "char.keras"
    m.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, ar.CharTransformer)
    assert loaded.get_config() == m.get_config() and loaded.vocabulary == m.vocabulary
    x = np.random.default_rng(0).integers(0, m.vocab_size, size=(2, 6))
    np.testing.assert_allclose(_logits(loaded, x), _logits(m, x), atol=1e-6)
    assert loaded.generate("ab", 10, seed=2) == m.generate("ab", 10, seed=2)
    assert len(m.weights) == len(loaded.weights)


def _log_softmax(logits):
    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max(axis=-1, keepdims=True)
    return logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))


# ---------------------------------------------------------------- the common model shape
def test_model_follows_the_generative_model_protocol(model):
    assert isinstance(model, GenerativeModel) and model.conditional is False
    assert has_likelihood(model)
    texts = model.sample(3, seed=5, length=7, prompt="ab")
    assert isinstance(texts, list) and len(texts) == 3
    assert all(isinstance(t, str) and len(t) == 7 and set(t) <= set(CHARS) for t in texts)
    assert texts == model.sample(3, seed=5, length=7, prompt="ab")
    # the texts are drawn in turn from one generator (gk.utils.sampling_rng(seed))
    rng = np.random.default_rng(5)
    assert texts[:2] == [model.generate("ab", 7, seed=rng) for _ in range(2)]
    assert texts[0] == model.generate("ab", 7, seed=5)
    assert len(model.sample(2, length=4)) == 2  # seed=None draws too
    with pytest.raises(ValueError, match="unconditional"):
        model.sample(2, labels=[0, 1])
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        model.sample(0)


def test_log_likelihood_sums_next_character_log_probs(model):
    text = "ab cd\nef"  # 8 characters: one window of the 8-character context
    ids = model.vocabulary.encode(text)
    log_probs = _log_softmax(_logits(model, [ids[:-1]])[0])
    expected = log_probs[np.arange(len(ids) - 1), ids[1:]].sum()
    ll = model.log_likelihood(text)
    assert isinstance(ll, float) and ll < 0
    np.testing.assert_allclose(ll, expected, rtol=1e-5)
    # Longer texts are scored in windows of context_length: each character after the
    # first is predicted once, so the total matches the non-overlapping evaluation windows.
    long_text = "abc defgh\n" * 5 + "a"  # 51 characters: 50 predictions in 7 windows
    lt_ids = model.vocabulary.encode(long_text)
    manual = 0.0
    for start in range(0, len(lt_ids) - 1, 8):
        window = lt_ids[start : start + 9]
        lp = _log_softmax(_logits(model, [window[:-1]])[0])
        manual += lp[np.arange(len(window) - 1), window[1:]].sum()
    np.testing.assert_allclose(model.log_likelihood(long_text), manual, rtol=1e-5)
    # Two characters: a single prediction.
    two = model.vocabulary.encode("ab")
    np.testing.assert_allclose(
        model.log_likelihood("ab"), _log_softmax(_logits(model, [two[:1]])[0])[0, two[1]], rtol=1e-5
    )
    for bad in ("a", "", None):
        with pytest.raises(ValueError, match="at least 2 characters"):
            model.log_likelihood(bad)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        model.log_likelihood("aZ")


def test_log_likelihood_agrees_with_nats_per_char(model):
    ids = np.random.default_rng(3).integers(0, len(CHARS), size=4 * 8 + 1)
    text = model.vocabulary.decode(ids)
    nats = ar.nats_per_char(model, model.vocabulary.encode(text))
    np.testing.assert_allclose(-model.log_likelihood(text) / (len(text) - 1), nats, rtol=1e-4)


# ---------------------------------------------------------------- training from a recipe
def test_train_recipe_few_steps_lowers_the_loss():
    text = ("the cat sat on the mat. " * 40 + "\n") * 10
    recipe = recipes.get("char_transformer", fast=True).replace(
        steps=40, context_length=16, embed_dim=16, num_layers=1, batch_size=8
    )
    m, curves = ar.train(recipe, text=text, evals=2, val_windows=8)
    assert isinstance(m, ar.CharTransformer) and m.recipe is recipe
    assert m.context_length == 16 and m.embed_dim == 16 and m.num_layers == 1
    assert m.loss is causal_lm_loss
    assert set(curves) == {"step", "loss", "val_loss", "seconds"}
    assert curves["step"] == [20.0, 40.0] and len(curves["seconds"]) == 2
    log = m.training_log
    assert log["val_loss"] == curves["val_loss"] and log["step"] == [20, 40]
    assert len(log["val_loss"]) == 2 and all(np.isfinite(log["val_loss"]))
    assert log["val_nats_per_char"] < math.log(m.vocab_size)  # better than uniform guessing
    assert log["loss"][-1] < log["loss"][0]
    assert log["fast"] is True and log["recipe"] == recipe.as_dict()
    assert log["tokens_seen"] == 40 * 8 * 16
    # The likelihood of training text is better than uniform guessing, too.
    sample_text = text[:65]
    assert -m.log_likelihood(sample_text) / 64 < math.log(m.vocab_size)
    assert all(set(t) <= set(text) for t in m.sample(2, seed=0, length=10))


def test_train_recipe_bad_settings():
    text = "abc " * 100
    recipe = recipes.get("char_transformer", fast=True)
    with pytest.raises(ValueError, match=r"has no setting 'layers'; known: .*num_layers"):
        recipe.replace(layers=3)
    with pytest.raises(ValueError, match="Expected a text recipe"):
        ar.train(recipes.get("vae"), text=text)
    with pytest.raises(ValueError, match="evals must be an integer >= 1"):
        ar.train(recipe, text=text, evals=0)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        ar.train(recipe.replace(steps=0), text=text)
