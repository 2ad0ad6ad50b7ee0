"""Dense (FAISS), BM25 and hybrid retrieval over the chunks.

Hybrid fuses the ranked lists (dense, BM25, focus-words BM25) with weights (BM25 has 1), by
``fusion``: ``"rrf"``, reciprocal rank fusion (Cormack et al., 2009), ``sum_L w_L / (rrf_k +
rank_L(d))`` with ranks from 1; or ``"score"``, a weighted sum of each list's scores as z-scores
over that list (a chunk a list did not return gets the list's lowest), which keeps how far apart
the scores are where RRF keeps only their order. With ``feedback_weight`` > 0 the question's
vector is moved towards the mean vector of the first ``FEEDBACK_DEPTH`` fused chunks (Rocchio
pseudo-relevance feedback) and the dense list is searched again before the final fusion.
A chunk found by several lists is one result (merged by chunk id), and chunks with the same
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
from .vector_index import HNSW_FROM

FUSIONS = ("rrf", "score")
FEEDBACK_DEPTH = 3  # fused chunks whose mean vector the feedback adds to the question's


@dataclass(frozen=True)
class Candidates:
    dense: tuple[tuple[int, float], ...]  # (row, cosine), best first
    lexical: tuple[tuple[int, float], ...]  # (row, BM25 score), best first
    focused: tuple[tuple[int, float], ...] = ()  # (row, BM25 score) for the question's focus words alone
    focus: Focus = Focus()
    vector: np.ndarray | None = None  # the question's vector (for feedback)
    n: int = 0  # the length each list was asked for


@dataclass(frozen=True)
class SearchQuery:
    """What a search is asked: the text for BM25 (with the plain-word terms), the query vector,
    and, for the topic/focus split, the question itself and the topic a follow-up carried over."""

    text: str
    vector: np.ndarray | None = None
    question: str = ""
    carried: str = ""


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


def score_fuse(lists: list[list[tuple[int, float]]], weights: list[float]) -> list[tuple[int, float]]:
    """Weighted sum of z-scores, each over its own list's scores; an item a list lacks gets that
    list's lowest z-score (a list of one score, or of equal scores, adds nothing). Best first, ties by id."""
    if len(weights) != len(lists):
        raise ValueError(f"{len(weights)} weights for {len(lists)} lists")
    total: dict = {}
    base = 0.0  # the sum of the lists' floors, which an item a list lacks gets from it
    for ranked, weight in zip(lists, weights):
        values = np.array([v for _, v in ranked], dtype=np.float64)
        sd = values.std() if ranked and weight else 0.0
        if sd == 0:
            for item, _ in ranked:
                total.setdefault(item, 0.0)
            continue
        z = weight * (values - values.mean()) / sd
        floor = float(z.min())
        base += floor
        for (item, _), value in zip(ranked, z.tolist()):
            total[item] = total.get(item, 0.0) + value - floor
    return sorted(((item, base + value) for item, value in total.items()), key=lambda kv: (-kv[1], kv[0]))


