"""GAN networks for chapter 03: DCGAN generator and discriminator (optionally
conditional), the TensorFlow tutorial's pair (the benchmark's baseline), small MLPs
for 1-D toy data, and the MLP image GAN of the mode-collapse study
(:mod:`genai_keras.studies.collapse`).

Generators output ``tanh`` values in [-1, 1]; discriminators take images in [-1, 1] and
return one logit per input. :class:`genai_keras.models.gan.GAN` converts from and to
pixels in [0, 1].
"""

from __future__ import annotations

import keras
from keras import layers

from genai_keras.checks import IMAGE_SHAPE, positive_int
from genai_keras.models.gan.clusters import ClusterPrior
from genai_keras.models.gan.model import GAN


def build_generator(
    latent_dim: int = 64,
    channels: int = 128,
    num_classes: int | None = None,
    label_dim: int = 16,
    self_conditioned: bool = False,
    name: str = "generator",
) -> keras.Model:
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
        self_conditioned: the second input is a k-means cluster id, not a digit label;
            a ``ClusterPrior`` layer on it stores
            the clusters' frequencies with the weights (needs ``num_classes`` = clusters).
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
    if self_conditioned and num_classes is None:
        raise ValueError("self_conditioned=True needs num_classes = the number of clusters.")
    if num_classes is not None:
        num_classes = positive_int(num_classes, "num_classes", minimum=2)
        y_in = keras.Input((), dtype="int32", name="label")
        inputs.append(y_in)
        y = ClusterPrior(num_classes, name="cluster_prior")(y_in) if self_conditioned else y_in
        e = layers.Embedding(
            num_classes, positive_int(label_dim, "label_dim"), name="label_embedding"
        )(y)
        h = layers.Concatenate(name="noise_and_label")([z_in, e])
    h = layers.Dense(7 * 7 * channels, use_bias=False, name="project")(h)
    h = layers.BatchNormalization(name="project_bn")(h)
    h = layers.ReLU(name="project_relu")(h)
    h = layers.Reshape((7, 7, channels), name="to_7x7")(h)
    h = layers.Conv2DTranspose(
        channels // 2, 4, strides=2, padding="same", use_bias=False, name="up_14x14"
    )(h)
    h = layers.BatchNormalization(name="up_14x14_bn")(h)
    h = layers.ReLU(name="up_14x14_relu")(h)
    x = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", name="up_28x28")(
        h
    )
    return keras.Model(inputs if len(inputs) > 1 else z_in, x, name=name)


