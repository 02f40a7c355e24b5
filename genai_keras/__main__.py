"""``python -m genai_keras run-notebooks ...``: see genai_keras.notebook_runner."""

import sys

from genai_keras.notebook_runner import main


def _run() -> int:
    try:
        return main()
    except KeyboardInterrupt:  # Ctrl-C outside a chapter (a run's own is handled by main)
        print("\ninterrupted (Ctrl-C)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(_run())
