"""The family table (genai_keras.families) and the import layers it keeps.

recipes (data) <- model modules <- families <- checkpoints <- studies: no module imports
upwards, and no module imports another by a computed name (importlib), so every edge can be
read. Scoring (metrics, the feature network) is a layer above the models: no model module
and not the checkpoints import it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import genai_keras as gk
from genai_keras import applications, callbacks, families, recipes
from genai_keras import checkpoints as ck
from genai_keras import models as models_package
from genai_keras.models import autoencoder, autoregressive, diffusion, gan, pixel, vae
from genai_keras.studies import comparison

PACKAGE = Path(gk.__file__).resolve().parent


def _sources() -> dict[str, ast.Module]:
    """Every module of the package, parsed, keyed by its dotted name."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(), filename=str(path))
    return out


def _is_package(module: str) -> bool:
    return (PACKAGE.parent.joinpath(*module.split(".")) / "__init__.py").is_file()


def _from_base(node: ast.ImportFrom, module: str) -> str:
    """The absolute name of ``from X import ...`` in ``module`` (``..a`` resolved)."""
    if not node.level:
        return node.module
    parts = module.split(".")
    keep = len(parts) - node.level + (1 if _is_package(module) else 0)
    return ".".join(parts[:keep] + ([node.module] if node.module else []))


