"""``python -m genai_keras run-notebooks ...``: see genai_keras.notebook_runner;
``python -m genai_keras build-docs --out DIR``: see genai_keras.docs_build."""

import sys

from genai_keras.docs_build import main as build_docs
from genai_keras.notebook_runner import main


def _run() -> int:
    if sys.argv[1:2] == ["build-docs"]:  # the course website (Sphinx: the docs extra)
        return build_docs(sys.argv[2:])
    try:
        return main()
    except KeyboardInterrupt:  # Ctrl-C outside a chapter (a run's own is handled by main)
        print("\ninterrupted (Ctrl-C)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(_run())
