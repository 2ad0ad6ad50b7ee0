"""Retrieval and QA metrics, each a small function with its formula.

Conventions: ranks start at 1; a *ranking* is a list of ids, best first; *qrels* for one
query map id -> graded relevance (an int; > 0 means relevant, as trec_eval's default
relevance level 1). Run-level means follow pytrec_eval / BEIR: every query in the qrels
counts, a query the run has no results for scores 0.

These functions are checked against ranx in tests/test_metrics.py.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Iterable, Mapping, Sequence

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


# -- QA matching -----------------------------------------------------------------------------
def normalize(text: str) -> str:
    """Matching form of a text: Unicode NFKD, folded to ASCII (accents and other marks
    dropped), lower-cased, everything but a-z and 0-9 removed.

    ``normalize("Post-infective\\ncerebellar  necrosis") == "postinfectivecerebellarnecrosis"``,
    so line breaks, hyphenation and dashes never decide a match."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("", folded.lower())


def contains_any(text: str, phrases: Iterable[str]) -> bool:
    """True when normalize(text) contains normalize(p) for some phrase p (empty phrases never match)."""
    hay = normalize(text)
    return any(needle and needle in hay for needle in (normalize(p) for p in phrases))


# -- binary relevance over a ranked list ----------------------------------------------------
def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """The rank (from 1) of the first relevant item, or None when there is none."""
    for rank, hit in enumerate(hits, start=1):
        if hit:
            return rank
    return None


def hit_at_k(hits: Sequence[bool], k: int) -> float:
    """hit@k = 1 if any of the first k items is relevant, else 0."""
    _check_k(k)
    return 1.0 if any(hits[:k]) else 0.0


def reciprocal_rank(hits: Sequence[bool], k: int = 10) -> float:
    """RR@k = 1 / rank of the first relevant item within the top k, 0 when none is.
    MRR@k is its mean over queries (``mean(reciprocal_rank(h, k) for h in runs)``)."""
    _check_k(k)
    rank = first_hit_rank(hits[:k])
    return 0.0 if rank is None else 1.0 / rank


def mrr(all_hits: Iterable[Sequence[bool]], k: int = 10) -> float:
    """MRR@k = (1/|Q|) * sum over queries q of RR@k(q); 0.0 for no queries."""
    values = [reciprocal_rank(h, k) for h in all_hits]
    return sum(values) / len(values) if values else 0.0


# -- graded relevance (BEIR / pytrec_eval semantics) ----------------------------------------
def dcg_at_k(gains: Sequence[float], k: int) -> float:
    """DCG@k = sum_{i=1..k} gain_i / log2(i + 1)   (trec_eval: linear gain, log2 discount)."""
    _check_k(k)
    return sum(g / math.log2(i + 1) for i, g in enumerate(gains[:k], start=1) if g > 0)


def ndcg_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k = DCG@k(ranking) / DCG@k(ideal), gain_i = qrels.get(doc_i, 0) (the graded
    relevance itself, not 2^rel - 1), ideal = all judged relevance values sorted descending
    (taken from the qrels, not from the run); 0 when the query has no relevant document."""
    ideal = dcg_at_k(sorted((r for r in qrels.values() if r > 0), reverse=True), k)
    if ideal == 0:
        return 0.0
    return dcg_at_k([qrels.get(d, 0) for d in ranking], k) / ideal


def recall_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 100) -> float:
    """recall@k = |relevant among the first k| / |relevant in the qrels| (relevant: rel > 0);
    0 when the query has no relevant document."""
    _check_k(k)
    relevant = {d for d, r in qrels.items() if r > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def mrr_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    """RR@k for one query with qrels: 1 / rank of the first document with rel > 0 in the top k."""
    return reciprocal_rank([qrels.get(d, 0) > 0 for d in ranking], k)


def rank_scores(scores: Mapping[str, float]) -> list[str]:
    """Ids ordered as trec_eval orders a run: score descending, ties by id descending."""
    return [d for d, _ in sorted(scores.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)]


def evaluate_run(run: Mapping[str, Mapping[str, float] | Sequence[str]], qrels: Mapping[str, Mapping[str, int]],
                 ndcg_k: int = 10, recall_k: int = 100, mrr_k: int = 10,
                 ignore_identical_ids: bool = True) -> dict[str, float]:
    """Mean nDCG@ndcg_k, recall@recall_k and MRR@mrr_k over every query in ``qrels``.

    ``run[qid]`` is either {doc_id: score} (ordered with :func:`rank_scores`) or a ranked list.
    Like BEIR's EvaluateRetrieval.evaluate, a document whose id equals the query id is dropped
    (``ignore_identical_ids``). Keys: ``ndcg@K``, ``recall@K``, ``mrr@K``, ``queries``."""
    sums = {"ndcg": 0.0, "recall": 0.0, "mrr": 0.0}
    for qid, rels in qrels.items():
        got = run.get(qid, [])
        ranking = rank_scores(got) if isinstance(got, Mapping) else list(got)
        if ignore_identical_ids:
            ranking = [d for d in ranking if d != qid]
        sums["ndcg"] += ndcg_at_k(ranking, rels, ndcg_k)
        sums["recall"] += recall_at_k(ranking, rels, recall_k)
        sums["mrr"] += mrr_at_k(ranking, rels, mrr_k)
    n = len(qrels)
    mean = (lambda v: v / n) if n else (lambda v: 0.0)
    return {f"ndcg@{ndcg_k}": mean(sums["ndcg"]), f"recall@{recall_k}": mean(sums["recall"]),
            f"mrr@{mrr_k}": mean(sums["mrr"]), "queries": n}


# -- fusion ----------------------------------------------------------------------------------
def weighted_rrf(rankings: Sequence[Sequence[str]], k: float = 60, weights: Sequence[float] | None = None,
                 ) -> dict[str, float]:
    """Weighted reciprocal rank fusion: score(d) = sum_L w_L / (k + rank_L(d)), ranks from 1;
    with all weights 1 this is assistant.retrieval.rrf_fuse (Cormack et al., 2009)."""
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return scores


# -- latency ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between closest ranks
    (numpy's default): position = (n - 1) * p / 100 in the sorted values; NaN for none."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    xs = sorted(float(v) for v in values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * p / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _check_k(k: int) -> None:
    if int(k) < 1:
        raise ValueError(f"k must be at least 1, got {k}")
