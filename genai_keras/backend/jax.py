"""JAX implementations of :mod:`genai_keras.backend`.

JAX differentiates pure functions, and Keras' JAX ``fit`` is stateless: ``train_step``
receives the state (every variable's value) and returns the new state. Following the
advice of the Keras authors, the step opens a ``keras.StatelessScope`` holding that
state and then runs as ordinary stateful Keras code: variable reads see the scope's
values, ``assign`` records new ones. :func:`minimize` differentiates by re-running
the loss in an inner scope where the chosen variables are the arguments of
``jax.value_and_grad``, then applies the optimizer inside the outer scope.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import keras
from keras import StatelessScope


def get_stateless_scope():
    """The active ``keras.StatelessScope`` (JAX's stateless ``fit`` runs in one), or None.

    Keras has no public getter for it: this is the package's only import from
    ``keras.src`` (private), kept here and checked against the installed Keras by
    ``tests/test_backends.py`` (a Keras upgrade that moves it fails there, by name).
    """
    from keras.src.backend.common.stateless_scope import get_stateless_scope as current

    return current()


def _copy_scope(outer):
    """A new scope starting from ``outer``'s current values (or an empty one)."""
    inner = StatelessScope()
    if outer is not None:
        inner.state_mapping = dict(outer.state_mapping)
    return inner


def minimize(optimizer, variables, loss_fn):
    outer = get_stateless_scope()
    if outer is None:
        raise RuntimeError(
            "On JAX, minimize() runs inside a training step: call it from a "
            "step passed to genai_keras.backend.train_step (e.g. in GAN.fit)."
        )
    values = [v.value for v in variables]

    def loss_of(new_values):
        inner = _copy_scope(outer)
        for v, value in zip(variables, new_values, strict=True):
            inner.state_mapping[id(v)] = value
        with inner:
            loss, aux = loss_fn()
        return loss, (aux, inner.state_mapping)

    (loss, (aux, mapping)), grads = jax.value_and_grad(loss_of, has_aux=True)(values)
    # Keep what the loss changed (random-seed states, batch-norm statistics, metrics),
    # but not the variables being differentiated (they are updated below).
    differentiated = {id(v) for v in variables}
    for key, value in mapping.items():
        if key not in differentiated:
            outer.state_mapping[key] = value
    optimizer.apply(grads, variables)
    return loss, aux


def input_gradient(fn, x):
    outer = get_stateless_scope()

    def total(v):
        # A throw-away scope: updates made while differentiating (e.g. a dropout seed)
        # are discarded rather than leaking inner tracers into the outer state.
        with _copy_scope(outer):
            return jnp.sum(fn(v))

    return jax.grad(total)(jnp.asarray(x))


def train_step(model, step, state, data):
    trainable, non_trainable, optimizer_values, metrics = state
    groups = (
        model.trainable_variables,
        model.non_trainable_variables,
        model.optimizer.variables if model.optimizer is not None else [],
        model.metrics_variables,
    )
    mapping = [
        (v, value)
        for refs, values in zip(groups, state, strict=True)
        for v, value in zip(refs, values, strict=True)
    ]
    with StatelessScope(state_mapping=mapping) as scope:
        logs = step(data)
    new_state = tuple([scope.get_current_value(v) for v in refs] for refs in groups)
    del trainable, non_trainable, optimizer_values, metrics
    return logs, new_state


def compile_function(fn, variables=None):
    """``fn`` under ``jax.jit`` when the variables it reads are given, else ``fn`` (eager).

    ``jax.jit`` bakes the values a closure reads into the compiled program, so the
    variables' current values are passed in at every call and ``fn`` runs in a
    ``keras.StatelessScope`` that maps each variable to its argument: later weight
    updates are seen, and nothing ``fn`` assigns leaks out. A new input shape compiles
    again (once per shape).
    """
    if variables is None:
        return fn
    variables = list(variables)

    @jax.jit
    def pure(values, args):
        with StatelessScope(state_mapping=list(zip(variables, values, strict=True))):
            return fn(*args)

    def call(*args):
        return pure([v.value for v in variables], args)

    return call


# ---------------------------------------------------------------- several devices
def supports_float64():
    return bool(jax.config.jax_enable_x64)


def list_devices():
    """The devices Keras' distribution API sees (``"cpu:0"``, ``"gpu:0"``, ...)."""
    return keras.distribution.list_devices()


def cpu_devices_env(count: int, xla_flags: str = "") -> dict[str, str]:
    """The environment variables a new JAX process needs to run on the CPU split into
    ``count`` devices: ``JAX_PLATFORMS=cpu`` and ``XLA_FLAGS`` (``xla_flags``, the flags
    already set, followed by ``--xla_force_host_platform_device_count=count``). JAX reads
    them when it starts, so they are set before Python starts (as
    :func:`genai_keras.distributed.compare_to_single_device` does for its subprocesses)."""
    flag = f"--xla_force_host_platform_device_count={count}"
    return {"JAX_PLATFORMS": "cpu", "XLA_FLAGS": f"{xla_flags} {flag}".strip()}


def simulate_cpu_devices(count):
    """Check that the CPU shows ``count`` devices. JAX fixes its devices when it starts, from
    ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` (:func:`cpu_devices_env`)."""
    found = len(jax.devices("cpu"))
    if found < count:
        raise RuntimeError(
            f"JAX sees {found} CPU device(s), not {count}: start Python with "
            f"XLA_FLAGS=--xla_force_host_platform_device_count={count}."
        )


def data_parallel_scope(num_devices):
    """Keras' own data parallelism: ``keras.distribution.DataParallel`` over the first
    ``num_devices`` devices. Its ``scope()`` sets it as the global distribution
    (``keras.distribution.set_distribution``) until the block ends: variables created
    inside are replicated on every device and ``fit`` splits each batch between them."""
    distribution = keras.distribution.DataParallel(devices=list_devices()[:num_devices])
    return distribution.scope()


def scale_loss_for_replicas(loss):
    # One program sees the whole batch (XLA splits it): the mean needs no correction.
    return loss


def draw_for_replica(draw, shape):
    return draw(shape)


# ---------------------------------------------------------------- the machine
def framework_version():
    return jax.__version__


def gpu_names():
    return [str(d) for d in jax.devices() if d.platform == "gpu"]
