"""Recipe.describe: what the printed recipe lines say about the training data."""

import pytest

from genai_keras import recipes


def test_describe_says_the_data_it_is_given():
    r = recipes.get("augment_classifier", fast=False)
    assert r.describe() == (
        f"augment_classifier: {r.steps} steps on all training data, batch {r.batch_size}, seed 0"
    )
    line = r.describe(data="the N labelled digits")
    assert line.startswith(f"augment_classifier: {r.steps} steps on the N labelled digits, ")
    assert "all training data" not in line
    limited = recipes.get("denoiser", fast=False)
    assert f"on {limited.limit:,} training examples" in limited.describe()
    assert "on 5 digits" in limited.describe(
        data="5 digits"
    ) and "training examples" not in limited.describe(data="5 digits")
    assert recipes.get("denoiser", fast=True).describe(data="x").endswith("(fast mode)")
    with pytest.raises(ValueError, match="non-empty description"):
        r.describe(data="  ")
