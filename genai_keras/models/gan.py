"""Generative adversarial networks: DCGAN, WGAN-GP / hinge, conditional GAN, toy GANs.

A generator ``G`` maps noise ``z ~ N(0, I)`` to an image; a discriminator ``D``
outputs one logit per input, ``D(x) = sigmoid(logit)`` being its probability that
*its input* is a real image. :class:`GAN` alternates ``d_steps`` discriminator
updates with one generator update inside ``fit``.

Pixels: every public function takes and returns pixels in [0, 1]; internally the
generator's ``tanh`` output and the discriminator's input live in [-1, 1]
(``x_internal = 2 x - 1``).

Backends: building the networks, :meth:`GAN.generate`, :meth:`GAN.sample`,
saving and loading work on every Keras 3 backend. Training (:meth:`GAN.fit`) and
:func:`gradient_penalty` need gradients of two networks with two optimizers; that
code lives in one place, :func:`_tf_train_step` and :func:`_tf_gradient_penalty`,
and supports the **TensorFlow** backend only (the default). Other backends get a
clear error when training starts.

Used in chapter 03 (and chapter 04, which scores :func:`train_default` models).
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from genai_keras.checks import as_images, as_labels, positive_int

IMAGE_SHAPE = (28, 28, 1)
LOSSES = ("nonsaturating", "minimax", "hinge", "wgan-gp")
_BCE_LOSSES = ("nonsaturating", "minimax")


# ---------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------

def build_generator(latent_dim: int = 64, channels: int = 128, num_classes: int | None = None,
                    label_dim: int = 16, name: str = "generator") -> keras.Model:
    """DCGAN generator for 28x28x1 digits: noise (and label) -> image in [-1, 1].

    ``Dense(7*7*channels)`` -> BN -> ReLU -> reshape -> ``Conv2DTranspose(channels/2, 4,
    stride 2)`` (14x14) -> BN -> ReLU -> ``Conv2DTranspose(1, 4, stride 2)`` (28x28) ->
    ``tanh``. With the defaults it has about 0.54M parameters (2 MB as float32).

    Args:
        latent_dim: size of the noise vector ``z``.
        channels: feature maps at 7x7 (the 14x14 stage has half as many).
        num_classes: if set, a conditional generator with a second input, the digit
            label (int, shape ``(batch,)``), embedded in ``label_dim`` dimensions and
            concatenated to ``z``.
        label_dim: size of the label embedding (conditional only).
        name: model name.

    Returns:
        A functional ``keras.Model``: ``(batch, latent_dim)`` [+ ``(batch,)`` labels] ->
        ``(batch, 28, 28, 1)`` in [-1, 1].
    """
    latent_dim = positive_int(latent_dim, "latent_dim")
    channels = positive_int(channels, "channels", minimum=2)
    z_in = keras.Input((latent_dim,), name="noise")
    inputs = [z_in]
    h = z_in
    if num_classes is not None:
        num_classes = positive_int(num_classes, "num_classes", minimum=2)
        y_in = keras.Input((), dtype="int32", name="label")
        inputs.append(y_in)
        e = layers.Embedding(num_classes, positive_int(label_dim, "label_dim"), name="label_embedding")(y_in)
        h = layers.Concatenate(name="noise_and_label")([z_in, e])
    h = layers.Dense(7 * 7 * channels, use_bias=False, name="project")(h)
    h = layers.BatchNormalization(name="project_bn")(h)
    h = layers.ReLU(name="project_relu")(h)
    h = layers.Reshape((7, 7, channels), name="to_7x7")(h)
    h = layers.Conv2DTranspose(channels // 2, 4, strides=2, padding="same", use_bias=False,
                               name="up_14x14")(h)
    h = layers.BatchNormalization(name="up_14x14_bn")(h)
    h = layers.ReLU(name="up_14x14_relu")(h)
    x = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", name="up_28x28")(h)
    return keras.Model(inputs if len(inputs) > 1 else z_in, x, name=name)


def build_discriminator(channels: int = 64, num_classes: int | None = None, dropout: float = 0.0,
                        batch_norm: bool = False, name: str = "discriminator") -> keras.Model:
    """DCGAN discriminator (critic): image in [-1, 1] (and label) -> one logit.

    ``Conv2D(channels, 4, stride 2)`` (14x14) -> LeakyReLU(0.2) -> ``Conv2D(2*channels,
    4, stride 2)`` (7x7) -> LeakyReLU(0.2) -> flatten -> ``Dense(1)``. No batch
    normalisation, so the same network serves as a WGAN-GP critic (the gradient
    penalty is per example). The conditional version is a *projection*
    discriminator (Miyato and Koyama, 2018): ``logit = w . h + embed(y) . h``.

    Args:
        channels: feature maps of the first convolution.
        num_classes: if set, a second input takes the digit label (int, ``(batch,)``).
        dropout: dropout rate after each convolution (0 = none).
        batch_norm: batch normalisation after the second convolution, as in the DCGAN
            paper (not with WGAN-GP, whose penalty needs per-example gradients).
        name: model name.

    Returns:
        A functional ``keras.Model``: ``(batch, 28, 28, 1)`` [+ labels] -> ``(batch, 1)``
        logits (``sigmoid(logit)`` = probability that the input is real).
    """
    channels = positive_int(channels, "channels")
    x_in = keras.Input(IMAGE_SHAPE, name="image")
    h = x_in
    for i, c in enumerate((channels, 2 * channels)):
        h = layers.Conv2D(c, 4, strides=2, padding="same", use_bias=not (batch_norm and i),
                          name=f"conv_{i + 1}")(h)
        if batch_norm and i:
            h = layers.BatchNormalization(name=f"conv_{i + 1}_bn")(h)
        h = layers.LeakyReLU(0.2, name=f"conv_{i + 1}_lrelu")(h)
        if dropout:
            h = layers.Dropout(dropout, name=f"conv_{i + 1}_dropout")(h)
    h = layers.Flatten(name="flatten")(h)
    logit = layers.Dense(1, name="logit")(h)
    if num_classes is None:
        return keras.Model(x_in, logit, name=name)
    num_classes = positive_int(num_classes, "num_classes", minimum=2)
    y_in = keras.Input((), dtype="int32", name="label")
    e = layers.Embedding(num_classes, h.shape[-1], embeddings_initializer="glorot_uniform",
                         name="label_projection")(y_in)
    proj = layers.Dot(axes=1, name="projection")([e, h])
    logit = layers.Add(name="logit_plus_projection")([logit, proj])
    return keras.Model([x_in, y_in], logit, name=name)


def build_tutorial_generator(latent_dim: int = 100, name: str = "tutorial_generator") -> keras.Model:
    """The TensorFlow DCGAN tutorial's generator (the benchmark's baseline recipe).

    ``Dense(7*7*256)`` -> BN -> LeakyReLU -> ``Conv2DTranspose`` 5x5 with 128 (stride 1),
    64 (stride 2), 1 (stride 2) filters, BN + LeakyReLU between, ``tanh`` output
    (about 2.3M parameters). Used in chapter 03's benchmark.
    """
    z_in = keras.Input((positive_int(latent_dim, "latent_dim"),), name="noise")
    h = layers.Dense(7 * 7 * 256, use_bias=False, name="project")(z_in)
    h = layers.BatchNormalization(name="project_bn")(h)
    h = layers.LeakyReLU(0.3, name="project_lrelu")(h)
    h = layers.Reshape((7, 7, 256), name="to_7x7")(h)
    for filters, stride in ((128, 1), (64, 2)):
        h = layers.Conv2DTranspose(filters, 5, strides=stride, padding="same", use_bias=False,
                                   name=f"deconv_{filters}")(h)
        h = layers.BatchNormalization(name=f"deconv_{filters}_bn")(h)
        h = layers.LeakyReLU(0.3, name=f"deconv_{filters}_lrelu")(h)
    x = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False, activation="tanh",
                               name="deconv_out")(h)
    return keras.Model(z_in, x, name=name)


def build_tutorial_discriminator(name: str = "tutorial_discriminator") -> keras.Model:
    """The TensorFlow DCGAN tutorial's discriminator: 5x5 convs 64, 128 (stride 2),
    LeakyReLU, dropout 0.3, ``Dense(1)`` logit. Used in chapter 03's benchmark."""
    x_in = keras.Input(IMAGE_SHAPE, name="image")
    h = x_in
    for filters in (64, 128):
        h = layers.Conv2D(filters, 5, strides=2, padding="same", name=f"conv_{filters}")(h)
        h = layers.LeakyReLU(0.3, name=f"conv_{filters}_lrelu")(h)
        h = layers.Dropout(0.3, name=f"conv_{filters}_dropout")(h)
    h = layers.Flatten(name="flatten")(h)
    return keras.Model(x_in, layers.Dense(1, name="logit")(h), name=name)


