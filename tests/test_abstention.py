"""The abstention policy and the learned confidence on the real documents (own examples)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from assistant.abstention import (
    QUESTION_FEATURES,
    candidate_threshold,
    choose_threshold,
    question_row,
    shipped_threshold,
    should_abstain,
    spread,
)
from assistant.answer_features import FEATURES
from assistant.answering import shipped_abstainer


def test_threshold_keeps_false_abstention_within_budget():
    rows = [(True, True, c / 100) for c in range(100)] + [(False, False, 0.01)] * 10
    t = choose_threshold(rows, 0.05)
    assert sum(c < t for a, _, c in rows if a) <= 5
    assert should_abstain(None, t) and should_abstain(0.0, t)


def test_shipped_thresholds_come_from_training():
    calibration = json.loads(resources.files("assistant.data").joinpath("calibration.json").read_text())
    assert shipped_threshold() == calibration["threshold"]
    assert candidate_threshold() == calibration["candidate_threshold"]
    assert 0.0 < candidate_threshold() < 1.0 and 0.0 < shipped_threshold() < 1.0


def test_near_miss_with_a_term_the_documents_never_use_abstains(assistant):
    r = assistant.ask("Does the OMS girl enjoy swimming lessons?")
    assert r.abstained and r.answer is None


def test_near_miss_asking_for_a_place_the_documents_do_not_name(assistant):
    r = assistant.ask("Which hospital in Tokyo treated the girl?")
    assert r.abstained


def test_near_miss_about_the_case_abstains(assistant):
    r = assistant.ask("Did the girl with the tummy bug enjoy her ballet classes?", audience="parent")
    assert r.abstained and r.answer is None


def test_spread_tells_one_clear_candidate_from_several_alike():
    assert spread(np.array([0.9, 0.0, 0.0])) < 0.01
    assert spread(np.array([0.3, 0.3, 0.3, 0.3])) > 0.99
    assert 0.2 < spread(np.array([0.8, 0.2, 0.1])) < 0.9
    assert spread(np.array([0.5])) == 0.0 and spread(np.zeros(3)) == 0.0


def test_question_row_reads_the_best_candidate_and_how_the_rest_compare():
    rng = np.random.default_rng(0)
    x = rng.random((4, len(FEATURES)))
    prob = np.array([0.2, 0.7, 0.5, 0.1])
    row = question_row(x, prob, top_bm25=3.0, top_dense=0.6)
    assert row.shape == (len(QUESTION_FEATURES),)
    named = dict(zip(QUESTION_FEATURES, row, strict=True))
    assert named["best"] == 0.7 and named["second"] == 0.5 and abs(named["margin"] - 0.2) < 1e-12
    assert abs(named["top3_sum"] - 1.4) < 1e-12
    assert named["close_log"] == np.log1p(2)  # 0.7 and 0.5 are within half of the best
    assert named["best_cos"] == x[1, FEATURES.index("cos")]  # the best candidate is row 1
    assert named["best_novelty"] == x[1, FEATURES.index("novelty")]


def test_the_shipped_abstention_model_reads_these_features():
    model = shipped_abstainer()
    assert model is not None and model.features == QUESTION_FEATURES
