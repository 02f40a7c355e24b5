"""The CUDA-like NumPy guard and GPU-like precision used by CI's PyTorch step.

Each check runs in a fresh Python process with ``KERAS_BACKEND=torch``, whatever this
process's backend, so the module runs once: in the PyTorch suite (CI's step 2). The guard
must refuse exactly what a CUDA tensor refuses and allow what works on a GPU, and the
package must follow the rule of ``genai_keras/arrays.py`` (NumPy in, NumPy out; plotting
and metrics accept tensors).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

GUARD_DIR = Path(__file__).resolve().parent / "numpy_guard"

pytest.importorskip("torch")
pytestmark = pytest.mark.backends(
    "torch", reason="every check starts its own PyTorch process: run once, in the PyTorch suite"
)


def run_torch(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = dict(
        os.environ,
        KERAS_BACKEND="torch",
        PYTHONPATH=str(GUARD_DIR),
        GENAI_KERAS_NUMPY_GUARD="1",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    environment.pop("GENAI_KERAS_REDUCED_PRECISION", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_guard_refuses_implicit_conversion_and_allows_the_rule():
    result = run_torch("""
        import numpy as np, keras, torch
        from keras import ops
        import genai_keras as gk
        x = ops.ones((3,))
        assert torch.Tensor._genai_keras_guarded
        refused = 0
        for convert in (np.asarray, np.array, np.exp, lambda t: t.numpy(),
                        lambda t: np.concatenate([t])):
            try:
                convert(x)
            except TypeError as err:
                assert "convert_to_numpy" in str(err)
                refused += 1
        assert refused == 5, refused
        # what works on a GPU works here
        assert ops.convert_to_numpy(x).tolist() == [1.0, 1.0, 1.0]
        assert x.cpu().numpy().tolist() == [1.0, 1.0, 1.0]
        assert float(x[0]) == 1.0 and x.tolist() == [1.0, 1.0, 1.0]
        np.asarray(x.detach().cpu())
        # .cpu() of a CPU tensor must not make the tensor itself convertible
        try:
            np.asarray(x)
            raise SystemExit("the tensor converted after .cpu() of it")
        except TypeError:
            pass
        assert gk.arrays.to_numpy([x, x]).shape == (2, 3)
        print("ok")
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_guard_catches_a_planted_numpy_conversion():
    result = run_torch("""
        import numpy as np
        from keras import ops

        def planted(images):               # the bug CUDA finds: a tensor handed to NumPy
            return np.asarray(images).mean()

        planted(ops.ones((2, 2)))
    """)
    assert result.returncode != 0
    assert "TypeError: can't convert cuda:0 device type tensor to numpy" in result.stderr


def test_guard_is_off_without_the_variable():
    result = run_torch(
        """
        import numpy as np
        from keras import ops
        print(float(np.asarray(ops.ones((2,))).sum()))
    """,
        GENAI_KERAS_NUMPY_GUARD="0",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "2.0"


def test_package_returns_numpy_for_numpy_and_plots_tensors_under_the_guard():
    result = run_torch("""
        import matplotlib
        matplotlib.use("Agg")
        import numpy as np
        from keras import ops
        import genai_keras as gk
        D = gk.distributions
        grid = np.linspace(-3, 3, 7)
        for value in (D.normal_log_prob(grid, 0.0, 1.0),
                      D.bernoulli_log_prob(np.ones(3), probs=np.full(3, 0.5)),
                      D.poisson_log_prob(np.arange(3.0), 2.0), D.kl_normal(0.0, 0.0, 1.0, 0.0),
                      D.normal_sample(0.0, 1.0, shape=4, seed=0),
                      D.categorical_sample(np.zeros(3), 5, seed=0),
                      gk.losses.kl_to_standard_normal(np.zeros((2, 3)), np.zeros((2, 3)))):
            assert isinstance(value, np.ndarray), type(value)
        np.exp(D.normal_log_prob(grid, 0.0, 1.0))       # chapter 01's first figure
        # tensors in: tensors out (losses inside a training step)
        assert not isinstance(D.normal_log_prob(ops.ones(3), 0.0, 1.0), np.ndarray)
        tensor_images = ops.ones((4, 28, 28, 1)) * 0.5
        gk.plotting.show_images(tensor_images, ncols=4, title="tensors")
        gk.plotting.plot_curve_family(ops.linspace(0, 1, 5), {"a": ops.ones(5)}, title="t",
                                      xlabel="x", ylabel="y")
        print("ok")
    """)
    assert result.returncode == 0, result.stderr[-3000:]


def test_reduced_precision_rounds_torch_products_like_tf32():
    result = run_torch(
        """
        import numpy as np, torch
        from keras import ops
        a = np.random.default_rng(0).standard_normal((64, 64)).astype("float32")
        reduced = ops.convert_to_numpy(ops.matmul(a, a))
        error = np.abs(reduced - a.astype(np.float64) @ a).max() / np.abs(a @ a).max()
        assert torch._genai_keras_reduced_precision == "tf32"
        assert 1e-5 < error < 2e-3, error          # TF32: about 3 decimal digits
        print(error)
    """,
        GENAI_KERAS_REDUCED_PRECISION="tf32",
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_reduced_precision_keeps_gradients():
    """The rounding is straight-through: models still train (a bug here stops every fit)."""
    result = run_torch(
        """
        import numpy as np, keras
        x = np.random.default_rng(0).standard_normal((256, 4)).astype("float32")
        y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
        history = model.fit(x, y, epochs=30, batch_size=64, verbose=0).history["loss"]
        assert history[-1] < 0.01 * history[0], history
        print("ok")
    """,
        GENAI_KERAS_REDUCED_PRECISION="tf32",
    )
    assert result.returncode == 0, result.stderr[-3000:]
