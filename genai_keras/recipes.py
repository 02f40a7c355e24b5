"""Every trained model's recipe, in one place, and its fast variant.

A :class:`Recipe` says how one model of the course is trained: its family, the
architecture and loss settings (``model``), the optimizer settings (``optimizer``),
batch size, budget (``epochs`` or ``steps``), how many training examples (``limit``)
and the seed. The shipped checkpoints, the benchmarks, the notebooks and the README's
numbers all start from :func:`get`; a notebook that deviates says so in its
``parameters`` cell with :meth:`Recipe.replace`.

Fast mode (``GENAI_KERAS_FAST=1``, read only by :func:`genai_keras.config.fast_mode`)
turns every recipe into its :func:`fast_variant`: a tiny run for tests whose results
mean nothing.

This module is data: it imports no model. Each family trains a recipe with its own
``train(recipe, ...) -> (model, history)``; :func:`genai_keras.families.train` trains
any recipe through the family table. Used in every chapter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from genai_keras.config import fast_mode

FAMILIES = ("pixel", "autoencoder", "vae", "gan", "text", "diffusion", "application")
#: Training examples in a fast-mode run (images or, for text, unused).
FAST_IMAGES = 1024


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How one model is trained (frozen: derive variants with :meth:`replace`).

    Attributes:
        name: the recipe's name (also the checkpoint's name, where one ships).
        family: one of :data:`~genai_keras.families.FAMILIES` (``"pixel"``, ``"vae"``,
            ``"gan"``, ...).
        title: a short display name.
        chapter: the chapter that teaches the model.
        model: architecture and loss settings (the family's model arguments).
        optimizer: optimizer settings (learning rate, betas, schedule).
        batch_size: examples per update (None for the EM-fitted pixel models).
        epochs: passes over the training data (None when ``steps`` is the budget).
        steps: optimizer updates (the text model), else None.
        limit: use only the first ``limit`` training examples (None: all).
        seed: seeds weights, noise and shuffling.
        fast: True for a fast-mode variant.
    """

    name: str
    family: str
    title: str
    chapter: str
    model: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    optimizer: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    batch_size: int | None = None
    epochs: int | None = None
    steps: int | None = None
    limit: int | None = None
    seed: int = 0
    fast: bool = False

    def __post_init__(self):
        # Read-only views: a recipe in RECIPES cannot be changed by accident.
        object.__setattr__(self, "model", MappingProxyType(dict(self.model)))
        object.__setattr__(self, "optimizer", MappingProxyType(dict(self.optimizer)))
        if self.family not in FAMILIES:
            raise ValueError(
                f"Recipe {self.name!r}: family must be one of {', '.join(FAMILIES)}, "
                f"got {self.family!r}."
            )

    @property
    def conditional(self) -> bool:
        """True when the recipe's model takes labels: a class per sample (the model's
        ``model.conditional``, answered before the model exists). A model setting
        ``conditional=True`` (the GANs) or ``num_classes`` (VAEs, flow matching) says so;
        a self-conditioned GAN's ``clusters`` do not (it draws its own)."""
        return bool(self.model.get("conditional") or self.model.get("num_classes"))

    def replace(self, **changes: Any) -> Recipe:
        """A copy with some settings changed.

        Top-level fields (``epochs``, ``limit``, ``seed``, ...) and the keys of ``model``
        and ``optimizer`` (``latent_dim=8``, ``learning_rate=1e-3``) are accepted by name.
        A name that is both a top-level field this recipe leaves unset (None) and a model
        setting changes the model setting: ``steps`` of a flow-matching recipe (trained
        for ``epochs``) is its sampler's number of steps.

        Raises:
            ValueError: a name that is none of those (the message lists them), or one that
                is both a top-level field in use and a model setting (ambiguous).
        """
        top = {f.name for f in dataclasses.fields(self)} - {"model", "optimizer"}
        fields: dict[str, Any] = {}
        model, optimizer = dict(self.model), dict(self.optimizer)
        for key, value in changes.items():
            if key in top and key in model:
                if getattr(self, key) is not None:
                    raise ValueError(
                        f"Recipe {self.name!r}: {key!r} is both a top-level field "
                        f"({getattr(self, key)!r}) and a model setting ({model[key]!r}); "
                        f"build a Recipe with dataclasses.replace for the field."
                    )
                model[key] = value
            elif key in top:
                fields[key] = value
            elif key in model:
                model[key] = value
            elif key in optimizer:
                optimizer[key] = value
            elif key in ("model", "optimizer"):
                raise ValueError(
                    f"Change single settings (e.g. replace(latent_dim=8)), not the "
                    f"whole {key!r} dict."
                )
            else:
                known = sorted(top | set(model) | set(optimizer))
                raise ValueError(
                    f"Recipe {self.name!r} has no setting {key!r}; known: {', '.join(known)}."
                )
        return dataclasses.replace(self, model=model, optimizer=optimizer, **fields)

    def describe(self, data: str | None = None) -> str:
        """A one-line summary, e.g. for a manifest or a notebook.

        Args:
            data: what the model is trained on, when the caller passes its own data (e.g.
                ``"the N labelled digits"``); None: ``limit`` says it ("all training data"
                or "20,000 training examples").
        """
        budget = (
            f"{self.epochs} epochs"
            if self.epochs is not None
            else f"{self.steps} steps"
            if self.steps is not None
            else "until converged"
        )
        if data is None:
            data = (
                "all training data" if self.limit is None else f"{self.limit:,} training examples"
            )
        elif not isinstance(data, str) or not data.strip():
            raise ValueError(
                f"data must be a non-empty description such as 'the N labelled "
                f"digits', got {data!r}."
            )
        batch = "" if self.batch_size is None else f", batch {self.batch_size}"
        fast = " (fast mode)" if self.fast else ""
        return f"{self.name}: {budget} on {data}{batch}, seed {self.seed}{fast}"

    def as_dict(self) -> dict[str, Any]:
        """The recipe as plain JSON-ready data."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["model"], out["optimizer"] = dict(self.model), dict(self.optimizer)
        return out


_GAN_MODEL = dict(
    loss="nonsaturating",
    label_smoothing=0.0,
    d_steps=1,
    ema_decay=0.999,
    latent_dim=64,
    g_channels=64,
    d_channels=32,
    conditional=False,
    clusters=None,
    spectral_norm=False,
)
_GAN_ADAM = dict(learning_rate=5e-4, beta_1=0.5, beta_2=0.999, decay_to_zero=True)
_VAE_32 = dict(
    latent_dim=32,
    encoder_filters=(32, 64),
    decoder_filters=(64, 32),
    hidden_units=256,
    decoder_hidden_units=256,
    beta=1.0,
    dynamic_binarization=True,
)
_RESTORER = dict(
    task="denoise",
    kind="regression",
    filters=(16, 32),
    hidden_units=128,
    latent_dim=16,
    beta=1.0,
    free_bits=0.5,
)

_FLOW_MODEL = dict(
    code_channels=4,
    ae_filters=64,
    code_noise=0.1,
    ae_epochs=3,
    width=512,
    depth=4,
    num_classes=None,
    label_dropout=0.1,
    guidance=1.0,
    schedule="linear",
    time_sampling="logit_normal",
    sampler="ddpm",
    steps=50,
)
_FLOW_ADAM = dict(learning_rate=1e-3, ae_learning_rate=2e-3, ema=0.999)

_RECIPES = [
    Recipe(
        "independent_bernoulli",
        "pixel",
        "Independent Bernoulli",
        "01",
        model=dict(kind="independent", pseudo_count=1.0),
    ),
    Recipe(
        "bernoulli_mixture",
        "pixel",
        "Bernoulli mixture (K=100)",
        "01",
        model=dict(kind="mixture", num_components=100, num_iterations=40),
    ),
    # Chapter 02's deterministic autoencoder (not a generative model: the contrast to the VAE).
    Recipe(
        "autoencoder",
        "autoencoder",
        "Autoencoder",
        "02",
        model=dict(latent_dim=16),
        optimizer=dict(learning_rate=2e-3),
        batch_size=256,
        epochs=3,
    ),
    # The 2-D VAE: narrow convolutions, wide dense layers on both sides of the 2-D code,
    # small batches and a high peak learning rate with cosine decay (benchmarks/vae.py).
    Recipe(
        "vae_2d",
        "vae",
        "VAE, 2-D latent",
        "02",
        model=dict(_VAE_32, latent_dim=2, encoder_filters=(16, 32), decoder_filters=(32, 16)),
        optimizer=dict(learning_rate=3e-3),
        batch_size=128,
        epochs=4,
    ),
    Recipe(
        "vae",
        "vae",
        "VAE",
        "02",
        model=dict(_VAE_32),
        optimizer=dict(learning_rate=2e-3),
        batch_size=256,
        epochs=6,
    ),
    Recipe(
        "vae_long",
        "vae",
        "VAE, 24 epochs",
        "02",
        model=dict(_VAE_32),
        optimizer=dict(learning_rate=2e-3),
        batch_size=256,
        epochs=24,
    ),
    # A small code (4-D) leaves the class to the label: the decoder must use it.
    Recipe(
        "conditional_vae",
        "vae",
        "Conditional VAE",
        "02",
        model=dict(_VAE_32, latent_dim=4, num_classes=10),
        optimizer=dict(learning_rate=2e-3),
        batch_size=256,
        epochs=6,
    ),
    # Narrow networks make two to three times more updates per second than the classic
    # widths; a high learning rate decaying linearly to 0 and a weight average of the
    # generator (ema_decay) turn them into sharp digits (benchmarks/gan.py).
    Recipe(
        "dcgan",
        "gan",
        "DCGAN",
        "03",
        model=dict(_GAN_MODEL),
        optimizer=dict(_GAN_ADAM),
        batch_size=128,
        epochs=12,
    ),
    # WGAN-GP with Gulrajani et al.'s (2017) settings: 5 critic steps per generator step,
    # each on its own 64 real images (batch 320 = 5 x 64, split_batch), Adam(1e-4,
    # beta_1=0, beta_2=0.9) at a constant rate, lambda=10, a critic without batch norm.
    # benchmarks/gan.py stops it at the DCGAN recipe's training time (equal wall clock).
    Recipe(
        "wgan_gp",
        "gan",
        "WGAN-GP (the paper's settings)",
        "03",
        model=dict(_GAN_MODEL, loss="wgan-gp", d_steps=5, split_batch=True),
        optimizer=dict(learning_rate=1e-4, beta_1=0.0, beta_2=0.9, decay_to_zero=False),
        batch_size=320,
        epochs=13,
    ),
    Recipe(
        "conditional_gan",
        "gan",
        "Conditional GAN",
        "03",
        model=dict(_GAN_MODEL, conditional=True),
        optimizer=dict(_GAN_ADAM),
        batch_size=128,
        epochs=6,
    ),
    # Self-conditioning (Liu et al., 2020): a conditional GAN on 50 k-means clusters of the
    # pixels, sampled unconditionally with the clusters' frequencies; no label is used.
    # Chapter 03's answer to mode collapse and blurred strokes (benchmarks/gan.py).
    Recipe(
        "self_conditioned_gan",
        "gan",
        "Self-conditioned GAN (50 clusters)",
        "03",
        model=dict(_GAN_MODEL, clusters=50),
        optimizer=dict(_GAN_ADAM),
        batch_size=128,
        epochs=10,
    ),
    # Chapter 06: flow matching in the 7x7x4 code space of a small autoencoder (latent
    # diffusion): an MLP velocity network, logit-normal times, a weight average; sampled
    # with 50 ancestral (DDPM) steps, the best FID of the sampler sweep
    # (benchmarks/diffusion.py). The guided model adds labels with 10% label dropout.
    Recipe(
        "flow_matching",
        "diffusion",
        "Latent flow matching",
        "06",
        model=dict(_FLOW_MODEL),
        optimizer=dict(_FLOW_ADAM),
        batch_size=256,
        epochs=18,
    ),
    Recipe(
        "guided_flow_matching",
        "diffusion",
        "Latent flow matching, guided",
        "06",
        model=dict(_FLOW_MODEL, num_classes=10, guidance=2.0),
        optimizer=dict(_FLOW_ADAM),
        batch_size=256,
        epochs=20,
    ),
    Recipe(
        "char_transformer",
        "text",
        "Character transformer",
        "05",
        model=dict(
            context_length=64,
            embed_dim=128,
            num_heads=4,
            num_layers=4,
            dropout=0.0,
            tie_weights=True,
        ),
        optimizer=dict(learning_rate=2e-3, warmup_steps=100),
        batch_size=16,
        steps=3500,
    ),
    # Chapter 07: restoration networks (one per task; regression or conditional VAE, the
    # same U-Net-like trunk), the few-label classifier and its generator, and the small
    # transformer pretrained without one speaker, then fine-tuned (benchmarks/applications.py).
    *[
        Recipe(
            f"{name}{suffix}",
            "application",
            f"{title}, {kind}",
            "07",
            model=dict(_RESTORER, task=task, kind=kind),
            optimizer=dict(learning_rate=2e-3),
            batch_size=128,
            epochs=3,
            limit=24000,
        )
        for task, name, title in (
            ("denoise", "denoiser", "Denoiser"),
            ("super_resolve", "super_resolver", "Super-resolver"),
            ("inpaint", "inpainter", "Inpainter"),
        )
        for kind, suffix in (("regression", ""), ("cvae", "_cvae"))
    ],
    Recipe(
        "augment_classifier",
        "application",
        "Small classifier (few labels)",
        "07",
        model=dict(kind="classifier"),
        optimizer=dict(learning_rate=2e-3),
        batch_size=64,
        steps=200,
    ),
    Recipe(
        "augment_cvae",
        "vae",
        "Conditional VAE on N labelled digits",
        "07",
        model=dict(
            _VAE_32,
            latent_dim=4,
            num_classes=10,
            encoder_filters=(16, 32),
            decoder_filters=(32, 16),
            hidden_units=128,
            decoder_hidden_units=128,
        ),
        optimizer=dict(learning_rate=2e-3),
        batch_size=32,
        epochs=20,
    ),
    *[
        Recipe(
            f"char_transformer_{name}",
            "text",
            f"Character transformer, {title}",
            "07",
            model=dict(
                context_length=64,
                embed_dim=128,
                num_heads=4,
                num_layers=2,
                dropout=0.0,
                tie_weights=True,
            ),
            optimizer=dict(learning_rate=lr, warmup_steps=warmup),
            batch_size=16,
            steps=steps,
        )
        for name, title, lr, warmup, steps in (
            ("pretrain", "pretrained without one speaker", 2e-3, 100, 1500),
            ("finetune", "fine-tuned on the speaker", 5e-4, 20, 300),
            ("scratch", "trained on the speaker only", 2e-3, 20, 300),
        )
    ],
]
RECIPES: dict[str, Recipe] = {r.name: r for r in _RECIPES}


def fast_variant(recipe: Recipe) -> Recipe:
    """The tiny version of ``recipe`` used in fast mode (tests): seconds, not minutes.

    Image models see :data:`FAST_IMAGES` training images for one epoch (the mixture:
    10 components, 3 EM iterations; flow matching: a 128-wide, 2-block network and one
    autoencoder epoch); the text model is a 2-layer, 64-wide transformer
    reading 32 characters, trained for 150 steps.
    """
    if recipe.fast:
        return recipe
    changes: dict[str, Any] = dict(fast=True)
    if recipe.family == "text":
        changes.update(
            context_length=32,
            embed_dim=64,
            num_layers=2,
            steps=150,
            learning_rate=3e-3,
            warmup_steps=20,
        )
    else:
        changes["limit"] = FAST_IMAGES if recipe.limit is None else min(recipe.limit, FAST_IMAGES)
        if recipe.epochs is not None:
            changes["epochs"] = 1
        if recipe.steps is not None:
            changes["steps"] = min(recipe.steps, 20)
        if recipe.model.get("kind") == "mixture":
            changes.update(num_components=10, num_iterations=3)
        if recipe.family == "diffusion":
            changes.update(ae_epochs=1, width=128, depth=2)
    return recipe.replace(**changes)


def get(name: str, fast: bool | None = None) -> Recipe:
    """The recipe called ``name``; its :func:`fast_variant` in fast mode.

    Args:
        name: a key of ``RECIPES``.
        fast: True/False to choose; None follows ``genai_keras.fast_mode()``.

    Raises:
        ValueError: unknown name (the message lists the known ones).
    """
    if name not in RECIPES:
        raise ValueError(f"Unknown recipe {name!r}; choose one of: {', '.join(RECIPES)}.")
    if fast is None:
        fast = fast_mode()
    return fast_variant(RECIPES[name]) if fast else RECIPES[name]


_FAMILY_NAMES = {
    "pixel": "a pixel",
    "autoencoder": "an autoencoder",
    "vae": "a VAE",
    "gan": "a GAN",
    "text": "a text",
    "diffusion": "a diffusion",
    "application": "an application",
}
_EXAMPLES = {
    "pixel": "bernoulli_mixture",
    "autoencoder": "autoencoder",
    "vae": "vae",
    "gan": "dcgan",
    "text": "char_transformer",
    "diffusion": "flow_matching",
    "application": "denoiser",
}


def expect(recipe: Any, family: str) -> Recipe:
    """Return ``recipe`` if it is a :class:`Recipe` of ``family``, else raise a ValueError
    that names what was given and an example of what is expected (each family's ``train``
    and ``build`` start with this)."""
    if not isinstance(recipe, Recipe) or recipe.family != family:
        got = recipe.family if isinstance(recipe, Recipe) else type(recipe).__name__
        raise ValueError(
            f"Expected {_FAMILY_NAMES[family]} recipe (e.g. "
            f"gk.recipes.get('{_EXAMPLES[family]}')), got {got!r}."
        )
    return recipe
