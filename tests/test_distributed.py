"""Data-parallel training of the VAE (genai_keras.distributed, chapter 08).

The main tests train chapter 02's VAE for a few steps in two fresh processes, on one
CPU device and on a CPU split into four simulated devices, and compare the loss of every
step.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import genai_keras as gk
from genai_keras import backend, distributed

# Both runs compute the same function of the same weights, data and noise (the replicas
# draw their rows of the one-device noise, see backend.draw_for_replica); only the order of
# float32 sums differs (each device sums its part of the batch, then the parts are added).
# That moves a loss of ~500 nats by ~1e-7 relative per step, compounding over a few
# updates: measured 3e-5 (JAX) and 6e-5 nats (TensorFlow) after 4 steps. 1e-3 nats leaves
# a 15x margin and still fails on real mistakes: replicas drawing the same noise for
# different images moved the first loss by 0.03 nats, an unscaled replica loss by 546.
TOLERANCE_NATS = 1e-3


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@pytest.mark.backends(
    "tensorflow",
    reason="it starts its own JAX and TensorFlow processes, whatever this process's backend: "
    "run once, in the TensorFlow suite",
)
@pytest.mark.parametrize("name", ["jax", "tensorflow"])
def test_four_devices_follow_the_single_device_losses(name):
    if not _installed(name):
        pytest.skip(f"{name} is not installed here (CI installs it)")
    result = distributed.compare_to_single_device(
        name, num_devices=4, steps=3, seed=0, images=512, batch_size=128
    )
    assert len(result.single) == len(result.multi) == 3
    assert np.all(np.isfinite(result.single)) and result.single[-1] < result.single[0]
    assert result.max_abs_diff <= TOLERANCE_NATS, result.describe()
    assert "1 device vs 4" in result.describe()


def test_torch_has_no_data_parallel_api(monkeypatch):
    with pytest.raises(NotImplementedError, match="PyTorch backend has no data-parallel API"):
        distributed.compare_to_single_device("torch")
    monkeypatch.setattr(backend, "name", lambda: "torch")  # a session on the torch backend
    with pytest.raises(NotImplementedError, match="KERAS_BACKEND=jax or KERAS_BACKEND=tensorflow"):
        backend.data_parallel_scope(2)
    with pytest.raises(NotImplementedError, match="no data-parallel API"):
        backend.simulate_cpu_devices(2)


def test_bad_comparison_arguments():
    with pytest.raises(ValueError, match="backend must be one of"):
        distributed.compare_to_single_device("numpy")
    with pytest.raises(ValueError, match="num_devices must be an integer >= 2"):
        distributed.compare_to_single_device("tensorflow", num_devices=1)
    with pytest.raises(
        ValueError, match=r"batch_size \(100\) must be a multiple of num_devices \(3\)"
    ):
        distributed.compare_to_single_device("tensorflow", num_devices=3, batch_size=100)


@pytest.mark.backends(
    "tensorflow",
    "jax",
    reason="PyTorch has no data-parallel API here (the test above checks its message)",
)
def test_more_devices_than_there_are_is_a_clear_error():
    images, _ = gk.data.load_mnist("train", limit=64)
    recipe = gk.recipes.get("vae", fast=True).replace(batch_size=32)
    too_many = len(backend.list_devices()) + 1
    with pytest.raises(
        ValueError, match=f"num_devices must be an integer from 1 to {too_many - 1}"
    ):
        distributed.train_vae(recipe, images, steps=1, num_devices=too_many)
    with pytest.raises(ValueError, match="must split evenly over 3 devices"):
        distributed.train_vae(recipe, images, steps=1, num_devices=3)
    with pytest.raises(ValueError, match="Expected a VAE recipe"):
        distributed.train_vae(gk.recipes.get("dcgan"), images)


def test_one_device_scope_trains_like_no_scope():
    """In this process: the data-parallel path over one device equals an ordinary run."""
    if backend.name() not in backend.DATA_PARALLEL_BACKENDS:
        pytest.skip("no data-parallel API on this backend")
    images, _ = gk.data.load_mnist("train", limit=128)
    recipe = gk.recipes.get("vae", fast=True).replace(batch_size=64)
    _, plain = distributed.train_vae(recipe, images, steps=2)
    model, scoped = distributed.train_vae(recipe, images, steps=2, num_devices=1)
    assert len(plain) == 2 and np.allclose(plain, scoped, atol=TOLERANCE_NATS)
    assert model.sample(2, seed=0).shape == (2, 28, 28, 1)


def test_a_failed_run_reports_its_error():
    with pytest.raises(RuntimeError, match="steps must be an integer >= 1"):
        distributed._run_worker(backend.name(), 1, ["--steps", "0"], timeout=300)


def test_worker_env_splits_the_cpu_for_jax_only(monkeypatch):
    """The JAX flags come from backend/jax.py; flags already set are kept."""
    if not _installed("jax"):
        pytest.skip("jax is not installed here (CI installs it)")
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_enable_fast_math=false")
    env = distributed._worker_env("jax", 4)
    assert (
        env["XLA_FLAGS"]
        == "--xla_cpu_enable_fast_math=false --xla_force_host_platform_device_count=4"
    )
    assert (env["JAX_PLATFORMS"], env["CUDA_VISIBLE_DEVICES"], env["KERAS_BACKEND"]) == (
        "cpu",
        "-1",
        "jax",
    )
    monkeypatch.delenv("XLA_FLAGS")
    assert (
        distributed._worker_env("jax", 2)["XLA_FLAGS"] == "--xla_force_host_platform_device_count=2"
    )
    env = distributed._worker_env("tensorflow", 4)
    assert "XLA_FLAGS" not in env and env["KERAS_BACKEND"] == "tensorflow"
