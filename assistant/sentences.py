"""Sentence units with character offsets. Prose is split with pysbd (rule-based: copes with
"e.g.", "Fig.", "b=1000 s/mm2", "Kita 15, Nishi 7"); a reference-list entry is one unit, and so
is each line of a recovered table, read with its column names ("Gene: CASK; Mutation Type:
X-linked; ..."). A unit's display is its readable form ("" when that is the text itself)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .documents import Document, Span, Table, TableRow
from .schema import SectionKind, SentenceKind


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


# pysbd slows down quadratically on very long paragraphs; longer ones are cut into windows
# at a sentence-like break (". ", else a space) before splitting.
WINDOW = 4000


def _windows(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    while len(text) - start > WINDOW:
        cut = text.rfind(". ", start, start + WINDOW)
        cut = cut + 2 if cut > start else (text.rfind(" ", start, start + WINDOW) + 1 or start + WINDOW)
        if cut <= start:
            cut = start + WINDOW
        out.append((start, cut))
        start = cut
    out.append((start, len(text)))
    return out


def split_paragraph(text: str, offset: int = 0) -> list[Span]:
    """Sentence spans (absolute offsets) of one paragraph, whitespace trimmed."""
    if len(text) > WINDOW:
        return [span for a, b in _windows(text) for span in split_paragraph(text[a:b], offset + a)]
    spans: list[Span] = []
    if not text.strip():
        return spans
    cursor = 0
    for seg in _segmenter().segment(text):
        piece = seg.sent.strip()
        if not piece:
            continue
        start = text.find(piece, cursor)
        if start < 0:  # pysbd offsets are a hint; the text itself decides
            start = max(seg.start, cursor)
            piece = text[start : seg.end].strip()
            if not piece:
                continue
        end = start + len(piece)
        spans.append(Span(offset + start, offset + end))
        cursor = end
    return spans


@dataclass(frozen=True)
class Unit:
    """A sentence, a reference entry or a table line: what the chunker packs."""

    start: int
    end: int
    kind: SentenceKind = SentenceKind.TEXT
    display: str = ""  # readable form; "" = Document.text[start:end]


@dataclass(frozen=True)
class SectionUnits:
    title: str
    kind: SectionKind
    units: tuple[Unit, ...]


def text_unit(doc: Document, start: int, end: int) -> Unit:
    """A prose unit; its display puts back the dashes the document lost, if any."""
    readable = doc.readable(start, end)
    return Unit(start, end, SentenceKind.TEXT, "" if readable == doc.text[start:end] else readable)


def _cell(doc: Document, cell: Span) -> str:
    return doc.readable(cell.start, cell.end).strip()


def header_display(doc: Document, table: Table) -> str:
    """'Gene | Mutation Type | Typical Phenotype'."""
    return " | ".join(_cell(doc, c) for c in table.header.cells)


def row_display(doc: Document, table: Table, row: TableRow) -> str:
    """'Gene: CASK; Mutation Type: X-linked; Typical Phenotype: Microcephaly, ...'."""
    names = [_cell(doc, c) for c in table.header.cells]
    return "; ".join(f"{name}: {_cell(doc, c)}" for name, c in zip(names, row.cells))


def document_units(doc: Document) -> list[SectionUnits]:
    """The units of every section, in order."""
    lines: dict[tuple[int, int], Unit] = {}
    for table in doc.tables:
        h = table.header
        lines[h.start, h.end] = Unit(h.start, h.end, SentenceKind.TABLE_HEADER, header_display(doc, table))
        for row in table.rows:
            lines[row.start, row.end] = Unit(row.start, row.end, SentenceKind.TABLE_ROW, row_display(doc, table, row))
    out = []
    for section in doc.sections:
        units: list[Unit] = []
        for para in section.paragraphs:
            if (para.start, para.end) in lines:
                units.append(lines[para.start, para.end])
            elif section.kind is SectionKind.REFERENCES:
                units.append(text_unit(doc, para.start, para.end))
            else:
                units.extend(
                    text_unit(doc, s.start, s.end) for s in split_paragraph(doc.text[para.start : para.end], para.start)
                )
        out.append(SectionUnits(section.title, section.kind, tuple(units)))
    return out
