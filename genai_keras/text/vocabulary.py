"""Characters <-> integer ids: :class:`CharVocabulary` and its unknown symbol.

Used in chapter 05.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

UNKNOWN_CHAR = "\ufffd"  # the Unicode replacement character, used as the unknown symbol


class CharVocabulary:
    """A fixed set of characters, each with an integer id in ``[0, size)``.

    Ids follow the sorted order of the characters, so a vocabulary built from the same
    text always gives the same ids. Characters outside the vocabulary are never
    silently dropped: ``encode`` raises by default, or maps them to an explicit
    unknown id when the vocabulary was built with ``add_unknown=True`` and
    ``encode(..., errors="replace")`` is asked for.

    Used in chapter 05.

    Args:
        chars: the characters (a string or a sequence of one-character strings);
            duplicates are removed.
        add_unknown: add one extra symbol, ``UNKNOWN_CHAR`` (U+FFFD), with id
            ``size - 1``, for characters not seen when the vocabulary was built.

    Raises:
        ValueError: no characters, or an entry that is not a single character.
    """

    def __init__(self, chars: str | Sequence[str], add_unknown: bool = False):
        items = list(chars)
        if not items:
            raise ValueError("A vocabulary needs at least one character; got an empty list.")
        bad = [c for c in items if not isinstance(c, str) or len(c) != 1]
        if bad:
            raise ValueError(f"Every vocabulary entry must be a single character; got {bad[:5]!r}.")
        symbols = sorted(set(items) - {UNKNOWN_CHAR})
        self.add_unknown = bool(add_unknown)
        if self.add_unknown:
            symbols.append(UNKNOWN_CHAR)
        self.chars: str = "".join(symbols)
        self._index = {c: i for i, c in enumerate(self.chars)}
        # A lookup table over code points makes encoding a whole corpus one NumPy step.
        self._table = np.full(max(map(ord, self.chars)) + 1, -1, dtype=np.int64)
        for i, c in enumerate(self.chars):
            self._table[ord(c)] = i

    @classmethod
    def from_text(cls, text: str, add_unknown: bool = False) -> CharVocabulary:
        """Build the vocabulary of every distinct character in ``text``."""
        if not isinstance(text, str) or not text:
            raise ValueError("from_text needs a non-empty string.")
        return cls(set(text), add_unknown=add_unknown)

    @property
    def size(self) -> int:
        """Number of symbols (including the unknown symbol if any)."""
        return len(self.chars)

    def __len__(self) -> int:
        return self.size

    @property
    def unknown_id(self) -> int | None:
        """The id of the unknown symbol, or None if the vocabulary has none."""
        return self.size - 1 if self.add_unknown else None

    def encode(self, text: str, errors: str = "strict") -> np.ndarray:
        """Map a string to ids.

        Args:
            text: any string (may be empty).
            errors: ``"strict"`` raises on characters outside the vocabulary;
                ``"replace"`` maps them to ``unknown_id`` (needs ``add_unknown=True``).

        Returns:
            int32 array of shape ``(len(text),)``.

        Raises:
            ValueError: characters outside the vocabulary (strict), ``errors`` not
                understood, or ``"replace"`` without an unknown symbol.
        """
        if not isinstance(text, str):
            raise ValueError(f"encode expects a string, got {type(text).__name__}.")
        if errors not in ("strict", "replace"):
            raise ValueError(f"errors must be 'strict' or 'replace', got {errors!r}.")
        if errors == "replace" and not self.add_unknown:
            raise ValueError(
                "errors='replace' needs an unknown symbol: build the vocabulary with "
                "add_unknown=True."
            )
        if not text:
            return np.zeros((0,), dtype=np.int32)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        ids = np.full(codes.shape, -1, dtype=np.int64)
        inside = codes < self._table.shape[0]
        ids[inside] = self._table[codes[inside]]
        missing = ids < 0
        if missing.any():
            if errors == "strict":
                unknown = sorted({text[i] for i in np.flatnonzero(missing)[:1000]})
                raise ValueError(
                    f"{int(missing.sum())} character(s) are not in the vocabulary, "
                    f"e.g. {unknown[:10]!r}. "
                    f"Remove them, build the vocabulary from text that contains them, or use "
                    f"CharVocabulary(..., add_unknown=True) and encode(..., errors='replace')."
                )
            ids[missing] = self.unknown_id
        return ids.astype(np.int32)

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """Map ids back to a string.

        Args:
            ids: integers in ``[0, size)``, any 1-D array-like.

        Raises:
            ValueError: ids outside ``[0, size)`` or not one-dimensional.
        """
        arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
        if arr.size == 0:
            return ""
        if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(
                f"decode expects a 1-D sequence of integer ids, got shape {arr.shape}, "
                f"dtype {arr.dtype}."
            )
        if arr.min() < 0 or arr.max() >= self.size:
            raise ValueError(
                f"ids must lie in [0, {self.size - 1}], found values in "
                f"[{int(arr.min())}, {int(arr.max())}]."
            )
        return "".join(self.chars[i] for i in arr.tolist())

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-friendly)."""
        chars = self.chars[:-1] if self.add_unknown else self.chars
        return {"chars": chars, "add_unknown": self.add_unknown}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CharVocabulary:
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharVocabulary) and other.chars == self.chars

    def __repr__(self) -> str:
        return f"CharVocabulary(size={self.size}, add_unknown={self.add_unknown})"
