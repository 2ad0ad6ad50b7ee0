"""Plain-language query expansion: a parent's words ("wobbly", "tummy bug") mapped to the
documents' terms ("ataxia", "gastroenteritis"), from ``assistant/data/lay_terms.json``."""

from __future__ import annotations

from functools import lru_cache

from .jsonfile import package_json
from .phrases import PhraseTable


@lru_cache(maxsize=1)
def _table() -> PhraseTable[tuple[str, ...]]:
    data = package_json("lay_terms.json")
    return PhraseTable([(row["plain"], tuple(row["medical"])) for row in data["terms"]])


def compile_patterns() -> int:
    """Compile every plain-word pattern now (``PhraseTable.compile_all``)."""
    return _table().compile_all()


def expansions(question: str) -> list[str]:
    """Document terms for the plain phrases in question that it does not already contain."""
    lower = question.lower()
    terms: list[str] = []
    for _, medical in _table().first_matches(question):
        terms.extend(m for m in medical if m.lower() not in lower and m not in terms)
    return terms


def expand(question: str) -> str:
    extra = expansions(question)
    return f"{question} ({', '.join(extra)})" if extra else question


def matches(question: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, document terms) for every plain phrase of the lexicon in question, longest first."""
    found = [(m.start(), m.end(), medical) for m, medical in _table().all_matches(question)]
    return sorted(found, key=lambda f: (f[0] - f[1], f[0]))
