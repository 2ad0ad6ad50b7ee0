"""A quote in its context: the whole section that holds it, with the quote marked."""

from __future__ import annotations

from dataclasses import dataclass

from .citations import citation
from .index import Index


@dataclass(frozen=True)
class Context:
    """A quote shown in its whole section."""

    doc_id: str
    title: str
    section: str
    text: str  # the section text
    mark_start: int  # the quote's span inside text
    mark_end: int
    citation: str


def section_context(index: Index, doc_id: str, at: int, end: int | None = None) -> Context:
    """The section of doc_id that contains offset ``at``, with the sentence there (or the span
    ``at``..``end``) marked; KeyError for an unknown document, ValueError for an offset outside it."""
    doc = index.documents.get(doc_id)
    if doc is None:
        known = ", ".join(sorted(index.documents))
        raise KeyError(f"no document {doc_id!r}; known: {known}")
    if not 0 <= at < len(doc.text):
        raise ValueError(f"offset {at} is outside {doc_id} (0..{len(doc.text) - 1})")
    section = doc.section_at(at)
    if section is None:  # between sections (a heading): take the next one
        section = next((s for s in doc.sections if s.start >= at), doc.sections[-1])
    if end is None:
        sentence = next((s for s in index.sentences if s.doc_id == doc_id and s.start <= at < s.end), None)
        start, end = (sentence.start, sentence.end) if sentence else (at, min(at + 1, len(doc.text)))
    else:
        start = at
    start, end = max(start, section.start), min(end, section.end)
    return Context(
        doc_id=doc_id,
        title=doc.meta.title,
        section=section.title,
        text=doc.text[section.start : section.end],
        mark_start=start - section.start,
        mark_end=end - section.start,
        citation=citation(doc.meta, section.title),
    )
