"""Quotes: the chosen answer candidates as verbatim slices of their documents, with spans into
the passages they were found in: the answer, and up to two alternatives from other places
(``answering.alternatives``). A table row also carries its readable form ("Col: value; ...")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .answering import Candidate, alternatives
from .index import Index
from .schema import Alternative, Answer, AnswerKind, Passage, SentenceKind


def answer_quote(index: Index, choice: Candidate, passages: Sequence[Passage]) -> Answer:
    """The chosen candidate as an Answer: a verbatim slice of its document, with spans."""
    p = passages[choice.passage]
    s = index.sentences[choice.sentence_ids[0]]
    row = s.kind is SentenceKind.TABLE_ROW
    return Answer(
        text=index.documents[p.chunk.doc_id].text[choice.start : choice.end],
        passage=choice.passage,
        start=choice.start - p.chunk.start,
        end=choice.end - p.chunk.start,
        doc_start=choice.start,
        doc_end=choice.end,
        score=choice.score,
        kind=AnswerKind.TABLE_ROW if row else AnswerKind.SENTENCE,
        # a candidate is one sentence: a row reads "Col: value; ...", prose with its lost dashes
        # restored ("expected—what"); "" when it reads as its text
        display=s.display,
    )


def alternative_quotes(
    index: Index, ranked: Sequence[Candidate], passages: Sequence[Passage], limit: int = 2
) -> tuple[Alternative, ...]:
    """Up to ``limit`` further quotes that also answer, from other places than the answer."""
    from .abstention import candidate_threshold

    quotes = (
        answer_quote(index, c, passages)
        for c in alternatives(list(ranked), index.sentences, limit, candidate_threshold())
    )
    return tuple(
        Alternative(text=q.text, passage=q.passage, start=q.start, end=q.end, score=q.score, display=q.display)
        for q in quotes
    )


def shown_passages(
    passages: Sequence[Passage], k: int, answer: Answer | None, alternatives: Sequence[Alternative]
) -> tuple[tuple[Passage, ...], Answer | None, tuple[Alternative, ...]]:
    """The first ``k`` passages and any later one that the answer or an alternative quotes (the
    answer may come from deeper than the passages a user asked to see), in retrieval order, with
    the quotes' passage indices pointing into that list."""
    cited = {q.passage for q in (answer, *alternatives) if q is not None}
    keep = [i for i in range(len(passages)) if i < k or i in cited]
    at = {old: new for new, old in enumerate(keep)}
    return (
        tuple(passages[i] for i in keep),
        None if answer is None else replace(answer, passage=at[answer.passage]),
        tuple(replace(a, passage=at[a.passage]) for a in alternatives),
    )
