"""Chapter 07: what generative models are used for, measured against classical baselines.

- ``degradations``: the damage (Gaussian / salt-and-pepper noise, block-average
  downsampling, masks) with checked settings.
- ``baselines``: Gaussian/median filters chosen on validation data, bicubic
  upscaling, nearest-pixel and mean-image hole filling.
- ``models``: the U-Net-like regression net, the conditional VAE of restorations
  (:class:`RestorationCVAE`) and the small classifier of the augmentation experiment.
- ``restoration``: the three tasks (denoise, super-resolve, inpaint): data,
  training from a recipe, PSNR/SSIM/accuracy scores and the diversity of draws.
- ``augmentation``: N labelled digits with no / classical / generated / both
  augmentations, over several seeds.
- ``finetune``: pretraining the character transformer without one speaker, then
  fine-tuning on a slice of that speaker's lines vs training from scratch.

Everything is reachable here: write ``gk.applications.<name>``. Recipes of the
``"application"`` family train with :func:`train` (``gk.families.train`` calls it).

Used in chapter 07.
"""

from __future__ import annotations

from typing import Any

from genai_keras.applications import augmentation, baselines, degradations, finetune, restoration
from genai_keras.applications.augmentation import VARIANTS, labelled_subset
from genai_keras.applications.baselines import apply_filter, choose_filter, fill_hole
from genai_keras.applications.degradations import (
    downsample,
    gaussian_noise,
    make_mask,
    salt_and_pepper,
    upsample_bicubic,
)
from genai_keras.applications.models import (
    RestorationCVAE,
    build_condition_encoder,
    build_decoder,
    build_regressor,
    build_small_classifier,
)
from genai_keras.applications.restoration import (
    SETTINGS,
    TASKS,
    degrade,
    diversity,
    evaluate_task,
    restore,
    score,
    select_completions,
)
from genai_keras.data import training_images
from genai_keras.recipes import Recipe, expect

__all__ = [
    "SETTINGS",
    "TASKS",
    "VARIANTS",
    "RestorationCVAE",
    "apply_filter",
    "augmentation",
    "baselines",
    "build",
    "build_condition_encoder",
    "build_decoder",
    "build_regressor",
    "build_small_classifier",
    "choose_filter",
    "degradations",
    "degrade",
    "diversity",
    "downsample",
    "evaluate_task",
    "fill_hole",
    "finetune",
    "gaussian_noise",
    "labelled_subset",
    "make_mask",
    "restoration",
    "restore",
    "salt_and_pepper",
    "score",
    "select_completions",
    "train",
    "upsample_bicubic",
]


def build(recipe: Recipe) -> Any:
    """The untrained model of an ``"application"`` recipe (restoration net or classifier)."""
    if expect(recipe, "application").model["kind"] == "classifier":
        return build_small_classifier(seed=recipe.seed)
    return restoration.build(recipe)


def train(
    recipe: Recipe, images: Any = None, labels: Any = None, verbose: int = 0
) -> tuple[Any, dict]:
    """Train an ``"application"`` recipe (``gk.families.train`` dispatches here).

    Restoration recipes (kind ``"regression"`` / ``"cvae"``) go to
    ``restoration.train``; the classifier (kind ``"classifier"``) trains on
    ``images``/``labels`` (default the first ``recipe.limit`` MNIST training digits)
    with ``augmentation.train_classifier``.

    Returns:
        ``(model, history)``.
    """
    if expect(recipe, "application").model["kind"] != "classifier":
        if labels is not None:
            raise ValueError("Restoration networks learn from clean images only: pass labels=None.")
        return restoration.train(recipe, images, verbose=verbose)
    images, labels = training_images(recipe, images, labels, num_classes=10, default_limit=1000)
    return augmentation.train_classifier(recipe, images, labels, seed=recipe.seed), {}
