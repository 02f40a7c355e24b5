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


def compile_function(fn, variables=None):
    del variables  # read by reference: tf.function sees their current values
    return tf.function(fn, jit_compile=True, reduce_retracing=True)


# ---------------------------------------------------------------- several devices
def _logical_devices():
    gpus = tf.config.list_logical_devices("GPU")
    return gpus or tf.config.list_logical_devices("CPU")


def list_devices():
    """The logical GPUs, or without any the logical CPUs (``"/device:CPU:0"``, ...)."""
    return [d.name for d in _logical_devices()]


def simulate_cpu_devices(count):
    """Split the CPU into ``count`` logical devices (before TensorFlow starts its runtime)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    )


def data_parallel_scope(num_devices):
    """``tf.distribute.MirroredStrategy`` over the first ``num_devices`` logical devices.

    Build and compile the model inside its scope: its variables become mirrored (one copy
    per device, initialised from the first), and Keras' ``fit`` then splits every batch
    between the replicas and sums their gradients."""
    # The strategy logs its device list at INFO, which TensorFlow prints in interactive
    # sessions (a notebook): callers report the devices themselves.
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("WARNING")
    try:
        strategy = tf.distribute.MirroredStrategy(devices=list_devices()[:num_devices])
    finally:
        logger.setLevel(level)
    return strategy.scope()


def scale_loss_for_replicas(loss):
    # Each replica sees batch / N examples and the strategy sums the replicas' gradients:
    # dividing each replica's mean loss by N makes that sum the gradient of the batch mean
    # (Keras does the same for its built-in losses; Keras' train_step multiplies the
    # logged loss back).
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


def draw_for_replica(draw, shape):
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    if replicas == 1:
        return draw(shape)
    # Every replica starts from the same seed: draw for the whole batch, keep this
    # replica's rows (the rows one device would have given these examples).
    local = shape[0]
    start = context.replica_id_in_sync_group * local
    return draw((local * replicas, *shape[1:]))[start : start + local]


# ---------------------------------------------------------------- the machine
def framework_version():
    return tf.__version__


def gpu_names():
    return [d.name for d in tf.config.list_physical_devices("GPU")]
