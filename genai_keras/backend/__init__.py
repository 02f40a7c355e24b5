"""Backend-specific code, all of it, in one place (as Keras keeps ``keras/src/backend/``).

Everything else in genai_keras is ``keras.ops`` / ``keras.random`` and runs unchanged on
TensorFlow, JAX and PyTorch. What cannot be written with ``keras.ops`` is a gradient:
Keras 3 has no ``ops.grad``, and each backend computes gradients its own way
(``tf.GradientTape``, ``jax.grad`` on pure functions, ``torch.autograd``). So this
package offers three small verbs, implemented once per backend in
``tensorflow.py``, ``jax.py`` and ``torch.py``:

* :func:`minimize` -- one optimizer update of some variables on a loss written with
  ``keras.ops`` (the generator or discriminator half of a GAN step);
* :func:`input_gradient` -- the gradient of a scalar-valued function with respect to its
  *input* (the WGAN-GP penalty, the saturation demo of chapter 03), itself
  differentiable so that it can sit inside a loss;
* :func:`train_step` -- run a backend-neutral custom training step inside ``fit``
  (JAX's ``fit`` is stateless: the step gets the state and must return the new one).

and two helpers: :func:`compile_function` (XLA-compile an inference function called many
times: TensorFlow, and JAX when given the variables it reads) and
:func:`default_jit_compile` (what ``compile(jit_compile=...)`` should be on this backend).

Two queries describe the machine for chapter 00's environment check:
:func:`framework_versions` and :func:`gpu_names`.

Training on several devices (:mod:`genai_keras.distributed`, the appendix chapter 08)
uses four more: :func:`list_devices`, :func:`data_parallel_scope` (Keras'
``DataParallel`` on JAX, ``tf.distribute.MirroredStrategy`` on TensorFlow, a clear error
on PyTorch), :func:`scale_loss_for_replicas` and :func:`draw_for_replica` (what a model's
loss and noise need when replicas share a batch); :func:`simulate_cpu_devices` splits a
CPU into several devices for tests.

Models that train through ``compute_loss`` (the VAEs, the text transformer) need none
of this: Keras' own trainers differentiate them on every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras

from genai_keras.config import fast_mode

BACKENDS = ("tensorflow", "jax", "torch")
#: The backends with a data-parallel API (:func:`data_parallel_scope`).
DATA_PARALLEL_BACKENDS = ("jax", "tensorflow")
#: Why :func:`data_parallel_scope` refuses the other backends (PyTorch).
NO_DATA_PARALLEL = (
    "Keras' PyTorch backend has no data-parallel API that genai_keras can use: "
    "keras.distribution (DataParallel, ModelParallel) is implemented for JAX, and "
    "TensorFlow has tf.distribute.MirroredStrategy. Start Python or Jupyter with "
    "KERAS_BACKEND=jax or KERAS_BACKEND=tensorflow to train on several devices."
)


def name() -> str:
    """The Keras backend of this session: ``"tensorflow"``, ``"jax"`` or ``"torch"``."""
    return keras.backend.backend()


def _impl():
    """The implementation module of this session's backend (a plain import each)."""
    # Local on purpose: each module imports its framework (jax, torch), absent on other set-ups.
    backend = name()
    if backend == "tensorflow":
        from genai_keras.backend import tensorflow as impl
    elif backend == "jax":
        from genai_keras.backend import jax as impl
    elif backend == "torch":
        from genai_keras.backend import torch as impl
    else:
        raise RuntimeError(
            f"genai_keras supports the Keras backends {', '.join(BACKENDS)}; this "
            f"session uses {backend!r}. Set KERAS_BACKEND before starting Python."
        )
    return impl


def framework_versions() -> dict[str, str]:
    """The version of the framework under Keras, e.g. ``{"tensorflow": "2.19.0"}`` (empty on
    a backend genai_keras does not support)."""
    if name() not in BACKENDS:
        return {}
    return {name(): _impl().framework_version()}


def gpu_names() -> list[str]:
    """The GPUs the backend's framework sees, by name (empty: CPU only)."""
    if name() not in BACKENDS:
        return []
    return list(_impl().gpu_names())


def minimize(
    optimizer: keras.optimizers.Optimizer,
    variables: Sequence[Any],
    loss_fn: Callable[[], tuple[Any, Any]],
) -> tuple[Any, Any]:
    """One optimizer step on ``variables`` to lower ``loss_fn()``'s scalar loss.

    Args:
        optimizer: a built Keras optimizer that owns ``variables``.
        variables: the trainable variables to update (e.g. ``D.trainable_variables``).
        loss_fn: a function of no arguments returning ``(loss, aux)``: a scalar tensor
            written with ``keras.ops`` and anything else to pass out (tensors).

    Returns:
        ``(loss, aux)`` as computed before the update.
    """
    return _impl().minimize(optimizer, list(variables), loss_fn)


def input_gradient(fn: Callable[[Any], Any], x: Any) -> Any:
    """Gradient of ``sum(fn(x))`` with respect to ``x``, same shape as ``x``.

    The result is itself differentiable (with respect to the variables ``fn`` reads),
    so a loss may contain it, as the WGAN-GP gradient penalty does. Summing first gives
    per-example gradients when examples do not interact (no batch normalisation).
    """
    return _impl().input_gradient(fn, x)


def train_step(model: keras.Model, step: Callable[[Any], dict], *args: Any):
    """Run ``step(data) -> logs`` as the body of ``model.train_step``.

    Call it from ``train_step(self, *args)`` with the arguments Keras passed:
    ``(data,)`` on TensorFlow and PyTorch, ``(state, data)`` on JAX, whose ``fit`` is
    stateless. The step itself is written as ordinary stateful Keras code (calling
    layers, :func:`minimize`, ``variable.assign``); on JAX it runs inside a
    ``keras.StatelessScope`` holding the state, and the new state is collected from it.
    """
    return _impl().train_step(model, step, *args)


