"""Topic and focus of a question: what the question is about, and what it asks about it.

A parent's question names the case first and the aspect second ("Was the baby any better a year
after her tummy bug illness?"): the case's words match every sentence about the case, so they
must not decide which sentence answers. The question's content words are grouped (a plain
phrase of the lexicon with the document terms it maps to is one group, any other word is a
group of its own stem). A group is *topic* when a retrieved document's lead (its title and first
sentence, where a document says what it is about) contains one of its terms, or when the
conversation carried it over from an earlier turn, or when it only names who the question is
about (``PERSON_WORDS``: "my baby", "the girl" say whose case, never what is asked about it); the
other groups are the *focus*. When every group is topic, the question asks about the topic as a
whole and has no focus split.

Nothing here names a word of a particular question: the split depends only on the documents'
leads, the lexicon and the question's form.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from .lay_terms import matches
from .lexical import tokenize

WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")
LEAD_DOCUMENTS = 3  # the documents of the first passages say what the question's topic is
# Words that name a person (the patient, a relative): who a question is about. Not "family" ("a
# family history" asks about it) nor "doctor" ("which doctors?" asks for specialists).
PERSON_WORDS = """baby babies infant infants newborn newborns toddler toddlers child children kid kids boy boys
girl girls son sons daughter daughters sibling siblings brother sister mother father mom mum dad parent parents
patient patients person people""".split()


@lru_cache(maxsize=1)
def person_stems() -> frozenset[str]:
    """PERSON_WORDS as stems, made on first use (stemming loads bm25s's stop words)."""
    return frozenset(t for toks in tokenize(PERSON_WORDS) for t in toks)


@dataclass(frozen=True)
class Focus:
    """The question's content split into topic and focus stems (own words and their expansions)."""

    topic: frozenset[str] = frozenset()
    focus: frozenset[str] = frozenset()  # every stem of the focus groups
    focus_own: frozenset[str] = frozenset()  # the question's own stems among them
    groups: tuple[frozenset[str], ...] = ()  # one set of stems per focus group
    text: str = ""  # the question without its topic words ("" when there is no split)
    spans: tuple[tuple[int, int], ...] = ()  # where that text lies in the question (character offsets)

    @property
    def split(self) -> bool:
        return bool(self.topic) and bool(self.focus)

    @property
    def search_text(self) -> str:
        """The focus words and their document terms, for a focus-only BM25 list."""
        return " ".join(sorted(self.focus))


def document_lead(title: str, first_sentence: str) -> frozenset[str]:
    return frozenset(t for toks in tokenize([title, first_sentence]) for t in toks)


def leads(
    documents: Mapping[str, object], first_sentences: Mapping[str, str] | None = None
) -> dict[str, frozenset[str]]:
    """Each document's lead stems: its title and first sentence (the index's, else the text's)."""
    out = {}
    for doc_id, doc in documents.items():
        first = (first_sentences or {}).get(doc_id)
        if first is None:
            first = SENTENCE_END_RE.split(doc.text.strip()[:600], maxsplit=1)[0]
        out[doc_id] = document_lead(doc.meta.title, first)
    return out


def _groups(question: str) -> list[tuple[frozenset[str], frozenset[str], list[tuple[int, int]]]]:
    """(own stems, all stems, character spans) per content group of the question."""
    found = matches(question)
    spans: list[tuple[int, int]] = []
    groups = []
    for start, end, medical in found:
        if any(start < e and s < end for s, e in spans):
            continue
        own = frozenset(t for toks in tokenize([question[start:end]]) for t in toks)
        extra = frozenset(t for toks in tokenize(list(medical)) for t in toks) if medical else frozenset()
        if own:
            groups.append((own, own | extra, [(start, end)]))
            spans.append((start, end))
    words = [m for m in WORD_RE.finditer(question) if not any(m.start() < e and s < m.end() for s, e in spans)]
    stems = tokenize([m.group(0) for m in words]) if words else []
    by_stem: dict[str, list[tuple[int, int]]] = {}
    for m, toks in zip(words, stems, strict=True):
        for t in toks:
            by_stem.setdefault(t, []).append((m.start(), m.end()))
    taken = {t for own, _, _ in groups for t in own}
    for t, where in by_stem.items():
        if t not in taken:
            groups.append((frozenset([t]), frozenset([t]), where))
    return groups


def split_focus(question: str, lead: Iterable[str], carried: str = "") -> Focus:
    """Topic and focus of ``question`` (its own words), given the retrieved documents' lead
    stems and the topic text a follow-up carried over (always topic)."""
    lead = set(lead)
    carried_stems = frozenset(t for toks in tokenize([carried]) for t in toks) if carried.strip() else frozenset()
    groups = _groups(question)
    topic_groups = [g for g in groups if g[1] & lead or g[0] <= carried_stems or g[0] <= person_stems()]
    focus_groups = [g for g in groups if g not in topic_groups]
    topic = frozenset().union(*(g[1] for g in topic_groups), carried_stems)
    if not focus_groups or not topic:
        return Focus()
    cut = sorted(s for g in topic_groups for s in g[2])
    spans, pos = [], 0
    for s, e in cut:
        if s >= pos:
            spans.append((pos, s))
            pos = e
    spans.append((pos, len(question)))
    spans = [(s, e) for s, e in spans if question[s:e].strip()]
    text = re.sub(r"\s+", " ", "".join(question[s:e] for s, e in spans)).strip()
    return Focus(
        topic=topic,
        focus=frozenset().union(*(g[1] for g in focus_groups)),
        focus_own=frozenset().union(*(g[0] for g in focus_groups)),
        groups=tuple(g[1] for g in focus_groups),
        text=text,
        spans=tuple(spans),
    )


def complete(focus: Focus, vocabulary: Sequence[str], shortest: int = 4) -> Focus:
    """The focus with each stem the documents never use completed by the documents' stems that
    begin with it ("treat" -> "treatment", "treatabl"): a question's word form must not lose
    its aspect because the documents use another form. ``vocabulary``: the documents' stems,
    sorted (a prefix is a range of it, found by bisection)."""
    if not focus.split:
        return focus
    groups = []
    for group in focus.groups:
        extra = {v for t in group if len(t) >= shortest and not _has(vocabulary, t) for v in _starting(vocabulary, t)}
        groups.append(group | frozenset(extra))
    return replace(focus, focus=frozenset().union(*groups), groups=tuple(groups))


def _has(vocabulary: Sequence[str], word: str) -> bool:
    i = bisect_left(vocabulary, word)
    return i < len(vocabulary) and vocabulary[i] == word


def _starting(vocabulary: Sequence[str], prefix: str) -> list[str]:
    i = bisect_left(vocabulary, prefix)
    out = []
    while i < len(vocabulary) and vocabulary[i].startswith(prefix):
        out.append(vocabulary[i])
        i += 1
    return out
