"""Chapter 02 benchmark: how fast the package's VAE trains, and how good it gets.

One run, one machine (run it under the CPU lock):

(a) the classic Keras-example VAE recipe: conv 32 and 64 filters (stride 2), dense 16,
    2-D latent space, sigmoid decoder with transposed convolutions 64 and 32, Adam 1e-3,
    batch 128, grey-level binary cross-entropy summed over pixels plus KL, trained on all
    70,000 MNIST images for ``--classic-epochs`` epochs;
(b) the package's 2-D VAE (recipe ``gk.recipes.get("vae_2d")``) on the same 70,000
    images, stopped as soon as its loss on the same metric reaches (a)'s final loss.
    "Loss" for both is measured honestly after each epoch on the full 70,000 images
    (grey-level BCE summed over the 784 pixels + closed-form KL, one posterior sample,
    nats per image); evaluation time is not counted as training time. Other variants of
    (b) are timed too, to show where the speed comes from;
(c) the large-latent VAE trained for 24 epochs (recipe ``gk.recipes.get("vae_long")``,
    60,000 training images): training time and test log-likelihood (IWAE, k = 1000 on the
    first ``--nll-images`` images of the *statically* binarised test set, seed 0; ELBO and
    IWAE k = 100 on all 10,000).

Every package run reads its settings from :mod:`genai_keras.recipes` (the recipes the
checkpoints and notebooks use), trains with ``gk.models.vae.train(recipe, ...)`` and
records ``recipe.as_dict()`` under ``"recipe"``.

Writes ``benchmarks/results/vae.json``.

    python benchmarks/vae.py
    # smoke test (seconds; write elsewhere):
    python benchmarks/vae.py --limit 500 --classic-epochs 1 --max-epochs 1 --large-epochs 1 \
        --k 10 --full-k 0 --nll-images 100 --skip variants --out /tmp/vae.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
from keras import layers, ops

import genai_keras as gk
from genai_keras import recipes
from genai_keras.models import vae as V
from genai_keras.models.autoencoder import bernoulli_nll_from_logits

RESULTS = Path(__file__).resolve().parent / "results" / "vae.json"


# ------------------------------------------------------------------ (a) the classic recipe
class ClassicVAE(keras.Model):
    """The Keras-example VAE (same layers and loss), written with compute_loss."""

    def __init__(self, seed: int = 0):
        super().__init__(name="classic_vae")
        inp = keras.Input((28, 28, 1))
        h = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(inp)
        h = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(h)
        h = layers.Dense(16, activation="relu")(layers.Flatten()(h))
        self.enc = keras.Model(
            inp,
            [layers.Dense(2, name="z_mean")(h), layers.Dense(2, name="z_log_var")(h)],
            name="encoder",
        )
        zin = keras.Input((2,))
        h = layers.Reshape((7, 7, 64))(layers.Dense(7 * 7 * 64, activation="relu")(zin))
        h = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(h)
        h = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(h)
        out = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(h)
        self.dec = keras.Model(zin, out, name="decoder")
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=None):
        m, v = self.enc(x)
        z = m + ops.exp(0.5 * v) * keras.random.normal(ops.shape(m), seed=self.seed_generator)
        return m, v, self.dec(z)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        m, v, probs = y_pred
        rec = ops.sum(keras.losses.binary_crossentropy(x, probs), axis=(1, 2))
        kl = ops.sum(-0.5 * (1 + v - ops.square(m) - ops.exp(v)), axis=1)
        return ops.mean(rec + kl)


def grey_bce_plus_kl(
    encode, decode_logits, x: np.ndarray, batch: int = 2500, seed: int = 0
) -> float:
    """Negative ELBO with grey-level targets (nats per image), one posterior sample."""
    rng = np.random.default_rng(seed)
    total = 0.0
    for i in range(0, len(x), batch):
        xb = x[i : i + batch]
        m, v = encode(xb)
        m, v = ops.convert_to_numpy(m), ops.convert_to_numpy(v)
        z = m + np.exp(0.5 * v) * rng.standard_normal(m.shape).astype(np.float32)
        rec = ops.convert_to_numpy(bernoulli_nll_from_logits(xb, decode_logits(z)))
        kl = 0.5 * np.sum(m**2 + np.exp(v) - 1 - v, axis=1)
        total += float(np.sum(rec + kl))
    return total / len(x)


def classic_logits(model: ClassicVAE):
    def decode(z):
        p = ops.clip(model.dec(z), 1e-7, 1 - 1e-7)  # Keras' BCE clips the same way
        return ops.log(p) - ops.log1p(-p)

    return decode


class TrainClock(keras.callbacks.Callback):
    """Training wall time (evaluation excluded) and the honest full-data loss.

    The loss on the benchmark's metric is measured ``evals_per_epoch`` times per epoch
    (at evenly spaced batches, the last at the epoch's end), so the time to reach a target
    is known to a fraction of an epoch. Training time is the wall time since ``fit``
    started minus the time spent evaluating: the input pipeline and Keras' own overheads
    count, as they would for a user.
    """

    def __init__(self, evaluate, target: float | None = None, evals_per_epoch: int = 1):
        super().__init__()
        self.evaluate, self.target = evaluate, target
        self.evals_per_epoch = evals_per_epoch
        self.points: list[tuple[float, float, float]] = []  # (epochs, seconds, loss)
        self.epoch_seconds: list[float] = []
        self.fit_loss: list[float] = []
        self.reached_at: float | None = None
        self._eval_seconds = 0.0

    def _elapsed(self) -> float:
        return time.perf_counter() - self._start - self._eval_seconds

    def on_train_begin(self, logs=None):
        self._start, self._eval_seconds = time.perf_counter(), 0.0
        self._steps = self.params.get("steps") or 1
        marks = np.linspace(0, self._steps, self.evals_per_epoch + 1)[1:]
        self._marks = {round(m) for m in marks}

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._epoch_start = epoch, self._elapsed()

    def _check(self, batches_done: int) -> None:
        seconds = self._elapsed()
        t = time.perf_counter()
        loss = self.evaluate()
        self._eval_seconds += time.perf_counter() - t
        self.points.append((self._epoch + batches_done / self._steps, seconds, loss))
        if self.target is not None and self.reached_at is None and loss <= self.target:
            self.reached_at = seconds
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if batch + 1 in self._marks and batch + 1 < self._steps:
            self._check(batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(self._elapsed() - self._epoch_start)
        self.fit_loss.append(float(logs["loss"]))
        if self.reached_at is None:
            self._check(self._steps)

    def summary(self) -> dict:
        return {
            "train_seconds_per_epoch": [round(t, 2) for t in self.epoch_seconds],
            "eval_points": [
                {"epoch": round(e, 3), "train_seconds": round(s, 2), "loss": round(v, 3)}
                for e, s, v in self.points
            ],
            "eval_loss_per_epoch": [
                round(v, 3) for e, _, v in self.points if abs(e - round(e)) < 1e-9
            ],
            "fit_running_loss_per_epoch": [round(v, 3) for v in self.fit_loss],
            "seconds_to_target": None if self.reached_at is None else round(self.reached_at, 2),
        }


def run_classic(x: np.ndarray, epochs: int) -> dict:
    gk.set_seed(0)
    model = ClassicVAE(seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    clock = TrainClock(lambda: grey_bce_plus_kl(model.enc, classic_logits(model), x))
    model.fit(x, epochs=epochs, batch_size=128, shuffle=True, verbose=0, callbacks=[clock])
    out = {
        "recipe": "conv 32/64 stride 2, dense 16, latent 2, convT 64/32/1 sigmoid, Adam 1e-3, "
        "batch 128, grey-level BCE summed over pixels + KL, all 70,000 images",
        "epochs": epochs,
        "params": int(model.count_params()),
        **clock.summary(),
    }
    out["final_eval_loss"] = out["eval_loss_per_epoch"][-1]
    out["total_train_seconds"] = out["eval_points"][-1]["train_seconds"]
    return out


def settings(recipe: recipes.Recipe) -> dict:
    """A VAE recipe's settings as one flat, JSON-ready dict (model arguments, epochs,
    batch size, learning rate): the ``"settings"`` the results have always recorded."""
    flat = {
        **recipe.model,
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        **recipe.optimizer,
    }
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in flat.items()}


def run_variant(
    name: str, x: np.ndarray, target: float, max_epochs: int, evals_per_epoch: int = 4, **kwargs
) -> dict:
    """Train the ``vae_2d`` recipe, changed by ``kwargs`` (``recipe.replace``; epochs
    default to ``max_epochs``), on ``x`` until it reaches ``target``."""
    holder: dict = {}

    def evaluate():
        m = holder["clock"].model
        return grey_bce_plus_kl(m.encoder, m.decoder, x)

    clock = TrainClock(evaluate, target, evals_per_epoch)
    holder["clock"] = clock
    recipe = recipes.get("vae_2d", fast=False).replace(**{"epochs": max_epochs, **kwargs})
    model, _ = V.train(recipe, images=x, callbacks=[clock])
    out = {
        "name": name,
        "settings": settings(recipe),
        "recipe": recipe.as_dict(),
        "params": int(model.count_params()),
        **clock.summary(),
    }
    print(
        f"  {name}: {out['seconds_to_target']} s to target; losses {out['eval_loss_per_epoch']}",
        flush=True,
    )
    return out


def run_large(
    epochs: int | None, nll_images: int, k: int, full_k: int, limit: int | None = None
) -> dict:
    """Train the ``vae_long`` recipe (``epochs`` and ``limit`` override it) and score it."""
    changes = {"limit": limit} if epochs is None else {"limit": limit, "epochs": epochs}
    recipe = recipes.get("vae_long", fast=False).replace(**changes)
    x_train = gk.data.load_mnist("train", limit=recipe.limit)[0]
    x_test = gk.data.load_mnist("test", binarize="static", seed=0, limit=limit)[0]
    clock = TrainClock(lambda: float("nan"))
    start = time.perf_counter()
    model, _ = V.train(recipe, images=x_train, callbacks=[clock])
    train_wall = time.perf_counter() - start
    out = {
        "settings": settings(recipe),
        "recipe": recipe.as_dict(),
        "params": int(model.count_params()),
        "train_wall_seconds": round(train_wall, 1),
        "train_seconds_per_epoch": clock.summary()["train_seconds_per_epoch"],
        "fit_running_loss_per_epoch": clock.summary()["fit_running_loss_per_epoch"],
        "test_set": (
            "MNIST test, statically binarised (load_mnist('test', binarize='static', seed=0))"
        ),
    }
    t = time.perf_counter()
    out["test_elbo_all_10k"] = round(float(model.elbo(x_test, seed=0).mean()), 3)
    out["elbo_seconds"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    ll = model.log_likelihood(x_test[:nll_images], num_samples=k, seed=0)
    out.update(
        {
            f"test_nll_k{k}_first_{nll_images}": round(float(-ll.mean()), 3),
            f"test_nll_k{k}_stderr": round(float(ll.std() / np.sqrt(len(ll))), 3),
            f"nll_k{k}_seconds": round(time.perf_counter() - t, 1),
            f"elbo_first_{nll_images}": round(
                float(model.elbo(x_test[:nll_images], seed=0).mean()), 3
            ),
        }
    )
    if full_k:
        t = time.perf_counter()
        ll_full = model.log_likelihood(x_test, num_samples=full_k, seed=0)
        out[f"test_nll_k{full_k}_all_10k"] = round(float(-ll_full.mean()), 3)
        out[f"nll_k{full_k}_all_seconds"] = round(time.perf_counter() - t, 1)
    print(f"  large VAE: {out}", flush=True)
    return out


def grey_target_entropy(x: np.ndarray) -> float:
    """Average entropy of grey pixels read as Bernoulli means, in nats per image.

    The floor of the grey-level cross-entropy (reached only when the reconstruction equals
    the image): the part of the loss that no model can remove (chapter 02).
    """
    per_pixel = -np.asarray(gk.distributions.bernoulli_log_prob(x, probs=x), dtype=np.float64)
    return float(per_pixel.sum(axis=(1, 2, 3)).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classic-epochs", type=int, default=5)
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        help="cap for the package's 2-D variants (default: the vae_2d recipe's epochs)",
    )
    parser.add_argument(
        "--large-epochs",
        type=int,
        default=None,
        help="epochs of the large VAE (default: the vae_long recipe's epochs)",
    )
    parser.add_argument(
        "--evals-per-epoch",
        type=int,
        default=4,
        help="how often the package's runs are scored on the full data",
    )
    parser.add_argument("--nll-images", type=int, default=1000)
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--full-k", type=int, default=100)
    parser.add_argument("--skip", nargs="*", default=[], choices=["variants", "large"])
    parser.add_argument("--limit", type=int, default=None, help="smoke test: fewer images")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    wall = time.perf_counter()
    x_train, _ = gk.data.load_mnist("train", limit=args.limit)
    x_test, _ = gk.data.load_mnist("test", limit=args.limit)
    x_all = np.concatenate([x_train, x_test])
    result = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "backend": keras.backend.backend(),
            "keras": keras.__version__,
        },
        "metric": "grey-level BCE summed over 784 pixels + closed-form KL, one posterior "
        "sample, averaged over all 70,000 images after each epoch (nats per image)",
        "grey_target_entropy_nats": round(grey_target_entropy(x_all), 2),
    }
    print("(a) classic recipe", flush=True)
    result["classic"] = run_classic(x_all, args.classic_epochs)
    target = result["classic"]["final_eval_loss"]
    print(f"  classic: {result['classic']}", flush=True)
    max_epochs = args.max_epochs or recipes.get("vae_2d", fast=False).epochs

    print("(b) package 2-D VAE", flush=True)
    variants = [("package default 2-D VAE (recipe vae_2d)", {})]
    if "variants" not in args.skip:
        variants += [
            ("batch 256 (half as many updates per epoch)", {"batch_size": 256}),
            (
                "no decoder hidden layer, encoder hidden 128 (narrower dense layers)",
                {"hidden_units": 128, "decoder_hidden_units": 0},
            ),
            ("grey-level targets (no dynamic binarisation)", {"dynamic_binarization": False}),
        ]
    runs = [
        run_variant(name, x_all, target, max_epochs, args.evals_per_epoch, **kw)
        for name, kw in variants
    ]
    classic_time = result["classic"]["total_train_seconds"]
    for run in runs:
        reached = run["seconds_to_target"]
        run["speedup_vs_classic"] = None if reached is None else round(classic_time / reached, 2)
    result["package_2d"] = runs[0]
    result["variants_2d"] = runs[1:]
    result["speedup"] = runs[0]["speedup_vs_classic"]
    print(f"  speed-up: {result['speedup']}", flush=True)

    if "large" not in args.skip:
        print("(c) large-latent VAE", flush=True)
        result["large"] = run_large(
            args.large_epochs, args.nll_images, args.k, args.full_k, args.limit
        )
    result["benchmark_wall_seconds"] = round(time.perf_counter() - wall, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out} in {result['benchmark_wall_seconds']} s")


if __name__ == "__main__":
    main()
