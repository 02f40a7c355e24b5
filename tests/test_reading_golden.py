"""The generated reading of chapter 04 compared whole, for a set of inputs that reach its
branches (issue 36: the fragment checks of test_reading.py let 150 changed words, numbers
and conditions through in the mutation run).

A wording change must be deliberate: re-generate the expected texts with
``python tests/test_reading_golden.py --update`` and read the diff before committing.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
from test_reading import LEVELS, RECIPES, UNITS, _pair, make_rows

from genai_keras.studies import reading

GOLDEN = Path(__file__).with_name("data") / "reading_golden.json"

_WORSE_GUIDED = {"fid": 30.0, "kid_mean": 200.0, "is_mean": 9.0, "precision": 0.5}
_FLOW_FLIP = {
    "flow_matching": {"fid": 10.0, "precision": 0.1, "recall": 0.67},
    "guided_flow_matching": {"is_mean": 9.0, "precision": 0.7, "recall": 0.6},
}
_TWO_STEP_RECIPES = copy.deepcopy(RECIPES)
_TWO_STEP_RECIPES["wgan_gp"]["model"] = {"d_steps": 2}


def _comparison(changes: dict, recipes: dict = RECIPES, recon_recall=None) -> list:
    lines, markdown = reading.comparison_bullets(
        make_rows(**changes), recipes, 9.81, recon_recall=recon_recall
    )
    return [lines, markdown]


COMPARISONS = {
    "table": lambda: _comparison({}),
    "dcgan_best_fid": lambda: _comparison({"dcgan": {"fid": 5.0}}),
    "wgan_better_fid": lambda: _comparison({"wgan_gp": {"fid": 50.0}}),
    "wgan_better_both": lambda: _comparison(
        {"wgan_gp": {"fid": 50.0, "is_mean": 9.0, "kid_mean": 100.0}}
    ),
    "wgan_better_is": lambda: _comparison({"wgan_gp": {"is_mean": 9.0}}),
    "wgan_two_steps": lambda: _comparison({}, _TWO_STEP_RECIPES),
    "no_recipes": lambda: _comparison({}, {}),
    "cvae_recon_low": lambda: _comparison({}, recon_recall=0.091),
    "cvae_recon_high": lambda: _comparison({}, recon_recall=0.6),
    "cvae_recall_high": lambda: _comparison(
        {"conditional_vae": {"recall": 0.5}}, recon_recall=0.091
    ),
    "guided_worse": lambda: _comparison({"guided_flow_matching": _WORSE_GUIDED}),
    "guided_mixed": lambda: _comparison({"guided_flow_matching": {"fid": 30.0, "precision": 0.5}}),
    "cgan_best": lambda: _comparison({"conditional_gan": {"fid": 10.0}}),
    "scgan_level": lambda: _comparison(
        {
            "self_conditioned_gan": {
                k: make_rows()[4][k] for k in ("fid", "kid_mean", "is_mean", "precision", "recall")
            }
        }
    ),
    "flow_flip": lambda: _comparison(_FLOW_FLIP),
    "mixture_worst_recall": lambda: _comparison({"bernoulli_mixture": {"recall": 0.0}}),
    "vae_kid_differs": lambda: _comparison({"vae": {"kid_mean": 3500.0}}),
}

_PR = {
    "noise": [(0.85, 0.85), (0.84, 0.5), (0.3, 0.1)],
    "mask": [(0.85, 0.85), (0.6, 0.84), (0.3, 0.5)],
}
_PR_FLIP = {
    "noise": [(0.85, 0.85), (0.84, 0.84), (0.84, 0.84)],
    "mask": [(0.85, 0.85), (0.6, 0.6), (0.3, 0.3)],
}
_IS = {"noise": [9.8, 9.7, 5.0], "mask": [9.8, 9.0, 5.0]}
_IS_FLAT = {"noise": [9.8, 9.7, 9.6], "mask": [9.8, 9.75, 9.7]}
_KID = {"noise": [1.0, 5.0, 9.0], "mask": [1.0, 0.5, 9.0]}
_KID_DOWN = {"noise": [3, 2, 1], "mask": [3, 2, 1]}
_KID_UP = {"noise": [1, 2, 3], "mask": [1, 2, 3]}
CORRUPTIONS = {
    "findings": lambda: list(reading.corruption_findings(LEVELS, UNITS, _PR, _IS, _KID)),
    "flipped": lambda: list(reading.corruption_findings(LEVELS, UNITS, _PR_FLIP, _IS, _KID_DOWN)),
    "is_flat_kid_up": lambda: list(
        reading.corruption_findings(LEVELS, UNITS, _PR, _IS_FLAT, _KID_UP)
    ),
}


def _decomposed(a_terms=(1.0, 10.0, 989.0), b_gauss=1800.0) -> dict:
    return {
        "a": {"terms": dict(zip((1, 2, 3), a_terms, strict=True)), "kid_gauss": 900.0},
        "b": {"terms": {1: 2.0, 2: 20.0, 3: 1978.0}, "kid_gauss": b_gauss},
    }


DISAGREEMENTS = {
    "same_order": lambda: reading.fid_kid_disagreement(
        *_pair(200.0, 2000.0), _decomposed(), t_mean=19.3
    ),
    "disagree": lambda: reading.fid_kid_disagreement(
        *_pair(50.0, 2000.0), _decomposed(), t_mean=19.3
    ),
    "degree3_minority": lambda: reading.fid_kid_disagreement(
        *_pair(50.0, 2000.0), _decomposed((1.0, 800.0, 199.0)), t_mean=19.3
    ),
    "gaussian_agrees": lambda: reading.fid_kid_disagreement(
        *_pair(50.0, 2000.0), _decomposed((1.0, 800.0, 199.0), 500.0), t_mean=19.3
    ),
}

CASES = {
    **{f"comparison/{k}": f for k, f in COMPARISONS.items()},
    **{f"corruption/{k}": f for k, f in CORRUPTIONS.items()},
    **{f"fid_kid/{k}": f for k, f in DISAGREEMENTS.items()},
}


def _expected() -> dict:
    return json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("case", sorted(CASES))
def test_reading_text_is_the_reviewed_text(case):
    expected = _expected()
    assert set(expected) == set(CASES), "re-generate: python tests/test_reading_golden.py --update"
    assert CASES[case]() == expected[case]


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    GOLDEN.write_text(json.dumps({k: f() for k, f in sorted(CASES.items())}, indent=1) + "\n")
    print(f"wrote {GOLDEN} ({len(CASES)} cases); read the diff before committing")
