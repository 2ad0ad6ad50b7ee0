"""The values ``Assistant.ask`` hands from one step to the next: the question as searched
(``Query``), what retrieval found (``Retrieved``), and the ranked answer candidates (``Choice``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .citations import citation
from .schema import Passage, Turn

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from .answer_features import AnswerContext
    from .answering import Candidate
    from .focus import Focus
    from .index import Index
    from .retrieval import Candidates, Hit, SearchQuery
    from .sentence_pipeline import QueryEncoding


@dataclass(frozen=True)
class Query:
    text: str  # the standalone question
    search_text: str  # with the documents' terms for plain words
    encoding: QueryEncoding  # the standalone question's vector and token states
    context: AnswerContext | None = None  # the earlier answer's place, for a follow-up
    turns: tuple[Turn, ...] = ()
    carried: str = ""  # the topic a follow-up carried over from the earlier turns

    @property
    def vector(self) -> np.ndarray:
        return self.encoding.vector

    @property
    def search(self) -> SearchQuery:
        """What the Searcher is asked for this question."""
        from .retrieval import SearchQuery

        return SearchQuery(self.search_text, self.vector, self.text, self.carried)


@dataclass(frozen=True)
class Retrieved:
    """The passages in retrieval order, and the question's topic/focus split."""

    passages: tuple[Passage, ...]
    focus: Focus
    top_bm25: float = 0.0  # the best BM25 score over the corpus
    top_dense: float = 0.0  # the best chunk cosine

    @classmethod
    def of(cls, index: Index, hits: Sequence[Hit], found: Candidates) -> Retrieved:
        """The hits as cited passages (rank from 1), with what the candidate lists say."""
        passages = []
        for rank, hit in enumerate(hits, start=1):
            chunk = index.chunks[hit.row]
            meta = index.documents[chunk.doc_id].meta
            cited = citation(meta, chunk.section)
            passages.append(Passage(rank, chunk, hit.score, meta, meta.evidence_label, cited))
        return cls(
            tuple(passages),
            found.focus,
            max((s for _, s in found.lexical), default=0.0),
            max((s for _, s in found.dense), default=0.0),
        )


@dataclass(frozen=True)
class Choice:
    """The ranked answer candidates (best first) over the passages."""

    passages: tuple[Passage, ...]
    ranked: tuple[Candidate, ...]
    confidence: float | None = None  # that the best candidate answers (None: no candidate)

    @property
    def best(self) -> Candidate | None:
        return self.ranked[0] if self.ranked else None

    def by_answer(self) -> Choice:
        """The passages ordered by their best sentence's probability of answering (the passage
        of the best candidate first), then those without a candidate in retrieval order; each
        passage's ``rank`` is its new place and its ``answer_score`` that probability; the
        candidates point into the new order."""
        from .answering import Candidate

        best: dict[int, float] = {}
        for c in self.ranked:  # most probable first, so the first score seen is the passage's best
            best.setdefault(c.passage, c.score)
        order = sorted(range(len(self.passages)), key=lambda i: (i not in best, -best.get(i, 0.0), i))
        at = {old: new for new, old in enumerate(order)}
        # built directly: dataclasses.replace took ~0.5 ms over the ~90 objects of an answer
        passages = []
        for new, i in enumerate(order, start=1):
            p = self.passages[i]
            passages.append(Passage(new, p.chunk, p.score, p.meta, p.evidence, p.citation, best.get(i)))
        ranked = tuple(
            Candidate(at[c.passage], c.sentence_ids, c.start, c.end, c.score, c.confidence) for c in self.ranked
        )
        return Choice(tuple(passages), ranked, self.confidence)
