"""Turning measured scores into sentences, so the chapter's text always agrees with its numbers.

Chapter 04 writes its verdicts from the numbers it has just measured: which of precision
and recall falls first under a corruption, why FID and KID order two models differently,
and what the comparison table says about each model. Every function here takes those
numbers and returns Markdown as plain strings (the notebook displays them), so a re-run
with other numbers writes other sentences, never stale ones.

The comparison rows are the dicts of
:func:`genai_keras.studies.comparison.compare_models` (``name, title, test_nll, nll_kind,
fid, kid_mean, kid_std, is_mean, is_std, precision, recall, train_seconds, ...``): NLL in
nats per image, FID a squared feature distance, KID in the kernel's units, IS from 1 to
10, precision and recall fractions.

Used in chapter 04.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from genai_keras.checkpoints import MODELS
from genai_keras.recipes import RECIPES

#: The sample metrics of the comparison table: column -> (label, True where higher is better).
SCORES: dict[str, tuple[str, bool]] = {
    "fid": ("FID", False),
    "kid_mean": ("KID", False),
    "is_mean": ("IS", True),
    "precision": ("precision", True),
    "recall": ("recall", True),
}

Row = Mapping[str, Any]


def join_and(items: Iterable[str], word: str = "and") -> str:
    """``"a, b and c"`` (or ``"a, b or c"`` with ``word="or"``); ``""`` for no items."""
    items = list(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1] if len(items) > 1 else "".join(items)


def first_fall(values: Sequence[float], drop: float) -> int | None:
    """Index of the first level where a score is more than ``drop`` below its clean value
    (``values[0]``, in the score's own units); None if it never is."""
    return next((i for i, v in enumerate(values) if v < values[0] - drop), None)


def is_better(row: Row, other: Row, key: str) -> bool:
    """True when ``row`` is strictly better than ``other`` on column ``key`` of :data:`SCORES`."""
    higher = SCORES[key][1]
    return row[key] > other[key] if higher else row[key] < other[key]


def rank(rows: Sequence[Row], row: Row, key: str) -> int:
    """1 + the number of rows strictly better than ``row`` on ``key`` (1 = best)."""
    return 1 + sum(is_better(o, row, key) for o in rows)


def worst_on(rows: Sequence[Row], row: Row) -> list[str]:
    """Labels of the columns where no row is worse than ``row``."""
    return [
        label for key, (label, _) in SCORES.items() if not any(is_better(row, o, key) for o in rows)
    ]


def better_on(row: Row, other: Row, keys: Iterable[str] = tuple(SCORES)) -> list[str]:
    """Labels of the columns (among ``keys``) where ``row`` beats ``other``."""
    return [SCORES[k][0] for k in keys if is_better(row, other, k)]


def best_and_worst(rows: Sequence[Row]) -> list[str]:
    """One line per column of :data:`SCORES`: its best and its worst model, with values."""
    lines = []
    for key, (label, higher) in SCORES.items():
        ordered = sorted(rows, key=lambda r: r[key], reverse=higher)
        lines.append(
            f"{label:9s} best: {ordered[0]['title']} ({ordered[0][key]:.3g})  "
            f"worst: {ordered[-1]['title']} ({ordered[-1][key]:.3g})"
        )
    return lines


def corruption_findings(
    levels: Mapping[str, Sequence[float]],
    units_format: Mapping[str, str],
    pr_curves: Mapping[str, Sequence[tuple[float, float]]],
    is_curves: Mapping[str, Sequence[float]],
    kid_curves: Mapping[str, Sequence[float]],
    drop: float = 0.1,
    is_tolerance: float = 0.05,
) -> tuple[str, list[str]]:
    """What the corruption curves of section 6 show, read off the numbers.

    Args:
        levels: damage levels per kind (``{"noise": [0.0, 0.05, ...], ...}``), clean first.
        units_format: per kind, a format string for one level (``"noise std {}"``).
        pr_curves: per kind, ``(precision, recall)`` at each level (fractions).
        is_curves: per kind, the Inception Score at each level (1 to 10).
        kid_curves: per kind, the KID at each level (kernel units).
        drop: a fall of precision or recall larger than this (a fraction) counts.
        is_tolerance: IS "stays" while within this fraction of its clean value.

    Returns:
        ``(markdown, lines)``: the paragraph and one printable line of values per kind.
    """

    def at(kind: str, i: int | None) -> str:
        return "no level shown" if i is None else units_format[kind].format(levels[kind][i])

    text, is_parts, lines = [], [], []
    for kind in levels:
        prec, rec = [p for p, _ in pr_curves[kind]], [r for _, r in pr_curves[kind]]
        is_ = list(is_curves[kind])
        lines.append(
            f"{kind:5s} precision {' '.join(f'{v:.2f}' for v in prec)} | recall "
            f"{' '.join(f'{v:.2f}' for v in rec)} | IS {' '.join(f'{v:.2f}' for v in is_)}"
        )
        falls = {"precision": first_fall(prec, drop), "recall": first_fall(rec, drop)}
        first, second = sorted(falls, key=lambda k: len(prec) if falls[k] is None else falls[k])
        if falls[first] is None:
            text.append(f"*{kind}*: neither precision nor recall falls by more than {drop:g}.")
        elif falls[first] == falls[second]:
            text.append(
                f"*{kind}*: precision and recall both fall by more than {drop:g} first at "
                f"{at(kind, falls[first])}."
            )
        else:
            why = (
                "the damaged digits still lie inside the real manifold, but fewer real digits lie "
                "inside theirs"
                if first == "recall"
                else "many damaged digits look unlike any real one, yet the damaged set still "
                "reaches most real digits"
            )
            text.append(
                f"*{kind}*: **{first} falls first**, by more than {drop:g} at "
                f"{at(kind, falls[first])} ({second}: {at(kind, falls[second])}): {why}."
            )
        is_fall = first_fall(is_, is_tolerance * is_[0])
        last_ok = (len(is_) if is_fall is None else is_fall) - 1  # last level with IS still close
        is_parts.append(
            f"under {kind} it drops by more than {is_tolerance:.0%} at once ({at(kind, 1)})"
            if last_ok == 0
            else f"up to {at(kind, last_ok)}, where recall is {rec[last_ok]:.2f} "
            f"(clean: {rec[0]:.2f})"
        )
    kid_rises = [kind for kind in levels if np.all(np.diff(kid_curves[kind]) > 0)]
    text.insert(
        0,
        "KID increases at every level for "
        + (join_and(kid_rises) or "none of the corruptions")
        + "; precision and recall, by kind of damage:",
    )
    text.append(
        f"IS stays within {is_tolerance:.0%} of its clean value "
        + "; ".join(is_parts)
        + ". IS only asks whether the classifier is still confident, so it can miss damage "
        "that already costs recall."
    )
    return "\n\n".join(text), lines


def fid_kid_disagreement(
    a: Row, b: Row, decomposed: Mapping[str, Mapping[str, Any]], t_mean: float
) -> str:
    """Why FID and KID order two comparison rows as they do (section 8).

    Args:
        a, b: two comparison rows.
        decomposed: per row name, ``{"terms": {1: ..., 2: ..., 3: ...}`` (the KID's
            degree-1, 2 and 3 terms of :func:`genai_keras.metrics.kid_by_degree`, kernel
            units) ``, "kid_gauss": ...}`` (the KID of Gaussian stand-ins).
        t_mean: the mean of ``x.y / d`` over pairs of real test features (unitless).

    Returns:
        One Markdown paragraph.
    """
    da, db = decomposed[a["name"]], decomposed[b["name"]]
    fid_a_first, kid_a_first = a["fid"] < b["fid"], a["kid_mean"] < b["kid_mean"]
    if fid_a_first == kid_a_first:
        text = [
            f"In this run FID and KID order the {a['title']} and the {b['title']} the same way."
        ]
    else:
        win, lose = (a, b) if fid_a_first else (b, a)
        text = [
            f"FID ranks the {win['title']} above the {lose['title']} ({win['fid']:.1f} against "
            f"{lose['fid']:.1f}); KID ranks them the other way ({win['kid_mean']:.1f} against "
            f"{lose['kid_mean']:.1f})."
        ]
    diff = {d: da["terms"][d] - db["terms"][d] for d in (1, 2, 3)}
    text.append(
        f"Of the KID difference ({a['title']} minus {b['title']}: {sum(diff.values()):+.1f}), "
        f"the degree-1, 2 and 3 terms contribute {diff[1]:+.1f}, {diff[2]:+.1f} and "
        f"{diff[3]:+.1f}. With $t = x^\\top y/d$ around {t_mean:.0f} for real digits "
        "(section 4), $t^3$ outweighs $3t^2$ and $3t$, so the cubic term dominates KID."
    )
    if fid_a_first != kid_a_first:
        total = sum(diff.values())
        share = diff[3] / total if total else 0.0
        cubic = (
            f"The degree-3 term carries {share:.0%} of the KID difference, yet it does not "
            "measure non-Gaussian structure: "
            if 0.5 < share <= 1.5
            else f"The degree-3 term ({diff[3]:+.1f}) does not measure non-Gaussian structure: "
        )
        if (da["kid_gauss"] < db["kid_gauss"]) == kid_a_first:
            text.append(
                f"Gaussian stand-ins, with the same means and covariances and nothing else, keep "
                f"KID's order ({da['kid_gauss']:.1f} against {db['kid_gauss']:.1f}). The stand-ins "
                "drop only the non-Gaussian structure (the third and higher cumulants), so that "
                "structure is not the cause. "
                + cubic
                + "for Gaussian features the third raw moments are themselves functions of the "
                "means and covariances. So KID's cubic kernel weighs the same means and "
                "covariances differently from FID (which compares covariances through matrix "
                "square roots), and two models that are wrong in different ways can be ranked "
                "differently."
            )
        else:
            text.append(
                f"With Gaussian stand-ins KID agrees with FID ({da['kid_gauss']:.1f} against "
                f"{db['kid_gauss']:.1f}): the disagreement comes from non-Gaussian structure (the "
                "third and higher cumulants that the stand-ins drop), which KID's cubic kernel "
                "sees and FID cannot."
            )
        text.append(
            "Neither order is the right one: report both, with their spread, and look at the "
            "samples."
        )
    return " ".join(text)


def _epochs(recipes_used: Mapping[str, Mapping[str, Any]], name: str) -> str:
    epochs = recipes_used.get(name, {}).get("epochs")
    return f" ({epochs} epochs)" if epochs else ""


def _seconds(row: Row) -> str:
    return (
        "an unrecorded time"
        if row.get("train_seconds") is None
        else f"{row['train_seconds']:.0f} s"
    )


def _versus(row: Row, other: Row, keys: Iterable[str] = tuple(SCORES)) -> str:
    """``"better on FID and IS, worse on KID"``-style verdict of ``row`` against ``other``."""
    keys = tuple(keys)
    better, worse = better_on(row, other, keys), better_on(other, row, keys)
    parts = ([f"better on {join_and(better)}"] if better else []) + (
        [f"worse on {join_and(worse)}"] if worse else []
    )
    return ", ".join(parts) or "level on every column"


def _position(row: Row, a: Row, b: Row, key: str) -> str:
    """Where ``row[key]`` lies against ``a[key]`` and ``b[key]``: above, below or between."""
    lo, hi = sorted((a[key], b[key]))
    return "below both" if row[key] < lo else "above both" if row[key] > hi else "between theirs"


def _wgan_bullet(wg: Row, dc: Row, recipe: Mapping[str, Any]) -> str:
    model, opt = recipe.get("model", {}), recipe.get("optimizer", {})
    settings = []
    if model.get("d_steps"):
        settings.append(
            f"{model['d_steps']} critic steps per generator step"
            + (", each on its own real batch" if model.get("split_batch") else "")
        )
    if "learning_rate" in opt:
        settings.append(
            f"Adam(learning rate {opt['learning_rate']:g}, β₁ = {opt.get('beta_1', 0.9):g}, "
            f"β₂ = {opt.get('beta_2', 0.999):g})"
        )
    settings.append("a gradient penalty")
    fid_b, is_b = is_better(wg, dc, "fid"), is_better(wg, dc, "is_mean")
    verdict = (
        "both FID and IS"
        if fid_b and is_b
        else "FID but not on IS"
        if fid_b
        else "IS but not on FID"
        if is_b
        else "neither FID nor IS"
    )
    return (
        f"The *{wg['title']}* has FID {wg['fid']:.1f}, IS {wg['is_mean']:.2f}, precision "
        f"{wg['precision']:.3f} and recall {wg['recall']:.3f}. "
        f"Its recipe: {join_and(settings)}; it "
        f"trained for {_seconds(wg)}, the DCGAN for {_seconds(dc)}. "
        f"It beats the DCGAN on {verdict}; "
        f"over the five sample metrics it is {_versus(wg, dc)}."
    )


def _cvae_bullet(cv: Row, v: Row, is_real: float, recon_recall: float | None) -> str:
    text = (
        f"The *conditional VAE* has IS {cv['is_mean']:.2f} (real test digits: {is_real:.2f}) and "
        f"recall {cv['recall']:.3f}"
    )
    if not (cv["is_mean"] > v["is_mean"] and cv["recall"] < v["recall"]):
        return text + (
            f" (the VAE: IS {v['is_mean']:.2f}, recall {v['recall']:.3f}). Like the VAE it is "
            "scored on Bernoulli means; exercise 4 scores its binary samples too."
        )
    text += (
        f", against the VAE's IS {v['is_mean']:.2f} and recall {v['recall']:.3f}: the two metrics "
        "disagree. Every class appears equally often and is easy to classify, which IS rewards: IS "
        "sees class balance, not diversity within a class. The low recall may come from a narrow "
        "band of writing styles (a 4-D code per class), "
    )
    if recon_recall is None:
        text += (
            "but Bernoulli means can get a low recall even when they cover every style "
            "(section 8's VAE subsection)"
        )
    elif recon_recall <= v["recall"] + 0.05:  # the criterion of the chapter's VAE subsection
        text += (
            "but section 8's VAE subsection shows that Bernoulli means get a low recall even when "
            f"they cover every style (the VAE's reconstructions: {recon_recall:.3f})"
        )
    else:
        text += (
            "or from the blur of Bernoulli means, though in section 8's VAE subsection means that "
            f"cover every style (the VAE's reconstructions) reach a recall of {recon_recall:.3f}, "
            f"above the VAE samples' {v['recall']:.3f}"
        )
    return text + "; exercise 4 tells the two apart."


def comparison_bullets(
    rows: Sequence[Row],
    recipes_used: Mapping[str, Mapping[str, Any]],
    is_real: float,
    recon_recall: float | None = None,
) -> tuple[list[str], str]:
    """Read the comparison table of section 8: every verdict computed from ``rows``.

    Args:
        rows: the rows of :func:`genai_keras.studies.comparison.compare_models`, one per
            model of :data:`genai_keras.checkpoints.MODELS` (all of them are needed).
        recipes_used: per model name, the recipe dict its checkpoint was trained with (the
            record's ``"recipe"``: ``epochs``, ``model``, ``optimizer``); missing entries
            only shorten the sentences.
        is_real: the Inception Score of the real test digits (1 to 10).
        recon_recall: the recall (a fraction) of the VAE's Bernoulli-mean reconstructions of
            training digits (section 8's VAE subsection), which cover every writing style;
            None leaves the conditional VAE's bullet without that number.

    Returns:
        ``(lines, markdown)``: the best and worst model of each column (printable lines)
        and the Markdown bullet list.

    Raises:
        ValueError: a model of :data:`~genai_keras.checkpoints.MODELS` has no row.
    """
    by_name = {r["name"]: r for r in rows}
    missing = [n for n in MODELS if n not in by_name]
    if missing:
        raise ValueError(
            f"comparison_bullets needs a row for every comparison model; missing: "
            f"{', '.join(missing)}. Pass the rows of "
            f"gk.studies.comparison.compare_models()."
        )
    pb, pm, v, cv = (
        by_name[k] for k in ("independent_bernoulli", "bernoulli_mixture", "vae", "conditional_vae")
    )
    dc, wg, sc, cg = (
        by_name[k] for k in ("dcgan", "wgan_gp", "self_conditioned_gan", "conditional_gan")
    )
    fm, gf = by_name["flow_matching"], by_name["guided_flow_matching"]
    n = len(rows)

    nll_rows = sorted(
        (r for r in rows if r.get("test_nll") is not None and not RECIPES[r["name"]].conditional),
        key=lambda r: r["test_nll"],
    )
    exact = [r["title"] for r in nll_rows if r.get("nll_kind") == "exact"]
    bounds = [r["title"] for r in nll_rows if r.get("nll_kind") == "iwae"]
    bullets = [
        "*Likelihood* orders the unconditional models that have one, lowest NLL first: "
        + ", ".join(f"{r['title']} {r['test_nll']:.1f}" for r in nll_rows)
        + " nats."
        + (f" Exact for the {join_and(exact)}" if exact else "")
        + (
            ("; a" if exact else " A") + f"n upper bound (IWAE) for the {join_and(bounds)}"
            if bounds
            else ""
        )
        + ("." if exact or bounds else "")
    ]

    pixel = []
    for r in (pb, pm):
        worst = worst_on(rows, r)
        pixel.append(
            f"the {r['title']} is the worst of all {n} models on {join_and(worst)}"
            if worst
            else f"the {r['title']} is not the worst on any sample metric (its FID ranks "
            f"{rank(rows, r, 'fid')} of {n})"
        )
    bullets.append(
        "The *pixel models* draw every pixel independently (given a mixture component), so "
        "their samples are speckled: " + "; ".join(pixel) + ". Their likelihoods are "
        "finite and honest all the same."
    )

    flipped = [
        o["title"] for o in rows if (v["fid"] - o["fid"]) * (v["kid_mean"] - o["kid_mean"]) < 0
    ]
    bullets.append(
        f"The *VAE* is scored on Bernoulli means (smooth grey strokes): precision "
        f"{v['precision']:.3f}, recall {v['recall']:.3f}; the VAE subsection above shows what "
        "blur and binary draws do to these scores. "
        + (
            f"FID and KID order it differently from the {join_and(flipped)}."
            if flipped
            else "FID and KID agree on its place against every other model."
        )
    )

    bullets.append(_cvae_bullet(cv, v, is_real, recon_recall))

    bullets.append(
        f"The *GANs* have no likelihood at all. The {dc['title']} checkpoint is chapter 03's "
        f"plain recipe{_epochs(recipes_used, 'dcgan')}: FID {dc['fid']:.1f}, IS "
        f"{dc['is_mean']:.2f}, recall {dc['recall']:.3f}. "
        + _wgan_bullet(wg, dc, recipes_used.get("wgan_gp", {}))
    )
    bullets.append(
        f"The *self-conditioned GAN*{_epochs(recipes_used, 'self_conditioned_gan')} is the "
        f"course's default unconditional GAN: FID {sc['fid']:.1f}, recall {sc['recall']:.3f}; "
        f"against the DCGAN it is {_versus(sc, dc)}."
    )

    uncond_best = min(
        (r for r in rows if not RECIPES[r["name"]].conditional), key=lambda r: r["fid"]
    )
    cgan = (
        f"The *conditional GAN*{_epochs(recipes_used, 'conditional_gan')} needs the labels: its "
        f"samples are drawn digit by digit, an easier task than the unconditional models'. FID "
        f"{cg['fid']:.1f}, IS {cg['is_mean']:.2f}"
    )
    if cg["fid"] < uncond_best["fid"]:
        cgan += (
            f", better than every unconditional model (best: the {uncond_best['title']}, "
            f"{uncond_best['fid']:.1f}): knowing the class spares the generator the hardest part "
            "of the task, placing ten separate digit classes in one continuous noise space, which "
            "self-conditioning imitates with clusters instead of labels."
        )
    else:
        cgan += (
            f"; its FID is not the lowest: the {uncond_best['title']} reaches "
            f"{uncond_best['fid']:.1f} without any labels."
        )
    four = ("fid", "kid_mean", "is_mean", "precision")
    wins, losses = better_on(gf, cg, four), better_on(cg, gf, four)
    cgan += (
        " The guided flow-matching model, which uses the labels too, "
        + (
            f"beats it on {join_and(wins)}"
            if wins
            else f"does not beat it on {join_and([SCORES[k][0] for k in four], 'or')}"
        )
        + (f" but not on {join_and(losses, 'or')}" if wins and losses else "")
        + "."
    )
    bullets.append(cgan)

    best_cols = [label for key, (label, _) in SCORES.items() if rank(rows, gf, key) == 1]
    flow = (
        f"The *flow-matching models* (chapter 06). The guided one (FID {gf['fid']:.1f}, IS "
        f"{gf['is_mean']:.2f}, precision {gf['precision']:.3f}, recall {gf['recall']:.3f}) "
        + (
            f"holds the best {join_and(best_cols)} of the table"
            if best_cols
            else "holds no column's best value"
        )
        + f"; its recall is {'below' if gf['recall'] < cg['recall'] else 'not below'} the "
        f"conditional GAN's ({cg['recall']:.3f})"
    )
    flow += (
        ": guidance pushes samples towards what is typical of their class, which is expected "
        "to cost recall (chapter 06's guidance sweep measures the trade-off)."
        if gf["recall"] < cg["recall"]
        else "."
    )
    flow += (
        f" The unconditional one uses no labels, so compare it with the DCGAN and the "
        f"self-conditioned GAN: its FID ({fm['fid']:.1f}) is {_position(fm, dc, sc, 'fid')}, its "
        f"precision ({fm['precision']:.3f}) {_position(fm, dc, sc, 'precision')} and its recall "
        f"({fm['recall']:.3f}) {_position(fm, dc, sc, 'recall')}."
    )
    bullets.append(flow)
    return best_and_worst(rows), "\n".join(f"- {b}" for b in bullets)
