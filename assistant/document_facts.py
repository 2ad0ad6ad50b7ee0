"""Questions about the documents themselves: who wrote it, where the authors work, the
corresponding author, the journal, the year, the DOI, volume and pages, the dates it was received
and accepted, its licence (open access, may it be shared), the kind of article (is it peer
reviewed, a journal article).

Detected by the question's form (``FIELDS``; a question may ask several, each then labelled in
the answer), answered from the document's metadata (its sidecar, ``DocumentMeta``) and from the
labelled lines of its own front matter ("Corresponding author: ...", its email address,
"Accepted: ...", the licence and "cite as" lines of the received file), cited like any other
answer with ``Answer.kind = METADATA``. Which document: the one the question names (its title's
words), else the one the conversation was about, else the best-ranked passage's among the
documents that know the detail. A fact the metadata does not know (None, no authors) is an
abstention.

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
DOC_KIND = r"(article|paper|report|study|publication|document|manuscript)"
# (field, question form), in priority order. A question may ask several details ("Article type and
# acceptance date?", "Who wrote it and where do they work?"): every field that matches is asked,
# except one whose match lies inside an earlier field's ("Is it a journal article?" asks the kind,
# not the journal) or that an earlier field makes redundant (``EXCLUDES``).
FIELDS: tuple[tuple[str, re.Pattern], ...] = (
    ("doi", re.compile(r"\bdoi\b", re.IGNORECASE)),
    ("corresponding", re.compile(r"\bcorresponding author\b|\bwho (can i|should i|to) contact\b", re.IGNORECASE)),
    (
        "email",
        re.compile(
            r"\be-?mail\b|\bcontact (details|information|info|address)\b|"
            r"\bhow (can|do|could|should) i (contact|reach|write to)\b",
            re.IGNORECASE,
        ),
    ),
    ("first_author", re.compile(r"\bfirst author\b|\blead author\b", re.IGNORECASE)),
    ("last_author", re.compile(r"\b(last|senior) author\b", re.IGNORECASE)),
    (
        "affiliation",
        re.compile(
            r"\b(affiliat\w*|institution|which university|what university)\b|"
            r"\bwhere\b.*\b(authors|doctors|researchers|writers)\b.*\b(from|based|work|working)\b|"
            r"\bwhere (do|does|did) (they|the (authors|doctors|researchers|writers))\b[^?]*\b(work|based)\b",
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
    (  # before "accepted": "What dates was it received and accepted?" asks both, in this order
        "received",
        re.compile(
            r"\bwhen was\b[^?]*?\b(received|submitted)\b|\bdates?\b[^?]*?\b(received|submitted)\b|"
            r"\b(received|submission|submitted)\b[^?]*?\bdates?\b|\b" + DOC_KIND + r"\b[^?]*?\b(received|submitted)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "accepted",
        re.compile(
            r"\bacceptance\b|\baccepted\b[^?]*?\b(publication|dates?)\b|\bwhen was\b[^?]*?\baccepted\b|"
            r"\bdates?\b[^?]*?\baccepted\b|\b" + DOC_KIND + r"\b[^?]*?\baccepted\b",
            re.IGNORECASE,
        ),
    ),
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
            r"\b(what|which) (article|paper|publication|study|evidence|document) (type|kind)\b|"
            r"\b(article|paper|publication|document|report) (type|kind)\b|"
            r"\b(type|kind) of (article|paper|publication|document|report)\b",
            re.IGNORECASE,
        ),
    ),
)
# each date names its own word, and two may share one phrase ("the submission and acceptance dates")
DATE_FIELDS = {"received", "accepted"}
# a more specific field makes a general one redundant ("Who is the corresponding author?" asks one person)
EXCLUDES = {"corresponding": {"authors"}, "first_author": {"authors"}, "last_author": {"authors"}}
# fields whose words only a publication has: the question refers to a document by asking them
SELF_REFERRING = {"doi", "corresponding", "first_author", "last_author", "received", "accepted"}
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
    email: str = ""
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


def asked_fields(question: str) -> tuple[str, ...]:
    """The document details the question asks for, in the question's order; () for none. The authors
    count only when people are asked for ("who", "name the authors"), and besides another detail
    only with "who" ("Which university are the authors at?" asks the affiliation)."""
    asked: list[str] = []
    spans: list[tuple[int, int]] = []
    for name, pattern in FIELDS:
        m = pattern.search(question)
        if m is None or name in asked or any(name in EXCLUDES.get(a, ()) for a in asked):
            continue
        if name not in DATE_FIELDS and any(s <= m.start() and m.end() <= e for s, e in spans):
            continue  # inside an earlier field's words ("journal" in "Is it a journal article?")
        if name in WHO_FIELDS and (AUTHORS_SAY_RE.search(question) or not WHO_ASK_RE.search(question)):
            continue  # "the authors" named, not asked for: maybe another detail ("…the journal the authors used")
        if name == "authors" and asked and not re.search(r"\bwho\b", question, re.IGNORECASE):
            continue
        asked.append(name)
        spans.append(m.span())
    return tuple(name for _, name in sorted(zip(spans, asked)))  # as the question orders them


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


def _words(text: str) -> set[str]:
    text = re.sub(r"\[[^\]]*\]", " ", text)  # an editor's note in a title ("[descriptive title]")
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 2}


@lru_cache(maxsize=4096)
def _text_words(text: str) -> frozenset[str]:
    """A document text's words, made once per text (``which_document`` asks about every other document)."""
    return frozenset(_words(text))


def _named_by(question: str, documents) -> dict[str, tuple[int, int]]:
    """Per document: (its title words in the question that no other document's text uses, all its
    title words in the question)."""
    asked = _words(question)
    named = {}
    for doc_id, d in documents.items():
        words = asked & (_words(d.meta.title) | _words(doc_id.replace("-", " ")))
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
    top-ranked passage's document among those that know the first asked field (the first
    passage's when none does)."""
    ranked = sorted(_named_by(question, documents).items(), key=lambda kv: kv[1], reverse=True)
    if ranked and ranked[0][1][0] and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    earlier = next((t.doc_id for t in reversed(turns) if t.doc_id), None)
    if earlier:
        return earlier
    if fields:
        known = (p.chunk.doc_id for p in passages if value_of(fields[0], documents[p.chunk.doc_id]))
        found = next(known, None)
        if found is not None:
            return found
    return passages[0].chunk.doc_id if passages else None


def names_a_document(question: str, documents) -> bool:
    """The question uses a title word of one of the documents (beyond the question form's words)."""
    asked = _words(question)
    return any(asked & (_words(d.meta.title) | _words(doc_id.replace("-", " "))) for doc_id, d in documents.items())


def refers_to_document(question: str, turns: Sequence[Turn], documents) -> bool:
    """A word for a document, a document's title words, or a conversation answered from a document."""
    return bool(REFERENCE_RE.search(question)) or names_a_document(question, documents) or any(t.doc_id for t in turns)


def document_question(question: str, turns: Sequence[Turn], documents) -> tuple[str, ...]:
    """The asked fields when the question asks details of a document it refers to (or asks a detail
    only a publication has, as its DOI or corresponding author), else ()."""
    fields = asked_fields(question)
    if not fields:
        return ()
    if SELF_REFERRING.intersection(fields) or refers_to_document(question, turns, documents):
        return fields
    return ()


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
