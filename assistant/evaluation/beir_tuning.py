"""``assistant beir --tune-split SPLIT``: the retrieval settings with the best nDCG@10 on a split.

The Searcher's candidate lists are taken once per query and fused by its own ``rank`` for every
point of a grid, in greedy rounds: the fusion with each dense weight (and RRF constant), then
the other focus weights on the best points, then the feedback weights, then the plain-word
expansion switched (it was written for the seed documents). These rounds rank passages in
retrieval order; the last one asks the best point through ``Assistant.retrieve`` with the
passages in answer order (``answer_order``; when the index has sentence vectors).
"""

from __future__ import annotations

from typing import Any

from ..schema import Retriever
from .beir_dataset import Qrels, as_run, document_ranking, score

DEPTH = 100  # documents ranked per query (recall@100 is the deepest metric)
CHUNKS_PER_DOC = 3  # chunks asked for per ranked document, so DEPTH distinct documents remain
DENSE_WEIGHTS = (0.2, 0.3, 0.5, 0.7, 1.0, 1.5)
RRF_KS = (10, 30, 60, 100)
SCORE_DENSE_WEIGHTS = (0.7, 1.0, 1.5, 2.0, 3.0)  # for fusion "score" (no rrf_k)
FOCUS_WEIGHTS = (0.0, 0.3, 0.6)  # the focus-words BM25 list (focus.py)
FEEDBACK_WEIGHTS = (0.0, 0.5, 1.0)
FEEDBACK_FROM = 3  # the best points of a round that the next round varies
FUSED = ("fusion", "dense_weight", "rrf_k", "focus_weight", "feedback_weight")  # what Searcher.rank takes
TUNED = (*FUSED, "plain_words", "answer_order")


def grid_points(current_rrf_k: int, current_focus: float = 0.3, plain_words: bool = True) -> list[dict[str, Any]]:
    """The first round of ``tune``, without feedback, at the current focus weight and expansion:
    RRF with each dense weight and constant, and score fusion with each of its dense weights
    (rrf_k unused, kept as it is)."""
    base = {"focus_weight": current_focus, "feedback_weight": 0.0, "plain_words": plain_words, "answer_order": False}
    points = [{"fusion": "rrf", "dense_weight": w, "rrf_k": k, **base} for w in DENSE_WEIGHTS for k in RRF_KS]
    points += [{"fusion": "score", "dense_weight": w, "rrf_k": current_rrf_k, **base} for w in SCORE_DENSE_WEIGHTS]
    return points


def focus_points(best: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The second round: each other focus weight on the best points of the first."""
    return [
        {**{key: p[key] for key in TUNED}, "focus_weight": f}
        for p in best
        for f in FOCUS_WEIGHTS
        if f != p["focus_weight"]
    ]


def feedback_points(best: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The third round: each feedback weight above 0 on the best points so far."""
    return [{**{key: p[key] for key in TUNED}, "feedback_weight": f} for p in best for f in FEEDBACK_WEIGHTS if f > 0]


def plain_words_points(best: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last round: the best points so far with the plain-word expansion switched (it was
    written for the seed documents and may only add noise to another corpus's questions)."""
    return [{**{key: p[key] for key in TUNED}, "plain_words": not p["plain_words"]} for p in best]


def tune(assistant, queries: dict[str, str], qrels: Qrels, depth: int = DEPTH) -> dict[str, Any]:
    """The fusion, dense weight, RRF constant, focus weight, feedback weight, plain-word
    expansion and passage order with the best nDCG@10 on these queries: the Searcher's candidate
    lists are taken once per query (and once more without the expansion, or with it) and fused by
    its own ``rank`` for every point of the grid (``grid_points``); the other focus weights are
    tried on the ``FEEDBACK_FROM`` best points, then the feedback weights on the best points so
    far (feedback searches again, so it is not tried on all), then the other expansion on the best
    points; last, the best point is asked as ``assistant ask`` orders its passages, by their best
    sentence (when the index has the sentence vectors the answer model needs)."""
    from dataclasses import replace

    searcher = assistant.searcher
    k = depth * CHUNKS_PER_DOC
    s = assistant.settings
    askers = {s.plain_words: assistant, not s.plain_words: assistant.sharing(replace(s, plain_words=not s.plain_words))}
    found: dict[bool, dict[str, Any]] = {}

    def lists(plain_words: bool) -> dict[str, Any]:
        if plain_words not in found:
            asker = askers[plain_words]
            found[plain_words] = {
                qid: searcher.candidates(asker.query(text).search, searcher.pool_size(k))
                for qid, text in queries.items()
            }
        return found[plain_words]

    def measured(point: dict[str, Any]) -> dict[str, Any]:
        fuse = {key: point[key] for key in FUSED}
        rankings = {
            qid: document_ranking((assistant.index.chunks[h.row] for h in searcher.rank(c, k, **fuse)), depth)
            for qid, c in lists(point["plain_words"]).items()
        }
        return {**point, **score(as_run(rankings), qrels)}

    def best_points() -> list[dict[str, Any]]:
        return sorted(grid, key=lambda g: -g["ndcg@10"])[:FEEDBACK_FROM]

    grid = [measured(p) for p in grid_points(s.rrf_k, s.focus_weight, s.plain_words)]
    grid += [measured(p) for p in focus_points(best_points())]
    grid += [measured(p) for p in feedback_points(best_points())]
    grid += [measured(p) for p in plain_words_points(best_points())]
    if assistant.index.sentence_vectors is not None:
        grid.append(in_answer_order(assistant, best_points()[0], queries, qrels, depth))
    best = max(
        grid,
        key=lambda g: (
            g["ndcg@10"],
            g["fusion"] == s.fusion,
            -abs(g["dense_weight"] - s.dense_weight),
            -abs(g["focus_weight"] - s.focus_weight),
            -abs(g["feedback_weight"] - s.feedback_weight),
            g["plain_words"] == s.plain_words,
            g["answer_order"] == s.answer_order,
        ),
    )
    return {"best": best, "grid": grid}


def in_answer_order(assistant, point: dict[str, Any], queries: dict[str, str], qrels: Qrels, depth: int) -> dict:
    """The point with the passages in answer order, asked through ``Assistant.retrieve`` (the
    answer model scores the top passages' sentences, so it cannot be fused from the lists)."""
    from dataclasses import replace

    point = {**{key: point[key] for key in TUNED}, "answer_order": True}
    asker = assistant.sharing(replace(assistant.settings, **point))
    return {**point, **score(as_run(rank_queries(asker, queries, Retriever.HYBRID, depth)), qrels)}


def rank_queries(assistant, queries: dict[str, str], retriever: Retriever, depth: int = DEPTH) -> dict[str, list[str]]:
    """Each query's documents as ``Assistant.retrieve`` ranks them (a document by its first chunk)."""
    return {
        qid: document_ranking(
            (p.chunk for p in assistant.retrieve(text, k=depth * CHUNKS_PER_DOC, retriever=retriever)), depth
        )
        for qid, text in queries.items()
    }