def _imports(tree: ast.Module, module: str) -> set[str]:
    """The modules ``tree`` imports anywhere (inside functions too), as absolute dotted
    names (``from a import b`` counts as ``a`` and ``a.b``: ``b`` may be a module; a
    relative ``from ..a import b`` is resolved from ``module``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(node, module)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _under(names: set[str], prefix: str) -> set[str]:
    return {n for n in names if n == prefix or n.startswith(prefix + ".")}


# ------------------------------------------------------------------------- the table
def test_every_recipe_family_has_a_record():
    used = {r.family for r in recipes.RECIPES.values()}
    assert used <= set(families.FAMILIES), used - set(families.FAMILIES)
    assert tuple(families.FAMILIES) == recipes.FAMILIES
    for name, family in families.FAMILIES.items():
        assert family.name == name and callable(family.train)
        assert family.likelihood in (None, *families.LIKELIHOODS)


def test_records_point_at_the_family_modules():
    table = families.FAMILIES
    assert table["pixel"].train is pixel.train and table["autoencoder"].train is autoencoder.train
    assert (table["vae"].train, table["vae"].build) == (vae.train, vae.build)
    assert (table["gan"].train, table["gan"].build) == (gan.train, gan.build)
    assert table["text"].train is autoregressive.train
    assert (table["diffusion"].train, table["diffusion"].build) == (
        diffusion.train,
        diffusion.build,
    )
    assert (table["application"].train, table["application"].build) == (
        applications.train,
        applications.build,
    )
    for name in recipes.RECIPES:
        assert families.family_of(recipes.RECIPES[name]) is table[recipes.RECIPES[name].family]


def test_checkpoint_families_and_likelihoods():
    assert {recipes.RECIPES[n].family for n in ck.MODELS} == {"pixel", "vae", "gan", "diffusion"}
    for name in ck.MODELS:
        assert families.family_of(recipes.RECIPES[name]).has_checkpoints, name
    assert comparison.LIKELIHOOD == {
        "pixel": "exact",
        "vae": "iwae",
        "gan": None,
        "diffusion": None,
    }
    assert [f.name for f in families.FAMILIES.values() if not f.has_checkpoints] == [
        "autoencoder",
        "text",
        "application",
    ]
    assert families.FAMILIES["pixel"].suffix == ".npz"
    assert {f.suffix for n, f in families.FAMILIES.items() if n != "pixel"} == {ck.WEIGHTS_SUFFIX}


def test_a_family_without_checkpoints_cannot_be_saved(tmp_path):
    class Model:
        recipe = recipes.get("autoencoder", fast=False)

    with pytest.raises(
        ValueError, match="Recipe 'vae' \\(family 'autoencoder'\\) is not a Keras checkpoint"
    ):
        ck.save("vae", Model(), tmp_path / "x.weights.npz")


def test_family_records_are_checked_and_frozen():
    with pytest.raises(ValueError, match="likelihood must be None or one of exact, iwae"):
        families.Family("x", pixel.train, likelihood="elbo")
    with pytest.raises(ValueError, match="give both save and load, or neither"):
        families.Family("x", pixel.train, save=lambda m, p, r: p)
    with pytest.raises(TypeError):
        families.FAMILIES["x"] = families.FAMILIES["vae"]
    with pytest.raises(AttributeError):
        families.FAMILIES["vae"].likelihood = None


def test_train_takes_a_recipe_or_a_name():
    with pytest.raises(ValueError, match="Unknown recipe 'nope'"):
        families.train("nope")
    with pytest.raises(ValueError, match="takes a Recipe or a recipe name, got int"):
        families.train(3)


# ------------------------------------------------------------------------ the layers
def test_recipes_is_data_it_imports_no_model():
    tree = _sources()["genai_keras.recipes"]
    imported = _imports(tree, "genai_keras.recipes")
    for upper in (
        "genai_keras.models",
        "genai_keras.applications",
        "genai_keras.families",
        "genai_keras.checkpoints",
    ):
        assert not _under(imported, upper), _under(imported, upper)
    assert not _under(imported, "importlib")
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not names & {"importlib", "__import__"}
    assert not hasattr(recipes, "train")
    # And nothing it imports pulls a model in (a fresh process sees what is loaded).
    code = (
        "import sys, genai_keras.recipes; "
        "print([m for m in sys.modules if m.startswith(('genai_keras.models', "
        "'genai_keras.applications', 'genai_keras.families', 'genai_keras.checkpoints'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_module_imports_by_a_computed_name():
    offenders = []
    for module, tree in _sources().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__"):
                offenders.append(f"{module}:{node.lineno}")
    assert not offenders, f"imports by computed name (write a plain import): {offenders}"


def test_imports_are_absolute():
    relative = [
        f"{module}:{node.lineno}"
        for module, tree in _sources().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level
    ]
    assert not relative, f"write absolute imports: {relative}"


def test_relative_imports_are_resolved():
    tree = ast.parse("from ..metrics import fid\nfrom . import clusters\nfrom .model import GAN")
    assert _imports(tree, "genai_keras.models.gan") == {
        "genai_keras.models.metrics",
        "genai_keras.models.metrics.fid",
        "genai_keras.models.gan",
        "genai_keras.models.gan.clusters",
        "genai_keras.models.gan.model",
        "genai_keras.models.gan.model.GAN",
    }
    tree = ast.parse("from ...metrics import fid")
    assert _under(_imports(tree, "genai_keras.models.gan.model"), "genai_keras.metrics")


def test_models_and_checkpoints_import_no_scoring():
    """Scoring lives above the models (genai_keras.studies): no module of genai_keras.models
    imports the metrics, the feature network, the checkpoints or a study, and the
    checkpoints (save, load, verify) import neither metrics nor feature network."""
    scoring = ("genai_keras.metrics", "genai_keras.feature_net")
    offenders = []
    for module, tree in _sources().items():
        if _under({module}, "genai_keras.models"):
            banned = (*scoring, "genai_keras.checkpoints", "genai_keras.studies")
        elif module == "genai_keras.checkpoints":
            banned = (*scoring, "genai_keras.studies")
        else:
            continue
        imported = _imports(tree, module)
        offenders += [f"{module} -> {n}" for prefix in banned for n in _under(imported, prefix)]
        # ``import genai_keras as gk`` would reach them lazily, as ``gk.metrics``
        offenders += [
            f"{module} -> import {alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name == "genai_keras"
        ]
    assert not offenders, offenders


def test_imports_point_down_the_layers():
    """recipes <- models (and applications) <- families <- checkpoints <- studies: no edge
    points up."""
    sources = _sources()
    layers = [
        ("genai_keras.recipes",),
        ("genai_keras.models", "genai_keras.applications"),
        ("genai_keras.families",),
        ("genai_keras.checkpoints",),
        ("genai_keras.studies",),
    ]
    offenders = []
    for module, tree in sources.items():
        level = next(
            (
                i
                for i, prefixes in enumerate(layers)
                if any(module == p or module.startswith(p + ".") for p in prefixes)
            ),
            None,
        )
        if level is None:
            continue
        imported = _imports(tree, module)
        for higher in layers[level + 1 :]:
            for prefix in higher:
                offenders += [f"{module} -> {n}" for n in _under(imported, prefix)]
    assert not offenders, offenders


#: Function-local imports of genai_keras modules that stay local, (importer, imported): why.
#: Every other import of a genai_keras module sits at the top of its module.
LOCAL_IMPORTS_ALLOWED = {
    **{
        (
            "genai_keras.backend",
            f"genai_keras.backend.{name}",
        ): "each implementation imports its framework, which other set-ups lack"
        for name in ("tensorflow", "jax", "torch")
    },
    (
        "genai_keras.config",
        "genai_keras.backend",
    ): "config is loaded by `import genai_keras`, which imports no Keras",
    (
        "genai_keras.distributed",
        "genai_keras.models.vae",
    ): "the worker process runs this module: model code loads after its device split",
    (
        "genai_keras.distributed",
        "genai_keras.optim",
    ): "the worker process runs this module: model code loads after its device split",
    ("genai_keras.distributed", "genai_keras.backend.jax"): "imports jax, which may be absent",
}
#: The lazy loaders (``__getattr__`` of genai_keras and genai_keras.models): one local
#: import per submodule, so that ``import genai_keras`` stays cheap.
LAZY_LOADERS = {"genai_keras": gk._SUBMODULES, "genai_keras.models": models_package._SUBMODULES}


def _imported_module(base: str, alias: str) -> str:
    """``from base import alias``: ``base.alias`` when that is a module, else ``base``."""
    dotted = f"{base}.{alias}"
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return dotted if path.with_suffix(".py").is_file() or _is_package(dotted) else base


def _local_imports(tree: ast.Module, module: str) -> list[tuple[int, str]]:
    """``(line, imported module)`` of every genai_keras import inside a function or class
    body of ``tree`` (relative imports resolved from ``module``)."""
    found, seen = [], set()
    for scope in ast.walk(tree):
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(scope):
            if id(node) in seen or not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            seen.add(id(node))
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                base = _from_base(node, module)
                names = [_imported_module(base, alias.name) for alias in node.names]
            found += [(node.lineno, n) for n in dict.fromkeys(names) if _under({n}, "genai_keras")]
    return found


def test_local_imports_are_found():
    tree = ast.parse(
        "import os\nfrom genai_keras import checks\n"
        "def f():\n    import numpy\n    from genai_keras import backend, data\n"
        "    from genai_keras.utils import batched\n"
        "class A:\n    def g(self):\n        from ...losses import negative_elbo\n"
    )
    assert _local_imports(tree, "genai_keras.models.vae.model") == [
        (5, "genai_keras.backend"),
        (5, "genai_keras.data"),
        (6, "genai_keras.utils"),
        (9, "genai_keras.losses"),
    ]


def test_imports_of_the_package_are_at_the_top():
    """An import inside a function hides an edge of the dependency graph: only the lazy
    loaders and :data:`LOCAL_IMPORTS_ALLOWED` (each with its reason) keep one."""
    allowed = set(LOCAL_IMPORTS_ALLOWED) | {
        (loader, f"{loader}.{name}") for loader, names in LAZY_LOADERS.items() for name in names
    }
    offenders, used = [], set()
    for module, tree in _sources().items():
        for line, imported in _local_imports(tree, module):
            if (module, imported) in allowed:
                used.add((module, imported))
            else:
                offenders.append(f"{module}:{line} imports {imported} inside a function")
    assert not offenders, "move these imports to the top of their module:\n" + "\n".join(offenders)
    assert used == allowed, f"allowed but no longer local (drop them): {allowed - used}"


def test_lazy_submodules_are_plain_imports():
    from genai_keras import models

    for name in gk._SUBMODULES:
        assert getattr(gk, name).__name__ == f"genai_keras.{name}"
    for name in models._SUBMODULES:
        assert getattr(models, name).__name__ == f"genai_keras.models.{name}"
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        gk.nope  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        models.nope  # noqa: B018


# ------------------------------------------------------------------ shared training kit
def test_one_time_limit_callback():
    assert gan.TimeLimit is callbacks.TimeLimit
    defined = [
        f"{module}.{node.name}"
        for module, tree in _sources().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and "TimeLimit" in node.name
    ]
    assert defined == ["genai_keras.callbacks.TimeLimit"], defined
    with pytest.raises(ValueError, match="seconds must be > 0"):
        callbacks.TimeLimit(0)


def test_one_optimizer_builder_and_one_data_preamble():
    """Every family's training code builds its optimizer with optim.optimizer_from_recipe
    and gets its data from data.training_images: none makes its own."""
    sources = _sources()
    trainers = [
        m
        for m in sources
        if m.endswith(".training")
        or m
        in (
            "genai_keras.models.autoencoder",
            "genai_keras.models.pixel",
            "genai_keras.distributed",
            "genai_keras.applications",
            "genai_keras.applications.restoration",
            "genai_keras.applications.augmentation",
            "genai_keras.applications.finetune",
        )
    ]
    assert len(trainers) == 11, trainers  # 4 training.py + the 7 named
    builders = {"Adam", "AdamW", "SGD", "CosineDecay", "PolynomialDecay", "load_mnist"}
    offenders = [
        f"{module}:{node.lineno}"
        for module in trainers
        for node in ast.walk(sources[module])
        if getattr(node, "attr", getattr(node, "id", None)) in builders
        # chapter 08's worker loads its own fixed subset (DEFAULT_IMAGES)
        and not (module == "genai_keras.distributed" and getattr(node, "id", None) == "load_mnist")
    ]
    assert not offenders, offenders
