"""Clean a raw document into text with sections and paragraphs.

What cleaning does (each step tested on the real files):
- joins words hyphenated across line breaks ("throm-\\nbocytopenia" -> "thrombocytopenia"),
  keeping the hyphen where the hyphenated form occurs elsewhere in the text ("non-progressive");
- re-flows hard-wrapped lines and paragraphs split by a page break;
- recognises headings (markdown ``#`` lines, or short unpunctuated lines in plain text) and
  figure captions, which become sections of their own;
- drops page furniture: copyright and licence lines, "Please cite this paper as" and the
  citation under it, correspondence and affiliation lines, "Table Of Content", and
  everything from a trailing "Related Coverage" / "Other Providers" teaser on;
- keeps the reference list as its own section (kind ``references``);
- recovers tables whose cell separators were lost ("GeneMutation TypeTypical Phenotype"): the
  cells are recorded as spans (``Document.tables``), the lines stay as they were;
- in a document that shows lost dashes ("smaller than expectedwhat doctors call"), records how
  to read the glued words ("expected—what", "hand-eye") as ``Document.repairs``.
The words themselves are never changed: tables and repairs are readings of the text, with
offsets into it. ``paragraphs.py`` reads the raw text into classified paragraphs; here the
furniture is dropped, paragraphs split by a page break are joined, and what is kept is laid
out as the cleaned text with its sections, tables and repairs.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .documents import Document, RawDocument, Section, Span, Table, TableRow
from .paragraphs import CAPTION_RE, Para, join_lines, paragraphs
from .repairs import lost_dash_repairs
from .schema import SectionKind
from .tables import TERMINAL_RE

REFERENCES_RE = re.compile(r"^(references|bibliography|works cited|literature cited)$", re.IGNORECASE)
# headings that stand at the top level whatever came before them
TOP_LEVEL_RE = re.compile(
    r"^(conclusions?|summary|faqs?|frequently asked questions|introduction|discussion|abstract|"
    r"acknowledge?ments?|references|bibliography|disclaimer)$",
    re.IGNORECASE,
)

FURNITURE_RES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^©",
        r"\ball rights reserved\b",
        r"please cite this (paper|article)",
        r"^\*?\s*corresponding author",
        r"^this is an open access article",
        r"^table of contents?$",
        r"^close$",
        r"^<sup>",
        r"(<sup>.*){2,}",
        r"^(e-?mail|tel|fax)\s*:",
    )
]
TRAILER_RE = re.compile(
    r"^(related coverage|other providers|related articles|you may also like|recommended for you)\b", re.IGNORECASE
)
DROP_SECTIONS_RE = re.compile(r"^(article info(rmation)?|table of contents?|keywords?)$", re.IGNORECASE)
CITATION_LINE_RE = re.compile(r"\bdoi:?\s*10\.\d{4,}/", re.IGNORECASE)


FURNITURE_MAX_CHARS = 300  # furniture is a line or two; a long paragraph that ends "All rights reserved." is text


def _is_furniture(text: str) -> bool:
    text = text.strip()
    return len(text) <= FURNITURE_MAX_CHARS and any(r.search(text) for r in FURNITURE_RES)


def _merge_page_breaks(paras: list[Para], whole: str) -> list[Para]:
    """Join a paragraph that stops mid-sentence with the body paragraph that continues it."""
    out: list[Para] = []
    for p in paras:
        prev = out[-1] if out else None
        if (
            prev
            and prev.kind == "para"
            and p.kind == "para"
            and not TERMINAL_RE.search(prev.text)
            and re.search(r"[\w,\-]$", prev.text)
            and (p.text[:1].islower() or len(prev.text) > 60)
        ):
            prev.text = join_lines([prev.text, p.text], whole)
            continue
        out.append(p)
    return out


def _title_case(title: str) -> str:
    """Tidy odd casing of a heading label ("DesCripTion" -> "Description", "ABSTRACT" -> "Abstract")."""
    t = title.strip().strip("*").strip()
    letters = [c for c in t if c.isalpha()]
    odd = (
        (len(t.split()) == 1 and re.search(r"[a-z][A-Z]", t))
        or (letters and all(c.islower() for c in letters))
        or (len(letters) > 4 and all(c.isupper() for c in letters))
    )
    return t[:1].upper() + t[1:].lower() if odd else t


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", s.lower())


def clean(raw: RawDocument) -> Document:
    paras = paragraphs(raw)
    # drop the document title heading (it lives in the metadata)
    if paras and paras[0].kind == "heading" and (paras[0].level == 1 or _norm(paras[0].text) == _norm(raw.meta.title)):
        paras = paras[1:]
    kept: list[Para] = []
    skip_section = False
    after_cite = False
    for p in paras:
        if TRAILER_RE.match(p.text.strip()):
            break
        if p.kind == "heading":
            skip_section = bool(DROP_SECTIONS_RE.match(p.text.strip()))
            if skip_section:
                continue
        if skip_section:
            continue
        if _is_furniture(p.text):
            after_cite = after_cite or "cite" in p.text.lower()
            continue
        in_refs = any(
            k.kind == "heading" and REFERENCES_RE.match(k.text.strip()) for k in kept[-200:]
        ) and _current_heading_is_refs(kept)
        if not in_refs and CITATION_LINE_RE.search(p.text) and len(p.text) < 600:
            continue  # the "how to cite" line under an abstract
        kept.append(p)
    kept = _merge_page_breaks(kept, raw.text)
    return _assemble(raw, kept)


def _current_heading_is_refs(kept: list[Para]) -> bool:
    for p in reversed(kept):
        if p.kind == "heading":
            return bool(REFERENCES_RE.match(p.text.strip()))
    return False


def _assemble(raw: RawDocument, paras: list[Para]) -> Document:
    """Lay the paragraphs out as the cleaned text and record section and paragraph spans."""
    parts: list[str] = []
    pos = 0
    sections: list[Section] = []
    title, kind = "Overview", SectionKind.BODY
    body_title = title
    spans: list[Span] = []
    sec_start = 0

    def emit(s: str) -> int:
        nonlocal pos
        start = pos
        parts.append(s)
        pos += len(s)
        return start

    def close_section() -> None:
        if spans:
            sections.append(
                Section(title=title, kind=kind, start=sec_start, end=spans[-1].end, paragraphs=tuple(spans))
            )

    # a heading directly followed by another heading is a parent ("Treatment Options" over
    # "TherapyFocused Care"); its children are titled "Parent › Child" until the next parent
    parents = {i for i, p in enumerate(paras[:-1]) if p.kind == "heading" and paras[i + 1].kind == "heading"}
    parent = ""
    tables: list[Table] = []
    table: list[TableRow] = []  # the table being laid out: its header, then its rows

    def close_table() -> None:
        if len(table) > 1:
            tables.append(Table(table[0], tuple(table[1:])))
        table.clear()

    for i, p in enumerate(paras):
        if p.kind not in ("row", "line"):  # an ambiguous row (a "line") does not end its table
            close_table()
        if p.kind == "heading" and i in parents:
            parent = _title_case(p.text)
            if pos:
                emit("\n\n")
            emit(parent + "\n")
            continue
        if p.kind == "heading":
            close_section()
            own = _title_case(p.text)
            if TOP_LEVEL_RE.match(own):
                parent = ""
            title = f"{parent} › {own}" if parent else own
            kind = SectionKind.REFERENCES if REFERENCES_RE.match(own) else SectionKind.BODY
            body_title = title
            spans = []
            if pos and not parts[-1].endswith("\n"):
                emit("\n\n")
            emit(own + "\n")
            sec_start = pos
            continue
        if p.kind == "caption":
            close_section()
            m = CAPTION_RE.match(p.text)
            label = ("Table " if p.text.lower().startswith("tab") else "Figure ") + m.group(1)
            title, kind, spans = label, SectionKind.CAPTION, []
            if pos:
                emit("\n\n")
            sec_start = pos
            spans.append(Span(emit(p.text), pos))
            close_section()
            title, kind, spans = (
                body_title,
                (SectionKind.REFERENCES if REFERENCES_RE.match(body_title) else SectionKind.BODY),
                [],
            )
            sec_start = pos
            continue
        if pos and not parts[-1].endswith("\n"):
            emit("\n" if p.kind in ("line", "header", "row") and spans else "\n\n")
        if not spans:
            sec_start = pos
        if p.bullet:
            emit("• " if p.bullet in "•►▪●◦‣∙·*-–" else p.bullet + " ")
        start = emit(p.text)
        spans.append(Span(start, pos))
        if p.kind == "header" or (p.kind == "row" and table):
            table.append(TableRow(start, pos, tuple(Span(start + a, start + b) for a, b in p.cells)))
    close_section()
    close_table()
    text = "".join(parts)
    if len(sections) == 1 and sections[0].title == "Overview" and raw.meta.title:
        # no heading at all (an abstract, a note): the document's title names its one section, so
        # every chunk is read and indexed under it
        sections[0] = replace(sections[0], title=raw.meta.title)
    return Document(
        doc_id=raw.doc_id,
        path=raw.path,
        text=text,
        sections=tuple(sections),
        meta=raw.meta,
        sha256=raw.sha256,
        tables=tuple(tables),
        repairs=lost_dash_repairs(text, sections, tables),
    )
