"""Chapter 02's VAE trained on several devices (data parallelism), and checked against one.

Data parallelism keeps a copy of the model on every device, gives each device an equal
slice of every batch and combines the gradients before the update. With the same global
batch and the same seed, it should follow the path of an ordinary single-device run. The
backend-specific part is :func:`genai_keras.backend.data_parallel_scope` (Keras'
``DataParallel`` on JAX, ``tf.distribute.MirroredStrategy`` on TensorFlow); this module
is backend-neutral:

* :func:`train_vae` trains the VAE for a few steps in a fixed batch order, on one device
  or data-parallel over several;
* :func:`compare_to_single_device` runs it twice in fresh Python processes, on one CPU
  device and on a CPU split into ``num_devices`` simulated devices, and returns both loss
  curves (:class:`Comparison`).

``python -m genai_keras.distributed ...`` is the worker those processes run.

Used in the appendix chapter 08.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from genai_keras import backend as gk_backend  # `backend` is also a parameter name here
from genai_keras.backend import BACKENDS, DATA_PARALLEL_BACKENDS, NO_DATA_PARALLEL
from genai_keras.checks import as_images, positive_int
from genai_keras.config import set_seed
from genai_keras.data import load_mnist
from genai_keras.files import write_atomic
from genai_keras.recipes import expect, get

#: Training images of a comparison: the first 512 MNIST training digits.
DEFAULT_IMAGES = 512


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Per-step training losses of the same VAE run on one device and on several.

    Attributes:
        backend: the Keras backend of both runs.
        num_devices: devices of the data-parallel run.
        batch_size: the global batch (each device sees ``batch_size / num_devices``).
        single, multi: the loss (negative ELBO, nats per image) of each step.
        seconds: wall time of each run's training, ``{"single": s, "multi": s}``.
    """

    backend: str
    num_devices: int
    batch_size: int
    single: tuple[float, ...]
    multi: tuple[float, ...]
    seconds: dict[str, float]

    @property
    def max_abs_diff(self) -> float:
        """The largest per-step difference of the two loss curves (nats per image)."""
        return float(np.max(np.abs(np.subtract(self.single, self.multi))))

    def describe(self) -> str:
        """One line: backend, devices, steps and the largest difference."""
        return (
            f"{self.backend}: {len(self.single)} steps of {self.batch_size} images, 1 device vs "
            f"{self.num_devices}; largest loss difference {self.max_abs_diff:.2e} nats "
            f"(loss {self.single[0]:.2f} -> {self.single[-1]:.2f})"
        )


def available_backends() -> list[str]:
    """The installed backends with a data-parallel API (found without importing them)."""
    return [b for b in DATA_PARALLEL_BACKENDS if importlib.util.find_spec(b) is not None]


def _fixed_order(images: np.ndarray, steps: int, batch_size: int) -> np.ndarray:
    """``steps * batch_size`` images taken in order, wrapping around: batch k is fixed."""
    return images[np.arange(steps * batch_size) % len(images)]


def train_vae(
    recipe: Any = None,
    images: Any = None,
    steps: int = 4,
    num_devices: int | None = None,
    verbose: int = 0,
) -> tuple[Any, list[float]]:
    """Train chapter 02's VAE for ``steps`` updates, batches in a fixed order.

    The model is built and compiled inside :func:`genai_keras.backend.data_parallel_scope`
    when ``num_devices`` is given, so its weights are replicated and each batch is split
    between the devices; with ``num_devices=None`` it is an ordinary single-device run.
    Batch ``k`` holds images ``k * batch_size ...`` (wrapping around), so two runs see the
    same data in the same order; weights follow ``recipe.seed``.

    Args:
        recipe: a VAE recipe (default ``gk.recipes.get("vae", fast=False)``); its
            ``batch_size`` is the global batch, ``seed`` the seed.
        images: training images ``(N, 28, 28, 1)`` in [0, 1] (default the first
            :data:`DEFAULT_IMAGES` MNIST training digits).
        steps: optimizer updates (each epoch of ``fit`` is one step, so the history holds
            each step's own loss).
        num_devices: devices to split each batch over (None: no distribution).
        verbose: passed to ``fit``.

    Returns:
        ``(model, losses)``: the trained VAE and each step's loss in nats per image.

    Raises:
        ValueError: the batch does not split evenly over the devices, or bad arguments.
        NotImplementedError: ``num_devices`` on PyTorch.
    """
    # Local: the worker process runs this module, and model code loads after its device split.
    from genai_keras.models import vae
    from genai_keras.optim import (  # local: as above, after the device split
        build_optimizer,
        optimizer_from_recipe,
    )

    recipe = get("vae", fast=False) if recipe is None else expect(recipe, "vae")
    if recipe.conditional:
        raise ValueError("train_vae trains the unconditional VAE; pass gk.recipes.get('vae').")
    steps = positive_int(steps, "steps")
    batch_size = positive_int(recipe.batch_size, "batch_size")
    if num_devices is not None and batch_size % positive_int(num_devices, "num_devices"):
        raise ValueError(
            f"The global batch ({batch_size}) must split evenly over {num_devices} "
            f"devices: choose a batch_size that {num_devices} divides."
        )
    x = load_mnist("train", limit=DEFAULT_IMAGES)[0] if images is None else as_images(images)
    x = _fixed_order(x, steps, batch_size)
    set_seed(recipe.seed)
    scope = (
        contextlib.nullcontext()
        if num_devices is None
        else gk_backend.data_parallel_scope(num_devices)
    )
    with scope:
        model = vae.build(recipe)
        model.compile(optimizer=optimizer_from_recipe(recipe, steps))
        build_optimizer(model)
        history = model.fit(
            x,
            batch_size=batch_size,
            epochs=steps,
            steps_per_epoch=1,
            shuffle=False,
            verbose=verbose,
        )
    model.recipe = recipe
    return model, [float(v) for v in history.history["loss"]]


