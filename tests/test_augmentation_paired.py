"""Paired per-seed differences of the augmentation experiment (chapter 07)."""

import numpy as np
import pytest

from genai_keras.applications import augmentation


def _results(base, other, variant="generated"):
    def entry(a):
        std = float(np.std(a, ddof=1)) if len(a) > 1 else 0.0
        return {"mean": float(np.mean(a)), "std": std, "seeds": list(a)}

    return {"100": {"none": entry(base), variant: entry(other)}}


def test_paired_standard_error_sees_what_the_unpaired_one_hides():
    # The seeds differ a lot (the draw of N digits), the variant is 1 point better in every seed.
    base = np.array([0.70, 0.80, 0.90, 0.75, 0.85])
    other = base + np.array([0.011, 0.009, 0.010, 0.012, 0.008])
    res = _results(base, other)
    out = augmentation.paired_differences(res)["100"]["generated"]
    diff = other - base
    assert out["mean"] == pytest.approx(diff.mean())
    assert out["se"] == pytest.approx(diff.std(ddof=1) / np.sqrt(5))
    assert out["differences"] == pytest.approx(list(diff))
    assert out["verdict"] == "helps"
    # Treated as independent samples, the same numbers show nothing: SE ~ 3.5 points.
    unpaired_se = np.hypot(res["100"]["generated"]["std"], res["100"]["none"]["std"]) / np.sqrt(5)
    assert out["mean"] < 2 * unpaired_se and out["se"] < unpaired_se / 10


def test_paired_verdicts_hurts_and_not_distinguishable():
    base = np.array([0.70, 0.80, 0.90, 0.75, 0.85])
    hurts = augmentation.paired_differences(_results(base, base - [0.02, 0.03, 0.02, 0.025, 0.03]))
    assert hurts["100"]["generated"]["verdict"] == "hurts"
    mixed = augmentation.paired_differences(
        _results(base, base + np.array([0.02, -0.02, 0.01, -0.01, 0.0]))
    )
    assert mixed["100"]["generated"]["verdict"] == "not distinguishable"
    assert "none" not in mixed["100"]


def test_paired_differences_check_their_input():
    base = np.array([0.7, 0.8, 0.9])
    with pytest.raises(ValueError, match="no 'none' results"):
        augmentation.paired_differences({"100": {"generated": {"seeds": [0.1, 0.2]}}})
    with pytest.raises(ValueError, match="at least 2 seeds"):
        augmentation.paired_differences(_results(base[:1], base[:1]))
    res = _results(base, base)
    res["100"]["generated"]["seeds"] = [0.7, 0.8]
    with pytest.raises(ValueError, match="'generated' has 2 seeds, 'none' has 3"):
        augmentation.paired_differences(res)
