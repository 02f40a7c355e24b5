"""Every model family of the course in one table, and :func:`train` for any recipe.

A :class:`Family` says how a recipe of that family (``recipe.family``) is built and
trained, and, for the families with shipped checkpoints, how a model is saved and
loaded and what kind of likelihood it has. :data:`FAMILIES` maps each name of
``genai_keras.recipes.FAMILIES`` to its record; :mod:`genai_keras.checkpoints`
reads it instead of switching on family names.

The layers import one way: :mod:`genai_keras.recipes` (data) <- the model modules <-
this table <- :mod:`genai_keras.checkpoints`.

Used by :mod:`genai_keras.checkpoints` (chapters 01-04 and 06); ``gk.families.train(recipe)``
trains any recipe of the course.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from genai_keras import applications
from genai_keras.models import autoencoder, autoregressive, diffusion, gan, pixel, vae
from genai_keras.recipes import Recipe, get
from genai_keras.weights import WEIGHTS_SUFFIX, assign_weights, check_finite, write_weights

#: The likelihood kinds a family can have (None: it has none).
LIKELIHOODS = ("exact", "iwae")


@dataclasses.dataclass(frozen=True)
class Family:
    """How the recipes of one family are built, trained, saved and loaded.

    Attributes:
        name: the family's name (``recipe.family``).
        train: ``train(recipe, ...) -> (model, history)``.
        build: ``build(recipe) -> model``, untrained; None where training makes the model
            (pixel models are fitted, the text model needs the corpus' vocabulary).
        save: ``save(model, path, recipe) -> path`` of a checkpoint; None: none ships.
        load: ``load(path, recipe) -> model`` from a checkpoint; None: none ships.
        likelihood: how the test NLL is computed: ``"exact"``, ``"iwae"`` (the
            importance-weighted bound) or None (the family has none).
        suffix: the checkpoint file's suffix.
    """

    name: str
    train: Callable[..., tuple[Any, dict]]
    build: Callable[[Recipe], Any] | None = None
    save: Callable[[Any, Path, Recipe], Path] | None = None
    load: Callable[[Path, Recipe], Any] | None = None
    likelihood: str | None = None
    suffix: str = WEIGHTS_SUFFIX

    def __post_init__(self):
        if self.likelihood not in (None, *LIKELIHOODS):
            raise ValueError(
                f"Family {self.name!r}: likelihood must be None or one of "
                f"{', '.join(LIKELIHOODS)}, got {self.likelihood!r}."
            )
        if (self.save is None) != (self.load is None):
            raise ValueError(f"Family {self.name!r}: give both save and load, or neither.")

    @property
    def has_checkpoints(self) -> bool:
        """True when models of this family can be saved and loaded as checkpoints."""
        return self.save is not None


# ------------------------------------------------------------------ checkpoint formats
def _save_pixel(model: Any, path: Path, recipe: Recipe) -> Path:
    """Pixel models write their own ``.npz``."""
    del recipe
    return Path(model.save(path))


def _load_pixel(path: Path, recipe: Recipe) -> Any:
    del recipe
    return pixel.load(path)


def _rebuild_model(build: Callable[[Recipe], Any], recipe: Recipe) -> tuple[Any, Any]:
    """A fresh model of ``recipe``; it holds its checkpoint's weights itself."""
    model = build(recipe)
    model.recipe = recipe
    return model, model


def _rebuild_gan(recipe: Recipe) -> tuple[Any, Any]:
    """A fresh sampling GAN of ``recipe`` and its generator, which holds the weights."""
    model = gan.build_sampler(recipe)
    model.recipe = recipe
    return model, model.generator


def _save_keras(
    rebuild: Callable[[Recipe], tuple[Any, Any]],
    source: Callable[[Any], Any],
    model: Any,
    path: Path,
    recipe: Recipe,
) -> Path:
    """Copy ``source(model)``'s weights into a fresh model of the recipe (so the variable
    paths are those :func:`_load_keras` builds) and write them (float16 ``.weights.npz``)."""
    _, target = rebuild(recipe)
    target.set_weights(source(model).get_weights())
    return write_weights(target.weights, path)


def _load_keras(rebuild: Callable[[Recipe], tuple[Any, Any]], path: Path, recipe: Recipe) -> Any:
    """Rebuild the recipe's model and assign its weights (a Keras ``.weights.h5`` of an
    earlier release is read too, for conversion)."""
    model, target = rebuild(recipe)
    if path.name.endswith(".h5"):
        import keras

        target.load_weights(path)
        check_finite({v.path: keras.ops.convert_to_numpy(v) for v in target.weights}, path)
    else:
        assign_weights(target.weights, path, what=f"recipe {recipe.name!r}'s model")
    return model


def _whole(model: Any) -> Any:
    return model


def _sampling_generator(model: Any) -> Any:
    """GANs ship only their weight-averaged generator."""
    return model.sampling_generator


def _keras_format(
    rebuild: Callable[[Recipe], tuple[Any, Any]], source: Callable[[Any], Any] = _whole
) -> dict[str, Callable]:
    return {
        "save": functools.partial(_save_keras, rebuild, source),
        "load": functools.partial(_load_keras, rebuild),
    }


# ----------------------------------------------------------------------------- the table
_TABLE = (
    Family(
        "pixel", pixel.train, save=_save_pixel, load=_load_pixel, likelihood="exact", suffix=".npz"
    ),
    Family("autoencoder", autoencoder.train),
    Family(
        "vae",
        vae.train,
        vae.build,
        likelihood="iwae",
        **_keras_format(functools.partial(_rebuild_model, vae.build)),
    ),
    Family("gan", gan.train, gan.build, **_keras_format(_rebuild_gan, _sampling_generator)),
    Family("text", autoregressive.train),
    Family(
        "diffusion",
        diffusion.train,
        diffusion.build,
        **_keras_format(functools.partial(_rebuild_model, diffusion.build)),
    ),
    Family("application", applications.train, applications.build),
)
#: Every family's record, by name (read-only).
FAMILIES: MappingProxyType[str, Family] = MappingProxyType({f.name: f for f in _TABLE})


def family_of(recipe: Recipe) -> Family:
    """The record of ``recipe``'s family."""
    return FAMILIES[recipe.family]


def train(recipe: Recipe | str, **kwargs: Any) -> tuple[Any, dict[str, list[float]]]:
    """Train a recipe (or the recipe of that name) with its family's ``train``.

    Args:
        recipe: a :class:`~genai_keras.recipes.Recipe` or a name for
            :func:`genai_keras.recipes.get`.
        **kwargs: passed to the family's ``train`` (e.g. ``callbacks``, ``verbose``).

    Returns:
        ``(model, history)``: the trained model (which follows
        :class:`genai_keras.protocol.GenerativeModel`) and a dict of per-epoch curves.

    Raises:
        ValueError: an unknown name, or something that is neither a recipe nor a name.
    """
    if isinstance(recipe, str):
        recipe = get(recipe)
    if not isinstance(recipe, Recipe):
        raise ValueError(f"train() takes a Recipe or a recipe name, got {type(recipe).__name__}.")
    return family_of(recipe).train(recipe, **kwargs)
