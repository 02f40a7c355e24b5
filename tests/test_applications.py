"""Tests for chapter 07: genai_keras.applications and genai_keras.metrics.image_quality."""

import keras
import numpy as np
import pytest

from genai_keras import applications as A
from genai_keras import families, recipes
from genai_keras.applications import augmentation, finetune, restoration
from genai_keras.data import load_mnist
from genai_keras.metrics.image_quality import psnr, ssim
from genai_keras.text import CharVocabulary


def _digits(n=8, seed=0):
    """Synthetic 'digits': a bright bar at a random place on black."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28, 1), np.float32)
    for i in range(n):
        r, c = rng.integers(6, 16, size=2)
        x[i, r : r + 10, c : c + 3] = 1.0
    return x


# ------------------------------------------------------------------------ PSNR / SSIM
def test_psnr_closed_form_and_mask():
    a = np.full((2, 28, 28, 1), 0.5, np.float32)
    b = a + np.float32(0.1)
    np.testing.assert_allclose(psnr(b, a), 20.0, atol=1e-4)  # MSE 0.01 -> 20 dB
    assert psnr(a, a)[0] == 100.0
    mask = np.zeros_like(a)
    mask[:, :14] = 1
    c = a.copy()
    c[:, :14] += 0.1  # error only in the masked half
    np.testing.assert_allclose(psnr(c, a, mask=mask), 20.0, atol=1e-4)
    np.testing.assert_allclose(psnr(c, a), 20.0 + 10 * np.log10(2), atol=1e-4)


def test_ssim_closed_form_for_constant_images():
    # Constant images have zero variances: SSIM = (2ab + C1) / (a^2 + b^2 + C1).
    a, b = 0.2, 0.6
    x = np.full((1, 28, 28, 1), a, np.float32)
    y = np.full((1, 28, 28, 1), b, np.float32)
    c1 = 0.01**2
    np.testing.assert_allclose(ssim(x, y), (2 * a * b + c1) / (a * a + b * b + c1), rtol=1e-5)
    z = _digits(3)
    np.testing.assert_allclose(ssim(z, z), 1.0, atol=1e-9)
    assert np.all(ssim(z, 1.0 - z) < 0)


def test_ssim_and_psnr_match_scikit_image():
    metrics = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(0)
    x = _digits(4)
    y = np.clip(x + rng.normal(0, 0.2, x.shape), 0, 1).astype(np.float32)
    ref = [
        metrics.structural_similarity(
            x[i, ..., 0],
            y[i, ..., 0],
            data_range=1.0,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
        )
        for i in range(4)
    ]
    np.testing.assert_allclose(ssim(y, x), ref, rtol=1e-6)
    ref = [metrics.peak_signal_noise_ratio(x[i], y[i], data_range=1.0) for i in range(4)]
    np.testing.assert_allclose(psnr(y, x), ref, rtol=1e-6)


def test_quality_metrics_reject_bad_inputs():
    x = _digits(2)
    with pytest.raises(ValueError, match="same shape"):
        psnr(x, x[:1])
    with pytest.raises(ValueError, match="at least one pixel"):
        psnr(x, x, mask=np.zeros_like(x))
    with pytest.raises(ValueError, match=r"pixels in \[0, 1\]"):
        ssim(x * 255, x)


# ------------------------------------------------------------------------ degradations
def test_degradations_shapes_and_values():
    x = _digits(4)
    noisy = A.gaussian_noise(x, 0.5, seed=1)
    assert noisy.shape == x.shape and noisy.min() >= 0 and noisy.max() <= 1
    # the noise has the asked standard deviation where clipping cannot act (grey 0.5, sigma 0.05)
    grey_noise = A.gaussian_noise(np.full((4, 28, 28, 1), 0.5, np.float32), 0.05, seed=1) - 0.5
    assert abs(grey_noise.std() - 0.05) < 0.003 and abs(grey_noise.mean()) < 0.003
    np.testing.assert_array_equal(noisy, A.gaussian_noise(x, 0.5, seed=1))
    grey = np.full((4, 28, 28, 1), 0.5, np.float32)  # every hit changes a grey pixel
    sp = A.salt_and_pepper(grey, 0.2, seed=0)
    assert 0.17 < np.mean(sp != grey) < 0.23 and 0.4 < np.mean(sp[sp != grey]) < 0.6
    low = A.downsample(x, 4)
    assert low.shape == (4, 7, 7, 1)
    np.testing.assert_allclose(low.mean(axis=(1, 2, 3)), x.mean(axis=(1, 2, 3)), rtol=1e-5)
    assert A.upsample_bicubic(low).shape == (4, 28, 28, 1)
    m = A.make_mask(3, "square", side=12, top=2, left=3)
    assert m.sum() == 3 * 144 and m[0, 2, 3, 0] == 1 and m[0, 1, 3, 0] == 0
    assert A.make_mask(2, "lower_half")[:, 14:].all()
    holed = A.degradations.apply_mask(x[:3], m)
    assert np.all(holed[m > 0] == 0) and np.array_equal(holed[m == 0], x[:3][m == 0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: A.gaussian_noise(x, -0.1), "sigma must be a finite number >= 0"),
        (lambda x: A.salt_and_pepper(x, 1.5), r"use a value in \[0, 1\]"),
        (lambda x: A.downsample(x, 3), "factor 3 does not divide the image side 28"),
        (lambda x: A.upsample_bicubic(np.zeros((2, 5, 5, 1))), "with s dividing 28"),
        (lambda x: A.make_mask(2, "square", side=30), "does not fit"),
        (lambda x: A.make_mask(2, "square", side=10, top=20, left=0), "lies outside"),
        (lambda x: A.make_mask(2, "square", side=10, top=2), "both top and left"),
        (lambda x: A.make_mask(2, "circle"), "Unknown mask kind"),
        (lambda x: A.degradations.apply_mask(x, np.full_like(x, 0.5)), "one 0/1 mask per image"),
        (lambda x: A.degrade("deblur", x, {}), "Unknown task 'deblur'"),
        (lambda x: A.degrade("denoise", x, {"noise": "speckle", "level": 1}), "needs noise in"),
        (lambda x: A.degrade("super_resolve", x, {"factor": 5}), "factor 5 does not divide"),
    ],
)
def test_bad_corruption_settings_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call(_digits(2))


# -------------------------------------------------------------------------- baselines
def test_filters_and_hole_filling():
    x = _digits(16)
    noisy = A.gaussian_noise(x, 0.3, seed=0)
    (kind, size), scores = A.choose_filter(noisy, x)
    assert f"{kind} {size:g}" in scores and len(scores) == len(A.baselines.FILTER_GRID)
    assert psnr(A.apply_filter(noisy, kind, size), x).mean() > psnr(noisy, x).mean()
    mask = A.make_mask(16, "square", side=4, top=0, left=0)  # hides only black pixels
    filled = A.fill_hole(A.degradations.apply_mask(x, mask), mask)
    np.testing.assert_array_equal(filled, x)
    mean = A.fill_hole(x, mask, "mean", mean_image=np.full((28, 28, 1), 0.25, np.float32))
    assert np.all(mean[mask > 0] == 0.25)
    with pytest.raises(ValueError, match="needs mean_image"):
        A.fill_hole(x, mask, "mean")
    with pytest.raises(ValueError, match="Unknown fill"):
        A.fill_hole(x, mask, "telea")
    with pytest.raises(ValueError, match="Unknown filter"):
        A.apply_filter(x, "bilateral", 1)
    with pytest.raises(ValueError, match="must be > 0"):
        A.apply_filter(x, "gaussian", 0)


# ---------------------------------------------------------------------------- models
def test_restoration_cvae_trains_restores_and_round_trips():
    keras.utils.set_random_seed(0)
    model = A.RestorationCVAE(
        channels=2, filters=(4, 8), hidden_units=16, latent_dim=3, free_bits=0.5, seed=0
    )
    x = _digits(8)
    cond = np.concatenate([x, np.zeros_like(x)], axis=-1)
    model.compile(optimizer="adam")
    hist = model.fit({"condition": cond, "target": x}, epochs=2, batch_size=4, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"])) and "kl" in hist.history
    draws = model.restore(cond, num_draws=3, seed=1)
    assert draws.shape == (3, 8, 28, 28, 1)
    assert draws.std(axis=0).max() > 0  # the draws differ: z reaches the decoder
    np.testing.assert_allclose(draws, model.restore(cond, num_draws=3, seed=1))
    assert model.restore(cond, mean=True).shape == (1, 8, 28, 28, 1)
    clone = A.RestorationCVAE.from_config(model.get_config())
    assert clone.latent_dim == 3 and clone.filters == (4, 8) and clone.free_bits == 0.5
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28, 2\)"):
        model.restore(x)
    with pytest.raises(ValueError, match="'condition': damaged"):
        model(cond)
    with pytest.raises(ValueError, match="free_bits must be a finite number >= 0"):
        A.RestorationCVAE(free_bits=-1.0)
    with pytest.raises(ValueError, match="filters must be two channel counts"):
        A.build_regressor(1, filters=(4, 8, 16))


def test_restoration_training_and_scores_from_a_fast_recipe():
    x = _digits(32)
    labels = np.arange(32) % 10
    recipe = recipes.get("inpainter", fast=True).replace(filters=(4, 8), hidden_units=16, epochs=1)
    model, history = families.train(recipe, images=x)
    assert model.output_shape == (None, 28, 28, 1) and np.isfinite(history["loss"][0])
    cvae, _ = restoration.train(
        recipes.get("inpainter_cvae", fast=True).replace(
            filters=(4, 8), hidden_units=16, latent_dim=2
        ),
        images=x,
    )

    def baseline(d):
        return A.fill_hole(d["shown"], d["mask"])

    rows, outs = A.evaluate_task(
        "inpaint",
        {"net": model, "gen": cvae},
        x[:6],
        labels[:6],
        baseline,
        A.SETTINGS["inpaint"][1],
        num_draws=2,
    )
    assert list(rows) == ["baseline", "net", "gen_mean", "gen_sample"]
    assert set(rows["gen_sample"]) == {
        "psnr",
        "ssim",
        "accuracy",
        "pixel_std",
        "classes",
        "multi_class",
    }
    assert outs["gen_draws"].shape == (2, 6, 28, 28, 1)
    # the visible upper half is kept as it was
    np.testing.assert_array_equal(outs["net"][:, :14], x[:6, :14])
    with pytest.raises(ValueError, match="K >= 2"):
        A.diversity(outs["gen_draws"][:1])
    with pytest.raises(ValueError, match="kind must be 'regression' or 'cvae'"):
        restoration.build(recipe.replace(kind="gan"))
    with pytest.raises(ValueError, match="Expected an application recipe"):
        restoration.train(recipes.get("vae", fast=True))


# ---------------------------------------------------------------------- augmentation
def test_labelled_subset_is_balanced_and_checked():
    x = np.repeat(_digits(10), 5, axis=0)
    y = np.tile(np.arange(10), 5)
    xs, ys = A.labelled_subset(x, y, 23, seed=0)
    assert xs.shape == (23, 28, 28, 1) and np.bincount(ys, minlength=10).min() == 2
    with pytest.raises(ValueError, match="N = 60 is larger than the 50 labelled digits"):
        A.labelled_subset(x, y, 60)
    with pytest.raises(ValueError, match="of class 3, only 0 are available"):
        A.labelled_subset(x[y != 3], y[y != 3], 40)


def test_augmentation_run_few_steps():
    x = np.repeat(_digits(10), 3, axis=0)
    y = np.tile(np.arange(10), 3)
    clf = recipes.get("augment_classifier", fast=True).replace(steps=2, batch_size=8)
    gen = recipes.get("augment_cvae", fast=True).replace(
        encoder_filters=(4, 8), decoder_filters=(8, 4), hidden_units=8, decoder_hidden_units=8
    )
    res = augmentation.run(
        (x, y), (x[:10], y[:10]), [10], [0, 1], clf, gen, generator_steps=1, num_generated=20
    )
    assert list(res) == ["10"] and list(res["10"]) == list(A.VARIANTS)
    for v in A.VARIANTS:
        assert len(res["10"][v]["seeds"]) == 2 and 0 <= res["10"][v]["mean"] <= 1
    with pytest.raises(ValueError, match="Unknown augmentation variant"):
        augmentation.run((x, y), (x, y), [10], [0], clf, gen, 1, variants=["mixup"])


# ---------------------------------------------------------------------- fine-tuning
TEXT = "".join(
    f"{who}:\n{line}\n\n"
    for who, line in [
        ("ANNA", "abc abc abc"),
        ("BOB", "hgf hgf hgf hgf"),
        ("ANNA", "cab cab"),
        ("BOB", "fgh fgh fgh"),
        ("BOB", "ggg hhh fff ggg"),
    ]
    * 6
)


def test_split_by_speaker_holds_the_speaker_out():
    parts = finetune.split_by_speaker(TEXT, "BOB", 100, val_fraction=0.3)
    assert "BOB" not in parts["pretrain"] and "ANNA" in parts["pretrain"]
    assert parts["train"].startswith("BOB:") and len(parts["train"]) == 100
    assert "ANNA" not in parts["val"] and parts["val"] not in parts["train"]
    with pytest.raises(ValueError, match=r"No speech by 'CAROL'.*BOB, ANNA"):
        finetune.split_by_speaker(TEXT, "CAROL", 10)
    with pytest.raises(ValueError, match="use train_chars <="):
        finetune.split_by_speaker(TEXT, "BOB", 10_000)


def test_fine_tuning_compare_few_steps():
    small = dict(
        context_length=8,
        embed_dim=16,
        num_heads=2,
        num_layers=1,
        steps=4,
        batch_size=4,
        warmup_steps=1,
    )
    pre, tune, scratch = (
        recipes.get(f"char_transformer_{n}", fast=True).replace(**small)
        for n in ("pretrain", "finetune", "scratch")
    )
    lines = []  # the progress lines: one per pretraining validation point, one per run
    res, models = finetune.compare(TEXT, "BOB", 150, pre, tune, scratch, evals=2, log=lines.append)
    assert [line.split(":")[0] for line in lines[:2]] == [pre.name, pre.name]
    assert "2/4 updates" in lines[0] and "4/4 updates" in lines[1] and "validation" in lines[1]
    assert lines[2].startswith("pretrained on ") and lines[3].startswith("fine-tuned on ")
    assert lines[4].startswith("trained from scratch") and len(lines) == 5
    assert set(res) == {"pretrained", "fine_tuned", "scratch", "sizes"}
    for v in ("pretrained", "fine_tuned", "scratch"):
        assert np.isfinite(res[v]["val_nats_per_char"])
    assert len(res["scratch"]["curve"]["val_loss"]) == 2
    assert models["scratch"].vocabulary == CharVocabulary.from_text(TEXT)
    with pytest.raises(ValueError, match="same budget"):
        finetune.compare(TEXT, "BOB", 150, pre, tune, scratch.replace(steps=8))


def test_recipes_of_chapter_07():
    for name in ("denoiser", "super_resolver_cvae", "inpainter", "augment_classifier"):
        r = recipes.get(name, fast=False)
        assert r.family == "application" and r.chapter == "07"
    # The classifier trains for the recipe's steps of the recipe's batch (not constants).
    x, y = load_mnist("train", limit=32)
    recipe = recipes.get("augment_classifier", fast=True).replace(steps=3, batch_size=8)
    classifier = augmentation.train_classifier(recipe, x, y)
    assert int(classifier.optimizer.iterations) == 3
    longer = augmentation.train_classifier(recipe.replace(steps=5), x, y)
    assert int(longer.optimizer.iterations) == 5


def test_chapter_07_figures():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    import genai_keras as gk

    fig = gk.plotting.applications_diagram()
    try:
        width, height = fig.get_size_inches()
        assert 4.5 <= width <= 9.5 and 3.0 <= height <= 4.0 and fig.get_suptitle()
        renderer = fig.canvas.get_renderer()
        texts = [t for t in fig.findobj(Text) if t.get_text().strip()]
        assert any("conditional VAE" in t.get_text() for t in texts)
        for t in texts:
            box = t.get_window_extent(renderer)
            assert fig.bbox.x0 - 1 <= box.x0 and box.x1 <= fig.bbox.x1 + 1, t.get_text()
            assert fig.bbox.y0 - 1 <= box.y0 and box.y1 <= fig.bbox.y1 + 1, t.get_text()
    finally:
        plt.close(fig)
    res = {
        "100": {"none": {"mean": 0.7, "std": 0.02}, "both": {"mean": 0.75, "std": 0.01}},
        "300": {"none": {"mean": 0.85, "std": 0.01}, "both": {"mean": 0.88, "std": 0.01}},
    }
    fig = gk.plotting.plot_augmentation_gain(res)
    try:
        ax = fig.axes[0]
        assert ax.get_title() and "N" in ax.get_xlabel() and "accuracy" in ax.get_ylabel()
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="at least one N"):
        gk.plotting.plot_augmentation_gain({})


def test_free_bits_floor_the_kl_per_dimension():
    # With z_mean = 0 and z_log_var = 0 the KL is 0; free bits charge latent_dim * free_bits.
    model = A.RestorationCVAE(
        channels=1, filters=(4, 8), hidden_units=8, latent_dim=4, free_bits=0.25, seed=0
    )
    x = _digits(2)
    logits = np.zeros((2, 28, 28, 1), np.float32)
    y_pred = {
        "targets": x,
        "logits": logits,
        "z_mean": np.zeros((2, 4), np.float32),
        "z_log_var": np.zeros((2, 4), np.float32),
    }
    y_pred = {k: keras.ops.convert_to_tensor(v) for k, v in y_pred.items()}  # as in a training step
    loss = float(keras.ops.convert_to_numpy(model.compute_loss(y_pred=y_pred)))
    np.testing.assert_allclose(loss, 784 * np.log(2) + 4 * 0.25, rtol=1e-5)
