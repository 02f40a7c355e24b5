"""Tests for genai_keras.text: vocabulary, position split, windows, n-gram models."""

import math

import numpy as np
import pytest

from genai_keras import text as gt

SAMPLE = "To be, or not to be: that is the question.\nWhether 'tis nobler in the mind to suffer\n"


@pytest.fixture(scope="module")
def vocab():
    return gt.CharVocabulary.from_text(SAMPLE)


# ---------------------------------------------------------------- vocabulary
def test_encode_decode_round_trip(vocab):
    ids = vocab.encode(SAMPLE)
    assert ids.dtype == np.int32 and ids.shape == (len(SAMPLE),)
    assert vocab.decode(ids) == SAMPLE
    assert vocab.size == len(set(SAMPLE))
    # ids follow sorted character order
    assert list(vocab.chars) == sorted(set(SAMPLE))
    assert vocab.encode("").shape == (0,) and vocab.decode([]) == ""


def test_unknown_characters_raise_by_default(vocab):
    with pytest.raises(ValueError, match=r"not in the vocabulary.*'Z'"):
        vocab.encode("To Zanzibar")


def test_unknown_characters_replaced_when_asked():
    v = gt.CharVocabulary.from_text("abc", add_unknown=True)
    assert v.size == 4 and v.unknown_id == 3
    ids = v.encode("abzc", errors="replace")
    np.testing.assert_array_equal(ids, [0, 1, 3, 2])
    assert v.decode(ids) == "ab" + gt.UNKNOWN_CHAR + "c"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        v.encode("abz")  # strict is still the default


def test_replace_without_unknown_symbol_is_an_error(vocab):
    assert vocab.unknown_id is None
    with pytest.raises(ValueError, match="add_unknown=True"):
        vocab.encode("x", errors="replace")
    with pytest.raises(ValueError, match="'strict' or 'replace'"):
        vocab.encode("x", errors="ignore")


def test_vocabulary_bad_input():
    with pytest.raises(ValueError, match="at least one character"):
        gt.CharVocabulary("")
    with pytest.raises(ValueError, match="single character"):
        gt.CharVocabulary(["ab", "c"])
    v = gt.CharVocabulary("abc")
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        v.decode([0, 3])
    with pytest.raises(ValueError, match="string"):
        v.encode(123)


def test_vocabulary_config_round_trip():
    v = gt.CharVocabulary.from_text("hello\n", add_unknown=True)
    w = gt.CharVocabulary.from_config(v.get_config())
    assert w == v and w.unknown_id == v.unknown_id


# ---------------------------------------------------------------- split and windows
def test_split_by_position_keeps_last_tenth():
    ids = np.arange(1000)
    train, val = gt.split_train_val(ids, 0.1)
    assert train.shape == (900,) and val.shape == (100,)
    np.testing.assert_array_equal(val, np.arange(900, 1000))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        gt.split_train_val(ids, 1.0)


def test_eval_windows_are_shifted_non_overlapping():
    ids = np.arange(100, dtype=np.int32)
    x, y = gt.eval_windows(ids, 10)
    assert x.shape == y.shape == (9, 10)
    np.testing.assert_array_equal(y, x + 1)
    np.testing.assert_array_equal(x[:, 0], np.arange(0, 90, 10))
    xs, _ = gt.eval_windows(ids, 10, max_windows=3)
    assert xs.shape == (3, 10)
    with pytest.raises(ValueError, match="at least 11"):
        gt.eval_windows(np.arange(10), 10)


def test_window_dataset_batches():
    ids = np.arange(5000, dtype=np.int32)
    ds = gt.make_window_dataset(ids, 16, 8, steps_per_epoch=5, seed=3)
    assert len(ds) == 5
    x, y = ds[0]
    assert x.shape == y.shape == (8, 16) and x.dtype == np.int32
    np.testing.assert_array_equal(y, x + 1)  # targets are the next characters
    np.testing.assert_array_equal(np.diff(x, axis=1), 1)  # contiguous windows of the text
    x_again, _ = ds[0]
    np.testing.assert_array_equal(x, x_again)  # reproducible
    ds.on_epoch_end()
    assert not np.array_equal(ds[0][0], x)  # fresh offsets next epoch
    with pytest.raises(ValueError, match="batch_size"):
        gt.make_window_dataset(ids, 16, 0, 5)


