"""Studies that read a chapter's measurements: write ``gk.studies.<module>``.

- :mod:`.reading`: turning measured scores into sentences, so the chapter's text always
  agrees with its numbers (chapter 04).
"""

from __future__ import annotations

from genai_keras.studies import reading

__all__ = ["reading"]
