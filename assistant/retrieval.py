"""Dense (FAISS), BM25 and hybrid retrieval over the chunks.

Hybrid fuses the two ranked lists with reciprocal rank fusion (Cormack et al., 2009):
``rrf(d) = sum over lists L containing d of 1 / (rrf_k + rank_L(d))``, ranks from 1.
A chunk found by both lists is one result (merged by chunk id), and chunks with the same
text are merged too. Reference-list chunks rank after body chunks, so a bibliography never
crowds out the text that answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .focus import LEAD_DOCUMENTS, Focus, complete, leads, split_focus
from .index import Index
from .schema import Retriever, SectionKind


@dataclass(frozen=True)
class Candidates:
    dense: tuple[tuple[int, float], ...]  # (row, cosine), best first
    lexical: tuple[tuple[int, float], ...]  # (row, BM25 score), best first
    focused: tuple[tuple[int, float], ...] = ()  # (row, BM25 score) for the question's focus words alone
    focus: Focus = Focus()


@dataclass(frozen=True)
class Hit:
    row: int  # index into Index.chunks
    score: float
    dense: float | None = None  # cosine, when the dense list saw it
    bm25: float | None = None


def rrf_fuse(rankings: list[list[int]], rrf_k: int = 60, weights: list[float] | None = None) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of ranked id lists; best first, ties broken by id.

    ``score(d) = sum_L w_L / (rrf_k + rank_L(d))`` with ranks from 1 and weights 1 by default.
    """
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class Searcher:
    def __init__(
        self, index: Index, rrf_k: int = 60, candidates: int = 50, dense_weight: float = 1.0, focus_weight: float = 0.0
    ) -> None:
        if dense_weight < 0:
            raise ValueError(f"dense_weight must be >= 0, got {dense_weight}")
        if focus_weight < 0:
            raise ValueError(f"focus_weight must be >= 0, got {focus_weight}")
        self.index = index
        self.dense_weight = dense_weight
        self.focus_weight = focus_weight
        first: dict[str, str] = {}
        for s in index.sentences:
            first.setdefault(s.doc_id, s.text)
        self._leads = leads(index.documents, first)
        self.rrf_k = rrf_k
        self.candidates_per_list = candidates
        self._norm_text = [re.sub(r"\W+", " ", c.text.lower()).strip() for c in index.chunks]

    @property
    def size(self) -> int:
        return len(self.index.chunks)

    def dense(self, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        n = min(n, self.size)
        if n <= 0:
            return []
        scores, rows = self.index.dense.search(np.asarray(query_vector, dtype=np.float32).reshape(1, -1), n)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def lexical(self, query: str, n: int) -> list[tuple[int, float]]:
        return self.index.bm25.search(query, n)

    def focus_of(self, question: str, rows: list[int], carried: str = "") -> Focus:
        """The question's topic and focus, from the leads of the documents of the first rows."""
        lead: set[str] = set()
        for row in rows[:LEAD_DOCUMENTS]:
            lead |= self._leads.get(self.index.chunks[row].doc_id, frozenset())
        return complete(split_focus(question, lead, carried), self.index.bm25.vocabulary)

    def candidates(
        self,
        query: str,
        query_vector: np.ndarray | None,
        n: int,
        retriever: Retriever = Retriever.HYBRID,
        question: str = "",
        carried: str = "",
    ) -> Candidates:
        """The dense and BM25 lists (``n`` each) that ``rank`` fuses. Given the ``question``
        (unexpanded) and the topic a follow-up ``carried``, its focus is split off by the leads
        of the first documents of those lists, and (hybrid) a BM25 list of the focus words alone
        is added."""
        dense = self.dense(query_vector, n) if retriever in (Retriever.DENSE, Retriever.HYBRID) else []
        lexical = self.lexical(query, n) if retriever in (Retriever.BM25, Retriever.HYBRID) else []
        found = Candidates(tuple(dense), tuple(lexical))
        if not question:
            return found
        first = self.rank(found, LEAD_DOCUMENTS, retriever)
        focus = self.focus_of(question, [h.row for h in first], carried)
        focused = self.lexical(focus.search_text, n) if focus.split and retriever is Retriever.HYBRID else []
        return Candidates(found.dense, found.lexical, tuple(focused), focus)

    def rank(
        self,
        found: Candidates,
        k: int,
        retriever: Retriever = Retriever.HYBRID,
        dense_weight: float | None = None,
        rrf_k: int | None = None,
    ) -> list[Hit]:
        """The top ``k`` chunks: one list, or both fused; duplicates merged, references last."""
        dmap, lmap = dict(found.dense), dict(found.lexical)
        if retriever is Retriever.DENSE:
            ranked = list(found.dense)
        elif retriever is Retriever.BM25:
            ranked = list(found.lexical)
        else:
            weight = self.dense_weight if dense_weight is None else dense_weight
            lists, weights = [[r for r, _ in found.dense], [r for r, _ in found.lexical]], [weight, 1.0]
            if found.focused and self.focus_weight > 0:
                lists.append([r for r, _ in found.focused])
                weights.append(self.focus_weight)
            ranked = rrf_fuse(lists, self.rrf_k if rrf_k is None else rrf_k, weights)
        hits: list[Hit] = []
        seen_text: set[str] = set()
        for row, score in ranked:
            key = self._norm_text[row]
            if key in seen_text:
                continue
            seen_text.add(key)
            hits.append(Hit(row, score, dmap.get(row), lmap.get(row)))
        # stable: body before references
        hits.sort(key=lambda h: self.index.chunks[h.row].section_kind is SectionKind.REFERENCES)
        return hits[:k]

    def pool_size(self, k: int) -> int:
        """Candidates taken from each list for ``k`` results."""
        return max(self.candidates_per_list, k * 3)

    def found(
        self,
        query: str,
        query_vector: np.ndarray | None,
        k: int,
        retriever: Retriever = Retriever.HYBRID,
        question: str = "",
        carried: str = "",
    ) -> tuple[list[Hit], Candidates]:
        """The top ``k`` hits, and the candidate lists they were fused from (with the focus split)."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        found = self.candidates(query, query_vector, self.pool_size(k), retriever, question, carried)
        return self.rank(found, k, retriever), found
