"""Print README's results section (markdown) from the benchmark JSON files.

    python benchmarks/summary.py            # prints markdown
    python benchmarks/summary.py --readme   # rewrites README.md's block between the RESULTS markers

Every number comes from ``benchmarks/results/*.json``, written by the benchmark scripts
beside this one; a missing file is reported as "not run yet".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _results import write_atomic

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = (
    "<!-- RESULTS:BEGIN (python benchmarks/summary.py --readme) -->",
    "<!-- RESULTS:END -->",
)


# The grey-target variant trains on the very loss the table scores, the others on freshly
# binarised digits (a different objective): its speed-up is not like-for-like.
_LIKE_FOR_LIKE = {
    True: (
        "; not like-for-like with the package's other rows: it trains on the grey-level loss "
        "this table scores, while they train on freshly binarised digits, a different "
        "objective, and it is no likelihood model of binary digits: chapter 02, exercise 2"
    )
}


def _grey(variant: dict) -> bool:
    """Whether a VAE benchmark variant trains on grey-level targets (no binarisation)."""
    return variant.get("settings", {}).get("dynamic_binarization") is False


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _fmt(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def pixel_section() -> list[str]:
    d = _load("pixel")
    if d is None:
        return ["Chapter 01: `python benchmarks/pixel.py` not run yet."]
    ind, mix = d["independent_bernoulli"], d["bernoulli_mixture"]
    clf = d.get("mixture_classifier", {})
    return [
        "**Chapter 01, pixel models of binarised MNIST** (`python benchmarks/pixel.py`; test NLL "
        "on the "
        "statically binarised test set)",
        "",
        "| model | parameters | test NLL (nats/image) | bits/dim | fit time |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| independent Bernoulli | {ind['num_parameters']:,} | {_fmt(ind['test_nll_nats'])} ± "
        f"{_fmt(ind['test_nll_nats_stderr'])}"
        f" | {ind['test_bits_per_dim']:.3f} | {_fmt(ind['fit_seconds'])} s |",
        f"| Bernoulli mixture, K = {mix['num_components']}, {mix['em_iterations']} EM iterations | "
        f"{mix['num_parameters']:,} | {_fmt(mix['test_nll_nats'])} ± "
        f"{_fmt(mix['test_nll_nats_stderr'])} | "
        f"{mix['test_bits_per_dim']:.3f} | {_fmt(mix['fit_seconds'])} s |",
        "",
        f"The mixture used as a Bayes classifier (one mixture per digit) reaches "
        f"{clf.get('test_accuracy', float('nan')):.1%} test accuracy."
        if clf
        else "",
    ]


def vae_section() -> list[str]:
    d = _load("vae")
    if d is None:
        return ["Chapter 02: `python benchmarks/vae.py` not run yet."]
    classic, pkg, large = d["classic"], d["package_2d"], d["large"]
    reached = pkg.get("seconds_to_target")
    last = pkg["eval_points"][-1]
    stale = d.get("stale")  # set by hand when the code changed after the run
    lines = [
        "**Chapter 02, VAE** (`python benchmarks/vae.py`)",
        "",
        *([f"*Stale:* {stale}", ""] if stale else []),
        "| run | parameters | result | training time |",
        "| --- | ---: | --- | ---: |",
        f"| classic Keras-example VAE (latent 2), {classic['epochs']} epochs | "
        f"{classic['params']:,} | "
        f"training loss {classic['final_eval_loss']:.2f} nats (grey-level BCE + KL) | "
        f"{_fmt(classic['total_train_seconds'])} s |",
        f"| package default 2-D VAE | {pkg['params']:,} | "
        + (
            f"reached {classic['final_eval_loss']:.2f} nats after {last['epoch']:.2f} epochs: "
            f"**{d['speedup']:.1f}x faster** than classic"
            if reached
            else f"loss {last['loss']:.2f} nats after {last['epoch']:.2f} epochs (never reached "
            "the classic loss)"
        )
        + f" | {_fmt(last['train_seconds'])} s |",
    ]
    for variant in d.get("variants_2d", []):
        end = variant["eval_points"][-1]
        result = (
            f"reached {classic['final_eval_loss']:.2f} nats after {end['epoch']:.2f} epochs "
            f"({variant['speedup_vs_classic']:.1f}x{_LIKE_FOR_LIKE.get(_grey(variant), '')})"
            if variant.get("seconds_to_target")
            else f"loss {end['loss']:.2f} nats after {end['epoch']:.2f} epochs (not reached)"
        )
        lines.append(
            f"| variant: {variant['name']} | {variant['params']:,} | {result} | "
            f"{_fmt(end['train_seconds'])} s |"
        )
    floor = d.get("grey_target_entropy_nats")
    not_nll = (
        "This training loss is not a negative ELBO or a log-likelihood: a grey level is not "
        "a Bernoulli outcome, and the cross-entropy cannot fall below the grey images' own "
        "entropy"
        + (f" ({floor:.1f} nats per image on these 70,000 images)" if floor is not None else "")
        + ", reached only by a perfect reconstruction (chapter 02). Do not compare it with "
        "the test NLLs of binary digits (chapter 01's table, the last row of this one)."
    )
    lines += [
        f"| package VAE, latent {large['settings']['latent_dim']}, {large['settings']['epochs']} "
        "epochs | "
        f"{large['params']:,} | test NLL {large['test_nll_k1000_first_1000']:.1f} ± "
        f"{large['test_nll_k1000_stderr']:.1f} nats (IWAE k = 1000, first 1,000 test digits); "
        f"test ELBO {-large['test_elbo_all_10k']:.1f} nats (all 10,000) | "
        f"{_fmt(large['train_wall_seconds'])} s |",
        "",
        "Loss: grey-level binary cross-entropy summed over pixels plus KL, on all 70,000 images, "
        "measured four times per epoch for the package's runs (evaluation time not counted). "
        f"Epoch times vary on this shared machine: the classic recipe's epochs took "
        f"{min(classic['train_seconds_per_epoch']):.0f}-"
        f"{max(classic['train_seconds_per_epoch']):.0f} s; "
        f"with its fastest epoch for all {classic['epochs']} the speed-up would be "
        f"{min(classic['train_seconds_per_epoch']) * classic['epochs'] / reached:.1f}x. " + not_nll
        if reached
        else "Loss: grey-level binary cross-entropy summed over pixels plus KL, on all 70,000 "
        "images. " + not_nll,
    ]
    return lines


def gan_section() -> list[str]:
    d = _load("gan")
    if d is None:
        return ["Chapter 03: `python benchmarks/gan.py` not run yet."]
    runs = d.get("runs", {})
    titles = {
        "genai_keras_default": "self-conditioned GAN (the default)",
        "stabilised": "self-conditioned GAN, seed 1, within the plain DCGAN's time",
        "dcgan_plain": "plain DCGAN",
        "wgan_gp_paper": "WGAN-GP, the paper's settings, within the plain DCGAN's time",
        "tutorial_dcgan": "TF tutorial DCGAN",
    }
    lines = [
        "**Chapter 03, GAN** (`python benchmarks/gan.py`: each recipe trained as "
        "`gk.recipes` says, the TensorFlow tutorial's DCGAN for at least the default's time; "
        "10,000 samples scored against the MNIST test set; largest class = share of the "
        "samples in the most frequent digit class, 0.10 when balanced)",
        "",
        "| model | training time | FID | classifier IS | precision | recall | largest class |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, title in titles.items():
        r = runs.get(key)
        if r:
            lines.append(
                f"| {title} | {_fmt(r['train_seconds'])} s | {_fmt(r['fid'])} | "
                f"{_fmt(r['is_mean'], 2)} | {_fmt(r.get('precision'), 3)} | "
                f"{_fmt(r.get('recall'), 3)} | {_fmt(r.get('max_class_fraction'), 3)} |"
            )
    collapse = [(v, runs.get(f"collapse_{v}")) for v in ("plain", "stabilised")]
    if all(c for _, c in collapse):
        lines += [
            "",
            f"Mode collapse, MLP GAN (`gk.studies.collapse.SETTING`), seeds "
            f"{collapse[0][1]['seeds']}, mean ± std over seeds:",
            "",
            "| variant | largest class | FID | IS | recall |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for v, c in collapse:
            m = c["summary"]

            def cell(k, n=3, m=m):
                return f"{_fmt(m[k]['mean'], n)} ± {_fmt(m[k]['std'], n)}"

            name = "plain" if v == "plain" else "self-conditioned"
            lines.append(
                f"| {name} | {cell('max_class_fraction')} | {cell('fid', 1)} | "
                f"{cell('is_mean', 2)} | {cell('recall')} |"
            )
    notes = []
    w, p = runs.get("wgan_gp_paper"), runs.get("dcgan_plain")
    if w and p:
        names = {"fid": "FID", "is_mean": "IS"}
        better = [n for k, n in names.items() if (w[k] < p[k]) == (k == "fid")]
        notes.append(
            "WGAN-GP (5 critic steps per generator step on fresh batches, Adam(1e-4, 0, 0.9), "
            "no decay) in the plain DCGAN's training time: "
            + (
                f"better than the DCGAN on {' and '.join(better)}."
                if better
                else "worse than the DCGAN on FID and IS."
            )
        )
    if "reference_mnist_test_is" in d:
        notes.append(f"The MNIST test set itself scores IS {d['reference_mnist_test_is']:.2f}.")
    summary = d.get("summary", {})
    if (
        summary.get("default_is_at_least_8_5") is False
        or summary.get("default_fid_at_most_40") is False
    ):
        notes.append("The default misses the chapter's target (IS >= 8.5, FID <= 40).")
    if summary.get("default_within_10_minutes") is False:
        notes.append("The default took more than 10 minutes to train.")
    return lines + (["", " ".join(notes)] if notes else [])


def diffusion_section() -> list[str]:
    d = _load("diffusion")
    if d is None:
        return ["Chapter 06: `python benchmarks/diffusion.py` not run yet."]
    runs = d.get("runs", {})
    lines = [
        "**Chapter 06, diffusion** (`python benchmarks/diffusion.py`: latent flow matching, "
        "both training stages timed; the DCGAN recipe stopped at the same training time; "
        f"{d['num_samples']:,} samples scored against the MNIST test set; sampling time for "
        "10,000 samples)",
        "",
        "| model | training time | sampler | sampling 10k | FID | classifier IS | precision | "
        "recall | class accuracy |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    titles = {
        "default": "flow matching (unconditional, the default)",
        "guided": "flow matching, classifier-free guidance",
        "dcgan_same_time": "DCGAN, same training time",
    }
    for key, title in titles.items():
        r = runs.get(key)
        if not r:
            continue
        sampler = f"{r['sampler']}, {r['steps']} steps" if "sampler" in r else "one pass"
        if "best_guidance" in r:
            sampler += f", w = {r['best_guidance']:g}"
        lines.append(
            f"| {title} | {_fmt(r['train_seconds'])} s | {sampler} | "
            f"{_fmt(r.get('sample_seconds_10k'))} s | {_fmt(r['fid'])} | "
            f"{_fmt(r['is_mean'], 2)} | {_fmt(r.get('precision'), 3)} | "
            f"{_fmt(r.get('recall'), 3)} | {_fmt(r.get('class_accuracy'), 3)} |"
        )
    steps = sorted({r["steps"] for k, r in runs.items() if k.startswith("steps_")})
    samplers = (
        [n for n in ("euler", "heun", "ddim", "ddpm") if f"steps_{n}_{steps[0]}" in runs]
        if steps
        else []
    )
    if samplers:
        lines += [
            "",
            f"FID of the default model against sampler steps ({d['sweep_samples']:,} "
            f"samples each; network calls in brackets):",
            "",
            "| sampler | " + " | ".join(f"{k} steps" for k in steps) + " |",
            "| --- |" + " ---: |" * len(steps),
        ]
        for n in samplers:
            cells = [
                f"{_fmt(runs[f'steps_{n}_{k}']['fid'])} ({runs[f'steps_{n}_{k}']['network_calls']})"
                for k in steps
            ]
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
    weights = sorted((r["guidance"], r) for k, r in runs.items() if k.startswith("guidance_w"))
    if weights:
        lines += [
            "",
            f"Guidance weight w, guided model ({d['sweep_samples']:,} samples each):",
            "",
            "| w | FID | IS | precision | recall | class accuracy |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for w, r in weights:
            lines.append(
                f"| {w:g} | {_fmt(r['fid'])} | {_fmt(r['is_mean'], 2)} | "
                f"{_fmt(r['precision'], 3)} | {_fmt(r['recall'], 3)} | "
                f"{_fmt(r['class_accuracy'], 3)} |"
            )
    if d.get("notes"):
        lines += ["", d["notes"]]
    return lines


def applications_section() -> list[str]:
    d = _load("applications")
    if d is None:
        return ["Chapter 07: `python benchmarks/applications.py --notebook` not run yet."]
    cell = lambda r: f"{r['psnr']:.2f} / {r['ssim']:.3f} / {100 * r['accuracy']:.1f}%"  # noqa: E731
    tasks = {
        "denoising": "denoise, Gaussian noise sigma 0.5",
        "denoising_salt_and_pepper_0.2": "denoise, salt and pepper 0.2",
        "super_resolution": "super-resolution 4x (7x7 -> 28x28)",
        "super_resolution_2x": "super-resolution 2x (14x14 -> 28x28)",
        "inpainting": "inpaint a 12x12 square",
        "inpainting_lower_half": "inpaint the lower half",
    }
    lines = [
        "**Chapter 07, applications** (`python benchmarks/applications.py --notebook`: the "
        "chapter's default run; 2,000 test digits; PSNR dB / SSIM / accuracy of the fixed "
        "classifier on the restored digits; inpainting PSNR on the hidden pixels only)",
        "",
        "| task | classical baseline | regression network | conditional VAE (mean) | one CVAE "
        "draw |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, title in tasks.items():
        r = d.get(key)
        if r:
            lines.append(
                f"| {title} | {cell(r['baseline'])} | {cell(r['regression'])} | "
                f"{cell(r['cvae_mean'])} | {cell(r['cvae_sample'])} |"
            )
    aug = d.get("augmentation", {})
    if aug:
        variants = ("none", "classical", "generated", "both")
        lines += [
            "",
            "Few-label classifier, test accuracy (mean ± std over "
            f"{len(next(iter(aug.values()))['none']['seeds'])} seeds; generated digits "
            "come from a conditional VAE trained on the same N digits only):",
            "",
            "| N | " + " | ".join(variants) + " |",
            "| ---: |" + " ---: |" * len(variants),
        ]
        for n, row in aug.items():
            lines.append(
                f"| {int(n):,} | "
                + " | ".join(
                    f"{100 * row[v]['mean']:.1f} ± {100 * row[v]['std']:.1f}%" for v in variants
                )
                + " |"
            )
    ft = d.get("fine_tuning", {})
    if ft:
        lines += [
            "",
            "Fine-tuning the character transformer on one speaker held out of pretraining "
            "(validation nats/char on that speaker): "
            + ", ".join(
                f"{k.replace('_', ' ')} {v['val_nats_per_char']:.3f}" for k, v in ft.items()
            )
            + f". Default notebook run: {d['timings_seconds']['notebook_wall'] / 60:.1f} min.",
        ]
    return lines


def text_section() -> list[str]:
    d = _load("text")
    if d is None:
        return ["Chapter 05: `python benchmarks/text.py` not run yet."]
    r, base = d["result"], d["baselines"]
    gen = r.get("generation", {})
    cfg = r["config"]
    return [
        "**Chapter 05, character-level Shakespeare** (`python benchmarks/text.py`; validation = "
        "last 10% of the text)",
        "",
        "| model | validation nats/char | bits/char | training time |",
        "| --- | ---: | ---: | ---: |",
        f"| unigram | {base['unigram']['val_nats_per_char']:.3f} | "
        f"{base['unigram']['val_bits_per_char']:.3f} | - |",
        f"| bigram | {base['bigram']['val_nats_per_char']:.3f} | "
        f"{base['bigram']['val_bits_per_char']:.3f} | - |",
        f"| transformer ({cfg['num_layers']} layers, width {cfg['embed_dim']}, context "
        f"{cfg['context_length']}, "
        f"{r['parameters']:,} parameters) | {r['val_nats_per_char']:.3f} | "
        f"{r['val_bits_per_char']:.3f} | "
        f"{_fmt(r['train_seconds'])} s |",
        "",
        f"Generation: {_fmt(gen.get('with_cache', {}).get('chars_per_second'), 0)} characters/s "
        "with the "
        f"key/value cache, {_fmt(gen.get('without_cache', {}).get('chars_per_second'), 1)} "
        "without.",
    ]


def metrics_section() -> list[str]:
    d = _load("metrics")
    if d is None:
        return ["Chapter 04: `python benchmarks/metrics.py` not run yet."]
    s, real = d["seconds"], d["scores"]["train_10k_vs_test"]
    return [
        "**Chapter 04, metric speed and reference scores** (`python benchmarks/metrics.py`)",
        "",
        f"All metrics (FID, KID, IS, precision/recall) for {d['num_generated']:,} images against "
        "the cached "
        f"MNIST test statistics: {s['evaluate_samples_10k']:.1f} s. 10,000 real training digits "
        "vs the test set: "
        f"FID {real['fid']:.2f}, IS {real['is_mean']:.2f}, precision {real['precision']:.3f}, "
        f"recall {real['recall']:.3f}.",
    ]


def comparison_section() -> list[str]:
    path = RESULTS / "comparison.md"
    if not path.exists():
        return ["Comparison table: `python benchmarks/compare.py` not run yet."]
    return [
        "**Chapter 04, all image models compared** (`python benchmarks/compare.py`)",
        "",
        path.read_text().strip(),
        "",
        "The flow-matching rows here and in chapter 06's table below are separate runs with "
        "separate samples; the guided model is sampled here at its recipe's guidance weight "
        "(w = 2) and there at the FID-best weight of the guidance sweep, so their FIDs differ.",
    ]


def backends_section() -> list[str]:
    d = _load("backends")
    if not d:
        return ["Backends: `python benchmarks/backends.py` not run yet."]
    runs = d["runs"]
    lines = [
        "**All chapters on three backends** (`python benchmarks/backends.py`: each backend in "
        "a fresh process, one after the other on this machine; training speed after a "
        "warm-up epoch or 100 warm-up steps)",
        "",
        "| backend | VAE training (images/s) | DCGAN training (images/s) | "
        "text training (characters/s) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for backend, r in runs.items():
        lines.append(
            f"| {backend} | {_fmt(r.get('vae_train_images_per_second'), 0)} | "
            f"{_fmt(r.get('gan_train_images_per_second'), 0)} | "
            f"{_fmt(r.get('text_train_tokens_per_second'), 0)} |"
        )
    slow = d.get("slowdown_vs_fastest", {})
    names = {
        "vae_train_images_per_second": "VAE",
        "gan_train_images_per_second": "DCGAN",
        "text_train_tokens_per_second": "text",
    }
    worst = [(names[k], b, v) for k, per in slow.items() for b, v in per.items() if v > 1.0]
    if worst:
        parts = [f"{b} {v:.2f}x ({m})" for m, b, v in sorted(worst, key=lambda t: -t[2])]
        lines += [
            "",
            "Slowest backend relative to the fastest for the same model: " + ", ".join(parts) + ".",
        ]
    diag = d.get("vae_xla_diagnosis")
    jax_vae = runs.get("jax", {}).get("vae_train_images_per_second")
    if diag and jax_vae:
        default, xla = (
            diag["tensorflow_default_images_per_second"],
            diag["tensorflow_xla_images_per_second"],
        )
        lines += [
            "",
            f"Why the VAE is slower on JAX: JAX always compiles with XLA, while Keras runs "
            f"TensorFlow's CPU kernels (oneDNN) uncompiled by default. Compiling the same VAE with "
            f"XLA on TensorFlow (`jit_compile=True`) takes it from {default:,.0f} to {xla:,.0f} "
            f"images/s ({default / xla:.1f}x slower); JAX reaches {jax_vae:,.0f}, "
            f"{xla / jax_vae:.2f}x below TensorFlow with XLA. Most of the gap is XLA's CPU "
            f"convolutions, not the package's code (measured in a separate run: "
            f"`python benchmarks/backends.py --xla-diagnosis`)."
            if default / xla >= xla / jax_vae
            else f"Why the VAE is slower on JAX: compiling the same VAE with XLA on TensorFlow "
            f"takes it from {default:,.0f} to {xla:,.0f} images/s; JAX reaches {jax_vae:,.0f}, "
            f"so XLA explains less than half of the gap (`python benchmarks/backends.py "
            f"--xla-diagnosis`).",
        ]
    return lines


#: The fast course's budgets on the 2-core CI machine (issue 24): seconds per backend, per chapter.
COURSE_BUDGET_S, CHAPTER_BUDGET_S = 300, 45


def course_section() -> list[str]:
    d = _load("course")
    if not d:
        return ["Fast course: `python benchmarks/course.py` not run yet."]
    every = {k[len("fast_") :]: r for k, r in d["runs"].items() if k.startswith("fast_")}
    # the worked solutions get their own line: the course budget is the chapters'
    solutions = {b: r for b, r in every.items() if b.endswith("_solutions")}
    runs = {b: r for b, r in every.items() if b not in solutions}
    chapters = sorted({name for r in runs.values() for name in r["seconds"]})
    lines = [
        "**The course in fast mode, per chapter and backend** (`python benchmarks/course.py`: "
        "the course runner, `python -m genai_keras run-notebooks --fast`, one backend after the "
        "other; seconds per chapter, kernel start included)",
        "",
        "| backend | " + " | ".join(c[:2] for c in chapters) + " | total | all ok |",
        "| --- | " + " | ".join("---:" for _ in chapters) + " | ---: | --- |",
    ]
    for backend, r in runs.items():
        ok = all(v == "ok" for v in r["status"].values()) and len(r["status"]) == len(chapters)
        lines.append(
            f"| {backend} | "
            + " | ".join(_fmt(r["seconds"].get(c), 0) for c in chapters)
            + f" | {_fmt(sum(r['seconds'].values()), 0)} | {'yes' if ok else 'NO'} |"
        )
    over_total = [b for b, r in runs.items() if sum(r["seconds"].values()) > COURSE_BUDGET_S]
    over_chapter = sorted(
        {
            f"{c[:2]} on {b} ({r['seconds'][c]:.1f} s)"
            for b, r in runs.items()
            for c in chapters
            if r["seconds"].get(c, 0) > CHAPTER_BUDGET_S
        }
    )
    lines += [
        "",
        f"JAX starts each run with an empty compilation cache (a user's first run; the "
        f"chapters then share it). Aim: at most {COURSE_BUDGET_S} s per backend and "
        f"{CHAPTER_BUDGET_S} s per chapter. "
        + (
            "Every backend is within the course budget. "
            if not over_total
            else f"Over the course budget: {', '.join(over_total)}. "
        )
        + (
            "No chapter is over its budget."
            if not over_chapter
            else f"Chapters over {CHAPTER_BUDGET_S} s: {', '.join(over_chapter)}."
        ),
    ]
    for name, r in solutions.items():
        ok = all(v == "ok" for v in r["status"].values())
        per = ", ".join(f"{c[:2]} {_fmt(v, 0)}" for c, v in sorted(r["seconds"].items()))
        lines += [
            "",
            f"The worked solutions in fast mode ({name.removesuffix('_solutions')}, "
            f"`--solutions`): {_fmt(sum(r['seconds'].values()), 0)} s in all ({per} s); "
            + ("all ran." if ok else "NOT all ran."),
        ]
    return lines


SEED_POLICY_NOTE = (
    "Measured before sampling noise moved to NumPy (one seed policy, "
    "`gk.utils.sampling_rng`): the same recipes re-run today draw other noise, so "
    "the saved chapter's numbers differ from these in the last digits."
)


def render() -> str:
    d = _load("metrics") or {}
    machine = d.get("machine", {})
    header = (
        f"Measured on a {machine.get('cpu_count', 2)}-core CPU machine (no GPU) with the "
        "TensorFlow "
        f"backend. Regenerate this section with `python benchmarks/summary.py --readme` after "
        f"re-running the benchmarks."
    )
    blocks = [
        [header],
        pixel_section(),
        vae_section(),
        gan_section(),
        metrics_section(),
        comparison_section(),
        text_section(),
        [*diffusion_section(), "", SEED_POLICY_NOTE],
        [*applications_section(), "", SEED_POLICY_NOTE],
        course_section(),
        backends_section(),
    ]
    return "\n\n".join("\n".join(line for line in block).strip() for block in blocks) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's results block")
    args = parser.parse_args()
    text = render()
    if not args.readme:
        print(text)
        return
    readme = README.read_text()
    if BEGIN not in readme or END not in readme:
        raise SystemExit(f"README.md has no results block; add the lines\n{BEGIN}\n{END}")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    write_atomic(README, f"{head}{BEGIN}\n{text}{END}{tail}")
    print("README.md results block updated")


if __name__ == "__main__":
    main()
