"""Train the fixed MNIST feature network shipped in genai_keras/assets/.

The network behind FID, KID, Inception Score and precision/recall
(``genai_keras.feature_net``) must be the same for everyone, so its weights ship with
the package. This script is how they were made; run it from the repository root:

    env GENAI_KERAS_DATA=../shared/data \\
        python scripts/train_feature_net.py

(``--epochs``, ``--seed`` and ``--out`` change the defaults: 6 epochs, seed 0, the
packaged weights file.) It trains on the 60,000 MNIST training images with light
augmentation (random rotations up to 10 degrees and shifts up to 2 pixels), reports
the accuracy on the 10,000 test images, writes the weights and prints their SHA-256.
After retraining, paste that hash into ``WEIGHTS_SHA256`` in
``genai_keras/feature_net.py``: every metric computed before is then out of date.

Takes about 3-4 minutes on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

import genai_keras as gk
from genai_keras import feature_net
from genai_keras.files import atomic_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=feature_net.WEIGHTS_PATH)
    args = parser.parse_args(argv)

    gk.set_seed(args.seed)
    x_train, y_train = gk.data.load_mnist("train")
    x_test, y_test = gk.data.load_mnist("test")

    model = feature_net.build_feature_net(augment=True, seed=args.seed)
    steps = args.epochs * int(np.ceil(len(x_train) / args.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=steps, alpha=0.01)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.time()
    model.fit(
        x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, shuffle=True, verbose=2
    )
    train_seconds = time.time() - start

    # Copy the trained weights into the plain network (no augmentation layers), so the
    # weights file holds exactly what load_feature_net() builds.
    plain = feature_net.build_feature_net()
    for layer in plain.layers:
        if layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    probs = plain.predict(x_test, batch_size=1000, verbose=0)
    accuracy = float(np.mean(np.argmax(probs, axis=1) == y_test))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.out) as temp:  # a failed save keeps the old weights whole
        plain.save_weights(str(temp))
    digest = feature_net.sha256_of(args.out)
    print(f"train time: {train_seconds:.0f} s for {args.epochs} epochs")
    print(f"parameters: {plain.count_params()}")
    print(f"test accuracy: {accuracy:.4f}")
    print(f"weights: {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    print(f"sha256: {digest}")
    if accuracy < 0.993:
        print("WARNING: test accuracy below the 99.3% target.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
