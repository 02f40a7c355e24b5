"""``python -m genai_keras run-notebooks ...``: see genai_keras.course."""

import sys

from genai_keras.course import main

if __name__ == "__main__":
    sys.exit(main())
