"""Import Keras without TensorFlow's start-up banner when the user asked for quiet logs.

TensorFlow prints "Could not find cuda drivers ..." from C++ before its logging is set
up, so ``TF_CPP_MIN_LOG_LEVEL=3`` does not hide it and it lands in every notebook. When
that variable is 3 (the tests and the committed notebooks set it), the first
``import keras`` runs with the process's stderr sent to /dev/null. Errors raised by the
import itself are Python exceptions and still reach the user.
"""

from __future__ import annotations

import os
import sys


def import_keras_quietly() -> None:
    if "keras" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "3":
        return
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (some embedded interpreters)
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        import keras  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
