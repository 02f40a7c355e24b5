"""The three restoration tasks of chapter 07, their data, training and scores.

A *task* turns clean digits into (condition, shown) pairs:

- ``"denoise"``: Gaussian noise (``sigma``) or salt-and-pepper noise (``fraction``);
  the condition is the noisy image.
- ``"super_resolve"``: block averages at 1/``factor`` resolution (7x7 for 4x, 14x14
  for 2x); the condition is their bicubic upscale to 28x28.
- ``"inpaint"``: a hidden square or lower half; the condition is the image with its
  hole set to 0 plus the mask as a second channel.

One network per task learns all of its settings (half the training digits each), so
one denoiser handles both noises. :func:`train` fits a recipe of the ``"application"``
family (kind ``"regression"`` or ``"cvae"``) with plain ``fit``; :func:`score`
reports PSNR, SSIM and the fixed classifier's accuracy on restored digits.

Used in chapter 07.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import keras
import numpy as np

from genai_keras.applications import baselines, degradations
from genai_keras.applications.models import RestorationCVAE, build_regressor
from genai_keras.checks import as_images, as_labels, as_seed, positive_int
from genai_keras.config import set_seed
from genai_keras.data import training_images
from genai_keras.feature_net import load_feature_net
from genai_keras.metrics.image_quality import psnr, ssim
from genai_keras.optim import build_optimizer, optimizer_from_recipe
from genai_keras.recipes import Recipe, expect

TASKS = ("denoise", "super_resolve", "inpaint")
#: The settings each task is trained and evaluated on.
SETTINGS: Mapping[str, tuple[dict, ...]] = {
    "denoise": ({"noise": "gaussian", "level": 0.5}, {"noise": "salt_and_pepper", "level": 0.2}),
    "super_resolve": ({"factor": 4}, {"factor": 2}),
    "inpaint": ({"mask": "square", "side": 12}, {"mask": "lower_half"}),
}
CHANNELS = {"denoise": 1, "super_resolve": 1, "inpaint": 2}


def check_task(task: str) -> str:
    """Return ``task`` if it is one of ``TASKS``, else raise a ValueError naming them."""
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; use one of {', '.join(TASKS)}.")
    return task


def setting_name(task: str, setting: Mapping[str, Any]) -> str:
    """A short label such as ``"gaussian 0.5"``, ``"4x"`` or ``"lower_half"``."""
    check_task(task)
    if task == "denoise":
        return f"{setting['noise']} {setting['level']:g}"
    if task == "super_resolve":
        return f"{setting['factor']}x"
    return setting["mask"] + (f" {setting['side']}" if setting["mask"] == "square" else "")


def degrade(
    task: str, images: Any, setting: Mapping[str, Any], seed: int = 0
) -> dict[str, np.ndarray]:
    """Damage clean digits as one setting of a task says.

    Args:
        task: one of ``TASKS``.
        images: ``(N, 28, 28, 1)`` clean digits in [0, 1].
        setting: one of ``SETTINGS[task]`` (or the same keys with other values).
        seed: seed of the noise or mask positions.

    Returns:
        Dict with ``condition`` ``(N, 28, 28, C)`` (the networks' input), ``shown``
        (what a person sees: the noisy, small or holed image) and, for inpainting,
        ``mask`` ``(N, 28, 28, 1)`` (1 = hidden).

    Raises:
        ValueError: unknown task or setting, or bad levels (see ``degradations``).
    """
    check_task(task)
    seed = as_seed(seed)
    x = as_images(images)
    if task == "denoise":
        noises = {
            "gaussian": degradations.gaussian_noise,
            "salt_and_pepper": degradations.salt_and_pepper,
        }
        if setting.get("noise") not in noises:
            raise ValueError(
                f"A denoising setting needs noise in {sorted(noises)}, got {dict(setting)}."
            )
        noisy = noises[setting["noise"]](x, setting["level"], seed=seed)
        return {"condition": noisy, "shown": noisy}
    if task == "super_resolve":
        if "factor" not in setting:
            raise ValueError(f"A super-resolution setting needs a factor, got {dict(setting)}.")
        low = degradations.downsample(x, setting["factor"])
        return {"condition": degradations.upsample_bicubic(low), "shown": low}
    if setting.get("mask") not in degradations.MASKS:
        raise ValueError(
            f"An inpainting setting needs mask in {degradations.MASKS}, got {dict(setting)}."
        )
    mask = degradations.make_mask(len(x), setting["mask"], setting.get("side", 12), seed=seed)
    holed = degradations.apply_mask(x, mask)
    return {"condition": np.concatenate([holed, mask], axis=-1), "shown": holed, "mask": mask}


def training_pairs(task: str, images: Any, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Conditions and clean targets for training: the task's settings share the digits equally.

    Returns:
        ``(conditions (N, 28, 28, C), targets (N, 28, 28, 1))``.
    """
    x = as_images(images)
    seed = as_seed(seed, allow_none=False)
    parts = np.array_split(np.arange(len(x)), len(SETTINGS[check_task(task)]))
    conditions = np.empty((len(x), 28, 28, CHANNELS[task]), np.float32)
    for i, (idx, setting) in enumerate(zip(parts, SETTINGS[task], strict=True)):
        if len(idx):
            conditions[idx] = degrade(task, x[idx], setting, seed=(seed + 1000 * i) % 2**32)[
                "condition"
            ]
    return conditions, x


def build(recipe: Recipe) -> keras.Model:
    """The untrained network of an ``"application"`` recipe of kind regression or cvae."""
    cfg = dict(expect(recipe, "application").model)
    task = check_task(cfg.get("task"))
    if cfg["kind"] == "regression":
        return build_regressor(
            CHANNELS[task], cfg["filters"], cfg["hidden_units"], name=f"{task}_regressor"
        )
    if cfg["kind"] == "cvae":
        return RestorationCVAE(
            CHANNELS[task],
            cfg["filters"],
            cfg["hidden_units"],
            cfg["latent_dim"],
            cfg["beta"],
            cfg.get("free_bits", 0.0),
            seed=recipe.seed,
            name=f"{task}_cvae",
        )
    raise ValueError(
        f"Recipe {recipe.name!r}: kind must be 'regression' or 'cvae' for a "
        f"restoration network, got {cfg['kind']!r}."
    )


class EpochLog(keras.callbacks.Callback):
    """Calls ``log`` with one line after every epoch of ``fit``: the name, the epoch, the
    training loss and the seconds so far (a progress line for long cells)."""

    def __init__(self, log: Callable[[str], None], name: str, epochs: int) -> None:
        super().__init__()
        self.log, self.name, self.epochs, self.start = log, name, int(epochs), None

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        loss_text = "" if loss is None else f", loss {float(loss):.4g}"
        self.log(
            f"{self.name}: epoch {epoch + 1}/{self.epochs}{loss_text} "
            f"({time.perf_counter() - self.start:.0f} s)"
        )


def train(
    recipe: Recipe, images: Any = None, verbose: int = 0, log: Callable[[str], None] | None = None
) -> tuple[keras.Model, dict]:
    """Train a restoration recipe (``gk.recipes.get("denoiser")`` and friends) with ``fit``.

    Adam with cosine decay over ``recipe.epochs`` passes of ``recipe.batch_size``
    digits; the regressor minimises binary cross-entropy to the clean digit, the
    conditional VAE its negative ELBO (``compute_loss``).

    Args:
        recipe: an ``"application"`` recipe of kind ``"regression"`` or ``"cvae"``.
        images: clean training digits; default the first ``recipe.limit`` MNIST
            training digits.
        verbose: passed to ``fit``.
        log: optional ``print``-like function, called with one line after each epoch.

    Returns:
        ``(model, history)``: the trained network and its per-epoch losses.
    """
    set_seed(recipe.seed)
    model = build(recipe)
    x, _ = training_images(recipe, images)
    conditions, targets = training_pairs(recipe.model["task"], x, seed=recipe.seed)
    batch = positive_int(recipe.batch_size, "batch_size")
    epochs = positive_int(recipe.epochs, "epochs")
    optimizer = optimizer_from_recipe(recipe, math.ceil(len(x) / batch) * epochs)
    callbacks = [] if log is None else [EpochLog(log, recipe.name, epochs)]
    if isinstance(model, RestorationCVAE):
        model.compile(optimizer=optimizer)
        build_optimizer(model)
        history = model.fit(
            {"condition": conditions, "target": targets},
            epochs=epochs,
            batch_size=batch,
            shuffle=True,
            verbose=verbose,
            callbacks=callbacks,
        )
    else:
        model.compile(optimizer=optimizer, loss="binary_crossentropy")
        build_optimizer(model)
        history = model.fit(
            conditions,
            targets,
            epochs=epochs,
            batch_size=batch,
            shuffle=True,
            verbose=verbose,
            callbacks=callbacks,
        )
    model.recipe = recipe
    return model, history.history


def restore(model: keras.Model, condition: Any, num_draws: int = 1, seed: int = 0) -> np.ndarray:
    """Restored digits: the regressor's one answer, or ``num_draws`` draws of the CVAE.

    Args:
        model: a trained regressor (:func:`build_regressor`) or :class:`RestorationCVAE`.
        condition: ``(N, 28, 28, C)`` damaged digits in [0, 1], as :func:`degrade` makes
            them (C = 2 for inpainting: image and mask).
        num_draws, seed: the CVAE's draws per input and their seed.

    Returns:
        float32 ``(K, N, 28, 28, 1)`` in [0, 1] (``K = 1`` for the regressor).

    Raises:
        ValueError: a condition of the wrong shape, NaN, or outside [0, 1] (raw 0..255
            pixels: divide by 255), or a bad seed.
    """
    if isinstance(model, RestorationCVAE):
        return model.restore(condition, num_draws=num_draws, seed=seed)
    as_seed(seed)
    channels = int(model.inputs[0].shape[-1]) if getattr(model, "inputs", None) else 1
    c = as_images(condition, name="condition", shape=(28, 28, channels))
    out = [
        keras.ops.convert_to_numpy(model(c[i : i + 1000], training=False))
        for i in range(0, len(c), 1000)
    ]
    return np.concatenate(out)[None].astype(np.float32)


def score(restored: Any, clean: Any, labels: Any, mask: Any = None) -> dict[str, float]:
    """PSNR (dB), SSIM and the fixed classifier's accuracy of restored digits (means).

    Args:
        restored: ``(N, 28, 28, 1)`` in [0, 1].
        clean: the true digits, same shape.
        labels: ``(N,)`` their classes.
        mask: for inpainting, ``(N, 28, 28, 1)`` with 1 on hidden pixels: PSNR is then
            measured on the hidden pixels only (the visible ones are given).

    Returns:
        ``{"psnr": ..., "ssim": ..., "accuracy": ...}`` (accuracy in [0, 1]).
    """
    x = as_images(restored, name="restored")
    y = as_labels(labels, count=len(x))
    return {
        "psnr": float(np.mean(psnr(x, clean, mask=mask))),
        "ssim": float(np.mean(ssim(x, clean))),
        "accuracy": float(load_feature_net().accuracy(x, y)),
    }


def select_completions(
    pool: Any, shown: Any, mask: Any, num_draws: int = 5, batch_size: int = 500
) -> np.ndarray:
    """Inpaint by selection: the pool images closest to each damaged digit's visible pixels.

    A generator that cannot be told which pixels are known (chapter 06's flow model draws
    whole digits from noise) can still inpaint: draw a pool of digits, keep for each damaged
    digit the ``num_draws`` pool images with the smallest squared error on its *visible*
    pixels, and paste the visible pixels back. The hole is then filled with ink the
    generator drew, consistent with what is visible as far as the pool allows.

    Args:
        pool: ``(P, 28, 28, 1)`` generated digits in [0, 1].
        shown: ``(N, 28, 28, 1)`` damaged digits in [0, 1] (the hole's value is ignored).
        mask: ``(N, 28, 28, 1)`` with 1 on hidden pixels, 0 on visible ones.
        num_draws: completions per damaged digit, best match first.
        batch_size: damaged digits compared with the whole pool at once.

    Returns:
        float32 ``(num_draws, N, 28, 28, 1)``: the selected pool images with the visible
        pixels of ``shown`` pasted back.

    Raises:
        ValueError: bad shapes or values, a mask that is not 0/1 or does not match
            ``shown``, or ``num_draws`` larger than the pool.

    Used in chapter 07.
    """
    candidates = as_images(pool, name="pool")
    x = as_images(shown, name="shown")
    m = np.asarray(mask, np.float32)
    if m.shape != x.shape:
        raise ValueError(
            f"mask must have the shape of shown {x.shape}, got {m.shape}; pass the "
            "'mask' of degrade('inpaint', ...) for the same digits."
        )
    if not np.all((m == 0) | (m == 1)):
        raise ValueError("mask must hold only 0 (visible) and 1 (hidden) values.")
    num_draws = positive_int(num_draws, "num_draws")
    batch_size = positive_int(batch_size, "batch_size")
    if num_draws > len(candidates):
        raise ValueError(
            f"num_draws={num_draws} is more than the pool's {len(candidates)} "
            "images; draw a larger pool or ask for fewer completions."
        )
    flat = candidates.reshape(len(candidates), -1).astype(np.float64)
    picks = np.empty((num_draws, len(x)), np.int64)
    for start in range(0, len(x), batch_size):
        v = 1.0 - m[start : start + batch_size].reshape(-1, flat.shape[1]).astype(np.float64)
        s = x[start : start + batch_size].reshape(-1, flat.shape[1]).astype(np.float64)
        # sum_d v_d (p_d - s_d)^2 without the term in s_d^2, the same for every candidate
        dist = v @ (flat**2).T - 2.0 * (v * s) @ flat.T
        order = np.argsort(dist, axis=1, kind="stable")[:, :num_draws]
        picks[:, start : start + batch_size] = order.T
    draws = candidates[picks]  # (num_draws, N, 28, 28, 1)
    return np.where(m[None] > 0.5, draws, x[None]).astype(np.float32)


def diversity(draws: Any) -> dict[str, float]:
    """How much several restorations of the same input differ.

    Args:
        draws: ``(K, N, 28, 28, 1)`` with K >= 2 restorations of each of N inputs.

    Returns:
        ``pixel_std``: the per-pixel standard deviation across draws, averaged;
        ``classes``: the mean number of different classes (fixed classifier) among
        the K draws of one input; ``multi_class``: the share of inputs whose draws
        are classified as more than one digit.
    """
    d = np.asarray(draws, np.float32)
    if d.ndim != 5 or d.shape[0] < 2:
        raise ValueError(f"draws must have shape (K, N, 28, 28, 1) with K >= 2, got {d.shape}.")
    k, n = d.shape[:2]
    preds = load_feature_net().predict(d.reshape(k * n, 28, 28, 1)).reshape(k, n)
    counts = np.array([len(set(preds[:, i])) for i in range(n)])
    return {
        "pixel_std": float(d.std(axis=0).mean()),
        "classes": float(counts.mean()),
        "multi_class": float(np.mean(counts > 1)),
    }


def evaluate_task(
    task: str,
    models: Mapping[str, keras.Model],
    images: Any,
    labels: Any,
    baseline: Any,
    setting: Mapping[str, Any],
    num_draws: int = 5,
    seed: int = 0,
) -> tuple[dict[str, dict[str, float]], dict[str, np.ndarray]]:
    """Score the baseline and each model on one setting of a task (chapter 07's tables).

    Args:
        task: one of ``TASKS``.
        models: name -> trained network (a regressor, or a ``RestorationCVAE`` which
            gives two rows: ``<name>_mean`` decoding ``z = 0`` and ``<name>_sample``
            one random draw, plus its :func:`diversity` over ``num_draws``).
        images, labels: clean test digits and their classes.
        baseline: a function ``degraded dict -> (N, 28, 28, 1)`` restored images.
        setting: one of ``SETTINGS[task]``.
        num_draws: CVAE draws per input for the diversity.
        seed: seed of the corruption and the draws.

    Returns:
        ``(rows, outputs)``: method -> scores, and method -> restored images (plus
        ``"shown"``, ``"clean"`` and, for the CVAE, ``<name>_draws``).
    """
    seed = as_seed(seed, allow_none=False)
    data = degrade(task, images, setting, seed=seed)
    mask = data.get("mask")
    outputs = {"clean": as_images(images), "shown": data["shown"], "baseline": baseline(data)}
    for name, model in models.items():
        if isinstance(model, RestorationCVAE):
            outputs[f"{name}_mean"] = model.restore(data["condition"], mean=True)[0]
            draws = model.restore(data["condition"], num_draws=num_draws, seed=(seed + 1) % 2**32)
            outputs[f"{name}_sample"] = draws[0]
            outputs[f"{name}_draws"] = draws
        else:
            outputs[name] = restore(model, data["condition"])[0]
    rows = {}
    for name, out in outputs.items():
        if name in ("clean", "shown") or name.endswith("_draws"):
            continue
        if mask is not None:  # keep the visible pixels: only the hole is restored
            out = np.where(mask > 0.5, out, outputs["clean"])
            outputs[name] = out
        rows[name] = score(out, images, labels, mask=mask)
    for name in [n for n in outputs if n.endswith("_draws")]:
        draws = outputs[name]
        if mask is not None:
            draws = np.where(mask[None] > 0.5, draws, outputs["clean"][None])
            outputs[name] = draws
        rows[name.replace("_draws", "_sample")].update(diversity(draws))
    return rows, outputs


def choose_baseline(
    task: str, setting: Mapping[str, Any], val_images: Any, train_mean: Any = None, seed: int = 0
) -> tuple[str, Any]:
    """The classical baseline of one task setting, tuned on validation digits where it has a knob.

    - denoise: the Gaussian/median filter with the best validation PSNR
      (:func:`genai_keras.applications.baselines.choose_filter`);
    - super_resolve: bicubic interpolation (the networks' input itself);
    - inpaint: nearest-pixel or mean-image fill, whichever has the better PSNR on the
      validation holes (the mean image needs ``train_mean``).

    Returns:
        ``(description, function)`` with ``function(degraded dict) -> (N, 28, 28, 1)``.
    """
    check_task(task)
    seed = as_seed(seed, allow_none=False)
    if task == "super_resolve":
        return "bicubic", lambda d: d["condition"]
    val = degrade(task, val_images, setting, seed=(seed + 7) % 2**32)
    if task == "denoise":
        (kind, size), _ = baselines.choose_filter(val["shown"], val_images)
        return f"{kind} filter {size:g}", lambda d: baselines.apply_filter(d["shown"], kind, size)
    methods = ["nearest"] + ([] if train_mean is None else ["mean"])
    scores = {
        m: float(
            np.mean(
                psnr(
                    baselines.fill_hole(val["shown"], val["mask"], m, train_mean),
                    val_images,
                    mask=val["mask"],
                )
            )
        )
        for m in methods
    }
    best = max(scores, key=scores.get)
    return f"{best} fill", lambda d: baselines.fill_hole(d["shown"], d["mask"], best, train_mean)


def run_task(
    task: str,
    regression_recipe: Recipe,
    cvae_recipe: Recipe,
    test: tuple[Any, Any],
    val_images: Any,
    num_draws: int = 5,
    seed: int = 0,
    log: Any = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, np.ndarray]], dict[str, Any]]:
    """Train a task's two networks and score them and the baseline on each of its settings.

    Args:
        task: one of ``TASKS``.
        regression_recipe, cvae_recipe: e.g. ``gk.recipes.get("denoiser")`` and
            ``gk.recipes.get("denoiser_cvae")``.
        test: ``(images, labels)`` clean test digits.
        val_images: clean validation digits (to tune the baselines).
        num_draws: CVAE draws per input for the diversity.
        seed: seed of the degradations and draws.
        log: optional ``print``-like function: a line after each training epoch and
            after each trained network.

    Returns:
        ``(tables, outputs, info)``: ``tables[setting_name][method]`` the scores
        (methods ``baseline``, ``regression``, ``cvae_mean``, ``cvae_sample``),
        ``outputs[setting_name]`` the images of :func:`evaluate_task`, and ``info`` with
        the baseline chosen per setting, the training seconds and the models.
    """
    seed = as_seed(seed, allow_none=False)
    info: dict[str, Any] = {"baseline": {}, "train_seconds": {}, "models": {}}
    mean = None
    if task == "inpaint":  # the mean of the regression net's training digits
        mean = training_images(regression_recipe)[0].mean(axis=0)
    for key, recipe in (("regression", regression_recipe), ("cvae", cvae_recipe)):
        start = time.perf_counter()
        info["models"][key], _ = train(recipe, log=log)
        info["train_seconds"][key] = time.perf_counter() - start
        if log is not None:
            log(f"{recipe.name}: trained in {info['train_seconds'][key]:.0f} s")
    tables, outputs = {}, {}
    for setting in SETTINGS[check_task(task)]:
        name = setting_name(task, setting)
        info["baseline"][name], baseline = choose_baseline(task, setting, val_images, mean, seed)
        tables[name], outputs[name] = evaluate_task(
            task, info["models"], *test, baseline, setting, num_draws=num_draws, seed=seed
        )
    return tables, outputs, info


def format_table(table: Mapping[str, Mapping[str, float]], title: str = "") -> str:
    """A fixed-width text table of :func:`evaluate_task`'s rows (PSNR in dB, SSIM, accuracy
    in %, and the CVAE's diversity where present)."""
    cols = [
        ("psnr", "PSNR dB", "{:8.2f}"),
        ("ssim", "SSIM", "{:6.3f}"),
        ("accuracy", "acc %", "{:6.1f}"),
        ("classes", "classes/5 draws", "{:16.2f}"),
        ("pixel_std", "pixel std", "{:10.3f}"),
    ]
    cols = [c for c in cols if any(c[0] in row for row in table.values())]
    head = f"{'method':<13}" + "".join(f"{label:>{len(fmt.format(0))}}" for _, label, fmt in cols)
    lines = ([title] if title else []) + [head]
    for method, row in table.items():
        cells = []
        for key, _, fmt in cols:
            width = len(fmt.format(0))
            value = row.get(key)
            cells.append(
                " " * width
                if value is None
                else fmt.format(100 * value if key == "accuracy" else value)
            )
        lines.append(f"{method:<13}" + "".join(cells))
    return "\n".join(lines)
