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
pixel models: ``.npz``), with a record in ``manifest.json`` (recipe, command, training
time, parameters, file size, storage dtype, SHA-256, checked on load) and a
human-readable ``README.md`` generated from it.

``--convert`` rewrites float32 Keras ``.weights.h5`` checkpoints of earlier releases in
the ``.weights.npz`` format without retraining (each file is checked against its
manifest SHA-256 first; the old file is removed and the manifest entry updated).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402

from genai_keras import checkpoints as ck  # noqa: E402

COMMAND = ("env GENAI_KERAS_DATA=../shared/data "
           "python scripts/train_checkpoints.py")


def write_readme(directory: Path, manifest: dict) -> None:
    lines = [
        "# Shipped checkpoints of the comparison models (chapters 01-03)",
        "",
        "Made by `scripts/train_checkpoints.py` and loaded by",
        "`genai_keras.checkpoints.load_or_train(name)` for chapter 04's comparison.",
        "Regenerate (about 30 minutes on a 2-core CPU):",
        "",
        f"    {COMMAND} --force",
        "",
        "Keras models are stored as `.weights.npz` (float16 arrays keyed by variable path,",
        "re-loaded as float32 after every name and shape is checked; the architecture is",
        "rebuilt from the recipe in `genai_keras/recipes.py`); the GANs keep only their",
        "weight-averaged generator; the NumPy pixel models use `.npz`. Each file's SHA-256",
        "is in `manifest.json` and is checked on load; a file without an entry is refused.",
        "The weights load on TensorFlow, JAX and PyTorch alike.",
        "",
        "| name | recipe | seed | train time (s) | parameters | file (KiB) | made |",
        "|---|---|---|---|---|---|---|",
    ]
    from genai_keras.recipes import Recipe

    for name, r in manifest.items():
        recipe = Recipe(**r["recipe"]).describe()
        lines.append(f"| {name} | {recipe} | {r['seed']} | {r['train_seconds']:.0f} | "
                     f"{r['parameters']:,} | {r['file_kib']} | {r['made']} |")
        if r.get("converted"):
            lines.append(f"|  | ({r['converted']}) | | | | | |")
    lines += ["", f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, "
              f"Keras {keras.__version__} ({keras.backend.backend()})."]
    (directory / "README.md").write_text("\n".join(lines) + "\n")


STORAGE = (f"{ck.STORAGE_DTYPE} weights ({ck.WEIGHTS_FORMAT}, {ck.WEIGHTS_SUFFIX}), "
           "re-loaded as float32")


def write_manifest(directory: Path, name: str, record: dict) -> dict:
    """Set ``name``'s manifest record and rewrite ``manifest.json`` and ``README.md``."""
    manifest = ck.read_manifest(directory)
    manifest[name] = record
    manifest = {k: manifest[k] for k in ck.MODELS if k in manifest}  # table order
    (directory / ck.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    write_readme(directory, manifest)
    return manifest


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
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    note = (f"{today}: the float32 {old.name} ({record['file_kib']} KiB, sha256 "
            f"{record['sha256'][:12]}...) stored as {ck.STORAGE_DTYPE} {new.name}, weights rounded to float16, "
            f"no retraining (scripts/train_checkpoints.py --convert)")
    record.update(file=new.name, file_kib=round(new.stat().st_size / 1024),
                  sha256=ck.sha256(new), storage=STORAGE,
                  converted="; ".join(filter(None, [record.get("converted"), note])))
    write_manifest(directory, name, record)
    old.unlink()
    print(f"{name}: {old.name} -> {new.name}, {record['file_kib']} KiB", flush=True)
    return record


def ship(name: str, model, record: dict, directory: Path = ck.CHECKPOINT_DIR) -> dict:
    """Save a model trained from recipe ``name`` as the shipped checkpoint and record it
    in the manifest and README (``record``: ``ck.train``'s, or the same keys from a
    benchmark that trained the recipe)."""
    path = ck.checkpoint_path(name, directory)
    ck.save(name, model, path)
    record = dict(record)
    record.update(parameters=ck.num_parameters(model), file=path.name,
                  file_kib=round(path.stat().st_size / 1024), sha256=ck.sha256(path),
                  command=record.get("command", f"{COMMAND} --force {name}"),
                  made=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
                  keras=keras.__version__, backend=keras.backend.backend(),
                  cpu_count=os.cpu_count())
    if ck.recipes.RECIPES[name].family != "pixel":
        record["storage"] = STORAGE
    write_manifest(directory, name, record)
    print(f"{name}: {record['train_seconds']:.0f} s, {record['parameters']:,} parameters, "
          f"{record['file_kib']} KiB, {ck.recipes.Recipe(**record['recipe']).describe()}", flush=True)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="models to train (default: all missing)")
    parser.add_argument("--force", action="store_true", help="retrain even if present")
    parser.add_argument("--convert", action="store_true",
                        help="convert float32 .weights.h5 checkpoints to float16 .weights.npz")
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
        ship(name, model, record, directory)
    total = sum(p.stat().st_size for p in directory.iterdir() if p.suffix in (".npz", ".h5"))
    print(f"checkpoints in {directory}: {total / 2**20:.1f} MiB in total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
