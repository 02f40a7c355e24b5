"""A character-level decoder-only transformer (a tiny GPT) in Keras 3.

The model reads ``T`` character ids and returns, at every position ``t``, the logits
of the categorical distribution ``p(x_{t+1} | x_1..x_t)``. A causal mask keeps each
position from seeing the future, so one forward pass scores all ``T`` next-character
predictions of a window at once; training minimises their average cross-entropy in
nats per character. Generation samples one character at a time and feeds it back,
with a key/value cache so that each new character costs one position, not a full
forward pass.

Everything in the model is ``keras.ops``; the one backend-specific speed trick
(compiling the one-character decoding step with XLA under TensorFlow) is
``genai_keras.backend.compile_function``. Training minimises
``genai_keras.losses.causal_lm_loss``.

The layers are in ``blocks``, the model in ``model``, the sampling
distribution in ``sampling`` and training in ``training``; everything is
reachable here: write ``gk.models.autoregressive.<name>``.

Used in chapter 05.
"""

from __future__ import annotations

from genai_keras.models.autoregressive.blocks import (
    CausalSelfAttention,
    TransformerBlock,
    causal_mask,
)
from genai_keras.models.autoregressive.model import CharTransformer
from genai_keras.models.autoregressive.sampling import next_char_probs
from genai_keras.models.autoregressive.training import nats_at_positions, nats_per_char, train

__all__ = [
    "CausalSelfAttention",
    "CharTransformer",
    "TransformerBlock",
    "causal_mask",
    "nats_at_positions",
    "nats_per_char",
    "next_char_probs",
    "train",
]
