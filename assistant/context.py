"""A quote in its context: the whole section that holds it, with the quote marked, verbatim and
in its readable form (table rows with their column names, lost dashes restored)."""

from __future__ import annotations

from dataclasses import dataclass

from .citations import citation
from .documents import Document, Section
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
    display: str = ""  # the section's readable form ("" when it reads as text)
    display_mark: tuple[int, int] | None = None  # the quote's span inside display

    @property
    def shown(self) -> tuple[str, int, int]:
        """(text to show, mark start, mark end): the readable form when there is one."""
        if self.display and self.display_mark is not None:
            return self.display, *self.display_mark
        return self.text, self.mark_start, self.mark_end


def readable_section(index: Index, doc: Document, section: Section, start: int, end: int):
    """The section in its readable form (``Document.read_units`` over its sentences and table
    rows) and where doc offsets start..end fall in it; None when it reads as the text, or when
    start or end is not a boundary of its units."""
    units = sorted(
        (s for s in index.sentences if s.doc_id == doc.doc_id and section.start <= s.start and s.end <= section.end),
        key=lambda s: s.start,
    )
    display, at = doc.read_units(units, section.start, section.end)
    if display == doc.text[section.start : section.end] or start not in at or end not in at:
        return None
    return display, (at[start], at[end])


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
    readable = readable_section(index, doc, section, start, end)
    return Context(
        doc_id=doc_id,
        title=doc.meta.title,
        section=section.title,
        text=doc.text[section.start : section.end],
        mark_start=start - section.start,
        mark_end=end - section.start,
        citation=citation(doc.meta, section.title),
        display=readable[0] if readable else "",
        display_mark=readable[1] if readable else None,
    )
