"""Questions about the documents themselves: who wrote it, where the authors work, the
corresponding author, the journal, the year, the DOI, volume and pages, the dates it was received
and accepted, its licence (open access, may it be shared), the kind of article (is it peer
reviewed, a journal article).

Detected by the question's form (``FIELDS``), answered from the document's metadata (its
sidecar, ``DocumentMeta``) and from the labelled lines of its own front matter ("Corresponding
author: ...", "Accepted: ...", the licence and "cite as" lines of the received file), cited
like any other answer with ``Answer.kind = METADATA``. Which document: the one the question
names (its title's words), else the one the conversation was about, else the top passage's.
A fact the metadata does not know (None, no authors) is an abstention.

A question is about a document only when it refers to one (``refers_to_document``): a word for
a document ("article", "paper", "case report", "journal"...), a document's title words, or an
earlier turn answered from a document ("Who wrote it?" as a follow-up). "Who wrote Romeo and
Juliet?" names none of these: it is an ordinary question, not one about our documents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from .citations import citation
from .documents import Document
from .schema import Answer, AnswerKind, Passage, Turn

DOC_NOUN = r"(article|paper|report|study|publication|document|source|page|text|it|this)"
# (field, question form); the first that matches decides (the affiliation before the authors:
# "Which university are the authors affiliated with?" asks the affiliation)
FIELDS: tuple[tuple[str, re.Pattern], ...] = (
    ("doi", re.compile(r"\bdoi\b", re.IGNORECASE)),
    ("corresponding", re.compile(r"\bcorresponding author\b|\bwho (can i|should i|to) contact\b", re.IGNORECASE)),
    ("first_author", re.compile(r"\bfirst author\b|\blead author\b", re.IGNORECASE)),
    ("last_author", re.compile(r"\b(last|senior) author\b", re.IGNORECASE)),
    (
        "affiliation",
        re.compile(
            r"\b(affiliat\w*|institution|which university|what university)\b|"
            r"\bwhere\b.*\b(authors|doctors|researchers|writers)\b.*\b(from|based|work|working)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "authors",
        re.compile(r"\bauthors?\b|\bwho\b.*\b(wrote|authored)\b|\bwho published\b|\bwritten by\b", re.IGNORECASE),
    ),
    (
        "licence",
        re.compile(
            r"\blicen[cs]e[ds]?\b|\bcopyright\b|\bopen[- ]access\b|\bfree to (read|share|use|reuse|download)\b|"
            r"\b(share|reuse|distribute|copy)\b.*\b(pdf|article|paper)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "citation",
        re.compile(
            r"\b(volume|page range|page numbers)\b|\b(issue|pages)\b.*\b" + DOC_NOUN + r"\b|"
            r"\bhow (do|should) i cite\b|\bcitation details\b",
            re.IGNORECASE,
        ),
    ),
    (
        "accepted",
        re.compile(
            r"\baccepted\b.*\bpublication\b|\bwhen was .*\baccepted\b|\b(received|accepted)\b.*\bdates?\b|"
            r"\bdates?\b.*\b(received|accepted)\b",
            re.IGNORECASE,
        ),
    ),
    ("received", re.compile(r"\bwhen was .*\breceived\b", re.IGNORECASE)),
    (  # before the journal: "Is it an actual journal article?" asks what kind of document it is
        "kind",
        re.compile(
            r"\bpeer[- ]?reviewed\b|\b(is|was)\b[^?]*\b(journal article|research (paper|article)|"
            r"scientific (paper|article))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "journal",
        re.compile(r"\bjournal\b|\bpublished in\b|\bwhich (website|site)\b|\bwhat (website|site)\b", re.IGNORECASE),
    ),
    (
        "year",
        re.compile(
            r"\b(what|which) year\b.*\b(published|written|appear|c[oa]me out|released|issued)|"
            r"\bwhen (was|did)\b.*\b(published|written|c[oa]me out|released|issued)\b|"
            r"\bpublication (year|date)\b|\b(year|date) of publication\b",
            re.IGNORECASE,
        ),
    ),
    (
        "kind",
        re.compile(
            r"\bwhat (kind|type|sort) of (article|paper|report|study|evidence|source|document|publication)"
            r"\b|\bis (it|this) a (case report|review|trial|study)\b|"
            r"\b(what|which) (article|paper|publication|study|evidence|document) (type|kind)\b",
            re.IGNORECASE,
        ),
    ),
)
# words that name a document (or a part only a document has)
REFERENCE_RE = re.compile(
    r"\b(articles?|papers?|reports?|stud(y|ies)|documents?|texts?|publications?|journals?|"
    r"sources?|manuscripts?|doi|case (report|study|series)|reviews?|et al)\b",
    re.IGNORECASE,
)
STOP = {
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "with",
    "and",
    "for",
    "to",
    "about",
    "report",
    "case",
    "article",
    "paper",
    "study",
    "what",
    "who",
    "which",
    "was",
    "is",
    "published",
    "journal",
    "author",
    "authors",
    "year",
    "doi",
    "kind",
    "type",
    "first",
    "last",
    "corresponding",
    "did",
    "does",
    "it",
    "this",
    "that",
}


@dataclass(frozen=True)
class FrontMatter:
    """Labelled facts from the top of a document's received file."""

    corresponding: str = ""
    affiliation: str = ""
    licence: str = ""
    citation: str = ""
    accepted: str = ""
    received: str = ""