def build_discriminator(
    channels: int = 64,
    num_classes: int | None = None,
    dropout: float = 0.0,
    batch_norm: bool = False,
    spectral_norm: bool = False,
    name: str = "discriminator",
) -> keras.Model:
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
        spectral_norm: wrap every convolution and the output layer in
            ``keras.layers.SpectralNormalization`` (Miyato et al., 2018): each weight
            matrix is divided by its largest singular value (one power iteration per
            training call), which bounds how fast D can change with its input.
        name: model name.

    Returns:
        A functional ``keras.Model``: ``(batch, 28, 28, 1)`` [+ labels] -> ``(batch, 1)``
        logits (``sigmoid(logit)`` = probability that the input is real).
    """
    channels = positive_int(channels, "channels")
    if spectral_norm and batch_norm:
        raise ValueError("Choose spectral_norm or batch_norm for the discriminator, not both.")

    def sn(layer: layers.Layer) -> layers.Layer:
        return (
            layers.SpectralNormalization(layer, name=f"{layer.name}_sn") if spectral_norm else layer
        )

    x_in = keras.Input(IMAGE_SHAPE, name="image")
    h = x_in
    for i, c in enumerate((channels, 2 * channels)):
        h = sn(
            layers.Conv2D(
                c,
                4,
                strides=2,
                padding="same",
                use_bias=not (batch_norm and i),
                name=f"conv_{i + 1}",
            )
        )(h)
        if batch_norm and i:
            h = layers.BatchNormalization(name=f"conv_{i + 1}_bn")(h)
        h = layers.LeakyReLU(0.2, name=f"conv_{i + 1}_lrelu")(h)
        if dropout:
            h = layers.Dropout(dropout, name=f"conv_{i + 1}_dropout")(h)
    h = layers.Flatten(name="flatten")(h)
    logit = sn(layers.Dense(1, name="logit"))(h)
    if num_classes is None:
        return keras.Model(x_in, logit, name=name)
    num_classes = positive_int(num_classes, "num_classes", minimum=2)
    y_in = keras.Input((), dtype="int32", name="label")
    e = layers.Embedding(
        num_classes, h.shape[-1], embeddings_initializer="glorot_uniform", name="label_projection"
    )(y_in)
    proj = layers.Dot(axes=1, name="projection")([e, h])
    logit = layers.Add(name="logit_plus_projection")([logit, proj])
    return keras.Model([x_in, y_in], logit, name=name)


def build_tutorial_generator(
    latent_dim: int = 100, name: str = "tutorial_generator"
) -> keras.Model:
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
        h = layers.Conv2DTranspose(
            filters, 5, strides=stride, padding="same", use_bias=False, name=f"deconv_{filters}"
        )(h)
        h = layers.BatchNormalization(name=f"deconv_{filters}_bn")(h)
        h = layers.LeakyReLU(0.3, name=f"deconv_{filters}_lrelu")(h)
    x = layers.Conv2DTranspose(
        1, 5, strides=2, padding="same", use_bias=False, activation="tanh", name="deconv_out"
    )(h)
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


def build_mlp_generator(
    latent_dim: int = 4, data_dim: int = 1, units: int = 32, name: str = "toy_generator"
) -> keras.Model:
    """Small MLP generator for 1-D/2-D toy data: ``z`` -> 2 hidden ReLU layers -> linear.

    Used in chapter 03's toy GAN. Returns ``(batch, latent_dim)`` -> ``(batch, data_dim)``.
    """
    z_in = keras.Input((positive_int(latent_dim, "latent_dim"),), name="noise")
    h = layers.Dense(units, activation="relu", name="hidden_1")(z_in)
    h = layers.Dense(units, activation="relu", name="hidden_2")(h)
    return keras.Model(
        z_in, layers.Dense(positive_int(data_dim, "data_dim"), name="sample")(h), name=name
    )


def build_mlp_discriminator(
    data_dim: int = 1, units: int = 32, name: str = "toy_discriminator"
) -> keras.Model:
    """Small MLP discriminator for toy data: ``(batch, data_dim)`` -> ``(batch, 1)`` logits.

    Used in chapter 03's toy GAN and in the optimal-discriminator test.
    """
    x_in = keras.Input((positive_int(data_dim, "data_dim"),), name="point")
    h = layers.Dense(units, name="hidden_1")(x_in)
    h = layers.LeakyReLU(0.2, name="hidden_1_lrelu")(h)
    h = layers.Dense(units, name="hidden_2")(h)
    h = layers.LeakyReLU(0.2, name="hidden_2_lrelu")(h)
    return keras.Model(x_in, layers.Dense(1, name="logit")(h), name=name)


def build_mlp_image_gan(
    latent_dim: int = 64,
    units: tuple[int, int] = (256, 512),
    clusters: int | None = None,
    seed: int = 0,
    **gan_kwargs,
) -> GAN:
    """A fully connected GAN on MNIST images (the setting of Goodfellow et al., 2014).

    Generator: noise ``(batch, latent_dim)`` [+ cluster id ``(batch,)``] -> hidden
    ``units`` (LeakyReLU) -> ``(batch, 28, 28, 1)`` tanh. Discriminator: image -> hidden
    ``reversed(units)`` -> one logit, plus a projection of the cluster id when
    ``clusters`` is given (the self-conditioned variant, as in the DCGAN version).
    ``seed`` fixes the initial weights; ``gan_kwargs`` go to :class:`GAN`.
    """
    latent_dim = positive_int(latent_dim, "latent_dim")
    if clusters is not None:
        clusters = positive_int(clusters, "clusters")
    keras.utils.set_random_seed(seed)
    z_in = keras.Input((latent_dim,), name="noise")
    g_inputs, h = [z_in], z_in
    if clusters is not None:
        c_in = keras.Input((), dtype="int32", name="label")
        g_inputs.append(c_in)
        c = ClusterPrior(clusters, name="cluster_prior")(c_in)
        h = layers.Concatenate()([z_in, layers.Embedding(clusters, 16, name="label_embedding")(c)])
    for i, u in enumerate(units):
        h = layers.LeakyReLU(0.2)(layers.Dense(u, name=f"g_dense_{i}")(h))
    x = layers.Reshape(IMAGE_SHAPE)(layers.Dense(784, activation="tanh", name="g_out")(h))
    generator = keras.Model(g_inputs if clusters else z_in, x, name="mlp_generator")

    x_in = keras.Input(IMAGE_SHAPE, name="image")
    d_inputs, h = [x_in], layers.Flatten()(x_in)
    for i, u in enumerate(reversed(units)):
        h = layers.LeakyReLU(0.2)(layers.Dense(u, name=f"d_dense_{i}")(h))
    logit = layers.Dense(1, name="d_out")(h)
    if clusters is not None:
        y_in = keras.Input((), dtype="int32", name="label")
        d_inputs.append(y_in)
        projection = layers.Dot(axes=1)([layers.Embedding(clusters, h.shape[-1])(y_in), h])
        logit = layers.Add()([logit, projection])
    discriminator = keras.Model(d_inputs if clusters else x_in, logit, name="mlp_discriminator")
    return GAN(generator, discriminator, num_classes=clusters, seed=seed, **gan_kwargs)
