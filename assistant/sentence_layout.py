"""Where each sentence of an index stands: the cells that name a table row, the sentences just
before and after it in its section, and each document's sentences in reading order. Made once
per index (``answer_features.FeatureBuilder``) from the sentences alone.
"""

from __future__ import annotations

import re

import numpy as np

from .schema import SentenceKind


def row_cells(readable: str) -> list[frozenset[str]]:
    """The words of each cell of a table row, from its readable form "Col: value; ..."."""
    return [frozenset(re.findall(r"[a-z0-9]+", cell.split(":", 1)[-1].lower())) for cell in readable.split("; ")]


def identifying_cells(sentences) -> dict[int, list[frozenset[str]]]:
    """For each table row (by sentence id), the cells that name it: its key (first) cell, and any
    other cell whose words no other row of its table has in that column ("X-linked" names the one
    row of its mutation type), so that a question naming one of them asks about that row."""
    tables: dict[tuple[str, str], list] = {}
    for s in sentences:
        if s.kind is SentenceKind.TABLE_ROW:
            tables.setdefault((s.doc_id, s.section), []).append((s.sentence_id, row_cells(s.readable)))
    named: dict[int, list[frozenset[str]]] = {}
    for rows in tables.values():
        for sid, cells in rows:
            unique = [
                cell
                for col, cell in enumerate(cells[1:], start=1)
                if cell and sum(1 for _, other in rows if col < len(other) and other[col] == cell) == 1
            ]
            named[sid] = [c for c in (cells[0], *unique) if c]
    return named


def neighbours(sentences) -> np.ndarray:
    """Per sentence id, the ids of the sentences just before and just after it in its section
    (-1 at a section's edge)."""
    by_id = sorted(sentences, key=lambda s: s.sentence_id)
    out = np.full((len(by_id), 2), -1, dtype=np.intp)
    for a, b in zip(by_id, by_id[1:]):
        if (a.doc_id, a.section) == (b.doc_id, b.section):
            out[a.sentence_id, 1], out[b.sentence_id, 0] = b.sentence_id, a.sentence_id
    return out


def reading_order(sentences) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per document, its sentences' starts and ids, in reading order (for a bisection by offset)."""
    docs: dict[str, list] = {}
    for s in sorted(sentences, key=lambda s: s.start):
        docs.setdefault(s.doc_id, []).append(s)
    return {
        doc: (np.array([s.start for s in ss]), np.array([s.sentence_id for s in ss], dtype=np.intp))
        for doc, ss in docs.items()
    }
