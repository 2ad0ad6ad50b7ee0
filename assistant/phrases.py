"""Finding a fixed list of phrases in short texts, fast: the plain words of ``lay_terms`` and the
glossary's terms. Each row's forms are one compiled pattern (whole words, longest form first,
case-insensitive); a text is searched only with the rows whose forms' first word it contains,
which gives the same matches as trying every row."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
WORD_RE = re.compile(r"\w+")


class PhraseTable(Generic[T]):
    """Rows of (forms, value). ``gap`` is the pattern a space inside a form matches."""

    def __init__(self, rows: Sequence[tuple[Sequence[str], T]], gap: str = r"\s+") -> None:
        self._rows: list[tuple[re.Pattern, T]] = []
        self._by_word: dict[str, list[int]] = {}
        self._always: list[int] = []  # rows with a form that does not begin with a word character
        for i, (forms, value) in enumerate(rows):
            forms = sorted((f for f in forms if f.strip()), key=len, reverse=True)
            alternatives = "|".join(re.escape(f).replace(r"\ ", gap) for f in forms)
            self._rows.append((re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I), value))
            for form in forms:
                first = WORD_RE.match(form)
                if first is None:
                    self._always.append(i)
                else:
                    self._by_word.setdefault(first.group(0).lower(), []).append(i)

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def values(self) -> list[T]:
        return [value for _, value in self._rows]

    def _candidates(self, text: str) -> list[int]:
        rows = set(self._always)
        for word in set(WORD_RE.findall(text.lower())):
            rows.update(self._by_word.get(word, ()))
        return sorted(rows)

    def first_matches(self, text: str) -> Iterator[tuple[re.Match, T]]:
        """The first match of each row that occurs in text, in the rows' order."""
        for i in self._candidates(text):
            pattern, value = self._rows[i]
            m = pattern.search(text)
            if m:
                yield m, value

    def all_matches(self, text: str) -> Iterator[tuple[re.Match, T]]:
        """Every match of every row, row by row in the rows' order."""
        for i in self._candidates(text):
            pattern, value = self._rows[i]
            for m in pattern.finditer(text):
                yield m, value
