"""The metrics against ranx (a reference implementation) on small hand-made runs, the QA
matching normalisation, the percentile helper, and reciprocal rank fusion by hand."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from assistant.evaluation import metrics as M


# -- normalisation ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Post-infective\ncerebellar – necrosis", "postinfectivecerebellarnecrosis"),
    ("Café naïve ﬁbre", "cafenaivefibre"),  # accents and the ligature fold to ASCII
    ("IVIg (2 g/kg)", "ivig2gkg"),
    ("  ", ""),
    ("1-year-old", "1yearold"),
])
def test_normalize(text, expected):
    assert M.normalize(text) == expected


def test_contains_any_ignores_hyphenation_case_and_line_breaks():
    passage = "The child was dis-\ncharged after 3 weeks on a\ntracheostomy."
    assert M.contains_any(passage, ["Discharged after 3 weeks"])
    assert M.contains_any(passage, ["nothing", "ON A TRACHEOSTOMY"])
    assert not M.contains_any(passage, ["after 4 weeks"])
    assert not M.contains_any(passage, ["", "—"])  # empty after normalising: never a match


# -- binary metrics by hand ------------------------------------------------------------------
def test_hit_and_reciprocal_rank_by_hand():
    hits = [False, False, True, False, True]
    assert M.first_hit_rank(hits) == 3
    assert [M.hit_at_k(hits, k) for k in (1, 2, 3, 5)] == [0.0, 0.0, 1.0, 1.0]
    assert M.reciprocal_rank(hits, 10) == pytest.approx(1 / 3)
    assert M.reciprocal_rank(hits, 2) == 0.0
    assert M.mrr([hits, [True], [False] * 12]) == pytest.approx((1 / 3 + 1 + 0) / 3)
    assert M.mrr([]) == 0.0
    with pytest.raises(ValueError):
        M.hit_at_k(hits, 0)


def test_ndcg_by_hand():
    # gains 0, 2, 1 at ranks 1..3; ideal 2, 1, 1 (z is relevant but not retrieved)
    qrels = {"b": 2, "c": 1, "z": 1}
    dcg = 2 / math.log2(3) + 1 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert M.ndcg_at_k(["a", "b", "c"], qrels, 10) == pytest.approx(dcg / idcg)
    assert M.ndcg_at_k(["a", "b", "c"], qrels, 10) == pytest.approx(0.562727, abs=1e-6)
    assert M.recall_at_k(["a", "b", "c"], qrels, 100) == pytest.approx(2 / 3)
    assert M.recall_at_k(["a", "b", "c"], qrels, 2) == pytest.approx(1 / 3)
    assert M.mrr_at_k(["a", "b", "c"], qrels, 10) == pytest.approx(1 / 2)
    assert M.ndcg_at_k(["a"], {"a": 0}, 10) == 0.0  # no relevant document: 0, like trec_eval


def test_rank_scores_breaks_ties_like_trec_eval():
    assert M.rank_scores({"d1": 0.5, "d3": 0.5, "d2": 0.9}) == ["d2", "d3", "d1"]


def test_evaluate_run_drops_identical_ids_and_counts_missing_queries():
    qrels = {"q1": {"q1": 1, "d1": 1}, "q2": {"d9": 1}}
    run = {"q1": {"q1": 3.0, "d1": 2.0}}  # q2 has no results: counts as 0
    m = M.evaluate_run(run, qrels)
    assert m["queries"] == 2
    assert m["mrr@10"] == pytest.approx(0.5)  # q1: d1 is rank 1 once q1 itself is dropped
    assert m["recall@100"] == pytest.approx(0.25)
    m2 = M.evaluate_run(run, qrels, ignore_identical_ids=False)
    assert m2["recall@100"] == pytest.approx(0.5)


# -- against ranx ----------------------------------------------------------------------------
def _hand_made(seed: int, n_queries: int = 12, n_docs: int = 40):
    rng = random.Random(seed)
    qrels, run = {}, {}
    for q in range(n_queries):
        qid = f"q{q}"
        docs = [f"d{i}" for i in range(n_docs)]
        judged = rng.sample(docs, rng.randint(1, 6))
        qrels[qid] = {d: rng.choice([1, 1, 2, 3]) for d in judged}
        if q % 5 == 0:
            qrels[qid][f"unretrieved{q}"] = 1  # relevant, never in the run
        retrieved = rng.sample(docs, rng.randint(5, 30))
        scores = sorted(rng.sample(range(1, 10_000), len(retrieved)), reverse=True)  # distinct scores
        run[qid] = {d: s / 100 for d, s in zip(retrieved, scores)}
    return qrels, run


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_ranx(seed):
    ranx = pytest.importorskip("ranx")
    qrels, run = _hand_made(seed)
    metrics = ["ndcg@10", "ndcg@5", "recall@100", "recall@5", "mrr@10", "hit_rate@1", "hit_rate@3", "hit_rate@5"]
    ref = ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), metrics, make_comparable=True)
    ours = {
        "ndcg@10": M.evaluate_run(run, qrels, ndcg_k=10)["ndcg@10"],
        "ndcg@5": M.evaluate_run(run, qrels, ndcg_k=5)["ndcg@5"],
        "recall@100": M.evaluate_run(run, qrels, recall_k=100)["recall@100"],
        "recall@5": M.evaluate_run(run, qrels, recall_k=5)["recall@5"],
        "mrr@10": M.evaluate_run(run, qrels, mrr_k=10)["mrr@10"],
    }
    for k in (1, 3, 5):
        flags = [[qrels[q].get(d, 0) > 0 for d in M.rank_scores(run[q])] for q in qrels]
        ours[f"hit_rate@{k}"] = float(np.mean([M.hit_at_k(f, k) for f in flags]))
    got = np.array([ours[m] for m in metrics])
    want = np.array([ref[m] for m in metrics])
    assert np.allclose(got, want), dict(zip(metrics, zip(got, want)))


def test_single_query_ndcg_matches_ranx():
    ranx = pytest.importorskip("ranx")
    qrels = {"q": {"b": 2, "c": 1, "z": 1}}
    run = {"q": {"a": 3.0, "b": 2.0, "c": 1.0}}
    assert np.allclose(ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), "ndcg@10"),
                       M.ndcg_at_k(["a", "b", "c"], qrels["q"], 10))


# -- percentile ------------------------------------------------------------------------------
def test_percentile_matches_numpy():
    rng = np.random.default_rng(3)
    xs = list(rng.exponential(20, size=37))
    for p in (0, 5, 50, 95, 99, 100):
        assert M.percentile(xs, p) == pytest.approx(float(np.percentile(xs, p)))
    assert M.percentile([4.0], 95) == 4.0
    assert math.isnan(M.percentile([], 50))
    with pytest.raises(ValueError):
        M.percentile(xs, 101)


# -- reciprocal rank fusion ------------------------------------------------------------------
def test_rrf_fuse_by_hand():
    from assistant.retrieval import rrf_fuse

    fused = rrf_fuse([[1, 2, 3], [3, 1]], rrf_k=60)
    # 1: 1/61 + 1/62 = 0.0325224; 3: 1/63 + 1/61 = 0.0322664; 2: 1/62 = 0.0161290
    assert [row for row, _ in fused] == [1, 3, 2]
    assert np.allclose([s for _, s in fused], [0.0325224, 0.0322664, 0.0161290], atol=1e-7)
    assert rrf_fuse([[7], [5]], rrf_k=60) == [(5, 1 / 61), (7, 1 / 61)]  # ties by id
    weighted = M.weighted_rrf([["1", "2", "3"], ["3", "1"]], k=60)
    assert np.allclose([weighted[str(r)] for r, _ in fused], [s for _, s in fused])
    w2 = M.weighted_rrf([["a"], ["b"]], k=10, weights=[2.0, 1.0])
    assert w2 == pytest.approx({"a": 2 / 11, "b": 1 / 11})
