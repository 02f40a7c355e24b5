"""Tests of genai_keras.optim: the one optimizer builder every family trains with."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from genai_keras import recipes
from genai_keras.optim import build_optimizer, optimizer_from_recipe


def _rate(optimizer: keras.optimizers.Optimizer, step: int) -> float:
    """The learning rate the optimizer uses at ``step`` (schedule or constant)."""
    lr = optimizer._learning_rate
    value = lr(step) if callable(lr) else lr
    return float(keras.ops.convert_to_numpy(value))


def test_vae_and_restoration_decay_to_five_percent():
    for name in ("vae", "denoiser"):
        opt = optimizer_from_recipe(recipes.get(name, fast=False), total_steps=100)
        assert isinstance(opt, keras.optimizers.Adam) and not isinstance(
            opt, keras.optimizers.AdamW
        )
        assert _rate(opt, 0) == pytest.approx(2e-3)
        assert _rate(opt, 100) == pytest.approx(0.05 * 2e-3)
        assert not opt.use_ema


def test_gan_betas_names_and_linear_decay():
    dcgan = recipes.get("dcgan", fast=False)
    d = optimizer_from_recipe(dcgan, 1000, name="d_adam")
    assert d.name == "d_adam" and d.beta_1 == 0.5 and d.beta_2 == 0.999
    assert _rate(d, 0) == pytest.approx(5e-4) and _rate(d, 500) == pytest.approx(2.5e-4)
    assert _rate(d, 1000) == pytest.approx(0.0)
    assert _rate(optimizer_from_recipe(dcgan), 10_000) == pytest.approx(5e-4)  # no length: constant
    wgan = optimizer_from_recipe(recipes.get("wgan_gp", fast=False), 1000, name="g_adam")
    assert wgan.beta_1 == 0.0 and wgan.beta_2 == 0.9  # the paper's settings
    assert _rate(wgan, 900) == pytest.approx(1e-4)  # decay_to_zero=False


def test_flow_matching_weight_average_and_autoencoder_stage():
    recipe = recipes.get("flow_matching", fast=False)
    flow = optimizer_from_recipe(recipe, 200)
    assert flow.use_ema and flow.ema_momentum == pytest.approx(0.999)
    assert _rate(flow, 200) == pytest.approx(0.02 * 1e-3)
    ae = optimizer_from_recipe(
        recipe, 200, learning_rate=recipe.optimizer["ae_learning_rate"], ema=None
    )
    assert not ae.use_ema and _rate(ae, 0) == pytest.approx(2e-3)


def test_text_adamw_warmup_clipping_and_no_decay_of_norms():
    opt = optimizer_from_recipe(recipes.get("char_transformer", fast=False), 3500)
    assert isinstance(opt, keras.optimizers.AdamW)  # torch: a backend subclass
    assert opt.weight_decay == pytest.approx(0.1) and opt.global_clipnorm == 1.0
    assert (opt.beta_1, opt.beta_2) == (0.9, 0.99)
    assert _rate(opt, 0) == 0.0 and _rate(opt, 100) == pytest.approx(2e-3)  # 100 warm-up steps
    assert _rate(opt, 3500) == pytest.approx(0.1 * 2e-3)
    assert set(opt._exclude_from_weight_decay_pattern.pattern.split("|")) == {
        "bias",
        "gamma",
        "beta",
    }


def test_constant_adam_for_autoencoder_and_classifier():
    for name in ("autoencoder", "augment_classifier"):
        opt = optimizer_from_recipe(recipes.get(name, fast=False))
        assert (
            isinstance(opt, keras.optimizers.Adam)
            and not isinstance(opt, keras.optimizers.AdamW)
            and _rate(opt, 10**6) == pytest.approx(2e-3)
        )


def test_bad_requests_are_refused():
    with pytest.raises(ValueError, match="not trained by gradient descent"):
        optimizer_from_recipe(recipes.get("bernoulli_mixture", fast=False))
    with pytest.raises(ValueError, match="no optimizer setting 'beta_1'; known: learning_rate"):
        optimizer_from_recipe(recipes.get("vae", fast=False), 10, beta_1=0.5)
    with pytest.raises(ValueError, match="pass total_steps"):
        optimizer_from_recipe(recipes.get("vae", fast=False))
    with pytest.raises(ValueError, match="total_steps must be an integer >= 1"):
        optimizer_from_recipe(recipes.get("char_transformer", fast=False), 0)
    with pytest.raises(ValueError, match="must be a Recipe"):
        optimizer_from_recipe({"learning_rate": 1e-3})
    with pytest.raises(ValueError, match="learning_rate"):
        optimizer_from_recipe(recipes.get("autoencoder", fast=False), learning_rate=np.nan)


def _dense_model(built: bool) -> keras.Model:
    layers = [keras.layers.Dense(3, name="dense")]
    return keras.Sequential(([keras.Input((4,))] if built else []) + layers)


def test_build_optimizer_creates_the_slots_of_a_built_model_only():
    model = _dense_model(built=True)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    assert not model.optimizer.built
    assert build_optimizer(model) is model and model.optimizer.built
    # Adam: a first and a second moment per trainable variable (kernel and bias)
    slots = [v for v in model.optimizer.variables if "dense" in v.path]
    assert len(slots) == 2 * len(model.trainable_variables) == 4
    unbuilt = _dense_model(built=False)
    unbuilt.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    assert build_optimizer(unbuilt) is unbuilt and not unbuilt.optimizer.built


def test_build_optimizer_leaves_a_built_optimizer_and_an_uncompiled_model_alone():
    model = _dense_model(built=True)
    assert build_optimizer(model) is model  # no optimizer: nothing to build
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    model.optimizer.build(model.trainable_variables)
    before = list(model.optimizer.variables)
    build_optimizer(model)
    assert list(model.optimizer.variables) == before


@pytest.mark.backends("tensorflow", reason="the second trace is TensorFlow's tf.function rule")
def test_the_vae_and_the_text_model_trace_their_training_step_once_on_tensorflow(monkeypatch):
    """Optimizer variables created inside the first traced step made TensorFlow trace the
    step twice; the training functions now build them first (one trace per model)."""
    from genai_keras import data
    from genai_keras.models import autoregressive, vae
    from genai_keras.models.autoregressive import CharTransformer
    from genai_keras.models.vae import VAE

    traces = []
    for cls in (CharTransformer, VAE):
        step = cls.train_step
        monkeypatch.setattr(
            cls,
            "train_step",
            lambda self, batch, _step=step: traces.append(1) or _step(self, batch),
        )
    images = data.load_mnist("train", limit=256)[0]
    vae.train(recipes.get("vae", fast=True).replace(epochs=1, limit=256), images)
    assert len(traces) == 1
    text = data.load_text("tinyshakespeare")[:20_000]
    autoregressive.train(
        recipes.get("char_transformer", fast=True).replace(steps=4), text=text, evals=2
    )
    assert len(traces) == 2
