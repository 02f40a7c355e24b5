"""Progress lines of chapter 07's long runs: restoration training."""

import numpy as np

from genai_keras import recipes
from genai_keras.applications import restoration


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


# Pretraining's progress lines: test_applications.py::test_fine_tuning_compare_few_steps
# (one fine-tuning comparison checks both its results and its lines).
