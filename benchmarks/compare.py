"""Score every image model of chapters 01-03 on the same metrics; write the comparison table.

Run from the repository root (set GENAI_KERAS_DATA when offline):

    python benchmarks/compare.py

Loads the shipped checkpoints (``genai_keras.checkpoints.load_or_train``; a missing
one is trained first from its recipe, ``gk.recipes.get(name)``), draws 10,000 samples
per model (conditional models: digits 0..9 in turn) and scores them against the 10,000
MNIST test digits with ``genai_keras.studies.comparison.compare_models`` (the function
chapter 04's notebook calls): test NLL (nats per image on 1,000 statically binarised test digits;
exact for pixel models, IWAE bound with 100 samples for VAEs), FID, KID, IS,
precision and recall (k = 3) in the fixed MNIST feature network's space.

Writes ``benchmarks/results/comparison.json`` (with each model's recipe,
``recipe.as_dict()``, under ``"recipes"``: the shipped checkpoint's manifest records it,
else the recipe of :mod:`genai_keras.recipes`; the scored checkpoints' file, SHA-256 and
storage dtype under ``"checkpoints"``) and ``benchmarks/results/comparison.md``.
``--names vae dcgan`` scores only some models (the others' rows are kept from the
previous file); ``--num-samples`` changes the sample count.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from _results import write_atomic, write_json_to

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent

from genai_keras import checkpoints as ck  # noqa: E402
from genai_keras import recipes  # noqa: E402
from genai_keras.feature_net import load_feature_net  # noqa: E402
from genai_keras.studies import comparison  # noqa: E402

COMMAND = "python benchmarks/compare.py"


def recipe_of(row: dict) -> dict:
    """The recipe (``recipe.as_dict()``) of a scored model: the one its checkpoint's
    manifest records when it was loaded, else the one it was trained from."""
    if row.get("source") == "checkpoint":
        recorded = ck.read_manifest().get(row["name"], {}).get("recipe")
        if recorded is not None:
            return recorded
    return recipes.get(row["name"], fast=False).as_dict()


def checkpoints_of(rows: list[dict]) -> dict:
    """The file, SHA-256 and storage dtype of each scored checkpoint (the manifest's)."""
    manifest = ck.read_manifest()
    return {
        row["name"]: {k: manifest[row["name"]].get(k) for k in ("file", "sha256", "storage")}
        for row in rows
        if row.get("source") == "checkpoint" and row["name"] in manifest
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--names",
        nargs="*",
        default=None,
        choices=ck.MODELS,
        metavar="NAME",
        help=f"models to score (default: all of {', '.join(ck.MODELS)})",
    )
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--nll-images", type=int, default=1000)
    parser.add_argument("--nll-samples", type=int, default=100)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    rows = comparison.compare_models(
        args.names,
        num_samples=args.num_samples,
        fast=False,
        nll_images=args.nll_images,
        nll_samples=args.nll_samples,
    )
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    previous = results / "comparison.json"
    if args.names and previous.is_file():  # keep the other models' rows, in table order
        scored = {row["name"]: row for row in json.loads(previous.read_text())["rows"]}
        scored.update({row["name"]: row for row in rows})
        rows = [scored[name] for name in ck.MODELS if name in scored]
    payload = {
        "command": COMMAND,
        "num_samples": args.num_samples,
        "reference": "MNIST test set (10,000 digits)",
        "nll": f"nats per image on the first {args.nll_images} statically binarised test digits "
        f"(pixel models exact; VAEs: IWAE bound, {args.nll_samples} samples; conditional "
        f"VAE: -log p(x | y))",
        "feature_net_sha256": load_feature_net().weights_sha256,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
        "total_seconds": round(time.perf_counter() - start, 1),
        "rows": rows,
        "recipes": {row["name"]: recipe_of(row) for row in rows},
        "checkpoints": checkpoints_of(rows),
    }
    write_json_to(results / "comparison.json", payload)
    table = comparison.comparison_markdown(rows)
    note = (
        f"\n{args.num_samples:,} samples per model vs the 10,000 MNIST test digits, "
        f"features of the shipped MNIST network (not Inception: not comparable with "
        f"published FIDs). NLL: {payload['nll']}. Training times: the shipped "
        f"checkpoints' budgets on a 2-core CPU. Regenerate: `{COMMAND}`.\n"
    )
    write_atomic(results / "comparison.md", table + note)
    print(table + note)
    print(f"total {payload['total_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