def build_mlp_generator(latent_dim: int = 4, data_dim: int = 1, units: int = 32,
                        name: str = "toy_generator") -> keras.Model:
    """Small MLP generator for 1-D/2-D toy data: ``z`` -> 2 hidden ReLU layers -> linear.

    Used in chapter 03's toy GAN. Returns ``(batch, latent_dim)`` -> ``(batch, data_dim)``.
    """
    z_in = keras.Input((positive_int(latent_dim, "latent_dim"),), name="noise")
    h = layers.Dense(units, activation="relu", name="hidden_1")(z_in)
    h = layers.Dense(units, activation="relu", name="hidden_2")(h)
    return keras.Model(z_in, layers.Dense(positive_int(data_dim, "data_dim"), name="sample")(h),
                       name=name)


def build_mlp_discriminator(data_dim: int = 1, units: int = 32,
                            name: str = "toy_discriminator") -> keras.Model:
    """Small MLP discriminator for toy data: ``(batch, data_dim)`` -> ``(batch, 1)`` logits.

    Used in chapter 03's toy GAN and in the optimal-discriminator test.
    """
    x_in = keras.Input((positive_int(data_dim, "data_dim"),), name="point")
    h = layers.Dense(units, name="hidden_1")(x_in)
    h = layers.LeakyReLU(0.2, name="hidden_1_lrelu")(h)
    h = layers.Dense(units, name="hidden_2")(h)
    h = layers.LeakyReLU(0.2, name="hidden_2_lrelu")(h)
    return keras.Model(x_in, layers.Dense(1, name="logit")(h), name=name)


# ---------------------------------------------------------------------------
# Losses (backend-agnostic keras.ops)
# ---------------------------------------------------------------------------

def check_loss_name(loss: str) -> str:
    """Return ``loss`` if it is one of :data:`LOSSES`, else raise a ValueError naming them."""
    if loss not in LOSSES:
        raise ValueError(f"Unknown GAN loss {loss!r}; choose one of {', '.join(LOSSES)}.")
    return loss


