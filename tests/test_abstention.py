"""The abstention policy and the learned confidence on the real documents (own examples)."""

from __future__ import annotations

import pytest

from assistant.abstention import choose_threshold, shipped_threshold, should_abstain


def test_threshold_keeps_false_abstention_within_budget():
    rows = [(True, True, c / 100) for c in range(100)] + [(False, False, 0.01)] * 10
    t = choose_threshold(rows, 0.05)
    assert sum(c < t for a, _, c in rows if a) <= 5
    assert should_abstain(None, t) and should_abstain(0.0, t)


def test_shipped_threshold_comes_from_training():
    assert 0.0 < shipped_threshold() < 1.0


@pytest.mark.xfail(
    strict=True,
    reason="open (issue 10): regressed when answers came to be chosen from the top 20 passages "
    "instead of the top 5 (validation answer@1 +0.017 over 927 turns; the retrained ranker "
    "weighs the candidates differently): "
    "confidence 0.59 against the threshold 0.54",
)
def test_near_miss_with_a_term_the_documents_never_use_abstains(assistant):
    r = assistant.ask("Does the OMS girl enjoy swimming lessons?")
    assert r.abstained and r.answer is None


@pytest.mark.xfail(
    strict=True,
    reason="open (issue 10): regressed in round 4 when the models were retrained with table rows "
    "named by any identifying cell: the threshold chosen for 5 % false abstention on the training "
    "questions fell from 0.554 to 0.535, and this question's confidence is 0.552",
)
def test_near_miss_asking_for_a_place_the_documents_do_not_name(assistant):
    r = assistant.ask("Which hospital in Tokyo treated the girl?")
    assert r.abstained


def test_near_miss_about_the_case_abstains(assistant):
    r = assistant.ask("Did the girl with the tummy bug enjoy her ballet classes?", audience="parent")
    assert r.abstained and r.answer is None