def _worker_env(backend: str, num_devices: int) -> dict[str, str]:
    """Environment of a comparison process: the backend, accelerators hidden (both runs
    use the CPU), and for JAX the CPU split into ``num_devices`` devices at start-up
    (:func:`genai_keras.backend.jax.cpu_devices_env`)."""
    env = dict(os.environ, KERAS_BACKEND=backend, CUDA_VISIBLE_DEVICES="-1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if backend == "jax":
        from genai_keras.backend.jax import cpu_devices_env  # local: imports jax (may be absent)

        env.update(cpu_devices_env(num_devices, env.get("XLA_FLAGS", "")))
    return env


def _run_worker(backend: str, num_devices: int, args: list[str], timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        command = [
            sys.executable,
            "-m",
            "genai_keras.distributed",
            "--devices",
            str(num_devices),
            "--out",
            str(out),
            *args,
        ]
        proc = subprocess.run(
            command,
            env=_worker_env(backend, num_devices),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"The {backend} run on {num_devices} device(s) failed:\n{proc.stderr[-3000:]}"
            )
        return json.loads(out.read_text())


def compare_to_single_device(
    backend: str,
    num_devices: int = 4,
    steps: int = 4,
    seed: int = 0,
    images: int = DEFAULT_IMAGES,
    batch_size: int = 128,
    timeout: float = 600,
) -> Comparison:
    """Train the VAE on one CPU device and data-parallel on ``num_devices`` simulated ones.

    Each run is a fresh Python process (the backend and the device count are fixed when
    the backend starts), with the same seed, images, batch order and global batch, so it
    works from a notebook kernel of any backend. The CPU is split into devices: JAX with
    ``XLA_FLAGS=--xla_force_host_platform_device_count=N``, TensorFlow with N logical CPU
    devices (``tf.config.set_logical_device_configuration``).

    Args:
        backend: ``"jax"`` or ``"tensorflow"``.
        num_devices: simulated devices of the second run (>= 2).
        steps: training steps of each run.
        seed: the recipe's seed (weights and noise).
        images: how many MNIST training digits to cycle through.
        batch_size: the global batch (a multiple of ``num_devices``).
        timeout: seconds allowed per run.

    Returns:
        A :class:`Comparison` of the two loss curves.

    Raises:
        ValueError: an unknown backend or bad sizes.
        NotImplementedError: ``backend="torch"`` (the message says what to use instead).
        RuntimeError: a run failed (the message holds the end of its error output).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}.")
    if backend not in DATA_PARALLEL_BACKENDS:
        raise NotImplementedError(NO_DATA_PARALLEL)
    num_devices = positive_int(num_devices, "num_devices", minimum=2)
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size % num_devices:
        raise ValueError(
            f"batch_size ({batch_size}) must be a multiple of num_devices "
            f"({num_devices}): each device gets an equal slice of every batch."
        )
    args = [
        "--steps",
        str(positive_int(steps, "steps")),
        "--seed",
        str(positive_int(seed, "seed", minimum=0)),
        "--images",
        str(positive_int(images, "images")),
        "--batch-size",
        str(batch_size),
    ]
    single = _run_worker(backend, 1, args, timeout)
    multi = _run_worker(backend, num_devices, args, timeout)
    return Comparison(
        backend,
        num_devices,
        batch_size,
        tuple(single["losses"]),
        tuple(multi["losses"]),
        {"single": single["seconds"], "multi": multi["seconds"]},
    )


def _worker(argv: list[str] | None = None) -> None:
    """One run of :func:`compare_to_single_device`, in its own process; writes JSON."""
    parser = argparse.ArgumentParser(prog="python -m genai_keras.distributed")
    parser.add_argument(
        "--devices",
        type=int,
        required=True,
        help="1: an ordinary run; N > 1: data-parallel over N simulated CPU devices",
    )
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", type=int, default=DEFAULT_IMAGES)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.devices > 1:
        gk_backend.simulate_cpu_devices(args.devices)  # first: before the backend runs anything
    recipe = get("vae", fast=False).replace(seed=args.seed, batch_size=args.batch_size)
    images, _ = load_mnist("train", limit=args.images)
    start = time.perf_counter()
    _, losses = train_vae(
        recipe, images, args.steps, num_devices=args.devices if args.devices > 1 else None
    )
    write_atomic(
        args.out,
        json.dumps(
            {
                "losses": losses,
                "seconds": time.perf_counter() - start,
                "devices": gk_backend.list_devices(),
            }
        ),
    )


if __name__ == "__main__":
    _worker()
