"""Turn a follow-up question into a standalone one, from the earlier user turns.

Method (topic carry-over, measured on the evaluation set's follow-ups):
1. A question is a follow-up when there is history and it refers back: a pronoun or
   demonstrative ("it", "she", "that tumour"), an opening "and"/"what about", or an
   elliptical question of three words or fewer ("Which genes?"). A question that names its
   own topic (a glossary term, an acronym or a gene) and refers back only with
   "this"/"that" is self-contained: old topics must not pollute a new question.
2. The topic is the previous turn's own standalone form (resolved recursively): its medical
   terms when it has some, else its content words.
3. The standalone question replaces a leading "it"/"its" with the topic when the topic is a
   term, otherwise it appends the topic in brackets: "How is it treated?" after "What is
   opsoclonus-myoclonus syndrome?" -> "How is opsoclonus-myoclonus syndrome treated?".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .answer_features import AnswerContext
from .glossary import find_terms
from .lexical import FUNCTION_WORDS
from .schema import Turn

PRONOUN_RE = re.compile(
    r"\b(it|its|it's|they|them|their|theirs|she|her|hers|he|him|his|this|that|these|those|there)\b", re.IGNORECASE
)
STRONG_PRONOUN_RE = re.compile(r"\b(it|its|it's|they|them|their|she|her|he|him|his)\b", re.IGNORECASE)
OPENER_RE = re.compile(r"^\s*(and|also|so|but|what about|how about|then)\b", re.IGNORECASE)
ENTITY_RE = re.compile(r"\b(?:[A-Z]{2,}[A-Z0-9]*|[A-Z][a-z]+[A-Z]\w*|\w*\d\w*[A-Za-z]\w*)\b")
QUESTION_WORDS = FUNCTION_WORDS | {"explain", "happen", "happened", "me", "mean", "means", "tell"}


def own_topics(question: str) -> list[str]:
    terms = [e.term for e in find_terms(question)]
    entities = [m.group(0) for m in ENTITY_RE.finditer(question) if m.group(0).lower() not in {"i"}]
    return terms + [e for e in entities if e.lower() not in {t.lower() for t in terms}]


def _questions(history: Sequence[Turn | str]) -> list[Turn]:
    return [
        h if isinstance(h, Turn) else Turn(str(h))
        for h in history
        if h and (h.question if isinstance(h, Turn) else str(h)).strip()
    ]


def is_followup(question: str, history: Sequence[Turn | str]) -> bool:
    if not history:
        return False
    words = re.findall(r"[A-Za-z0-9']+", question)
    if OPENER_RE.match(question) or len(words) <= 3:
        return True
    if STRONG_PRONOUN_RE.search(question):
        return True
    if PRONOUN_RE.search(question):
        return not own_topics(question)
    return False


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9'\-]*", text) if w.lower() not in QUESTION_WORDS]


def topic_of(question: str) -> tuple[str, bool]:
    """(topic text, whether it is a term that can stand in for a pronoun)."""
    terms = [e.term for e in find_terms(question)]
    if terms:
        # the most specific terms first; keep at most three
        return ", ".join(dict.fromkeys(terms[:3])), len(terms) == 1
    return " ".join(_content_words(question)), False


def resolved(turns: Sequence[Turn]) -> str:
    """The last turn as it was searched: its recorded standalone form, else resolved now."""
    last = turns[-1]
    return last.standalone or standalone(last.question, turns[:-1])


def standalone(question: str, history: Sequence[Turn | str]) -> str:
    """The question to search: itself, or rewritten with the topic of the earlier turns.

    ``history`` holds the earlier Turns (plain strings are questions without a known answer).
    The new turn's own words stay first, so its aspect leads the search; the earlier topic
    follows as context."""
    turns = _questions(history)
    if not is_followup(question, turns):
        return question
    topic, is_term = topic_of(resolved(turns))
    if not topic:
        return question
    q = question.strip()
    if is_term and re.search(r"\bit\b", q, re.IGNORECASE) and not re.search(r"\bits\b", q, re.IGNORECASE):
        return re.sub(r"\bit\b", topic, q, count=1, flags=re.IGNORECASE)
    return f"{q} ({topic})"


def carried_topic(question: str, history: Sequence[Turn | str]) -> str:
    """The topic ``standalone`` carries over from the earlier turns ("" for a self-contained question)."""
    turns = _questions(history)
    if not is_followup(question, turns):
        return ""
    return topic_of(resolved(turns))[0]


def answer_context(question: str, history: Sequence[Turn | str]) -> AnswerContext:
    """Where the conversation points: the latest answered turn's document, section and quoted
    sentence, for any
    turn after the first (a question that names its own topic is often still about the same
    document), and whether the turn refers back (``followup``)."""
    turns = _questions(history)
    if not turns:
        return AnswerContext()
    follow = is_followup(question, turns)
    last = next((t for t in reversed(turns) if t.doc_id), None)
    return AnswerContext(follow, last.doc_id, last.section, last.doc_start) if last else AnswerContext(follow)
