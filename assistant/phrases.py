"""Finding a fixed list of phrases in short texts, fast: the plain words of ``lay_terms`` and the
glossary's terms. Each row's forms are one pattern (whole words, longest form first,
case-insensitive), compiled the first time a text needs it (``compile_all``: every one at once);
a text is searched only with the rows whose forms' first word it contains, which gives the same
matches as trying every row."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
WORD_RE = re.compile(r"\w+")


class PhraseTable(Generic[T]):
    """Rows of (forms, value). ``gap`` is the pattern a space inside a form matches."""

    def __init__(self, rows: Sequence[tuple[Sequence[str], T]], gap: str = r"\s+") -> None:
        self._sources: list[str] = []
        self._patterns: list[re.Pattern | None] = []  # compiled on first use: a one-shot question needs few
        self._values: list[T] = []
        self._by_word: dict[str, list[int]] = {}
        self._always: list[int] = []  # rows with a form that does not begin with a word character
        for i, (forms, value) in enumerate(rows):
            forms = sorted((f for f in forms if f.strip()), key=len, reverse=True)
            alternatives = "|".join(re.escape(f).replace(r"\ ", gap) for f in forms)
            self._sources.append(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
            self._patterns.append(None)
            self._values.append(value)
            for form in forms:
                first = WORD_RE.match(form)
                if first is None:
                    self._always.append(i)
                else:
                    self._by_word.setdefault(first.group(0).lower(), []).append(i)

    def __len__(self) -> int:
        return len(self._values)

    @property
    def values(self) -> list[T]:
        return list(self._values)

    def compile_all(self) -> int:
        """Compile every row's pattern now (for a long-running process, so that no question pays
        for it); returns how many were compiled."""
        missing = [i for i, p in enumerate(self._patterns) if p is None]
        for i in missing:
            self._pattern(i)
        return len(missing)

    def _pattern(self, i: int) -> re.Pattern:
        pattern = self._patterns[i]
        if pattern is None:
            pattern = self._patterns[i] = re.compile(self._sources[i], re.I)
        return pattern

    def _candidates(self, text: str) -> list[int]:
        rows = set(self._always)
        for word in set(WORD_RE.findall(text.lower())):
            rows.update(self._by_word.get(word, ()))
        return sorted(rows)

    def first_matches(self, text: str) -> Iterator[tuple[re.Match, T]]:
        """The first match of each row that occurs in text, in the rows' order."""
        for i in self._candidates(text):
            m = self._pattern(i).search(text)
            if m:
                yield m, self._values[i]

    def all_matches(self, text: str) -> Iterator[tuple[re.Match, T]]:
        """Every match of every row, row by row in the rows' order."""
        for i in self._candidates(text):
            for m in self._pattern(i).finditer(text):
                yield m, self._values[i]
