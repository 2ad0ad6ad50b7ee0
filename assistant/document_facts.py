"""Answers to questions about the documents themselves (``fact_questions`` says which detail a
question asks for), from the document's metadata (its sidecar, ``DocumentMeta``) and from the
labelled lines of its own front matter ("Corresponding author: ...", its email address,
"Accepted: ...", the licence and "cite as" lines of the received file), cited like any other
answer with ``Answer.kind = METADATA``. Several details asked at once are each labelled ("Article
type: case report; Accepted: 24 Aug 2022"). Which document: the one the question names (its
title's words), else the one the conversation was about, else the first passage's; a question that
uses no document's title word at all goes to the best-ranked document that knows the detail. A
fact the metadata does not know (None, no authors) is an abstention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from .citations import citation
from .documents import Document
from .fact_questions import document_question, document_words, title_words
from .schema import Answer, AnswerKind, Passage, Turn

LABELS = {
    "doi": "DOI",
    "corresponding": "Corresponding author",
    "email": "Email",
    "first_author": "First author",
    "last_author": "Last author",
    "affiliation": "Affiliation",
    "authors": "Authors",
    "licence": "Licence",
    "citation": "Citation",
    "received": "Received",
    "accepted": "Accepted",
    "kind": "Article type",
    "journal": "Journal",
    "year": "Year",
}
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class FrontMatter:
    """Labelled facts from the top of a document's received file."""

    corresponding: str = ""
    email: str = ""
    affiliation: str = ""
    licence: str = ""
    citation: str = ""
    accepted: str = ""
    received: str = ""


def _plain(line: str) -> str:
    line = re.sub(r"<[^>]+>[^<]*</[^>]+>", "", line)  # <sup>1</sup> marks
    line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)  # markdown links
    return re.sub(r"[*_\\►#]+", "", line).strip()


@lru_cache(maxsize=16)
def front_matter(path: str) -> FrontMatter:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = [_plain(x) for x in fh.read().splitlines()]
    except OSError:
        return FrontMatter()
    found: dict[str, str] = {}
    for line in lines:
        m = re.match(r"corresponding author\s*:\s*([^.;]+)", line, re.IGNORECASE)
        if m and "corresponding" not in found:
            found["corresponding"] = m.group(1).strip()
        m = EMAIL_RE.search(line)
        if m and "email" not in found:
            found["email"] = m.group(0)
        m = re.match(r"(accepted|received)\s*:\s*(.+)", line, re.IGNORECASE)
        if m and m.group(1).lower() not in found:
            found[m.group(1).lower()] = m.group(2).strip()
        if re.search(r"\blicen[cs]e\b", line, re.IGNORECASE) and "licence" not in found:
            found["licence"] = line
        if re.search(r"\bdoi\s*:\s*10\.", line, re.IGNORECASE) and "citation" not in found:
            found["citation"] = line
        if (
            re.search(r"\b(university|institute|hospital)\b", line, re.IGNORECASE)
            and re.match(r"\d?\s*department", line, re.IGNORECASE)
            and "affiliation" not in found
        ):
            found["affiliation"] = line.lstrip("0123456789 ")
    return FrontMatter(**found)


def value_of(field: str, doc: Document) -> str:
    """The fact as the metadata or the front matter gives it; "" when unknown."""
    meta = doc.meta
    if field == "authors":
        return ", ".join(meta.authors)
    if field == "first_author":
        return meta.authors[0] if meta.authors else ""
    if field == "last_author":
        return meta.authors[-1] if meta.authors else ""
    if field == "journal":
        return meta.journal or ""
    if field == "year":
        return str(meta.year) if meta.year else ""
    if field == "doi":
        return meta.doi or ""
    if field == "kind":
        return meta.doc_type if meta.doc_type != "document" else ""
    return getattr(front_matter(doc.path), field, "")


@lru_cache(maxsize=4096)
def _text_words(text: str) -> frozenset[str]:
    """A document text's words, made once per text (``which_document`` asks about every other document)."""
    return frozenset(title_words(text))


def _named_by(question: str, documents) -> dict[str, tuple[int, int]]:
    """Per document: (its title words in the question that no other document's text uses, all its
    title words in the question)."""
    asked = title_words(question)
    named = {}
    for doc_id, d in documents.items():
        words = asked & document_words(doc_id, d)
        others = [o for other, o in documents.items() if other != doc_id]
        own = {w for w in words if not any(w in _text_words(o.text) for o in others)}
        named[doc_id] = (len(own), len(words))
    return named


def which_document(
    question: str, turns: Sequence[Turn], documents, passages: Sequence[Passage], fields: Sequence[str] = ()
) -> str | None:
    """The document the question names by its title's words (more of them than any other, one at
    least that no other document's text uses: "neuroblastoma" names the OMS report, "girl" and
    "old" name nothing, as both case reports tell of a girl), else the conversation's, else the
    first passage's. A question that uses no title word of any document at all ("What's the
    corresponding author's email?") points nowhere: the best-ranked document that knows an asked
    detail answers it."""
    named = _named_by(question, documents)
    ranked = sorted(named.items(), key=lambda kv: kv[1], reverse=True)
    if ranked and ranked[0][1][0] and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    earlier = next((t.doc_id for t in reversed(turns) if t.doc_id), None)
    if earlier:
        return earlier
    if fields and not any(total for _, total in named.values()):
        doc_of = (p.chunk.doc_id for p in passages)
        known = (d for d in doc_of if any(value_of(f, documents[d]) for f in fields))
        found = next(known, None)
        if found is not None:
            return found
    return passages[0].chunk.doc_id if passages else None


def fact_text(fields: Sequence[str], doc: Document) -> str:
    """The value of one asked field; for several, each labelled ("Article type: case report;
    Accepted: 24 Aug 2022"), an unknown one said to be unknown; "" when none is known."""
    values = [(field, value_of(field, doc)) for field in fields]
    if not any(v for _, v in values):
        return ""
    if len(values) == 1:
        return values[0][1]
    return "; ".join(f"{LABELS[f]}: {v or 'not given in the document or its details'}" for f, v in values)


def answer_fact(question: str, turns: Sequence[Turn], index, passages: tuple[Passage, ...]):
    """(passages, Answer) for a question about a document; (passages, None) when the facts are
    unknown; None when the question is not about a document itself."""
    fields = document_question(question, turns, index.documents)
    if not fields:
        return None
    doc_id = which_document(question, turns, index.documents, passages, fields)
    if doc_id is None:
        return passages, None
    doc = index.documents[doc_id]
    at = next((i for i, p in enumerate(passages) if p.chunk.doc_id == doc_id), None)
    if at is None:  # cite the document's first passage
        chunk = next(c for c in index.chunks if c.doc_id == doc_id)
        extra = Passage(
            rank=1,
            chunk=chunk,
            score=0.0,
            meta=doc.meta,
            evidence=doc.meta.evidence_label,
            citation=citation(doc.meta, chunk.section),
        )
        passages = (extra, *(replace(p, rank=p.rank + 1) for p in passages))
        at = 0
    value = fact_text(fields, doc)
    if not value:
        return passages, None
    chunk = passages[at].chunk
    found = doc.text.find(value)  # the value's place in the text when the text states it, else none
    start, end = (found, found + len(value)) if found >= 0 else (chunk.start, chunk.start)
    inside = chunk.start <= start and end <= chunk.end
    return passages, Answer(
        text=value,
        passage=at,
        start=start - chunk.start if inside else 0,
        end=end - chunk.start if inside else 0,
        doc_start=start,
        doc_end=end,
        score=1.0,
        kind=AnswerKind.METADATA,
    )
