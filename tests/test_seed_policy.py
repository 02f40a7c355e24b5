"""The seed policy (issue 24): one rule for the sampling noise of every model family.

Sampling noise is drawn in NumPy from one generator per call
(:func:`genai_keras.utils.sampling_rng`): an int seed gives the same samples on
TensorFlow, JAX and PyTorch for every shipped checkpoint, ``seed=None`` follows
``gk.set_seed`` (also in a fresh process), and the ``n`` texts of one
``CharTransformer.sample`` call come from one stream (no overlap with other seeds).

The backend is fixed when Keras is imported, so the cross-backend and fresh-process
checks run small scripts in subprocesses.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from genai_keras.utils import sampling_rng

ROOT = Path(__file__).resolve().parent.parent
BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
NUM_SAMPLES = 8
TEXT_CHARS = "abcdefgh \n"

# Every shipped checkpoint, 8 samples with seed=0 (conditional models: labels 0..7), and a
# tiny CharTransformer whose weights are set from NumPy (so they are the same everywhere).
_DRAW = r"""
import sys, time
import numpy as np
import genai_keras as gk
from genai_keras.models import autoregressive as ar
from genai_keras.text import CharVocabulary
out = {}
for name in gk.checkpoints.MODELS:
    model = gk.checkpoints.load_or_train(name, fast=True)
    start = time.perf_counter()
    out[name] = gk.studies.comparison.sample_images(name, model, %(n)d, seed=0)
    print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
ct = ar.CharTransformer(CharVocabulary(%(chars)r), context_length=8, embed_dim=16, num_heads=2,
                        num_layers=2)
ct(np.zeros((1, 8), np.int32))
rng = np.random.default_rng(5)
ct.set_weights([rng.normal(0, 0.5, w.shape).astype(w.dtype) if "float" in str(w.dtype) else w
                for w in ct.get_weights()])
texts = ct.sample(3, seed=0, length=40, prompt="a")
out["char_transformer_text"] = np.array([[ord(c) for c in t] for t in texts], np.int32)
np.savez(sys.argv[1], **out)
"""

# seed=None after gk.set_seed(s): untrained models of the fast recipes (the VAE and the
# flow model are built after set_seed, so their initial weights repeat too).
_REPEAT = r"""
import sys
import numpy as np
import genai_keras as gk
from genai_keras import recipes
from genai_keras.models import autoregressive as ar
from genai_keras.models.diffusion import training as flow_training
from genai_keras.models.vae import training as vae_training
from genai_keras.text import CharVocabulary
gk.set_seed(0)
vae = vae_training.build(recipes.get("vae", fast=True))
flow = flow_training.build(recipes.get("flow_matching", fast=True))
ct = ar.CharTransformer(CharVocabulary(%(chars)r), context_length=8, embed_dim=16, num_heads=2,
                        num_layers=2)
out = {}
for i, seed in enumerate(sys.argv[2:]):  # the seeds in turn, each after gk.set_seed
    gk.set_seed(int(seed))
    out[f"vae_{i}"] = vae.sample(4)
    out[f"flow_{i}"] = flow.sample(4, steps=5, sampler="ddpm")
    out[f"text_{i}"] = np.array([[ord(c) for c in t] for t in ct.sample(2, length=30, prompt="a")])
