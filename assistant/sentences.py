"""Sentence splitting with character offsets (pysbd, rule-based: copes with "e.g.",
"Fig.", "b=1000 s/mm2", "Kita 15, Nishi 7"). Reference-list entries are one unit each."""

from __future__ import annotations

from functools import lru_cache

from .schema import Document, SectionKind, Span


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
            piece = text[start:seg.end].strip()
            if not piece:
                continue
        end = start + len(piece)
        spans.append(Span(offset + start, offset + end))
        cursor = end
    return spans


def document_sentences(doc: Document) -> list[tuple[str, SectionKind, list[Span]]]:
    """For each section: (title, kind, sentence spans)."""
    out = []
    for section in doc.sections:
        spans: list[Span] = []
        for para in section.paragraphs:
            if section.kind is SectionKind.REFERENCES:
                spans.append(para)
            else:
                spans.extend(split_paragraph(doc.text[para.start:para.end], para.start))
        out.append((section.title, section.kind, spans))
    return out