class Searcher:
    def __init__(
        self,
        index: Index,
        rrf_k: int = 60,
        candidates: int = 50,
        dense_weight: float = 1.0,
        focus_weight: float = 0.0,
        fusion: str = "rrf",
        feedback_weight: float = 0.0,
    ) -> None:
        if dense_weight < 0:
            raise ValueError(f"dense_weight must be >= 0, got {dense_weight}")
        if focus_weight < 0:
            raise ValueError(f"focus_weight must be >= 0, got {focus_weight}")
        if feedback_weight < 0:
            raise ValueError(f"feedback_weight must be >= 0, got {feedback_weight}")
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, got {fusion!r}")
        self.index = index
        self.dense_weight = dense_weight
        self.focus_weight = focus_weight
        self.fusion = fusion
        self.feedback_weight = feedback_weight
        first: dict[str, str] = {}
        for s in index.sentences:
            first.setdefault(s.doc_id, s.text)
        self._leads = leads(index.documents, first)
        self.rrf_k = rrf_k
        self.candidates_per_list = candidates
        self._norm_text = [re.sub(r"\W+", " ", c.text.lower()).strip() for c in index.chunks]
        self._vocabulary = sorted(index.bm25.vocabulary)  # for the focus words' completions (focus.complete)

    @classmethod
    def from_settings(cls, index: Index, settings) -> Searcher:
        """The Searcher the assistant's settings describe (fusion, weights, candidates per list)."""
        return cls(
            index,
            settings.rrf_k,
            settings.candidates,
            settings.dense_weight,
            settings.focus_weight,
            settings.fusion,
            settings.feedback_weight,
        )

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
        return complete(split_focus(question, lead, carried), self._vocabulary)

    def candidates(self, query: SearchQuery, n: int, retriever: Retriever = Retriever.HYBRID) -> Candidates:
        """The dense and BM25 lists (``n`` each) that ``rank`` fuses. Given the query's
        ``question`` (unexpanded) and the topic a follow-up ``carried``, its focus is split off by
        the leads of the first documents of those lists, and (hybrid) a BM25 list of the focus
        words alone is added."""
        dense = self.dense(query.vector, n) if retriever in (Retriever.DENSE, Retriever.HYBRID) else []
        lexical = self.lexical(query.text, n) if retriever in (Retriever.BM25, Retriever.HYBRID) else []
        vector = None if query.vector is None else np.asarray(query.vector, dtype=np.float32).reshape(-1)
        found = Candidates(tuple(dense), tuple(lexical), vector=vector, n=n)
        if not query.question:
            return found
        first = self.rank(found, LEAD_DOCUMENTS, retriever, feedback_weight=0.0)
        focus = self.focus_of(query.question, [h.row for h in first], query.carried)
        focused = self.lexical(focus.search_text, n) if focus.split and retriever is Retriever.HYBRID else []
        return Candidates(found.dense, found.lexical, tuple(focused), focus, vector, n)

    def feedback(self, found: Candidates, rows: list[int], weight: float) -> Candidates:
        """The candidates with the dense list searched again for the question's vector plus
        ``weight`` times the mean vector of ``rows`` (Rocchio), normalised."""
        if weight <= 0 or not rows or found.vector is None or not found.dense:
            return found
        moved = found.vector + weight * self.index.chunk_vectors[rows].mean(axis=0)
        moved /= np.linalg.norm(moved) or 1.0
        n = min(found.n or len(found.dense), self.size)
        if self.size < HNSW_FROM:  # exact, as the flat FAISS index, without its slow heap for a large n
            scores = self.index.chunk_vectors @ moved
            top = np.argpartition(-scores, n - 1)[:n] if n < self.size else np.arange(self.size)
            top = top[np.lexsort((top, -scores[top]))]
            dense = tuple((int(r), float(scores[r])) for r in top)
        else:
            dense = tuple(self.dense(moved, n))
        return Candidates(dense, found.lexical, found.focused, found.focus, found.vector, found.n)

    def rank(
        self,
        found: Candidates,
        k: int,
        retriever: Retriever = Retriever.HYBRID,
        dense_weight: float | None = None,
        rrf_k: int | None = None,
        fusion: str | None = None,
        feedback_weight: float | None = None,
        focus_weight: float | None = None,
    ) -> list[Hit]:
        """The top ``k`` chunks: one list, or the lists fused (after feedback, when its weight
        is above 0); duplicates merged, references last. Unset arguments are the Searcher's."""
        feedback_weight = self.feedback_weight if feedback_weight is None else feedback_weight
        focus_weight = self.focus_weight if focus_weight is None else focus_weight
        if feedback_weight > 0 and retriever is not Retriever.BM25:
            first = self.rank(found, FEEDBACK_DEPTH, retriever, dense_weight, rrf_k, fusion, 0.0, focus_weight)
            found = self.feedback(found, [h.row for h in first], feedback_weight)
        dmap, lmap = dict(found.dense), dict(found.lexical)
        if retriever is Retriever.DENSE:
            ranked = list(found.dense)
        elif retriever is Retriever.BM25:
            ranked = list(found.lexical)
        else:
            weight = self.dense_weight if dense_weight is None else dense_weight
            lists, weights = [list(found.dense), list(found.lexical)], [weight, 1.0]
            if found.focused and focus_weight > 0:
                lists.append(list(found.focused))
                weights.append(focus_weight)
            if (fusion or self.fusion) == "score":
                ranked = score_fuse(lists, weights)
            else:
                ranked = rrf_fuse(
                    [[r for r, _ in ranked] for ranked in lists], self.rrf_k if rrf_k is None else rrf_k, weights
                )
        body: list[Hit] = []
        references: list[Hit] = []  # ranked after the body
        seen_text: set[str] = set()
        for row, score in ranked:
            key = self._norm_text[row]
            if key in seen_text:
                continue
            seen_text.add(key)
            is_reference = self.index.chunks[row].section_kind is SectionKind.REFERENCES
            (references if is_reference else body).append(Hit(row, score, dmap.get(row), lmap.get(row)))
            if len(body) >= k:
                break
        return (body + references)[:k]

    def pool_size(self, k: int) -> int:
        """Candidates taken from each list for ``k`` results."""
        return max(self.candidates_per_list, k * 3)

    def found(
        self, query: SearchQuery, k: int, retriever: Retriever = Retriever.HYBRID
    ) -> tuple[list[Hit], Candidates]:
        """The top ``k`` hits, and the candidate lists they were fused from (with the focus split)."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        found = self.candidates(query, self.pool_size(k), retriever)
        return self.rank(found, k, retriever), found
