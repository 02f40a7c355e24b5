"""Characters as data: a vocabulary, a position split, training windows, n-gram baselines.

A character-level language model sees text as a sequence of integer ids
``x_1, ..., x_N`` (one id per character) and assigns it a probability by the chain
rule, ``p(x_1..x_N) = prod_i p(x_i | x_<i)``. This module holds everything that does
not need a neural network: the vocabulary (characters <-> ids), the split into
training and validation text, batches of training windows, and unigram / bigram /
n-gram models with add-k smoothing, the baselines every neural model must beat.

All log-likelihoods are in nats (natural log); divide by ``ln 2`` for bits.

The pieces live in ``vocabulary``, ``windows`` and ``ngrams``, all
re-exported here: write ``gk.text.<name>``. Keras is imported only when a
``PyDataset`` of windows is built.

Used in chapter 05.
"""

from __future__ import annotations

from genai_keras.text.ngrams import LN2, CharNGram, NGramModel, nats_to_bits
from genai_keras.text.vocabulary import UNKNOWN_CHAR, CharVocabulary
from genai_keras.text.windows import (
    eval_windows,
    make_window_dataset,
    random_windows,
    split_train_val,
)

__all__ = [
    "LN2",
    "UNKNOWN_CHAR",
    "CharNGram",
    "CharVocabulary",
    "NGramModel",
    "eval_windows",
    "make_window_dataset",
    "nats_to_bits",
    "random_windows",
    "split_train_val",
]
