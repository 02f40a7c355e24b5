"""Train the comparison models of chapters 01-03 and ship them as small checkpoints.

Chapter 04 (``genai_keras.checkpoints.load_or_train``) loads these instead of
training every model again. Run from the repository root, under the CPU lock:

    env GENAI_KERAS_DATA=../shared/data \\
        python scripts/train_checkpoints.py            # the missing ones
    ... scripts/train_checkpoints.py --force vae dcgan           # retrain some

Each model is trained from its recipe in ``genai_keras.recipes`` (the checkpoint's
name is the recipe's name; 1-8 minutes each on a 2-core CPU) and written to
``genai_keras/assets/checkpoints/`` in Keras' ``.weights.h5`` format (the NumPy pixel
models: ``.npz``), with a record in ``manifest.json`` (recipe, command, training time,
parameters, file size, SHA-256, checked on load) and a human-readable ``README.md``
generated from it.
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
        "Keras models are stored as Keras weights (`.weights.h5`, architecture rebuilt",
        "from the recipe in `genai_keras/recipes.py`); the GANs keep only their",
        "weight-averaged generator; the NumPy pixel models use `.npz`. Each file's SHA-256",
        "is in `manifest.json` and is checked on load. The weights load on TensorFlow, JAX",
        "and PyTorch alike.",
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
    manifest = ck.read_manifest(directory)
    manifest[name] = record
    manifest = {k: manifest[k] for k in ck.MODELS if k in manifest}  # table order
    (directory / ck.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    write_readme(directory, manifest)
    print(f"{name}: {record['train_seconds']:.0f} s, {record['parameters']:,} parameters, "
          f"{record['file_kib']} KiB, {ck.recipes.Recipe(**record['recipe']).describe()}", flush=True)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="models to train (default: all missing)")
    parser.add_argument("--force", action="store_true", help="retrain even if present")
    args = parser.parse_args(argv)

    directory = ck.CHECKPOINT_DIR
    directory.mkdir(parents=True, exist_ok=True)
    names = args.names or list(ck.MODELS)
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
