"""Issue 23's machinery: the fast-mode switch, the run-time header, per-cell times, the
WGAN-GP critic's fresh real batches and the progress hooks of long computations."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import keras
import nbformat
import numpy as np
import pytest
from keras import ops

import genai_keras as gk
from genai_keras.models import gan
from genai_keras.notebook_runner import cell_seconds, notebook_seconds

ROOT = Path(__file__).resolve().parents[1]


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- FAST = True inside a notebook -------------------------------------------------------
def test_set_fast_mode_switches_the_recipes(monkeypatch):
    monkeypatch.delenv("GENAI_KERAS_FAST", raising=False)
    assert not gk.fast_mode() and not gk.recipes.get("dcgan").fast
    gk.set_fast_mode(True)
    assert gk.fast_mode() and gk.recipes.get("dcgan").fast
    gk.set_fast_mode(False)
    assert not gk.fast_mode() and not gk.recipes.get("dcgan").fast


def test_set_fast_mode_refuses_a_string(monkeypatch):
    monkeypatch.delenv("GENAI_KERAS_FAST", raising=False)
    with pytest.raises(TypeError, match="True or False"):
        gk.set_fast_mode("yes")


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb")),
    ids=lambda p: f"{p.parent.name}/{p.name[:2]}",
)
def test_parameters_cell_holds_only_what_papermill_may_override(path):
    """Sizes derived from FAST are computed after the tagged cell (where papermill injects
    its values), and that next cell applies FAST to the package first."""
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    code = [
        line
        for line in nb.cells[index].source.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "import ", "from "))
    ]
    assert all(line.split("=")[0].strip() in ("FAST", "SEED") for line in code), code
    assert nb.cells[index + 1].source.startswith("gk.set_fast_mode(FAST)")


# -- run times read from a notebook's own timestamps ---------------------------------------
def _timed_notebook() -> dict:
    def cell(start: str, end: str, text: str) -> dict:
        return {
            "cell_type": "code",
            "source": "",
            "metadata": {"execution": {"iopub.execute_input": start, "shell.execute_reply": end}},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": text}],
        }

    return {
        "cells": [
            {"cell_type": "markdown", "source": "# Chapter 99: test\n\nIntro.", "metadata": {}},
            cell("2026-01-01T00:00:00Z", "2026-01-01T00:00:02Z", "one line\n"),
            cell("2026-01-01T00:00:02Z", "2026-01-01T00:02:02Z", "a\rb\rc\nd\n"),
        ]
    }


def test_cell_seconds_and_notebook_seconds():
    nb = _timed_notebook()
    assert cell_seconds(nb) == [(1, 2.0, 1), (2, 120.0, 4)]
    assert notebook_seconds(nb) == 122.0
    assert notebook_seconds({"cells": [{"cell_type": "code", "metadata": {}}]}) is None


def test_cell_times_flags_a_quiet_long_cell(tmp_path, capsys):
    script = _load_script("cell_times")
    nb = _timed_notebook()
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    assert script.main(["--over", "30", str(path)]) == 0  # 4 lines in 120 s: enough
    nb["cells"][2]["outputs"][0]["text"] = "done\n"
    path.write_text(json.dumps(nb))
    assert script.main(["--over", "30", str(path)]) == 1  # 1 line in 120 s: quiet
    assert "QUIET" in capsys.readouterr().out


def test_header_states_the_saved_runs_time_and_is_idempotent():
    script = _load_script("sync_notebook_headers")
    nb = nbformat.from_dict(_timed_notebook())
    url = "https://github.com/owner/repo"
    once = script.synced(nb, "99_test.ipynb", url, fast={"99_test.ipynb": 40.0})
    title = once.cells[0].source
    assert (
        "*Run time: about 2 min with the default settings" in title
        and "about 40 s in fast mode" in title
    )
    assert title.index("# Chapter 99") < title.index("*Run time") < title.index("Intro.")
    assert script.synced(once, "99_test.ipynb", url, fast={"99_test.ipynb": 40.0}) == once
    shorter = _timed_notebook()
    shorter["cells"] = [dict(once.cells[0]), shorter["cells"][1]]  # the saved run: one 2-s cell
    slower = script.synced(nbformat.from_dict(shorter), "99_test.ipynb", url, fast={})
    assert "about 2 s with the default settings" in slower.cells[0].source
    assert slower.cells[0].source.count("*Run time") == 1


# -- WGAN-GP: each critic step on its own slice of real data -------------------------------
class _RecordingGAN(gan.GAN):
    def discriminator_objective(self, real, labels=None):
        self.seen.append(ops.convert_to_numpy(real).copy())
        return super().discriminator_objective(real, labels)


@pytest.mark.parametrize("split", [True, False])
def test_split_batch_gives_each_critic_step_fresh_data(split):
    keras.utils.set_random_seed(0)
    model = _RecordingGAN(
        gan.build_mlp_generator(4, 1, 8),
        gan.build_mlp_discriminator(1, 8),
        loss="wgan-gp",
        d_steps=2,
        split_batch=split,
        images=False,
        seed=0,
    )
    model.seen = []
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-3),
        g_optimizer=keras.optimizers.Adam(1e-3),
        run_eagerly=True,
    )
    data = np.arange(8, dtype="float32")[:, None]
    model.fit(data, epochs=1, batch_size=8, shuffle=False, verbose=0)
    first, second = model.seen[:2]
    if split:
        assert first.shape == (4, 1) and second.shape == (4, 1)
        np.testing.assert_array_equal(np.concatenate([first, second]), data)
    else:
        assert first.shape == (8, 1)
        np.testing.assert_array_equal(first, second)
    assert gan.GAN.from_config(model.get_config()).split_batch is split


def test_wgan_gp_model_built_from_its_recipe_has_the_papers_settings():
    """Gulrajani et al. 2017: 5 critic steps per generator step (each on its own 64
    images), Adam with lr 1e-4, beta_1 0, beta_2 0.9, constant: read off the built model."""
    r = gk.recipes.get("wgan_gp", fast=False)
    model = gan.build(r, total_steps=1000)
    assert (model.loss_name, model.d_steps, model.split_batch) == ("wgan-gp", 5, True)
    assert r.batch_size // model.d_steps == 64
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(1e-4)  # no decay to zero
        assert (optimizer.beta_1, optimizer.beta_2) == (0.0, 0.9)


# -- progress lines -------------------------------------------------------------------------
def test_collapse_study_logs_progress():
    lines = []
    gk.studies.collapse.train_and_score(
        self_conditioned=False,
        seed=0,
        num_samples=300,
        setting=dict(limit=256, epochs=5),
        log=lines.append,
    )
    assert lines == ["plain MLP GAN, seed 0, epoch 5: " + lines[0].split("epoch 5: ")[1]]
    assert "largest class" in lines[0]


# -- no warning from float64 inputs (JAX without x64 used to truncate them loudly) ---------
def test_float64_inputs_raise_no_backend_warning():
    import warnings

    from genai_keras import distributions as D

    grid = np.linspace(-6, 6, 50)  # float64, as np.linspace and np.arange give
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # JAX's float64 truncation warning
        density = np.exp(D.normal_log_prob(grid, 0.0, 1.0))
        counts = ops.convert_to_numpy(D.poisson_sample(4.0, shape=500, seed=0))
        D.poisson_log_prob(np.arange(0, 21.0), 4.0)
    assert abs(density.sum() * (grid[1] - grid[0]) - 1.0) < 1e-3
    assert 3.5 < counts.mean() < 4.5
    assert gk.backend.widest_float() in ("float32", "float64")