def discriminator_loss(real_logits: Any, fake_logits: Any, loss: str = "nonsaturating",
                       label_smoothing: float = 0.0) -> Any:
    """Discriminator (critic) loss, averaged over the batch, without any gradient penalty.

    * ``"nonsaturating"`` / ``"minimax"``: binary cross-entropy
      ``-log D(x) - log(1 - D(G(z)))`` (nats per example), computed from logits with
      ``softplus`` (``-log sigmoid(l) = softplus(-l)``). One-sided label smoothing uses
      the target ``1 - label_smoothing`` for real images.
    * ``"hinge"``: ``relu(1 - l_real) + relu(1 + l_fake)``.
    * ``"wgan-gp"``: ``l_fake - l_real`` (add ``gp_weight * gradient_penalty``).

    Args:
        real_logits, fake_logits: ``(batch, 1)`` discriminator outputs (logits).
        loss: one of :data:`LOSSES`.
        label_smoothing: in [0, 0.5); only for the cross-entropy losses.
    """
    check_loss_name(loss)
    if loss in _BCE_LOSSES:
        t = 1.0 - label_smoothing
        real_term = t * ops.softplus(-real_logits) + (1.0 - t) * ops.softplus(real_logits)
        return ops.mean(real_term) + ops.mean(ops.softplus(fake_logits))
    if loss == "hinge":
        return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))
    return ops.mean(fake_logits) - ops.mean(real_logits)


def generator_loss(fake_logits: Any, loss: str = "nonsaturating") -> Any:
    """Generator loss, averaged over the batch.

    * ``"minimax"``: ``log(1 - D(G(z)))`` = ``-softplus(l)`` (the original game; its
      gradient vanishes when D confidently rejects the fakes, early in training).
    * ``"nonsaturating"``: ``-log D(G(z))`` = ``softplus(-l)`` (same fixed point, strong
      gradient exactly when the generator is bad).
    * ``"hinge"`` and ``"wgan-gp"``: ``-l_fake``.
    """
    check_loss_name(loss)
    if loss == "minimax":
        return -ops.mean(ops.softplus(fake_logits))
    if loss == "nonsaturating":
        return ops.mean(ops.softplus(-fake_logits))
    return -ops.mean(fake_logits)


def optimal_discriminator(p_data: Any, p_generator: Any) -> np.ndarray:
    """``D*(x) = p_data(x) / (p_data(x) + p_g(x))``, the best discriminator for a fixed G.

    Args:
        p_data, p_generator: densities evaluated at the same points (arrays, >= 0).
    Returns:
        Array of probabilities (0.5 where both densities are 0).
    """
    p_d = np.asarray(p_data, dtype=np.float64)
    p_g = np.asarray(p_generator, dtype=np.float64)
    total = p_d + p_g
    return np.where(total > 0, p_d / np.where(total > 0, total, 1.0), 0.5)


def gradient_penalty(critic: keras.Model, real: Any, fake: Any, labels: Any = None,
                     seed: Any = None) -> Any:
    """WGAN-GP penalty ``E[(||grad_x critic(x_hat)||_2 - 1)^2]`` (Gulrajani et al., 2017).

    ``x_hat = eps * real + (1 - eps) * fake`` with ``eps ~ U(0, 1)`` per example. It is 0
    for a critic whose gradient has norm 1 everywhere (a 1-Lipschitz linear critic).
    TensorFlow backend only (see the module docstring).

    Args:
        critic: model mapping ``(batch, *shape)`` [+ labels] -> ``(batch, 1)``.
        real, fake: tensors of the same shape ``(batch, *shape)``.
        labels: int labels ``(batch,)`` for a conditional critic, else None.
        seed: int or ``keras.random.SeedGenerator`` for ``eps``.

    Returns:
        Scalar tensor.
    """
    _require_tensorflow("gradient_penalty")
    return _tf_gradient_penalty(critic, real, fake, labels, seed)


# ---------------------------------------------------------------------------
# The GAN model
# ---------------------------------------------------------------------------

