"""TensorFlow implementations of :mod:`genai_keras.backend` (``tf.GradientTape``)."""

from __future__ import annotations

import tensorflow as tf


def minimize(optimizer, variables, loss_fn):
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
    grads = tape.gradient(loss, variables)
    optimizer.apply(grads, variables)
    return loss, aux


def input_gradient(fn, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:  # nested in an outer tape, the result stays differentiable
        tape.watch(x)
        total = tf.reduce_sum(fn(x))
    return tape.gradient(total, x)


def train_step(model, step, data):
    del model
    return step(data)


def compile_function(fn):
    return tf.function(fn, jit_compile=True, reduce_retracing=True)