def compile_function(fn: Callable, variables: Sequence[Any] | None = None) -> Callable:
    """``fn`` compiled with XLA where that helps an inference loop, else ``fn``.

    ``fn`` reads model variables, whose values may change between calls (training goes
    on). TensorFlow compiles it with ``tf.function(jit_compile=True)``, which reads
    variables by reference. JAX compiles it with ``jax.jit`` when ``variables`` (every
    variable ``fn`` reads, e.g. ``model.variables``) are given: their current values are
    passed in at each call; without them ``fn`` runs eagerly. PyTorch runs it eagerly.
    """
    return _impl().compile_function(fn, variables)


def default_jit_compile() -> bool:
    """What ``Model.compile(jit_compile=...)`` should be here: XLA on TensorFlow and JAX;
    off on PyTorch (``torch.compile`` costs more than it saves for these small models).

    In fast mode (:func:`genai_keras.config.fast_mode`) TensorFlow skips XLA too: compiling
    a model costs about 4 s on a CPU, more than the few steps of a fast run save (its
    ``tf.function`` graphs still run). JAX keeps ``jit``: without it every op runs eagerly.
    """
    if name() == "tensorflow":
        return not fast_mode()
    return name() == "jax"


def widest_float() -> str:
    """``"float64"`` where this backend computes in it; ``"float32"`` on JAX without
    ``jax_enable_x64`` (where asking for float64 only truncates, with a warning)."""
    supports = getattr(_impl(), "supports_float64", None)
    return "float64" if supports is None or supports() else "float32"


def list_devices() -> list[str]:
    """The accelerators this backend can train on (the CPU when there are none)."""
    return list(_impl().list_devices())


def data_parallel_scope(num_devices: int | None = None):
    """A context manager in which a model is built, compiled and ``fit`` data-parallel.

    Every device holds a copy of the weights and processes ``batch_size / num_devices``
    examples of each batch; the gradients are combined before the update, so training
    follows the same path as on one device with the same global batch.

    Args:
        num_devices: how many of :func:`list_devices` to use (None: all).

    Raises:
        ValueError: more devices than there are, or fewer than one.
        NotImplementedError: on PyTorch (the message says what to use instead).
    """
    if name() not in DATA_PARALLEL_BACKENDS:
        raise NotImplementedError(NO_DATA_PARALLEL)
    impl = _impl()
    available = impl.list_devices()
    count = len(available) if num_devices is None else num_devices
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(available):
        raise ValueError(
            f"num_devices must be an integer from 1 to {len(available)} (the devices "
            f"{name()} sees: {', '.join(available)}), got {num_devices!r}."
        )
    return impl.data_parallel_scope(count)


def scale_loss_for_replicas(loss: Any) -> Any:
    """A model's mean loss as its share of the update when several replicas each see part
    of the batch (``tf.distribute``: divided by the number of replicas); unchanged
    elsewhere. ``compute_loss`` overrides call it on their result, as Keras' own losses do."""
    return _impl().scale_loss_for_replicas(loss)


def draw_for_replica(draw: Callable[[tuple], Any], shape: Sequence[Any]) -> Any:
    """``draw(shape)``: random numbers for a batch of ``shape[0]`` examples, such that
    replicas sharing a batch together draw what one device draws for the whole of it.

    ``draw`` samples with a ``keras.random.SeedGenerator`` (e.g. ``lambda s:
    keras.random.normal(s, seed=self.seed_generator)``). Under ``tf.distribute`` every
    replica would start from the same seed state and draw identical numbers for different
    examples; there each replica draws for the whole batch and keeps its own rows. JAX
    runs one program over the whole batch and needs nothing.
    """
    return _impl().draw_for_replica(draw, tuple(shape))


def simulate_cpu_devices(count: int) -> None:
    """Make the CPU appear as ``count`` devices, to try data parallelism without accelerators.

    TensorFlow: call it before anything runs (it splits the CPU into logical devices);
    JAX: it checks the count, which JAX reads from ``XLA_FLAGS`` when it starts.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}.")
    if name() not in DATA_PARALLEL_BACKENDS:
        raise NotImplementedError(NO_DATA_PARALLEL)
    _impl().simulate_cpu_devices(count)


class OptimizerPair:
    """Two optimizers that ``fit`` carries as one: a GAN's discriminator and generator
    optimizers.

    Keras' trainers know one ``model.optimizer``. On JAX, ``fit`` threads exactly
    ``model.optimizer.variables`` through its stateless step, so a second optimizer's
    moments would be frozen into the compiled function. A GAN therefore sets
    ``model.optimizer = OptimizerPair(d_optimizer, g_optimizer)``: its ``variables``
    are both optimizers' variables, in that order, so JAX's ``fit`` passes both in the
    state, and the step updates each with :func:`minimize`. On TensorFlow and PyTorch
    the pair only groups the two.

    Args:
        first, second: built ``keras.optimizers.Optimizer`` instances.
    """

    built = True

    def __init__(self, first: keras.optimizers.Optimizer, second: keras.optimizers.Optimizer):
        if first is second:
            raise ValueError(
                "Give the two networks two separate optimizer instances (each "
                "keeps its own moment estimates)."
            )
        self.first, self.second = first, second

    @property
    def variables(self) -> list:
        return list(self.first.variables) + list(self.second.variables)

    @property
    def iterations(self):
        """Steps of the second optimizer (for a GAN: generator updates)."""
        return self.second.iterations

    def build(self, variables: Sequence[Any]) -> None:  # both are built by the model
        del variables

    def scale_loss(self, loss: Any) -> Any:
        return loss
