"""One optimizer builder for every recipe: :func:`optimizer_from_recipe`.

A recipe's ``optimizer`` dict holds the numbers (learning rate, betas, warm-up, weight
average); the family says the rule that turns them into a Keras optimizer:

==============================  ============================================================
family (kind)                   optimizer
==============================  ============================================================
autoencoder, application        Adam at a constant learning rate
(classifier)
vae, application (restoration)  Adam, cosine decay to 5% of the peak over ``total_steps``
diffusion                       Adam, cosine decay to 2%; ``ema`` adds Keras' weight average
gan                             Adam(``beta_1``, ``beta_2``); with ``decay_to_zero`` and
                                ``total_steps``, a linear decay to 0
text                            AdamW (weight decay 0.1, biases and norms excluded), linear
                                warm-up over ``warmup_steps`` then cosine decay to 10%,
                                gradients clipped to a global norm of 1
==============================  ============================================================

The pixel family is fitted by EM and has no optimizer. Every family's ``train`` (and
chapter 08's data-parallel VAE, chapter 07's fine-tuning) builds its optimizer here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras

from genai_keras.checks import non_negative_float, positive_int
from genai_keras.recipes import Recipe

#: Final learning rate of each cosine schedule, as a fraction of the peak.
FINAL_FRACTION = {"vae": 0.05, "application": 0.05, "diffusion": 0.02, "text": 0.1}
#: The text model's AdamW settings (not in the recipes: the same for every text recipe).
TEXT_WEIGHT_DECAY, TEXT_BETAS, TEXT_CLIPNORM = 0.1, (0.9, 0.99), 1.0


def cosine_schedule(
    peak: float, total_steps: int, final_fraction: float, warmup_steps: int = 0
) -> keras.optimizers.schedules.CosineDecay:
    """Cosine decay from ``peak`` to ``final_fraction * peak`` over ``total_steps`` updates.

    With ``warmup_steps > 0`` the rate first grows linearly from 0 to ``peak`` over those
    steps and the cosine covers the remaining ``total_steps - warmup_steps``.
    """
    if warmup_steps:
        return keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0,
            warmup_target=peak,
            warmup_steps=warmup_steps,
            decay_steps=max(1, total_steps - warmup_steps),
            alpha=final_fraction,
        )
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak, decay_steps=max(1, total_steps), alpha=final_fraction
    )


def _settings(recipe: Recipe, overrides: Mapping[str, Any]) -> dict[str, Any]:
    settings = dict(recipe.optimizer)
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ValueError(
            f"Recipe {recipe.name!r} has no optimizer setting {unknown[0]!r}; "
            f"known: {', '.join(sorted(settings))}."
        )
    settings.update(overrides)
    if "learning_rate" not in settings:
        raise ValueError(
            f"Recipe {recipe.name!r} names no learning_rate: its family "
            f"({recipe.family}) is not trained by gradient descent."
        )
    settings["learning_rate"] = non_negative_float(settings["learning_rate"], "learning_rate")
    return settings


def _steps(total_steps: int | None, recipe: Recipe) -> int:
    if total_steps is None:
        raise ValueError(
            f"Recipe {recipe.name!r} decays its learning rate: pass total_steps "
            f"(the number of optimizer updates of the run)."
        )
    return positive_int(total_steps, "total_steps")


def optimizer_from_recipe(
    recipe: Recipe, total_steps: int | None = None, *, name: str | None = None, **overrides: Any
) -> keras.optimizers.Optimizer:
    """The Keras optimizer a recipe trains with (the family's rule, the recipe's numbers).

    Args:
        recipe: any recipe but a pixel one (see the module's table).
        total_steps: optimizer updates of the whole run (the schedule's length); needed by
            every decaying schedule; a GAN without it keeps a constant rate.
        name: the optimizer's name (the GAN names its two ``"d_adam"`` and ``"g_adam"``);
            None: Keras' default.
        **overrides: replace settings of ``recipe.optimizer`` for this optimizer only,
            e.g. ``learning_rate=recipe.optimizer["ae_learning_rate"], ema=None`` for the
            autoencoder stage of flow matching.

    Raises:
        ValueError: a pixel recipe, an override the recipe does not have, a missing or
            bad ``total_steps``.
    """
    if not isinstance(recipe, Recipe):
        raise ValueError(
            f"recipe must be a Recipe (gk.recipes.get(name)), got {type(recipe).__name__}."
        )
    opt = _settings(recipe, overrides)
    lr, family = opt["learning_rate"], recipe.family
    named = {} if name is None else {"name": name}
    if family == "autoencoder" or (
        family == "application" and recipe.model.get("kind") == "classifier"
    ):
        return keras.optimizers.Adam(lr, **named)
    if family in ("vae", "application"):
        schedule = cosine_schedule(lr, _steps(total_steps, recipe), FINAL_FRACTION[family])
        return keras.optimizers.Adam(schedule, **named)
    if family == "diffusion":
        schedule = cosine_schedule(lr, _steps(total_steps, recipe), FINAL_FRACTION[family])
        ema = opt.get("ema")
        average = dict(use_ema=True, ema_momentum=ema) if ema else {}
        return keras.optimizers.Adam(schedule, **average, **named)
    if family == "gan":
        rate: Any = lr
        if opt.get("decay_to_zero") and total_steps:
            rate = keras.optimizers.schedules.PolynomialDecay(
                lr, positive_int(total_steps, "total_steps"), end_learning_rate=0.0, power=1.0
            )
        return keras.optimizers.Adam(rate, beta_1=opt["beta_1"], beta_2=opt["beta_2"], **named)
    if family == "text":
        warmup = positive_int(opt["warmup_steps"], "warmup_steps", minimum=0)
        schedule = cosine_schedule(
            lr, _steps(total_steps, recipe), FINAL_FRACTION[family], warmup_steps=warmup
        )
        optimizer = keras.optimizers.AdamW(
            learning_rate=schedule,
            weight_decay=TEXT_WEIGHT_DECAY,
            beta_1=TEXT_BETAS[0],
            beta_2=TEXT_BETAS[1],
            global_clipnorm=TEXT_CLIPNORM,
            **named,
        )
        optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
        return optimizer
    raise ValueError(f"Recipe {recipe.name!r} ({family}) is fitted without an optimizer.")


def build_optimizer(model: keras.Model) -> keras.Model:
    """Create the compiled ``model``'s optimizer variables now, if the model is built.

    Call it after ``model.compile`` and before ``fit``. On TensorFlow (without a
    distribution strategy) Keras creates the optimizer's variables inside the first traced
    training step when the model was built beforehand, and TensorFlow traces a function that
    creates variables twice. Building them here, eagerly, saves that second trace (about a
    quarter of a 20-step text run's time); the trained weights are the same. A model not yet
    built, or an optimizer already built, is left as it is.

    Returns:
        ``model`` (for chaining).
    """
    optimizer = getattr(model, "optimizer", None)
    if model.built and optimizer is not None and not optimizer.built:
        optimizer.build(model.trainable_variables)
    return model