# ---------------------------------------------------------------- n-grams
@pytest.mark.parametrize("order", [1, 2, 3])
def test_ngram_probabilities_sum_to_one(vocab, order):
    model = gt.NGramModel(vocab.size, order=order, k=0.5).fit(vocab.encode(SAMPLE))
    rng = np.random.default_rng(0)
    for _ in range(20):
        ctx = rng.integers(0, vocab.size, size=order - 1)
        p = model.probs(ctx)
        assert p.shape == (vocab.size,) and np.all(p > 0)
        assert math.isclose(p.sum(), 1.0, rel_tol=1e-12)


def test_bigram_matches_counting_by_hand():
    v = gt.CharVocabulary("ab")
    ids = v.encode("aabab")  # pairs: aa, ab, ba, ab
    model = gt.NGramModel(2, order=2, k=1.0).fit(ids)
    # after 'a': counts a->a 1, a->b 2 -> (1+1)/(3+2), (2+1)/(3+2)
    np.testing.assert_allclose(model.probs([0]), [2 / 5, 3 / 5])
    # chain rule: p(a) * p(b|a) * p(a|b) with unigram counts a:3 b:2 -> (3+1)/(5+2)
    expected = math.log(4 / 7) + math.log(3 / 5) + math.log((1 + 1) / (1 + 2))
    assert math.isclose(model.log_prob(v.encode("aba")), expected, rel_tol=1e-12)
    assert math.isclose(model.nats_per_char(v.encode("aba")), -expected / 3, rel_tol=1e-12)


def test_log_prob_is_sum_of_sequential_probs(vocab):
    model = gt.NGramModel(vocab.size, order=3, k=0.1).fit(vocab.encode(SAMPLE))
    ids = vocab.encode("the mind to be")
    by_hand = sum(math.log(model.probs(ids[max(0, i - 2) : i])[ids[i]]) for i in range(len(ids)))
    assert math.isclose(model.log_prob(ids), by_hand, rel_tol=1e-10)


def test_ngram_sampling(vocab):
    model = gt.CharNGram(vocab, order=2).fit(SAMPLE)
    s = model.sample(50, seed=1, prompt="To")
    assert len(s) == 50 and set(s) <= set(vocab.chars)
    assert s == model.sample(50, seed=1, prompt="To")
    assert model.sample(0, seed=1) == ""


def test_bigram_beats_unigram_on_held_out_shakespeare():
    import genai_keras as gk

    text = gk.data.load_text("tinyshakespeare")
    v = gt.CharVocabulary.from_text(text)
    train, val = gt.split_train_val(v.encode(text))
    uni = gt.NGramModel(v.size, 1).fit(train).nats_per_char(val)
    bi = gt.NGramModel(v.size, 2).fit(train).nats_per_char(val)
    assert bi < uni < math.log(v.size)  # both beat the uniform distribution
    assert 2.3 < bi < 2.6  # the classic bigram figure, about 2.48 nats per character


def test_ngram_bad_input(vocab):
    with pytest.raises(ValueError, match="k \\(add-k smoothing\\)"):
        gt.NGramModel(vocab.size, 2, k=0.0)
    with pytest.raises(ValueError, match="order must be an integer >= 1"):
        gt.NGramModel(vocab.size, 0)
    model = gt.NGramModel(vocab.size, 2)
    with pytest.raises(ValueError, match="not fitted"):
        model.probs([0])
    model.fit(vocab.encode(SAMPLE))
    with pytest.raises(ValueError, match="length must be an integer >= 0"):
        model.sample(-1)
    with pytest.raises(ValueError, match="at least one character"):
        model.nats_per_char([])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        gt.CharNGram(vocab, 2).fit(SAMPLE).nats_per_char("QQQ")