# "the authors" as the subject of what they say or did: a question about the content
# ("How did the authors interpret the SPECT?"), not about who they are
AUTHORS_SAY_RE = re.compile(
    r"\b(authors?|researchers|writers)\s+(\w+ly\s+)?(interpret|conclu|suggest|propos|think|thought|believ|"
    r"recommend|describ|report|say|said|note|found|find|hypothes|attribut|explain|consider|argu|claim|"
    r"speculat|observ|discuss|mention|use|used|treat|perform|compar|contrast|emphasi[sz]|state|highlight)\w*"
    r"|\bauthors['’]",  # "the authors' department": a place in the story
    re.IGNORECASE,
)
# a question about who wrote it asks for people: "who", "which/what/name ... authors", or starts
# with them ("Authors?", "And the first author?"); "a part written by the mom" does not
WHO_ASK_RE = re.compile(
    r"\bwho\b|\b(which|what|name|names|list)\b.*\bauthors?\b|"
    r"^\W*(and\s+)?(the\s+)?((first|last|senior|lead|corresponding)\s+)?authors?\b",
    re.IGNORECASE,
)
WHO_FIELDS = ("first_author", "last_author", "authors")


def asked_field(question: str) -> str | None:
    """The document detail the question asks for (the first form in FIELDS that matches and, for
    the authors, asks for people), else None."""
    for name, pattern in FIELDS:
        if not pattern.search(question):
            continue
        if name in WHO_FIELDS and (AUTHORS_SAY_RE.search(question) or not WHO_ASK_RE.search(question)):
            continue  # "the authors" named, not asked for: maybe another detail ("…the journal the authors used")
        return name
    return None


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


def _words(text: str) -> set[str]:
    text = re.sub(r"\[[^\]]*\]", " ", text)  # an editor's note in a title ("[descriptive title]")
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 2}


@lru_cache(maxsize=4096)
def _text_words(text: str) -> frozenset[str]:
    """A document text's words, made once per text (``which_document`` asks about every other document)."""
    return frozenset(_words(text))


def which_document(question: str, turns: Sequence[Turn], documents, passages: Sequence[Passage]) -> str | None:
    """The document the question names by its title's words (more of them than any other: two, or
    one that no other document's text uses, as "neuroblastoma" but not "girl"), else the
    conversation's, else the top passage's."""
    asked = _words(question)
    named = {
        doc_id: asked & (_words(d.meta.title) | _words(doc_id.replace("-", " "))) for doc_id, d in documents.items()
    }
    ranked = sorted(named.items(), key=lambda kv: -len(kv[1]))
    if ranked and ranked[0][1] and (len(ranked) == 1 or len(ranked[0][1]) > len(ranked[1][1])):
        doc_id, words = ranked[0]
        others = [d for other, d in documents.items() if other != doc_id]
        if len(words) >= 2 or not any(words & _text_words(d.text) for d in others):
            return doc_id
    earlier = next((t.doc_id for t in reversed(turns) if t.doc_id), None)
    if earlier:
        return earlier
    return passages[0].chunk.doc_id if passages else None


def names_a_document(question: str, documents) -> bool:
    """The question uses a title word of one of the documents (beyond the question form's words)."""
    asked = _words(question)
    return any(asked & (_words(d.meta.title) | _words(doc_id.replace("-", " "))) for doc_id, d in documents.items())


def refers_to_document(question: str, turns: Sequence[Turn], documents) -> bool:
    """A word for a document, a document's title words, or a conversation answered from a document."""
    return bool(REFERENCE_RE.search(question)) or names_a_document(question, documents) or any(t.doc_id for t in turns)


def document_question(question: str, turns: Sequence[Turn], documents) -> str | None:
    """The asked field when the question asks a detail of a document it refers to, else None."""
    field = asked_field(question)
    return field if field is not None and refers_to_document(question, turns, documents) else None


def answer_fact(question: str, turns: Sequence[Turn], index, passages: tuple[Passage, ...]):
    """(passages, Answer) for a question about a document; (passages, None) when the fact is
    unknown; None when the question is not about a document itself."""
    field = document_question(question, turns, index.documents)
    if field is None:
        return None
    doc_id = which_document(question, turns, index.documents, passages)
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
    value = value_of(field, doc)
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