@keras.saving.register_keras_serializable(package="genai_keras")
class GAN(keras.Model):
    """A generator and a discriminator trained against each other by ``fit``.

    Each ``train_step`` (one batch of real data) does ``d_steps`` discriminator updates
    (fresh noise each, same real batch) and one generator update, with two optimizers
    given to :meth:`compile`. ``fit`` reports ``d_loss``, ``g_loss``, ``d_real`` and
    ``d_fake`` (per-epoch means): for the cross-entropy losses ``d_real`` = mean D(x)
    and ``d_fake`` = mean D(G(z)), probabilities that the *input is real*; for hinge and
    WGAN-GP they are mean critic scores. WGAN-GP also reports ``gp``.

    Training runs on the TensorFlow backend only (:func:`_tf_train_step`).

    Args:
        generator: noise ``(batch, latent_dim)`` [+ labels] -> data.
        discriminator: data [+ labels] -> ``(batch, 1)`` logits.
        loss: ``"nonsaturating"`` (default), ``"minimax"``, ``"hinge"`` or ``"wgan-gp"``.
        label_smoothing: one-sided smoothing of the real target (cross-entropy losses).
        d_steps: discriminator updates per generator update.
        gp_weight: weight of the gradient penalty (``"wgan-gp"`` only).
        images: True when the data are 28x28x1 images given with pixels in [0, 1] (they
            are rescaled to [-1, 1] inside); False for raw toy data (no rescaling).
        num_classes: number of labels for a conditional GAN (both networks take labels).
        ema_decay: if > 0, keep an exponential moving average of the generator's weights
            (``ema_generator``, Yazici et al., 2019) updated after every generator step with
            decay ``min(ema_decay, (1 + t) / (10 + t))`` at step ``t``. ``sample``,
            ``generate`` and ``save_generator`` then use the averaged generator, whose
            samples are sharper and steadier than the raw generator's (which keeps
            oscillating around the game's equilibrium). 0 turns it off.
        seed: seed of the model's noise generator.
        name: model name.
    Used in chapter 03.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model | None,
                 loss: str = "nonsaturating", label_smoothing: float = 0.0, d_steps: int = 1,
                 gp_weight: float = 10.0, images: bool = True, num_classes: int | None = None,
                 ema_decay: float = 0.0, seed: int | None = None, name: str = "gan", **kwargs):
        super().__init__(name=name, **kwargs)
        self.loss_name = check_loss_name(loss)
        label_smoothing = float(label_smoothing)
        if not 0.0 <= label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5), got {label_smoothing}.")
        if label_smoothing and loss not in _BCE_LOSSES:
            raise ValueError(f"label_smoothing only applies to the cross-entropy losses "
                             f"{_BCE_LOSSES}, not {loss!r}; set it to 0.")
        self.label_smoothing = label_smoothing
        self.d_steps = positive_int(d_steps, "d_steps")
        self.gp_weight = float(gp_weight)
        self.images = bool(images)
        self.conditional = len(generator.inputs) == 2
        if num_classes is None and self.conditional:
            num_classes = 10
        self.num_classes = None if num_classes is None else positive_int(num_classes, "num_classes", 2)
        if self.conditional != (self.num_classes is not None):
            raise ValueError("num_classes is set but the generator takes no label input; build it "
                             "with build_generator(num_classes=...) or leave num_classes=None.")
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.data_shape = tuple(int(d) for d in generator.outputs[0].shape[1:])
        if self.images and self.data_shape != IMAGE_SHAPE:
            raise ValueError(f"images=True needs a generator producing {IMAGE_SHAPE} images, got "
                             f"{self.data_shape}; pass images=False for other data.")
        if discriminator is not None:
            d_shape = tuple(int(d) for d in discriminator.inputs[0].shape[1:])
            if d_shape != self.data_shape:
                raise ValueError(f"The generator makes {self.data_shape} samples but the "
                                 f"discriminator takes {d_shape}; they must match.")
            if self.loss_name == "wgan-gp" and any(
                    isinstance(layer, layers.BatchNormalization) for layer in discriminator.layers):
                raise ValueError("WGAN-GP needs a critic without batch normalisation (its gradient "
                                 "penalty is per example); build it with batch_norm=False or "
                                 "choose another loss.")
            if (len(discriminator.inputs) == 2) != self.conditional:
                raise ValueError("Generator and discriminator must both take labels (conditional "
                                 "GAN) or neither.")
        self.generator = generator
        self.discriminator = discriminator
        ema_decay = float(ema_decay)
        if not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1) (e.g. 0.999, or 0 for no averaging), "
                             f"got {ema_decay}.")
        self.ema_decay = ema_decay
        self.ema_generator = None
        if ema_decay:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.trainable = False
            self.ema_updates = keras.Variable(0, dtype="int64", trainable=False,
                                              name="ema_updates")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_optimizer = None
        self.g_optimizer = None
        self.trackers = {k: keras.metrics.Mean(name=k) for k in ("d_loss", "g_loss", "d_real", "d_fake")}
        if loss == "wgan-gp":
            self.trackers["gp"] = keras.metrics.Mean(name="gp")

    # -- configuration -----------------------------------------------------
    def get_config(self) -> dict:
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": (None if self.discriminator is None
                              else keras.saving.serialize_keras_object(self.discriminator)),
            "loss": self.loss_name, "label_smoothing": self.label_smoothing,
            "d_steps": self.d_steps, "gp_weight": self.gp_weight, "images": self.images,
            "num_classes": self.num_classes, "ema_decay": self.ema_decay, "seed": self.seed,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict) -> "GAN":
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        if config.get("discriminator") is not None:
            config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)

    @property
    def metrics(self) -> list:
        return list(self.trackers.values())

    def compile(self, d_optimizer: Any = None, g_optimizer: Any = None, jit_compile: Any = False,
                **kwargs) -> None:
        """Set the two optimizers (default: Adam(2e-4, beta_1=0.5) each).

        Args:
            d_optimizer, g_optimizer: ``keras.optimizers.Optimizer`` instances (or names).
            jit_compile: passed to ``keras.Model.compile`` (XLA).
        """
        _require_tensorflow("GAN training")
        if self.discriminator is None:
            raise ValueError("This GAN has no discriminator (it was loaded for sampling only); "
                             "build a new GAN(generator, build_discriminator()) to train it.")
        super().compile(jit_compile=jit_compile, **kwargs)
        self.d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer is not None else \
            keras.optimizers.Adam(2e-4, beta_1=0.5, name="d_adam")
        self.g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer is not None else \
            keras.optimizers.Adam(2e-4, beta_1=0.5, name="g_adam")
        if self.d_optimizer is self.g_optimizer:
            raise ValueError("Give the generator and the discriminator two separate optimizer "
                             "instances (each keeps its own moment estimates).")
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def fit(self, x: Any = None, y: Any = None, **kwargs):
        """``keras.Model.fit`` after checking the data; ``y`` = labels for a conditional GAN.

        Args:
            x: images ``(N, 28, 28, 1)`` with pixels in [0, 1] (``images=True``), or toy
                data ``(N, *data_shape)``; a ``tf.data.Dataset`` is passed through unchecked.
            y: int labels ``(N,)`` in ``[0, num_classes)`` (conditional GAN only).

        Raises:
            ValueError: wrong shape or pixel range, labels missing, superfluous or out of
                range, or ``compile`` not called.
        """
        if self.d_optimizer is None:
            raise ValueError("Call gan.compile(d_optimizer=..., g_optimizer=...) before fit.")
        if isinstance(x, (np.ndarray, list)) or hasattr(x, "__array__"):
            if self.images:
                x = as_images(x, name="x")
            else:
                x = np.asarray(x, dtype=np.float32)
                if x.shape[1:] != self.data_shape:
                    raise ValueError(f"x must have shape (N, {', '.join(map(str, self.data_shape))}), "
                                     f"got {x.shape}.")
            if self.conditional:
                if y is None:
                    raise ValueError("A conditional GAN needs the labels: gan.fit(images, labels).")
                y = as_labels(y, self.num_classes, count=x.shape[0])
            elif y is not None:
                raise ValueError("This GAN is unconditional; call fit(images) without labels (or "
                                 "build it with num_classes=10 for a conditional GAN).")
        return super().fit(x, y, **kwargs)

    def train_step(self, data: Any) -> dict:
        return _tf_train_step(self, data)

    def call(self, inputs: Any, training: bool = False) -> Any:
        """Run the generator: noise [and labels] -> samples in the generator's range."""
        return self.generator(inputs, training=training)

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator used by ``sample``/``generate``/``save_generator``: the weight
        average when ``ema_decay > 0``, else the trained generator itself."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def update_ema(self) -> None:
        """One step of the generator's weight average (called by the training step).

        ``w_ema <- d w_ema + (1 - d) w`` for every weight, batch-norm statistics included,
        with ``d = min(ema_decay, (1 + t) / (10 + t))`` (a short memory early on, so the
        average does not drag the random initial weights along).
        """
        if self.ema_generator is None:
            return
        t = ops.cast(self.ema_updates, "float32")
        d = ops.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
        for w_ema, w in zip(self.ema_generator.weights, self.generator.weights):
            w_ema.assign(d * w_ema + (1.0 - d) * ops.cast(w, w_ema.dtype))
        self.ema_updates.assign_add(1)

    # -- sampling ----------------------------------------------------------
    def _check_noise(self, z: Any) -> np.ndarray:
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"Noise must have shape (n, {self.latent_dim}) for this generator "
                             f"(latent_dim={self.latent_dim}), got {z.shape}.")
        return z

    def _check_labels(self, labels: Any, n: int) -> np.ndarray | None:
        if not self.conditional:
            if labels is not None:
                raise ValueError("This GAN is unconditional and takes no labels; pass labels=None.")
            return None
        if labels is None:
            return (np.arange(n) % self.num_classes).astype(np.int32)
        return as_labels(labels, self.num_classes, count=n)

    def generate(self, z: Any, labels: Any = None, batch_size: int = 1000) -> np.ndarray:
        """Map given noise vectors to samples (images in [0, 1] when ``images=True``).

        Args:
            z: ``(n, latent_dim)`` noise.
            labels: ``(n,)`` ints for a conditional GAN (default: 0, 1, ..., 9, 0, ...).
            batch_size: generator batch size.

        Returns:
            float32 NumPy ``(n, 28, 28, 1)`` in [0, 1] (or ``(n, *data_shape)`` raw).

        Raises:
            ValueError: noise of the wrong shape, labels out of range or not expected.
        """
        z = self._check_noise(z)
        labels = self._check_labels(labels, z.shape[0])
        out = []
        for i in range(0, z.shape[0], batch_size):
            inputs = z[i:i + batch_size] if labels is None else [z[i:i + batch_size], labels[i:i + batch_size]]
            out.append(ops.convert_to_numpy(self.sampling_generator(inputs, training=False)))
        x = np.concatenate(out, axis=0).astype(np.float32) if out else np.zeros((0, *self.data_shape), np.float32)
        if self.images:
            x = np.clip((x + 1.0) / 2.0, 0.0, 1.0)
        return x

    def sample(self, n: int, labels: Any = None, seed: int | None = None) -> np.ndarray:
        """Draw ``n`` samples: ``z ~ N(0, I)`` then the generator.

        Args:
            n: number of samples.
            labels: conditional GAN only: ``(n,)`` digit labels (default: cycle 0..9).
            seed: an int makes the draw reproducible (NumPy generator); None uses the
                model's seed generator.

        Returns:
            float32 NumPy ``(n, 28, 28, 1)`` with pixels in [0, 1] (toy GANs: raw values).
        """
        n = positive_int(n, "n")
        if seed is None:
            z = ops.convert_to_numpy(keras.random.normal((n, self.latent_dim), seed=self.seed_generator))
        else:
            z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.generate(z, labels)

    def discriminate(self, x: Any, labels: Any = None) -> np.ndarray:
        """Discriminator probabilities ``D(x) = sigmoid(logit)`` (that ``x`` is real), ``(n,)``.

        ``x``: images in [0, 1] (``images=True``) or raw toy data.
        """
        if self.discriminator is None:
            raise ValueError("This GAN has no discriminator (loaded for sampling only).")
        if self.images:
            x = as_images(x, name="x") * 2.0 - 1.0
        else:
            x = np.asarray(x, dtype=np.float32)
        labels = self._check_labels(labels, x.shape[0]) if self.conditional else self._check_labels(labels, 0)
        inputs = x if labels is None else [x, labels]
        logits = ops.convert_to_numpy(self.discriminator.predict(inputs, verbose=0, batch_size=1000))
        return 1.0 / (1.0 + np.exp(-logits[:, 0]))

    # -- saving ------------------------------------------------------------
    def save_generator(self, path: str | os.PathLike) -> str:
        """Save the generator (architecture + weights) to a ``.keras`` file; returns the path.

        With ``ema_decay > 0`` the weight-averaged generator is saved (the one that
        ``sample`` uses). Reload it with :func:`load_generator`, which gives a
        sampling-only GAN whose outputs are identical.
        """
        path = os.fspath(path)
        if not path.endswith(".keras"):
            raise ValueError(f"The file name must end in .keras, got {path!r}.")
        self.sampling_generator.save(path)
        return path


