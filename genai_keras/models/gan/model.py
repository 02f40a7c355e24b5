"""The GAN model: a generator and a discriminator trained against each other by ``fit``.

A generator ``G`` maps noise ``z ~ N(0, I)`` to an image; a discriminator ``D``
outputs one logit per input, ``D(x) = sigmoid(logit)`` being its probability that
*its input* is a real image. Every public method takes and returns pixels in [0, 1];
the networks work in [-1, 1] (``x_internal = 2 x - 1``).

The training step is written once with ``keras.ops`` (:meth:`GAN.discriminator_objective`,
:meth:`GAN.generator_objective`, :meth:`GAN.train_step_logic`) and the losses of
:mod:`genai_keras.losses`; the gradients and the optimizer updates come from
:mod:`genai_keras.backend`, so ``fit`` trains on TensorFlow, JAX and PyTorch.

Used in chapters 03 and 04.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers, ops

from genai_keras import backend as gk_backend
from genai_keras import losses
from genai_keras.checks import (
    IMAGE_SHAPE,
    as_finite_array,
    as_images,
    as_labels,
    as_seed,
    positive_int,
)
from genai_keras.protocol import default_labels
from genai_keras.utils import sampling_rng


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


@keras.saving.register_keras_serializable(package="genai_keras")
class GAN(keras.Model):
    """A generator and a discriminator trained against each other by ``fit``.

    Each ``train_step`` (one batch of real data) does ``d_steps`` discriminator updates
    (fresh noise each; the same real batch, or with ``split_batch`` a slice of it each)
    and one generator update, with two optimizers
    given to :meth:`compile`. ``fit`` reports ``d_loss``, ``g_loss``, ``d_real`` and
    ``d_fake`` (per-epoch means): for the cross-entropy losses ``d_real`` = mean D(x)
    and ``d_fake`` = mean D(G(z)), probabilities that the *input is real*; for hinge and
    WGAN-GP they are mean critic scores. WGAN-GP also reports ``gp``.

    Training runs on TensorFlow, JAX and PyTorch: the step (:meth:`train_step_logic`,
    :meth:`discriminator_objective`, :meth:`generator_objective`) is ``keras.ops`` code;
    gradients come from :mod:`genai_keras.backend`.

    Args:
        generator: noise ``(batch, latent_dim)`` [+ labels] -> data.
        discriminator: data [+ labels] -> ``(batch, 1)`` logits.
        loss: ``"nonsaturating"`` (default), ``"minimax"``, ``"hinge"`` or ``"wgan-gp"``.
        label_smoothing: one-sided smoothing of the real target (cross-entropy losses).
        d_steps: discriminator updates per generator update.
        split_batch: False: every discriminator update sees the whole real batch. True:
            ``fit``'s batch holds ``d_steps`` real batches and update ``i`` takes slice
            ``i`` (fresh real data for every critic step, as in Gulrajani et al.'s
            Algorithm 1); the generator update then uses one slice's size.
        gp_weight: weight of the gradient penalty (``"wgan-gp"`` only).
        images: True when the data are 28x28x1 images given with pixels in [0, 1] (they
            are rescaled to [-1, 1] inside); False for raw toy data (no rescaling).
        num_classes: number of labels for a conditional GAN (both networks take labels),
            or of clusters for a self-conditioned one (a generator built with
            ``self_conditioned=True``: its second input is a k-means cluster id and its
            ``cluster_prior`` layer holds the clusters' frequencies; it is an
            *unconditional* model, ``conditional`` is False, and ``sample`` draws the
            clusters itself; see ``genai_keras.models.gan.clusters``).
        ema_decay: if > 0, keep an exponential moving average of the generator's weights
            (``ema_generator``, Yazici et al., 2019) updated after every generator step with
            decay ``min(ema_decay, (1 + t) / (10 + t))`` at step ``t``. ``sample``,
            ``generate`` and the checkpoints (``gk.checkpoints.save``) then use the
            averaged generator, whose samples are sharper and steadier than the raw
            generator's (which keeps oscillating around the game's equilibrium). 0 turns
            it off.
        seed: seed of the model's noise generator.
        name: model name.
    Used in chapter 03.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model | None,
        loss: str = "nonsaturating",
        label_smoothing: float = 0.0,
        d_steps: int = 1,
        gp_weight: float = 10.0,
        images: bool = True,
        num_classes: int | None = None,
        ema_decay: float = 0.0,
        seed: int | None = None,
        split_batch: bool = False,
        name: str = "gan",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.loss_name = losses.check_gan_loss(loss)
        label_smoothing = float(label_smoothing)
        if not 0.0 <= label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5), got {label_smoothing}.")
        if label_smoothing and loss not in losses.CROSS_ENTROPY_LOSSES:
            raise ValueError(
                f"label_smoothing only applies to the cross-entropy losses "
                f"{losses.CROSS_ENTROPY_LOSSES}, not {loss!r}; set it to 0."
            )
        self.label_smoothing = label_smoothing
        self.d_steps = positive_int(d_steps, "d_steps")
        self.gp_weight = float(gp_weight)
        self.split_batch = bool(split_batch)
        self.images = bool(images)
        self.takes_labels = len(generator.inputs) == 2
        names = [layer.name for layer in generator.layers]
        self.cluster_prior = (
            generator.get_layer("cluster_prior") if "cluster_prior" in names else None
        )
        self.self_conditioned = self.cluster_prior is not None
        if num_classes is None and self.self_conditioned:
            num_classes = self.cluster_prior.num_clusters
        if num_classes is None and self.takes_labels:
            num_classes = 10
        self.num_classes = (
            None if num_classes is None else positive_int(num_classes, "num_classes", 2)
        )
        if self.takes_labels != (self.num_classes is not None):
            raise ValueError(
                "num_classes is set but the generator takes no label input; build it "
                "with build_generator(num_classes=...) or leave num_classes=None."
            )
        #: True when samples take digit labels: the one answer (``genai_keras.protocol``).
        self.conditional = self.num_classes is not None and not self.self_conditioned
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.data_shape = tuple(int(d) for d in generator.outputs[0].shape[1:])
        if self.images and self.data_shape != IMAGE_SHAPE:
            raise ValueError(
                f"images=True needs a generator producing {IMAGE_SHAPE} images, got "
                f"{self.data_shape}; pass images=False for other data."
            )
        if discriminator is not None:
            d_shape = tuple(int(d) for d in discriminator.inputs[0].shape[1:])
            if d_shape != self.data_shape:
                raise ValueError(
                    f"The generator makes {self.data_shape} samples but the "
                    f"discriminator takes {d_shape}; they must match."
                )
            if self.loss_name == "wgan-gp" and any(
                isinstance(layer, layers.BatchNormalization) for layer in discriminator.layers
            ):
                raise ValueError(
                    "WGAN-GP needs a critic without batch normalisation (its gradient "
                    "penalty is per example); build it with batch_norm=False or "
                    "choose another loss."
                )
            if (len(discriminator.inputs) == 2) != self.takes_labels:
                raise ValueError(
                    "Generator and discriminator must both take labels (conditional "
                    "GAN) or neither."
                )
        self.generator = generator
        self.discriminator = discriminator
        ema_decay = float(ema_decay)
        if not 0.0 <= ema_decay < 1.0:
            raise ValueError(
                f"ema_decay must be in [0, 1) (e.g. 0.999, or 0 for no averaging), got {ema_decay}."
            )
        self.ema_decay = ema_decay
        self.ema_generator = None
        if ema_decay:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.trainable = False
            self.ema_updates = keras.Variable(0, dtype="int32", trainable=False, name="ema_updates")
        self.seed = as_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.d_optimizer = None
        self.g_optimizer = None
        self.trackers = {
            k: keras.metrics.Mean(name=k) for k in ("d_loss", "g_loss", "d_real", "d_fake")
        }
        if loss == "wgan-gp":
            self.trackers["gp"] = keras.metrics.Mean(name="gp")
        self.built = True  # the networks are built; fit must not trace call() on images

    # -- configuration -----------------------------------------------------
    def get_config(self) -> dict:
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": (
                None
                if self.discriminator is None
                else keras.saving.serialize_keras_object(self.discriminator)
            ),
            "loss": self.loss_name,
            "label_smoothing": self.label_smoothing,
            "d_steps": self.d_steps,
            "gp_weight": self.gp_weight,
            "images": self.images,
            "num_classes": self.num_classes,
            "ema_decay": self.ema_decay,
            "seed": self.seed,
            "split_batch": self.split_batch,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict) -> GAN:
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        if config.get("discriminator") is not None:
            config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)

    @property
    def metrics(self) -> list:
        return list(self.trackers.values())

    def compile(
        self, d_optimizer: Any = None, g_optimizer: Any = None, jit_compile: Any = "auto", **kwargs
    ) -> None:
        """Set the two optimizers (default: Adam(2e-4, beta_1=0.5) each).

        ``model.optimizer`` becomes a :class:`genai_keras.backend.OptimizerPair` of the
        two, so that ``fit`` carries both optimizers' state on every backend.

        Args:
            d_optimizer, g_optimizer: ``keras.optimizers.Optimizer`` instances (or names).
            jit_compile: passed to ``keras.Model.compile``; ``"auto"``: XLA on TensorFlow
                and JAX, eager PyTorch.
        """
        if self.discriminator is None:
            raise ValueError(
                "This GAN has no discriminator (it was loaded for sampling only); "
                "build a new GAN(generator, build_discriminator()) to train it."
            )
        if jit_compile == "auto":
            jit_compile = gk_backend.default_jit_compile()
        super().compile(jit_compile=jit_compile, **kwargs)
        self.d_optimizer = (
            keras.optimizers.get(d_optimizer)
            if d_optimizer is not None
            else keras.optimizers.Adam(2e-4, beta_1=0.5, name="d_adam")
        )
        self.g_optimizer = (
            keras.optimizers.get(g_optimizer)
            if g_optimizer is not None
            else keras.optimizers.Adam(2e-4, beta_1=0.5, name="g_adam")
        )
        self.optimizer = gk_backend.OptimizerPair(self.d_optimizer, self.g_optimizer)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def fit(self, x: Any = None, y: Any = None, **kwargs):
        """``keras.Model.fit`` after checking the data; ``y`` = labels for a conditional GAN.

        Args:
            x: images ``(N, 28, 28, 1)`` with pixels in [0, 1] (``images=True``), or toy
                data ``(N, *data_shape)``; a ``tf.data.Dataset`` is passed through unchecked.
            y: int labels ``(N,)`` in ``[0, num_classes)`` (conditional GAN), or cluster
                ids (self-conditioned GAN: ``clusters.pixel_clusters``); None otherwise.

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
                    raise ValueError(
                        f"x must have shape (N, {', '.join(map(str, self.data_shape))}), "
                        f"got {x.shape}."
                    )
            if self.takes_labels:
                if y is None:
                    raise ValueError(
                        "A conditional GAN needs the labels: gan.fit(images, labels) "
                        "(a self-conditioned one: the cluster ids from "
                        "clusters.pixel_clusters)."
                    )
                y = as_labels(y, self.num_classes, count=x.shape[0])
            elif y is not None:
                raise ValueError(
                    "This GAN is unconditional; call fit(images) without labels (or "
                    "build it with num_classes=10 for a conditional GAN)."
                )
        return super().fit(x, y, **kwargs)

    # -- the training step: keras.ops only; gradients from genai_keras.backend ----------
    def _with_labels(self, x: Any, labels: Any) -> Any:
        return x if labels is None else [x, labels]

    def discriminator_objective(self, real: Any, labels: Any = None) -> tuple[Any, tuple]:
        """The discriminator's loss on one batch of real data and fresh fakes.

        Args:
            real: ``(batch, *data_shape)`` real data in the networks' range ([-1, 1]).
            labels: ``(batch,)`` int labels (conditional GAN) or None.

        Returns:
            ``(total, (loss, penalty, real_logits, fake_logits))``: ``total = loss +
            gp_weight * penalty`` for WGAN-GP, else ``loss`` (penalty 0).
        """
        G, D = self.generator, self.discriminator
        z = keras.random.normal((ops.shape(real)[0], self.latent_dim), seed=self.seed_generator)
        fake = ops.stop_gradient(G(self._with_labels(z, labels), training=True))
        # One call on [real; fake]: half the calls, and a spectral-normalised D updates its
        # weights once per step (two calls would edit a weight the first call still needs).
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        logits = D(
            self._with_labels(ops.concatenate([real, fake], axis=0), both_labels), training=True
        )
        real_logits, fake_logits = ops.split(logits, 2, axis=0)
        loss = losses.discriminator_loss(
            real_logits, fake_logits, self.loss_name, self.label_smoothing
        )
        penalty = ops.zeros((), dtype=loss.dtype)
        if self.loss_name == "wgan-gp":
            x_hat = losses.interpolate(real, fake, seed=self.seed_generator)
            grads = gk_backend.input_gradient(
                lambda v: D(self._with_labels(v, labels), training=True), x_hat
            )
            penalty = losses.gradient_penalty(grads)
        return loss + self.gp_weight * penalty, (loss, penalty, real_logits, fake_logits)

    def generator_objective(self, batch_size: Any, labels: Any = None) -> tuple[Any, Any]:
        """The generator's loss on a batch of fresh fakes: ``(loss, fake_logits)``."""
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(self._with_labels(z, labels), training=True)
        fake_logits = self.discriminator(self._with_labels(fake, labels), training=True)
        return losses.generator_loss(fake_logits, self.loss_name), fake_logits

    def train_step_logic(self, data: Any) -> dict:
        """One GAN step: ``d_steps`` discriminator updates, one generator update, the
        generator's weight average; returns the running means of the logged values."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(x, (tuple, list)):
            x = x[0]
        x = ops.cast(x, "float32")
        if self.images:
            x = x * 2.0 - 1.0  # pixels [0, 1] -> the networks' range [-1, 1]
        labels = ops.cast(y, "int32") if self.takes_labels else None
        size = ops.shape(x)[0] // self.d_steps if self.split_batch else ops.shape(x)[0]
        for i in range(self.d_steps):
            x_i, labels_i = x, labels
            if self.split_batch:  # update i sees its own slice of real data
                x_i = x[i * size : (i + 1) * size]
                labels_i = None if labels is None else labels[i * size : (i + 1) * size]
            _, (d_loss, penalty, real_logits, fake_logits) = gk_backend.minimize(
                self.d_optimizer,
                self.discriminator.trainable_variables,
                lambda x_i=x_i, labels_i=labels_i: self.discriminator_objective(x_i, labels_i),
            )
        g_loss = ops.zeros(())
        if self.generator.trainable_variables:
            g_loss, _ = gk_backend.minimize(
                self.g_optimizer,
                self.generator.trainable_variables,
                lambda: self.generator_objective(size, labels_i),
            )
            self.update_ema()
        score = ops.sigmoid if self.loss_name in losses.CROSS_ENTROPY_LOSSES else (lambda t: t)
        self.trackers["d_loss"].update_state(d_loss)
        self.trackers["g_loss"].update_state(g_loss)
        self.trackers["d_real"].update_state(ops.mean(score(real_logits)))
        self.trackers["d_fake"].update_state(ops.mean(score(fake_logits)))
        if self.loss_name == "wgan-gp":
            self.trackers["gp"].update_state(penalty)
        return {k: m.result() for k, m in self.trackers.items()}

    def train_step(self, *args: Any) -> Any:
        """Keras' hook: runs :meth:`train_step_logic` the way this backend's ``fit`` wants."""
        return gk_backend.train_step(self, self.train_step_logic, *args)

    def call(self, inputs: Any, training: bool = False) -> Any:
        """Run the generator: noise [and labels] -> samples in the generator's range."""
        return self.generator(inputs, training=training)

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator used by ``sample``/``generate`` and saved by ``gk.checkpoints.save``:
        the weight average when ``ema_decay > 0``, else the trained generator itself."""
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
        for w_ema, w in zip(self.ema_generator.weights, self.generator.weights, strict=True):
            w_ema.assign(d * w_ema + (1.0 - d) * ops.cast(w, w_ema.dtype))
        self.ema_updates.assign_add(1)

    # -- sampling ----------------------------------------------------------
    def _check_noise(self, z: Any) -> np.ndarray:
        z = as_finite_array(z, "noise z")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"Noise must have shape (n, {self.latent_dim}) for this generator "
                f"(latent_dim={self.latent_dim}), got {z.shape}; draw it with "
                f"np.random.default_rng(seed).standard_normal((n, {self.latent_dim}))."
            )
        return z

    def _check_labels(self, labels: Any, n: int) -> np.ndarray | None:
        if not self.takes_labels:
            if labels is not None:
                raise ValueError("This GAN is unconditional and takes no labels; pass labels=None.")
            return None
        if labels is None:
            return default_labels(n, self.num_classes)
        return as_labels(labels, self.num_classes, count=n)

    def generate(
        self,
        z: Any,
        labels: Any = None,
        batch_size: int = 1000,
        seed: int | np.random.Generator | None = None,
    ) -> np.ndarray:
        """Map given noise vectors to samples (images in [0, 1] when ``images=True``).

        Args:
            z: ``(n, latent_dim)`` noise.
            labels: ``(n,)`` ints for a conditional GAN (default: 0, 1, ..., 9, 0, ...);
                cluster ids for a self-conditioned GAN (default: drawn from ``p(c)`` with
                ``seed``).
            batch_size: generator batch size.
            seed: self-conditioned GAN without ``labels`` only: seeds the clusters' draw
                (:meth:`draw_clusters`; None follows ``gk.set_seed``).

        Returns:
            float32 NumPy ``(n, 28, 28, 1)`` in [0, 1] (or ``(n, *data_shape)`` raw).

        Raises:
            ValueError: noise of the wrong shape or not finite (NaN, inf), labels out of
                range or not expected, ``batch_size`` < 1.
        """
        z = self._check_noise(z)
        batch_size = positive_int(batch_size, "batch_size")
        if self.self_conditioned and labels is None:
            labels = self.draw_clusters(z.shape[0], seed=seed)
        labels = self._check_labels(labels, z.shape[0])
        out = []
        for i in range(0, z.shape[0], batch_size):
            inputs = (
                z[i : i + batch_size]
                if labels is None
                else [z[i : i + batch_size], labels[i : i + batch_size]]
            )
            out.append(ops.convert_to_numpy(self.sampling_generator(inputs, training=False)))
        x = (
            np.concatenate(out, axis=0).astype(np.float32)
            if out
            else np.zeros((0, *self.data_shape), np.float32)
        )
        if self.images:
            x = np.clip((x + 1.0) / 2.0, 0.0, 1.0)
        return x

    def sample(self, n: int, labels: Any = None, seed: int | None = None) -> np.ndarray:
        """Draw ``n`` samples: ``z ~ N(0, I)`` (and, self-conditioned, a cluster
        ``c ~ p(c)``) then the generator.

        Args:
            n: number of samples.
            labels: conditional GAN only: ``(n,)`` digit labels; None draws the digits
                0, 1, ..., 9, 0, ... in turn (the balanced draw every conditional model of
                the course makes, ``genai_keras.protocol``).
            seed: an int (or a NumPy Generator) makes the draw reproducible, the same on
                every backend: the noise comes from a NumPy generator seeded with it, a
                self-conditioned GAN's clusters from one seeded with ``seed + 1``;
                None follows ``gk.set_seed`` (``gk.utils.sampling_rng``).

        Returns:
            float32 NumPy ``(n, 28, 28, 1)`` with pixels in [0, 1] (toy GANs: raw values).
        """
        n = positive_int(n, "n")
        rng = sampling_rng(seed)
        if self.self_conditioned and labels is not None:
            raise ValueError(
                "A self-conditioned GAN is unconditional: it draws its own clusters, "
                "so pass labels=None (gan.generate(z, clusters) picks clusters)."
            )
        z = rng.standard_normal((n, self.latent_dim)).astype(np.float32)
        if self.self_conditioned:  # an int seed keeps its own cluster stream (seed + 1)
            labels = self.draw_clusters(
                n,
                seed=rng
                if seed is None or isinstance(seed, np.random.Generator)
                else (as_seed(seed) + 1) % 2**32,
            )
        return self.generate(z, labels)

    def set_cluster_frequencies(self, frequencies: Any) -> None:
        """Self-conditioned GAN: store ``p(c)`` (``(num_classes,)``, summing to 1) in the
        generator and its weight average, so that ``sample`` and checkpoints use it."""
        if not self.self_conditioned:
            raise ValueError(
                "Only a self-conditioned GAN (build_generator(self_conditioned=True)) "
                "has cluster frequencies."
            )
        for g in {id(m): m for m in (self.generator, self.sampling_generator)}.values():
            g.get_layer("cluster_prior").set_frequencies(frequencies)

    def draw_clusters(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Self-conditioned GAN: ``n`` cluster ids drawn with the data's frequencies
        ``p(c)`` (the ``cluster_prior`` layer), int32 ``(n,)``; ``seed`` as in
        ``gk.utils.sampling_rng`` (None follows ``gk.set_seed``)."""
        if not self.self_conditioned:
            raise ValueError("Only a self-conditioned GAN has clusters to draw.")
        n, rng = positive_int(n, "n", minimum=0), sampling_rng(seed)
        p = ops.convert_to_numpy(self.sampling_generator.get_layer("cluster_prior").probabilities)
        p = np.asarray(p, np.float64)
        p = p / p.sum()  # normalise in float64 (a float32 sum is off by ~1e-7)
        return rng.choice(len(p), size=n, p=p).astype(np.int32)

    def discriminate(self, x: Any, labels: Any = None) -> np.ndarray:
        """Discriminator probabilities ``D(x) = sigmoid(logit)`` (that ``x`` is real), ``(n,)``.

        ``x``: images in [0, 1] (``images=True``) or raw toy data.
        """
        if self.discriminator is None:
            raise ValueError("This GAN has no discriminator (loaded for sampling only).")
        x = as_images(x, name="x") * 2.0 - 1.0 if self.images else np.asarray(x, dtype=np.float32)
        labels = (
            self._check_labels(labels, x.shape[0])
            if self.takes_labels
            else self._check_labels(labels, 0)
        )
        inputs = x if labels is None else [x, labels]
        logits = ops.convert_to_numpy(
            self.discriminator.predict(inputs, verbose=0, batch_size=1000)
        )
        return 1.0 / (1.0 + np.exp(-logits[:, 0]))
