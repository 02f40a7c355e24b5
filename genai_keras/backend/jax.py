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
from keras import StatelessScope
from keras.src.backend.common.stateless_scope import get_stateless_scope


def _copy_scope(outer):
    """A new scope starting from ``outer``'s current values (or an empty one)."""
    inner = StatelessScope()
    if outer is not None:
        inner.state_mapping = dict(outer.state_mapping)
    return inner


def minimize(optimizer, variables, loss_fn):
    outer = get_stateless_scope()
    if outer is None:
        raise RuntimeError("On JAX, minimize() runs inside a training step: call it from a "
                           "step passed to genai_keras.backend.train_step (e.g. in GAN.fit).")
    values = [v.value for v in variables]

    def loss_of(new_values):
        inner = _copy_scope(outer)
        for v, value in zip(variables, new_values):
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
    groups = (model.trainable_variables, model.non_trainable_variables,
              model.optimizer.variables if model.optimizer is not None else [],
              model.metrics_variables)
    mapping = [(v, value) for refs, values in zip(groups, state) for v, value in zip(refs, values)]
    with StatelessScope(state_mapping=mapping) as scope:
        logs = step(data)
    new_state = tuple([scope.get_current_value(v) for v in refs] for refs in groups)
    del trainable, non_trainable, optimizer_values, metrics
    return logs, new_state


def compile_function(fn):
    return fn
