"""Which detail of a document a question asks for, if any: who wrote it, where the authors work,
the corresponding author and their email address, the journal, the year, the DOI, volume and pages,
the dates it was received and accepted, its licence (open access, may it be shared), the kind of
article (is it peer reviewed, a journal article). ``document_facts`` answers them.

Detected by the question's form (``FIELDS``); a question may ask several ("Article type and
acceptance date?"). A question is about a document only when it refers to one
(``refers_to_document``): a word for a document ("article", "paper", "case report",
"journal"...), a document's title words, or an earlier turn answered from a document ("Who wrote
it?" as a follow-up); or when it asks a detail only a publication has (its DOI, its corresponding
author). "Who wrote Romeo and Juliet?" names none of these: it is an ordinary question, not one
about our documents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .schema import Turn

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
# fields whose words only a publication has: the question refers to a document by asking them (not
# the dates: "When was she received into intensive care?" is about the story)
SELF_REFERRING = {"doi", "corresponding", "first_author", "last_author"}
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


def title_words(text: str) -> set[str]:
    """A title's or question's words, without the question forms' own words (``STOP``)."""
    text = re.sub(r"\[[^\]]*\]", " ", text)  # an editor's note in a title ("[descriptive title]")
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 2}


def document_words(doc_id: str, doc) -> set[str]:
    """The words that name a document: its title's and its id's."""
    return title_words(doc.meta.title) | title_words(doc_id.replace("-", " "))


def names_a_document(question: str, documents) -> bool:
    """The question uses a title word of one of the documents (beyond the question form's words)."""
    asked = title_words(question)
    return any(asked & document_words(doc_id, d) for doc_id, d in documents.items())


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
