"""Typed records of the documents' text, as the pipeline makes them and the index stores them.

documents -> RawDocument (as read, with its DocumentMeta) -> (cleaning) -> Document (cleaned
text with its Sections, Tables and Repairs) -> (sentences, chunking) -> Sentence, Chunk. All
frozen; offsets are character offsets into ``Document.text`` (the cleaned text), end-exclusive.
What is answered from them (Passage, Answer, Response) is in ``schema.py``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .schema import HasReadable, SectionKind, SentenceKind


@dataclass(frozen=True)
class DocumentMeta:
    """Bibliographic facts about a source document (from its sidecar file)."""

    title: str
    authors: tuple[str, ...] = ()
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    source: str | None = None
    doc_type: str = "document"

    @property
    def evidence_label(self) -> str:
        kind = self.doc_type.lower()
        if kind == "case report":
            return "single case report"
        return kind

    def short_authors(self) -> str:
        if not self.authors:
            return ""
        return self.authors[0] + (", et al." if len(self.authors) > 1 else "")


@dataclass(frozen=True)
class RawDocument:
    """A file as read, before cleaning."""

    doc_id: str
    path: str
    text: str
    fmt: str  # "txt" | "md" | "html" | "pdf"
    meta: DocumentMeta
    sha256: str


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Section:
    title: str
    kind: SectionKind
    start: int  # start of the section body in Document.text
    end: int
    paragraphs: tuple[Span, ...]


@dataclass(frozen=True)
class Repair:
    """How to read ``Document.text[start:end]``: as ``text``, with a character the source lost put
    back ("handeye" -> "hand-eye"). Document.text itself is never changed."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class TableRow:
    """One line of a table whose cell separators were lost; cells are spans in Document.text."""

    start: int
    end: int
    cells: tuple[Span, ...]


@dataclass(frozen=True)
class Table:
    header: TableRow  # the column names
    rows: tuple[TableRow, ...]

    @property
    def n_columns(self) -> int:
        return len(self.header.cells)


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: str
    text: str  # cleaned text; every offset points into it
    sections: tuple[Section, ...]
    meta: DocumentMeta
    sha256: str
    tables: tuple[Table, ...] = ()
    repairs: tuple[Repair, ...] = ()  # sorted by start, never overlapping

    def section_at(self, offset: int) -> Section | None:
        for section in self.sections:
            if section.start <= offset < section.end:
                return section
        return None

    def readable(self, start: int, end: int) -> str:
        """``text[start:end]`` with the repairs that lie inside it applied."""
        out: list[str] = []
        pos = start
        i = bisect_left([r.start for r in self.repairs], start)
        for r in self.repairs[i:]:
            if r.start >= end:
                break
            if r.end <= end:
                out.append(self.text[pos : r.start])
                out.append(r.text)
                pos = r.end
        out.append(self.text[pos:end])
        return "".join(out)

    def read_units(self, units: Sequence[Any], start: int, end: int) -> tuple[str, dict[int, int]]:
        """``text[start:end]`` with each unit inside it (a sentence or table line: ``start``,
        ``end``, ``display``) read in its readable form and the text between units as it is; and
        where each unit boundary (a document offset) falls in that reading."""
        parts: list[str] = []
        at = {start: 0}
        pos, length = start, 0
        for u in units:
            if u.start < pos or u.end > end:
                continue
            gap, unit = self.text[pos : u.start], u.display or self.text[u.start : u.end]
            parts += [gap, unit]
            at[u.start] = length + len(gap)
            length += len(gap) + len(unit)
            at[u.end] = length
            pos = u.end
        parts.append(self.text[pos:end])
        at[end] = length + end - pos
        return "".join(parts), at

    def to_dict(self) -> dict[str, Any]:
        """The row ``documents.jsonl`` holds (``store.py``)."""

        def row(r: TableRow) -> dict[str, Any]:
            return {"start": r.start, "end": r.end, "cells": [[c.start, c.end] for c in r.cells]}

        return {
            "doc_id": self.doc_id,
            "path": self.path,
            "sha256": self.sha256,
            "text": self.text,
            "meta": {**asdict(self.meta), "authors": list(self.meta.authors)},
            "sections": [
                {
                    "title": s.title,
                    "kind": s.kind.value,
                    "start": s.start,
                    "end": s.end,
                    "paragraphs": [[p.start, p.end] for p in s.paragraphs],
                }
                for s in self.sections
            ],
            "tables": [{"header": row(t.header), "rows": [row(r) for r in t.rows]} for t in self.tables],
            "repairs": [[r.start, r.end, r.text] for r in self.repairs],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        def row(r: dict[str, Any]) -> TableRow:
            return TableRow(r["start"], r["end"], tuple(Span(a, b) for a, b in r["cells"]))

        meta = DocumentMeta(**{**d["meta"], "authors": tuple(d["meta"]["authors"])})
        sections = tuple(
            Section(
                s["title"], SectionKind(s["kind"]), s["start"], s["end"], tuple(Span(a, b) for a, b in s["paragraphs"])
            )
            for s in d["sections"]
        )
        tables = tuple(Table(row(t["header"]), tuple(row(r) for r in t["rows"])) for t in d.get("tables", ()))
        repairs = tuple(Repair(a, b, text) for a, b, text in d.get("repairs", ()))
        return cls(d["doc_id"], d["path"], d["text"], sections, meta, d["sha256"], tables, repairs)


@dataclass(frozen=True)
class Sentence(HasReadable):
    sentence_id: int  # global id in the index
    doc_id: str
    section: str
    start: int
    end: int
    text: str  # verbatim slice of Document.text
    kind: SentenceKind = SentenceKind.TEXT
    display: str = ""  # readable form (table cells separated, lost dashes restored); "" = text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sentence:
        return cls(**{**data, "kind": SentenceKind(data.get("kind", "text"))})


@dataclass(frozen=True)
class Chunk(HasReadable):
    chunk_id: int
    doc_id: str
    section: str
    section_kind: SectionKind
    start: int
    end: int
    text: str
    sentence_ids: tuple[int, ...]
    n_tokens: int  # tiktoken cl100k_base
    n_model_tokens: int  # the embedding model's own word pieces (of the embedded text)
    display: str = ""  # readable form (table rows with their column names, lost dashes restored); "" = text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section_kind"] = self.section_kind.value
        data["sentence_ids"] = list(self.sentence_ids)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(
            **{**data, "section_kind": SectionKind(data["section_kind"]), "sentence_ids": tuple(data["sentence_ids"])}
        )