def load_generator(path: str | os.PathLike, images: bool = True, seed: int | None = None) -> GAN:
    """Load a generator saved by :meth:`GAN.save_generator`; returns a sampling-only GAN.

    The returned model has ``sample``/``generate`` but no discriminator (``fit`` and
    ``compile`` raise a clear error). Used in chapters 03 and 04.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No saved generator at {path!r}; train one with train_default() "
                                f"and call gan.save_generator(path).")
    generator = keras.saving.load_model(path, compile=False)
    num_classes = None
    if len(generator.inputs) == 2:
        num_classes = int(generator.get_layer("label_embedding").input_dim)
    return GAN(generator, None, images=images, num_classes=num_classes, seed=seed)


# ---------------------------------------------------------------------------
# Backend-specific training: TensorFlow only
# ---------------------------------------------------------------------------

def _require_tensorflow(what: str) -> None:
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(f"{what} is implemented for the TensorFlow backend only (this session "
                           f"uses {backend!r}); set KERAS_BACKEND=tensorflow before importing keras.")


def _tf_gradient_penalty(critic, real, fake, labels=None, seed=None):
    """TensorFlow implementation of :func:`gradient_penalty`."""
    import tensorflow as tf

    real = tf.convert_to_tensor(real, dtype=tf.float32)
    fake = tf.convert_to_tensor(fake, dtype=tf.float32)
    batch = tf.shape(real)[0]
    eps_shape = tf.concat([[batch], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0)
    eps = keras.random.uniform(eps_shape, seed=seed)
    x_hat = eps * real + (1.0 - eps) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat if labels is None else [x_hat, labels], training=True)
    grads = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.reshape(grads, [batch, -1]) ** 2, axis=1) + 1e-12)
    return tf.reduce_mean((norms - 1.0) ** 2)


def _tf_train_step(gan: GAN, data: Any) -> dict:
    """One GAN step with ``tf.GradientTape``: ``d_steps`` D updates, then one G update."""
    import tensorflow as tf

    x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
    if isinstance(x, (tuple, list)):
        x = x[0]
    x = tf.cast(x, tf.float32)
    if gan.images:
        x = x * 2.0 - 1.0
    labels = None if not gan.conditional else tf.cast(y, tf.int32)
    batch = tf.shape(x)[0]
    G, D = gan.generator, gan.discriminator

    def g_in(z):
        return z if labels is None else [z, labels]

    def d_in(v):
        return v if labels is None else [v, labels]

    for _ in range(gan.d_steps):
        z = keras.random.normal((batch, gan.latent_dim), seed=gan.seed_generator)
        fake = G(g_in(z), training=True)
        with tf.GradientTape() as tape:
            real_logits = D(d_in(x), training=True)
            fake_logits = D(d_in(fake), training=True)
            d_loss = discriminator_loss(real_logits, fake_logits, gan.loss_name, gan.label_smoothing)
            if gan.loss_name == "wgan-gp":
                gp = _tf_gradient_penalty(D, x, fake, labels, gan.seed_generator)
                d_total = d_loss + gan.gp_weight * gp
            else:
                d_total = d_loss
        grads = tape.gradient(d_total, D.trainable_variables)
        gan.d_optimizer.apply_gradients(zip(grads, D.trainable_variables))

    z = keras.random.normal((batch, gan.latent_dim), seed=gan.seed_generator)
    with tf.GradientTape() as tape:
        fake_logits_g = D(d_in(G(g_in(z), training=True)), training=True)
        g_loss = generator_loss(fake_logits_g, gan.loss_name)
    if G.trainable_variables:
        grads = tape.gradient(g_loss, G.trainable_variables)
        gan.g_optimizer.apply_gradients(zip(grads, G.trainable_variables))
        gan.update_ema()

    score = tf.sigmoid if gan.loss_name in _BCE_LOSSES else tf.identity
    gan.trackers["d_loss"].update_state(d_loss)
    gan.trackers["g_loss"].update_state(g_loss)
    gan.trackers["d_real"].update_state(tf.reduce_mean(score(real_logits)))
    gan.trackers["d_fake"].update_state(tf.reduce_mean(score(fake_logits)))
    if gan.loss_name == "wgan-gp":
        gan.trackers["gp"].update_state(gp)
    return {k: m.result() for k, m in gan.trackers.items()}


# ---------------------------------------------------------------------------
# Callbacks
# ---------------------------------------------------------------------------

class GANMonitor(keras.callbacks.Callback):
    """Record, at the start and after every epoch, samples from a fixed noise batch,
    the epoch's losses and its wall time.

    Attributes after ``fit``:
        samples: list of arrays ``(num_samples, *data_shape)`` (images in [0, 1]); entry
            0 is before training, entry k after epoch k.
        probe_scores: list of ``D(probe)`` probabilities ``(len(probe),)`` when a
            ``probe`` array is given (toy GANs: D over a grid of x values).
        history: dict ``{"d_loss": [...], "g_loss": [...], "d_real": [...],
            "d_fake": [...], "epoch_seconds": [...]}``, one value per epoch.

    Args:
        num_samples: size of the fixed noise batch.
        seed: seed of the fixed noise.
        labels: fixed labels for a conditional GAN (default 0..9 cycled).
        probe: optional points at which to record ``D``.
    Used in chapter 03.
    """

    def __init__(self, num_samples: int = 16, seed: int = 0, labels: Any = None, probe: Any = None):
        super().__init__()
        self.num_samples = positive_int(num_samples, "num_samples")
        self.seed = seed
        self.labels = labels
        self.probe = None if probe is None else np.asarray(probe, dtype=np.float32)
        self.samples: list[np.ndarray] = []
        self.probe_scores: list[np.ndarray] = []
        self.history: dict[str, list[float]] = {}
        self._t0 = 0.0
        self._z = None

    def _record(self) -> None:
        gan = self.model
        if self._z is None:
            self._z = np.random.default_rng(self.seed).standard_normal(
                (self.num_samples, gan.latent_dim)).astype(np.float32)
        self.samples.append(gan.generate(self._z, self.labels))
        if self.probe is not None:
            logits = ops.convert_to_numpy(gan.discriminator(self.probe, training=False))[:, 0]
            self.probe_scores.append(1.0 / (1.0 + np.exp(-logits)))

    def on_train_begin(self, logs=None):
        if not self.samples:
            self._record()

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.history.setdefault("epoch_seconds", []).append(time.perf_counter() - self._t0)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(float(v))
        self._record()


class TimeLimit(keras.callbacks.Callback):
    """Stop ``fit`` after ``seconds`` of wall time (checked after every batch).

    Used by chapter 03's benchmark to train two GANs for the same wall-clock budget.
    ``epochs_done`` counts started epochs; ``steps_done`` finished batches.
    """

    def __init__(self, seconds: float):
        super().__init__()
        if not seconds > 0:
            raise ValueError(f"seconds must be > 0, got {seconds!r}.")
        self.seconds = float(seconds)
        self.steps_done = 0
        self.epochs_done = 0
        self._start = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs_done = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        self.steps_done += 1
        if time.perf_counter() - self._start > self.seconds:
            self.model.stop_training = True


# ---------------------------------------------------------------------------
# Utilities
# ---------------------------------------------------------------------------

def interpolate_latents(z_start: Any, z_end: Any, steps: int = 10, spherical: bool = True) -> np.ndarray:
    """Points between two noise vectors, ``(steps, latent_dim)``.

    ``spherical=True`` uses slerp, which keeps the norm typical of a Gaussian sample
    (a straight line passes through low-norm points the generator rarely saw).
    Used in chapter 03.
    """
    a = np.asarray(z_start, dtype=np.float64).ravel()
    b = np.asarray(z_end, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"z_start and z_end must have the same size, got {a.size} and {b.size}.")
    t = np.linspace(0.0, 1.0, positive_int(steps, "steps", minimum=2))[:, None]
    if not spherical:
        return ((1 - t) * a + t * b).astype(np.float32)
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return ((1 - t) * a + t * b).astype(np.float32)
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)


def count_parameters(model: keras.Model) -> int:
    """Number of weights (trainable and not) in a model."""
    return int(sum(math.prod(w.shape) for w in model.weights))


#: Defaults of :func:`train_default`, one entry per kind (chosen with benchmarks/gan.py on a
#: 2-core CPU). Narrow networks (64 generator channels at 7x7, 32 discriminator channels
#: at 14x14) make two to three times more updates per second than the classic widths; a
#: high learning rate that decays linearly to 0 over the run, and a weight average of the
#: generator (``ema_decay``), turn those updates into sharp digits.
DEFAULTS: dict[str, dict[str, Any]] = {
    "dcgan": dict(loss="nonsaturating", label_smoothing=0.0, d_steps=1, epochs=12, batch_size=128,
                  lr=5e-4, beta_1=0.5, beta_2=0.999, lr_decay=True, ema_decay=0.999,
                  latent_dim=64, g_channels=64, d_channels=32, conditional=False,
                  jit_compile=True),
    "wgan-gp": dict(loss="wgan-gp", label_smoothing=0.0, d_steps=2, epochs=6, batch_size=128,
                    lr=2e-4, beta_1=0.5, beta_2=0.9, lr_decay=True, ema_decay=0.999,
                    latent_dim=64, g_channels=64, d_channels=32, conditional=False,
                    jit_compile=True),
    "conditional": dict(loss="nonsaturating", label_smoothing=0.0, d_steps=1, epochs=12,
                        batch_size=128, lr=5e-4, beta_1=0.5, beta_2=0.999, lr_decay=True,
                        ema_decay=0.999, latent_dim=64, g_channels=64, d_channels=32,
                        conditional=True, jit_compile=True),
}


def make_default(kind: str = "dcgan", seed: int = 0, total_steps: int | None = None,
                 **overrides: Any) -> GAN:
    """Build and compile (untrained) the GAN that :func:`train_default` trains.

    Args:
        kind: ``"dcgan"``, ``"wgan-gp"`` or ``"conditional"``.
        seed: seeds the weights and the noise.
        total_steps: number of training steps the learning rate decays over (with
            ``lr_decay``); None keeps the learning rate constant.
        **overrides: any key of ``DEFAULTS[kind]`` (e.g. ``lr=1e-3``, ``loss="hinge"``).
    """
    if kind not in DEFAULTS:
        raise ValueError(f"Unknown kind {kind!r}; choose one of {', '.join(DEFAULTS)}.")
    cfg = dict(DEFAULTS[kind])
    unknown = set(overrides) - set(cfg)
    if unknown:
        raise ValueError(f"Unknown setting(s) {sorted(unknown)}; known: {sorted(cfg)}.")
    cfg.update(overrides)
    if total_steps is not None:
        total_steps = positive_int(total_steps, "total_steps")
    keras.utils.set_random_seed(seed)
    num_classes = 10 if cfg["conditional"] else None
    gen = build_generator(cfg["latent_dim"], cfg["g_channels"], num_classes=num_classes)
    disc = build_discriminator(cfg["d_channels"], num_classes=num_classes)
    gan = GAN(gen, disc, loss=cfg["loss"], label_smoothing=cfg["label_smoothing"],
              d_steps=cfg["d_steps"], num_classes=num_classes, ema_decay=cfg["ema_decay"],
              seed=seed, name=f"{kind}_gan")

    def learning_rate():
        if not (cfg["lr_decay"] and total_steps):
            return cfg["lr"]
        return keras.optimizers.schedules.PolynomialDecay(
            cfg["lr"], total_steps, end_learning_rate=0.0, power=1.0)

    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate(), beta_1=cfg["beta_1"],
                                                  beta_2=cfg["beta_2"], name="d_adam"),
                g_optimizer=keras.optimizers.Adam(learning_rate(), beta_1=cfg["beta_1"],
                                                  beta_2=cfg["beta_2"], name="g_adam"),
                jit_compile=cfg["jit_compile"])
    gan.config_used = cfg
    return gan


def train_default(kind: str = "dcgan", epochs: int | None = None, batch_size: int | None = None,
                  seed: int = 0, limit: int | None = None, max_seconds: float | None = None,
                  callbacks: list | None = None, verbose: int = 0, **overrides: Any) -> GAN:
    """Train the chapter's default GAN on MNIST (training split) and return it.

    The same code and defaults serve chapter 03's notebook, its benchmark and chapter
    04's comparison. Default DCGAN (:data:`DEFAULTS`): narrow networks, batch 128,
    Adam 5e-4 (beta_1 = 0.5) decaying linearly to 0 over 12 epochs, XLA-compiled steps,
    samples from a weight average of the generator. About 8 minutes on a 2-core CPU.

    Args:
        kind: ``"dcgan"`` (non-saturating loss), ``"wgan-gp"`` (the stabilised
            variant: Wasserstein loss + gradient penalty, 2 critic steps) or
            ``"conditional"`` (both networks see the digit label).
        epochs, batch_size: override the defaults (``DEFAULTS[kind]``); the learning
            rate decays to 0 over exactly these epochs.
        seed: seeds weights, noise and shuffling.
        limit: use only the first ``limit`` training images (quick runs).
        max_seconds: also stop after this much wall time (:class:`TimeLimit`), wherever
            the learning-rate schedule is; None (default) trains all ``epochs``.
        callbacks: extra Keras callbacks (e.g. a :class:`GANMonitor`).
        verbose: ``fit`` verbosity.
        **overrides: other ``DEFAULTS`` keys (``lr``, ``loss``, ``d_steps``, ...).

    Returns:
        The trained :class:`GAN`; its ``history_`` attribute holds ``fit``'s history dict.
    """
    from genai_keras.data import load_mnist

    if kind not in DEFAULTS:
        raise ValueError(f"Unknown kind {kind!r}; choose one of {', '.join(DEFAULTS)}.")
    cfg = dict(DEFAULTS[kind])
    epochs = positive_int(epochs if epochs is not None else cfg["epochs"], "epochs")
    batch_size = positive_int(batch_size if batch_size is not None else cfg["batch_size"],
                              "batch_size")
    images, labels = load_mnist("train", limit=limit)
    total_steps = epochs * math.ceil(len(images) / batch_size)
    gan = make_default(kind, seed=seed, total_steps=total_steps, **overrides)
    cbs = list(callbacks or [])
    if max_seconds is not None:
        cbs.append(TimeLimit(max_seconds))
    history = gan.fit(images, labels if gan.conditional else None, epochs=epochs,
                      batch_size=batch_size, shuffle=True, verbose=verbose, callbacks=cbs)
    gan.history_ = history.history
    return gan