np.savez(sys.argv[1], **out)
"""


def _available(backend: str) -> bool:
    return importlib.util.find_spec(BACKEND_MODULES[backend]) is not None


def _run(script: str, out: Path, *args: str, backend: str | None = None) -> dict[str, np.ndarray]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if backend is not None:
        env["KERAS_BACKEND"] = backend
    proc = subprocess.run(
        [sys.executable, "-c", script, str(out), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"{backend or 'the default backend'} failed:\n{proc.stderr[-3000:]}"
    )
    with np.load(out) as data:
        return {k: data[k] for k in data.files}


# ------------------------------------------------------------------ the helper itself
def test_sampling_rng_follows_the_rule():
    assert sampling_rng(3).random() == np.random.default_rng(3).random()
    g = np.random.default_rng(1)
    assert sampling_rng(g) is g
    np.random.seed(11)
    a = sampling_rng(None).random(4)
    np.random.seed(11)
    assert np.array_equal(sampling_rng(None).random(4), a)
    assert not np.array_equal(sampling_rng(None).random(4), a)  # the global RNG moved on
    for bad in (1.5, True, "0", -1, 2**32):
        with pytest.raises(ValueError, match=r"seed must be an int in \[0, 2\*\*32\) or None"):
            sampling_rng(bad)


# --------------------------------------------------------------------- cross-backend
@pytest.mark.backends(
    "tensorflow", reason="it starts every backend itself: run once, in the TensorFlow suite"
)
def test_every_shipped_checkpoint_samples_the_same_on_every_backend(tmp_path):
    """One process per backend (about 15 s each on a CPU): seed=0, 8 samples."""
    backends = [b for b in BACKEND_MODULES if _available(b)]
    if len(backends) < 2:
        pytest.skip(f"only {backends} installed here (CI installs all three)")
    script = _DRAW % {"n": NUM_SAMPLES, "chars": TEXT_CHARS}
    draws = {b: _run(script, tmp_path / f"{b}.npz", backend=b) for b in backends}
    reference_backend, *others = backends
    reference = draws[reference_backend]
    from genai_keras import checkpoints as ck

    assert set(reference) == {*ck.MODELS, "char_transformer_text"}
    for name in ck.MODELS:
        assert reference[name].shape == (NUM_SAMPLES, 28, 28, 1)
        assert reference[name].min() >= 0.0 and reference[name].max() <= 1.0
        for backend in others:
            diff = float(np.abs(draws[backend][name] - reference[name]).max())
            assert diff <= 1e-4, f"{name}: {backend} differs from {reference_backend} by {diff:.2e}"
    for backend in others:
        assert np.array_equal(
            draws[backend]["char_transformer_text"], reference["char_transformer_text"]
        ), backend


# ------------------------------------------------------- seed=None in a fresh process
def test_seed_none_repeats_after_set_seed_in_a_fresh_process(tmp_path):
    """Two processes: seeds 0, 1, 0 in the first (set_seed again repeats, another seed
    differs), seed 0 in the second (a fresh process repeats the first's draws)."""
    script = _REPEAT % {"chars": TEXT_CHARS}
    first = _run(script, tmp_path / "a.npz", "0", "1", "0")
    fresh = _run(script, tmp_path / "b.npz", "0")
    for key in ("vae", "flow", "text"):
        assert np.array_equal(first[f"{key}_0"], fresh[f"{key}_0"]), key
        assert np.array_equal(first[f"{key}_0"], first[f"{key}_2"]), key
        assert not np.array_equal(first[f"{key}_0"], first[f"{key}_1"]), key
    assert first["vae_0"].shape == first["flow_0"].shape == (4, 28, 28, 1)


# ------------------------------------------------------------- non-overlapping streams
@pytest.fixture(scope="module")
def char_transformer():
    import keras

    from genai_keras.models import autoregressive as ar
    from genai_keras.text import CharVocabulary

    keras.utils.set_random_seed(0)
    return ar.CharTransformer(
        CharVocabulary(TEXT_CHARS), context_length=8, embed_dim=16, num_heads=2, num_layers=2
    )


def test_char_transformer_texts_of_one_call_share_one_stream(char_transformer):
    two = char_transformer.sample(2, seed=0, length=40)
    assert char_transformer.sample(2, seed=0, length=40) == two
    assert two[0] == char_transformer.sample(1, seed=0, length=40)[0]
    assert two[1] != char_transformer.sample(1, seed=1, length=40)[0]
    assert two[0] != two[1]


def test_char_transformer_generate_takes_a_generator(char_transformer):
    rng = np.random.default_rng(4)
    a, b = (char_transformer.generate("a", 30, seed=rng) for _ in range(2))
    rng = np.random.default_rng(4)
    assert [char_transformer.generate("a", 30, seed=rng) for _ in range(2)] == [a, b]
    assert char_transformer.generate("a", 30, seed=4) == a
