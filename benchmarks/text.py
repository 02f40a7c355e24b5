"""Benchmark chapter 05: character-level language models on Tiny Shakespeare.

Scores the unigram and bigram baselines and the chapter's transformer (the recipe
``gk.recipes.get("char_transformer")``, the same recipe as the notebook, trained with
``gk.models.autoregressive.train``) by
validation loss in nats and bits per character (last 10% of the text), records the
training time, and measures generation throughput (characters per second) with and
without the key/value cache.

Run from the repository root, under the shared CPU lock:

    python benchmarks/text.py
    python benchmarks/text.py --set steps=2000 --set batch_size=12

``--set KEY=VALUE`` changes one setting of the recipe (``recipe.replace(KEY=VALUE)``:
``steps``, ``batch_size``, ``learning_rate``, ``warmup_steps``, ``context_length``,
``embed_dim``, ...). Every run is appended to ``trials`` in
``benchmarks/results/text.json`` with its recipe (``recipe.as_dict()``); a run with
the default recipe (no ``--set``) also becomes the file's ``result``.

Anchor: nanoGPT's character-level Shakespeare on a laptop CPU (4 layers, width 128,
context 64, batch 12, 2000 iterations, about 3 minutes) reports a validation loss of
about 1.88 nats per character.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from _results import write_json_to

ANCHOR = {
    "source": "nanoGPT README, shakespeare_char on a laptop CPU (n_layer=4, n_head=4, n_embd=128, "
    "block_size=64, batch_size=12, max_iters=2000, dropout=0)",
    "val_nats_per_char": 1.88,
}
TARGET = {"val_nats_per_char": 1.9, "goal_nats_per_char": 1.7, "max_train_seconds": 600}


def _parse_value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _config(recipe) -> dict:
    """The recipe's settings as one flat dict (the ``"config"`` the results record)."""
    return {
        **recipe.model,
        "batch_size": recipe.batch_size,
        "steps": recipe.steps,
        **recipe.optimizer,
    }


def _generation_speed(model, length: int, use_cache: bool, repeats: int = 1) -> dict:
    model.generate("ROMEO:\n", 8, seed=0, use_cache=use_cache)  # warm-up / compile
    best = math.inf
    for r in range(repeats):
        start = time.perf_counter()
        model.generate("ROMEO:\n", length, seed=r, temperature=0.8, use_cache=use_cache)
        best = min(best, time.perf_counter() - start)
    return {"chars": length, "seconds": round(best, 3), "chars_per_second": round(length / best, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change a setting of the char_transformer recipe, i.e. "
        "recipe.replace(KEY=VALUE) (e.g. steps=2000); repeatable",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--note", default="", help="a few words on what this trial tests")
    parser.add_argument("--out", default="benchmarks/results/text.json")
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    import genai_keras as gk
    from genai_keras import recipes
    from genai_keras.models import autoregressive as ar

    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = _parse_value(value)
    try:
        recipe = recipes.get("char_transformer", fast=False).replace(
            **{"seed": args.seed, **overrides}
        )
    except ValueError as err:
        parser.error(str(err))

    text = gk.data.load_text("tinyshakespeare")
    vocab = gk.text.CharVocabulary.from_text(text)
    train_ids, val_ids = gk.text.split_train_val(vocab.encode(text))
    baselines = {}
    for name, order in (("unigram", 1), ("bigram", 2)):
        nats = gk.text.NGramModel(vocab.size, order, k=1.0).fit(train_ids).nats_per_char(val_ids)
        baselines[name] = {
            "val_nats_per_char": round(nats, 4),
            "val_bits_per_char": round(nats / math.log(2), 4),
        }

    model, _ = ar.train(recipe, text=text)
    log = model.training_log
    generation = {
        "with_cache": _generation_speed(model, 500, True, repeats=3),
        "without_cache": _generation_speed(model, 200, False),
    }
    entry = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": args.note,
        "overrides": overrides,
        "config": _config(recipe),
        "recipe": recipe.as_dict(),
        "seed": recipe.seed,
        "parameters": int(model.count_params()),
        "tokens_seen": log["tokens_seen"],
        "train_seconds": round(log["train_seconds"], 1),
        "val_nats_per_char": round(log["val_nats_per_char"], 4),
        "val_bits_per_char": round(log["val_bits_per_char"], 4),
        "curve": {
            "step": log["step"],
            "val_nats_per_char": [round(v, 4) for v in log["val_loss"]],
            "train_nats_per_char": [round(v, 4) for v in log["loss"]],
            "seconds": [round(s, 1) for s in log["seconds"]],
        },
        "generation": generation,
        "sample": model.generate("ROMEO:\n", 300, temperature=0.8, seed=0),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(out.read_text()) if out.exists() else {}
    results.update(
        {
            "benchmark": "chapter 05: character-level language models on Tiny Shakespeare "
            "(validation = last 10% of the text, 111,539 characters)",
            "machine": {
                "cpu_count": os.cpu_count(),
                "platform": platform.platform(),
                "keras": keras.__version__,
                "backend": keras.backend.backend(),
            },
            "anchor": ANCHOR,
            "target": TARGET,
            "baselines": baselines,
        }
    )
    results.setdefault("trials", []).append(
        {k: v for k, v in entry.items() if k not in ("curve", "sample")}
    )
    if not overrides:
        results["result"] = entry
    write_json_to(out, results, ensure_ascii=False)
    print(
        json.dumps(
            {
                k: entry[k]
                for k in (
                    "config",
                    "train_seconds",
                    "val_nats_per_char",
                    "val_bits_per_char",
                    "generation",
                )
            },
            indent=1,
        )
    )
    print(entry["sample"])


if __name__ == "__main__":
    main()
