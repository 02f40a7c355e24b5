"""Tests of genai_keras.studies.reading: the sentences must follow the numbers.

Each test feeds small hand-made rows (the keys of ``gk.studies.comparison.compare_models``) and
checks that a verdict flips when the numbers flip.
"""

from __future__ import annotations

import copy

import pytest

from genai_keras.studies import reading

# name, title, test NLL, NLL kind, FID, KID, IS, precision, recall, train seconds
_TABLE = [
    (
        "independent_bernoulli",
        "Independent Bernoulli",
        200.0,
        "exact",
        1133.7,
        5895.3,
        1.65,
        0.275,
        0.0,
        2,
    ),
    (
        "bernoulli_mixture",
        "Bernoulli mixture",
        136.5,
        "exact",
        477.4,
        3278.7,
        4.90,
        0.389,
        0.026,
        40,
    ),
    ("vae", "VAE", 95.8, "iwae", 300.4, 3110.3, 6.48, 0.618, 0.372, 187),
    ("conditional_vae", "Conditional VAE", 114.4, "iwae", 386.4, 4785.9, 8.99, 0.588, 0.009, 124),
    ("dcgan", "DCGAN", None, None, 94.9, 407.1, 7.17, 0.433, 0.681, 435),
    ("wgan_gp", "WGAN-GP", None, None, 613.1, 3409.9, 3.60, 0.391, 0.036, 430),
    (
        "self_conditioned_gan",
        "Self-conditioned GAN",
        None,
        None,
        16.5,
        67.4,
        9.18,
        0.709,
        0.660,
        381,
    ),
    ("conditional_gan", "Conditional GAN", None, None, 22.9, 133.2, 9.47, 0.601, 0.523, 230),
    ("flow_matching", "Latent flow matching", None, None, 34.6, 483.6, 8.97, 0.850, 0.577, 575),
    ("guided_flow_matching", "Guided flow", None, None, 19.4, 103.1, 9.99, 0.963, 0.337, 561),
]
RECIPES = {
    "dcgan": {"epochs": 12},
    "conditional_gan": {"epochs": 6},
    "wgan_gp": {
        "epochs": 10,
        "model": {"d_steps": 5, "split_batch": True},
        "optimizer": {"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9},
    },
}


def make_rows(**changes: dict) -> list[dict]:
    """The table above as compare_models rows, with ``changes[name]`` applied to a row."""
    rows = []
    for name, title, nll, kind, fid, kid, is_, p, r, sec in _TABLE:
        row = dict(
            name=name,
            title=title,
            chapter="00",
            test_nll=nll,
            nll_kind=kind,
            fid=fid,
            kid_mean=kid,
            kid_std=10.0,
            is_mean=is_,
            is_std=0.1,
            precision=p,
            recall=r,
            train_seconds=sec,
            parameters=1000,
        )
        row.update(changes.get(name, {}))
        rows.append(row)
    return rows


def bullets(rows: list[dict], recipes: dict | None = None) -> list[str]:
    lines, markdown = reading.comparison_bullets(
        rows, RECIPES if recipes is None else recipes, 9.81
    )
    assert len(lines) == len(reading.SCORES)
    return markdown.split("\n")


def bullet(rows: list[dict], start: str) -> str:
    found = [b for b in bullets(rows) if b.startswith(f"- {start}")]
    assert len(found) == 1, bullets(rows)
    return found[0]


def test_best_and_worst_lines_name_the_extremes():
    lines, _ = reading.comparison_bullets(make_rows(), RECIPES, 9.81)
    assert lines[0].startswith("FID") and "best: Self-conditioned GAN (16.5)" in lines[0]
    assert "worst: Independent Bernoulli" in lines[0]
    lines, _ = reading.comparison_bullets(make_rows(dcgan={"fid": 5.0}), RECIPES, 9.81)
    assert "best: DCGAN (5)" in lines[0]


def test_wgan_gp_verdict_follows_the_numbers_and_its_recipe():
    text = bullet(make_rows(), "The *GANs*")
    assert "beats the DCGAN on neither FID nor IS" in text
    assert "5 critic steps per generator step, each on its own real batch" in text
    assert "Adam(learning rate 0.0001, β₁ = 0, β₂ = 0.9)" in text
    assert "trained for 430 s, the DCGAN for 435 s" in text
    assert "two critic steps" not in text and "failed" not in text
    text = bullet(make_rows(wgan_gp={"fid": 50.0}), "The *GANs*")
    assert "beats the DCGAN on FID but not on IS" in text
    text = bullet(make_rows(wgan_gp={"fid": 50.0, "is_mean": 9.0, "kid_mean": 100.0}), "The *GANs*")
    assert "beats the DCGAN on both FID and IS" in text
    assert "better on FID, KID and IS, worse on precision and recall" in text
    text = bullet(make_rows(wgan_gp={"is_mean": 9.0}), "The *GANs*")
    assert "beats the DCGAN on IS but not on FID" in text


def test_wgan_gp_settings_come_from_the_recipe_given():
    recipes = copy.deepcopy(RECIPES)
    recipes["wgan_gp"]["model"] = {"d_steps": 2}
    text = next(b for b in bullets(make_rows(), recipes) if b.startswith("- The *GANs*"))
    assert "2 critic steps per generator step" in text and "own real batch" not in text
    text = next(b for b in bullets(make_rows(), {}) if b.startswith("- The *GANs*"))
    assert "critic steps" not in text and "a gradient penalty" in text and "(12 epochs)" not in text


def test_conditional_vae_bullet_hedges_its_low_recall():
    def cvae(rows: list[dict], recon_recall: float | None) -> str:
        _, markdown = reading.comparison_bullets(rows, RECIPES, 9.81, recon_recall=recon_recall)
        return next(b for b in markdown.split("\n") if b.startswith("- The *conditional VAE*"))

    text = cvae(make_rows(), 0.091)  # reconstructions: a recall below the VAE samples' 0.372
    assert "may come from a narrow band of writing styles" in text
    assert (
        "section 8's VAE subsection shows that Bernoulli means get a low recall even when they "
        "cover every style (the VAE's reconstructions: 0.091)"
    ) in text
    assert text.endswith("exercise 4 tells the two apart.")
    text = cvae(make_rows(), 0.6)  # reconstructions well above the samples: blur is a weaker cause
    assert (
        "or from the blur of Bernoulli means, though" in text and "reach a recall of 0.600" in text
    )
    assert "get a low recall even when" not in text and text.endswith(
        "exercise 4 tells the two apart."
    )
    text = cvae(make_rows(), None)
    assert "Bernoulli means can get a low recall even when they cover every style" in text
    text = cvae(make_rows(conditional_vae={"recall": 0.5}), 0.091)
    assert "narrow band" not in text and "(the VAE: IS 6.48, recall 0.372)" in text


def test_conditional_gan_against_guided_flow():
    text = bullet(make_rows(), "The *conditional GAN*")
    assert "beats it on FID, KID, IS and precision." in text
    assert "its FID is not the lowest: the Self-conditioned GAN reaches 16.5" in text
    worse = {"fid": 30.0, "kid_mean": 200.0, "is_mean": 9.0, "precision": 0.5}
    text = bullet(make_rows(guided_flow_matching=worse), "The *conditional GAN*")
    assert "does not beat it on FID, KID, IS or precision." in text
    text = bullet(
        make_rows(guided_flow_matching={"fid": 30.0, "precision": 0.5}), "The *conditional GAN*"
    )
    assert "beats it on KID and IS but not on FID or precision." in text
    text = bullet(make_rows(conditional_gan={"fid": 10.0}), "The *conditional GAN*")
    assert "better than every unconditional model (best: the Self-conditioned GAN, 16.5)" in text


def test_self_conditioned_gan_against_dcgan():
    text = bullet(make_rows(), "The *self-conditioned GAN*")
    assert "better on FID, KID, IS and precision, worse on recall." in text
    same = {k: make_rows()[4][k] for k in ("fid", "kid_mean", "is_mean", "precision", "recall")}
    text = bullet(make_rows(self_conditioned_gan=same), "The *self-conditioned GAN*")
    assert "level on every column" in text


def test_flow_bullet_positions_and_best_columns():
    text = bullet(make_rows(), "The *flow-matching models*")
    assert "holds the best IS and precision of the table" in text
    assert "recall is below the conditional GAN's (0.523): guidance" in text
    assert (
        "its FID (34.6) is between theirs, its precision (0.850) above both and its recall (0.577) "
        "below both." in text
    )
    text = bullet(
        make_rows(
            flow_matching={"fid": 10.0, "precision": 0.1, "recall": 0.67},
            guided_flow_matching={"is_mean": 9.0, "precision": 0.7, "recall": 0.6},
        ),
        "The *flow-matching models*",
    )
    assert "holds no column's best value" in text and "not below the conditional GAN's" in text
    assert (
        "its FID (10.0) is below both, its precision (0.100) below both and its recall (0.670) "
        "between theirs." in text
    )


def test_pixel_likelihood_and_vae_bullets():
    text = bullet(make_rows(), "The *pixel models*")
    assert (
        "the Independent Bernoulli is the worst of all 10 models on FID, KID, IS, precision and "
        "recall"
    ) in text
    assert (
        "the Bernoulli mixture is not the worst on any sample metric (its FID ranks 8 of 10)"
        in text
    )
    text = bullet(make_rows(bernoulli_mixture={"recall": 0.0}), "The *pixel models*")
    assert "the Bernoulli mixture is the worst of all 10 models on recall" in text
    text = bullet(make_rows(), "*Likelihood*")
    assert "VAE 95.8, Bernoulli mixture 136.5, Independent Bernoulli 200.0 nats" in text
    assert "Conditional VAE" not in text and "an upper bound (IWAE) for the VAE" in text
    assert "FID and KID agree on its place" in bullet(make_rows(), "The *VAE*")
    text = bullet(make_rows(vae={"kid_mean": 3500.0}), "The *VAE*")
    assert "FID and KID order it differently from the Bernoulli mixture and WGAN-GP." in text


def test_missing_row_is_a_clear_error():
    rows = [r for r in make_rows() if r["name"] != "wgan_gp"]
    with pytest.raises(ValueError, match="missing: wgan_gp"):
        reading.comparison_bullets(rows, RECIPES, 9.81)


LEVELS = {"noise": [0.0, 0.1, 0.2], "mask": [0, 4, 8]}
UNITS = {"noise": "noise std {}", "mask": "patch side {} px"}


def test_corruption_findings_name_what_falls_first():
    pr = {
        "noise": [(0.85, 0.85), (0.84, 0.5), (0.3, 0.1)],
        "mask": [(0.85, 0.85), (0.6, 0.84), (0.3, 0.5)],
    }
    is_ = {"noise": [9.8, 9.7, 5.0], "mask": [9.8, 9.0, 5.0]}
    kid = {"noise": [1.0, 5.0, 9.0], "mask": [1.0, 0.5, 9.0]}
    text, lines = reading.corruption_findings(LEVELS, UNITS, pr, is_, kid)
    assert lines[0] == "noise precision 0.85 0.84 0.30 | recall 0.85 0.50 0.10 | IS 9.80 9.70 5.00"
    assert text.startswith("KID increases at every level for noise;")
    assert (
        "*noise*: **recall falls first**, by more than 0.1 at noise std 0.1 (precision: noise "
        "std 0.2)"
    ) in text
    assert (
        "*mask*: **precision falls first**, by more than 0.1 at patch side 4 px (recall: patch "
        "side 8 px)"
    ) in text
    assert "up to noise std 0.1, where recall is 0.50 (clean: 0.85)" in text
    assert "under mask it drops by more than 5% at once (patch side 4 px)" in text
    # Flip the curves: the verdicts flip.
    pr = {
        "noise": [(0.85, 0.85), (0.84, 0.84), (0.84, 0.84)],
        "mask": [(0.85, 0.85), (0.6, 0.6), (0.3, 0.3)],
    }
    text, _ = reading.corruption_findings(
        LEVELS, UNITS, pr, is_, {"noise": [3, 2, 1], "mask": [3, 2, 1]}
    )
    assert "none of the corruptions" in text
    assert "*noise*: neither precision nor recall falls by more than 0.1." in text
    assert (
        "*mask*: precision and recall both fall by more than 0.1 first at patch side 4 px." in text
    )


def _pair(fid_b: float, kid_b: float) -> tuple[dict, dict]:
    a = dict(name="a", title="A", fid=100.0, kid_mean=1000.0)
    return a, dict(name="b", title="B", fid=fid_b, kid_mean=kid_b)


def test_fid_kid_disagreement_follows_the_order():
    decomposed = {
        "a": {"terms": {1: 1.0, 2: 10.0, 3: 989.0}, "kid_gauss": 900.0},
        "b": {"terms": {1: 2.0, 2: 20.0, 3: 1978.0}, "kid_gauss": 1800.0},
    }
    text = reading.fid_kid_disagreement(*_pair(200.0, 2000.0), decomposed, t_mean=19.3)
    assert text.startswith("In this run FID and KID order the A and the B the same way.")
    assert (
        "(A minus B: -1000.0)" in text and "-1.0, -10.0 and -989.0" in text and "around 19 " in text
    )
    assert "Neither order" not in text
    text = reading.fid_kid_disagreement(*_pair(50.0, 2000.0), decomposed, t_mean=19.3)
    assert text.startswith(
        "FID ranks the B above the A (50.0 against 100.0); KID ranks them the other way"
    )
    assert (
        "Gaussian stand-ins, with the same means and covariances and nothing else, keep KID's order"
    ) in text
    # The stand-ins rule out non-Gaussian structure (third cumulants), not the degree-3 term:
    # for a Gaussian the third raw moments follow from the mean and covariance.
    assert "third moments are not what sets" not in text
    assert "drop only the non-Gaussian structure (the third and higher cumulants)" in text
    assert "The degree-3 term carries 99% of the KID difference, yet it does not measure" in text
    assert "third raw moments are themselves functions of the means and covariances" in text
    assert "weighs the same means and covariances differently from FID" in text
    decomposed["a"]["terms"] = {1: 1.0, 2: 800.0, 3: 199.0}  # degree 3: a minority of the gap
    text = reading.fid_kid_disagreement(*_pair(50.0, 2000.0), decomposed, t_mean=19.3)
    assert "The degree-3 term (-1779.0) does not measure non-Gaussian structure" in text
    decomposed["b"]["kid_gauss"] = 500.0
    text = reading.fid_kid_disagreement(*_pair(50.0, 2000.0), decomposed, t_mean=19.3)
    assert "With Gaussian stand-ins KID agrees with FID (900.0 against 500.0)" in text
    assert "non-Gaussian structure (the third and higher cumulants that the stand-ins drop)" in text


def test_helpers():
    assert reading.join_and([]) == "" and reading.join_and(["a"]) == "a"
    assert reading.join_and(["a", "b", "c"], "or") == "a, b or c"
    assert (
        reading.first_fall([1.0, 0.95, 0.8], 0.1) == 2
        and reading.first_fall([1.0, 1.0], 0.1) is None
    )
    rows = make_rows()
    assert reading.rank(rows, rows[6], "fid") == 1 and reading.rank(rows, rows[0], "fid") == 10
    assert reading.better_on(rows[6], rows[4]) == ["FID", "KID", "IS", "precision"]
