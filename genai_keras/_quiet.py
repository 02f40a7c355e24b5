"""Keep TensorFlow's C++ start-up lines out of notebooks.

TensorFlow prints "Could not find cuda drivers ...", oneDNN notes and "failed call to
cuInit" from C++ when it is first imported, before its logging is set up, so
``TF_CPP_MIN_LOG_LEVEL=3`` does not hide them. Two imports trigger it: the first
``import keras`` on the TensorFlow backend, and ``keras.utils.set_random_seed`` on the
JAX and PyTorch backends (it seeds TensorFlow too when it is installed, for
``tf.data``). Both run with the process's stderr sent to /dev/null; errors raised by
the import itself are Python exceptions and still reach the user.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def silenced_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the block (C++ logs included)."""
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (some embedded interpreters)
        yield
        return
    try:
        sys.stderr.flush()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_keras_quietly() -> None:
    """The first ``import keras``, silenced when ``TF_CPP_MIN_LOG_LEVEL=3``."""
    if "keras" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "3":
        return
    with silenced_stderr():
        import keras  # noqa: F401


def seed_keras_quietly(seed: int) -> None:
    """``keras.utils.set_random_seed`` without TensorFlow's start-up lines on other backends."""
    import keras

    if "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
        return
    with silenced_stderr():
        keras.utils.set_random_seed(seed)
