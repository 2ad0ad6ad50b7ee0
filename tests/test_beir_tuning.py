"""The tuning grid of `assistant beir --tune-split` (``beir_tuning.py``): its greedy rounds."""

from __future__ import annotations

from assistant.evaluation import beir_tuning as T


def test_the_grid_holds_both_fusions_then_focus_then_feedback_then_plain_words_on_the_best():
    points = T.grid_points(60, 0.3)
    assert {p["fusion"] for p in points} == {"rrf", "score"} and {p["feedback_weight"] for p in points} == {0.0}
    assert {p["focus_weight"] for p in points} == {0.3} and {p["plain_words"] for p in points} == {True}
    assert all(p["rrf_k"] == 60 for p in points if p["fusion"] == "score")
    assert {p["answer_order"] for p in points} == {False}  # fused from the lists: retrieval order
    assert len(points) == len({tuple(sorted(p.items())) for p in points})  # no point twice
    best = [{**points[-1], "ndcg@10": 0.5}, {**points[0], "ndcg@10": 0.4}]
    focus = T.focus_points(best)
    assert len(focus) == 2 * (len(T.FOCUS_WEIGHTS) - 1) and all("ndcg@10" not in p for p in focus)
    assert {p["focus_weight"] for p in focus} == set(T.FOCUS_WEIGHTS) - {0.3}
    third = T.feedback_points(best)
    assert {p["feedback_weight"] for p in third} == {f for f in T.FEEDBACK_WEIGHTS if f > 0}
    assert len(third) == 2 * (len(T.FEEDBACK_WEIGHTS) - 1) and all("ndcg@10" not in p for p in third)
    assert {p["fusion"] for p in third} == {"rrf", "score"}
    last = T.plain_words_points(best)
    assert [p["plain_words"] for p in last] == [False, False] and [p["fusion"] for p in last] == ["score", "rrf"]
    assert all(set(p) == set(T.TUNED) for p in points + focus + third + last)
