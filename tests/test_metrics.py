"""QA phrase matching and its normalisation, passage metrics (trec_eval through ir-measures) by
hand, the percentile helper, and reciprocal rank fusion by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.evaluation import metrics as M


# -- normalisation ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Post-infective\ncerebellar – necrosis", "postinfectivecerebellarnecrosis"),
        ("Café naïve ﬁbre", "cafenaivefibre"),  # accents and the ligature fold to ASCII
        ("IVIg (2 g/kg)", "ivig2gkg"),
        ("  ", ""),
        ("1-year-old", "1yearold"),
    ],
)
def test_normalize(text, expected):
    assert M.normalize(text) == expected


def test_contains_any_ignores_hyphenation_case_and_line_breaks():
    passage = "The child was dis-\ncharged after 3 weeks on a\ntracheostomy."
    assert M.contains_any(passage, ["Discharged after 3 weeks"])
    assert M.contains_any(passage, ["nothing", "ON A TRACHEOSTOMY"])
    assert not M.contains_any(passage, ["after 4 weeks"])
    assert not M.contains_any(passage, ["", "—"])  # empty after normalising: never a match


# -- passage metrics (ir-measures) ---------------------------------------------------------
def test_first_hit_rank():
    assert M.first_hit_rank([False, False, True, False, True]) == 3
    assert M.first_hit_rank([False]) is None


def test_passage_metrics_by_hand():
    hits = [[False, False, True], [True], [False] * 12, []]
    m = M.passage_metrics(hits, [1, 3], mrr_depth=10)
    assert m["hit@1"] == pytest.approx(1 / 4) and m["hit@3"] == pytest.approx(2 / 4)
    assert m["mrr"] == pytest.approx((1 / 3 + 1 + 0 + 0) / 4)
    assert M.passage_metrics([], [1]) == {"hit@1": None, "mrr": None}


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
    assert rrf_fuse([[1], [2]], rrf_k=10, weights=[2.0, 1.0]) == [(1, 2 / 11), (2, 1 / 11)]
