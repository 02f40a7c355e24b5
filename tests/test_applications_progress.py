"""Progress lines of chapter 07's long runs: restoration training and pretraining."""

import numpy as np

from genai_keras import recipes
from genai_keras.applications import finetune, restoration


def test_restoration_training_logs_every_epoch():
    x = np.zeros((16, 28, 28, 1), np.float32)
    x[:, 8:20, 12:15] = 1.0
    lines = []
    recipe = recipes.get("denoiser", fast=True).replace(
        filters=(4, 8), hidden_units=8, epochs=2, batch_size=8
    )
    restoration.train(recipe, images=x, log=lines.append)
    assert len(lines) == 2
    assert lines[0].startswith(f"{recipe.name}: epoch 1/2, loss ") and lines[1].startswith(
        f"{recipe.name}: epoch 2/2"
    )


def test_pretraining_logs_every_validation_point():
    text = "".join(
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
    lines = []
    finetune.compare(text, "BOB", 150, pre, tune, scratch, evals=2, log=lines.append)
    assert [line.split(":")[0] for line in lines[:2]] == [pre.name, pre.name]
    assert "2/4 updates" in lines[0] and "4/4 updates" in lines[1] and "validation" in lines[1]
    assert lines[2].startswith("pretrained on ") and lines[3].startswith("fine-tuned on ")
    assert lines[4].startswith("trained from scratch") and len(lines) == 5
