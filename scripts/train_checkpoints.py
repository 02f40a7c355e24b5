"""Train the comparison models of chapters 01-03 and ship them as small checkpoints.

Chapter 04 (``genai_keras.checkpoints.load_or_train``) loads these instead of
training every model again. Run from the repository root, under the CPU lock:

    env GENAI_KERAS_DATA=../shared/data \\
        python scripts/train_checkpoints.py            # the missing ones
    ... scripts/train_checkpoints.py --force vae dcgan           # retrain some

Each model is trained from its recipe in ``genai_keras.recipes`` (the checkpoint's
name is the recipe's name; 1-8 minutes each on a 2-core CPU) and written to
``genai_keras/assets/checkpoints/`` in the package's ``.weights.npz`` format (float16
weights keyed by variable path, ``genai_keras.checkpoints.write_weights``; the NumPy
pixel models: ``.npz``) by ``genai_keras.checkpoints.publish``, with a record in
``manifest.json`` (recipe, command, training time, parameters, file size, storage dtype,
SHA-256, checked on load) and a human-readable ``README.md`` generated from it.

``--convert`` rewrites float32 Keras ``.weights.h5`` checkpoints of earlier releases in
the ``.weights.npz`` format without retraining (each file is checked against its
manifest SHA-256 first; the old file is removed and the manifest entry updated).
"""

from __future__ import annotations

import argparse
import datetime
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from genai_keras import checkpoints as ck


def convert(name: str, directory: Path = ck.CHECKPOINT_DIR) -> dict | None:
    """Rewrite a float32 ``.weights.h5`` checkpoint as float16 ``.weights.npz`` (no
    retraining); None when ``name`` has no such file."""
    old = directory / f"{name}.weights.h5"
    if ck.recipes.RECIPES[name].family == "pixel" or not old.is_file():
        return None
    record = dict(ck.read_manifest(directory)[name])
    recipe = ck.recipes.Recipe(**record["recipe"])
    model = ck.load(name, old, expected_sha256=record["sha256"], recipe=recipe)
    new = ck.save(name, model, ck.checkpoint_path(name, directory))
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    note = (
        f"{today}: the float32 {old.name} ({record['file_kib']} KiB, sha256 "
        f"{record['sha256'][:12]}...) stored as {ck.STORAGE_DTYPE} {new.name}, "
        "weights rounded to float16, "
        f"no retraining (scripts/train_checkpoints.py --convert)"
    )
    record.update(
        file=new.name,
        file_kib=round(new.stat().st_size / 1024),
        sha256=ck.sha256(new),
        storage=ck.STORAGE,
        converted="; ".join(filter(None, [record.get("converted"), note])),
    )
    ck.write_manifest_entry(name, record, directory)
    old.unlink()
    print(f"{name}: {old.name} -> {new.name}, {record['file_kib']} KiB", flush=True)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="models to train (default: all missing)")
    parser.add_argument("--force", action="store_true", help="retrain even if present")
    parser.add_argument(
        "--convert",
        action="store_true",
        help="convert float32 .weights.h5 checkpoints to float16 .weights.npz",
    )
    args = parser.parse_args(argv)

    directory = ck.CHECKPOINT_DIR
    directory.mkdir(parents=True, exist_ok=True)
    names = args.names or list(ck.MODELS)
    if args.convert:
        for name in names:
            convert(name, directory)
        return 0
    for name in names:
        path = ck.checkpoint_path(name, directory)
        if path.is_file() and not args.force:
            print(f"{name}: present, skipped")
            continue
        model, record = ck.train(name, fast=False)
        ck.publish(name, model, record, directory, log=lambda line: print(line, flush=True))
    total = sum(p.stat().st_size for p in directory.iterdir() if p.suffix in (".npz", ".h5"))
    print(f"checkpoints in {directory}: {total / 2**20:.1f} MiB in total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
