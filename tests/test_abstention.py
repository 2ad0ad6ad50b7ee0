"""The abstention policy and the learned confidence on the real documents (own examples)."""

from __future__ import annotations

from assistant.abstention import choose_threshold, shipped_threshold, should_abstain


def test_threshold_keeps_false_abstention_within_budget():
    rows = [(True, True, c / 100) for c in range(100)] + [(False, False, 0.01)] * 10
    t = choose_threshold(rows, 0.05)
    assert sum(c < t for a, _, c in rows if a) <= 5
    assert should_abstain(None, t) and should_abstain(0.0, t)


def test_shipped_threshold_comes_from_training():
    assert 0.0 < shipped_threshold() < 1.0


def test_near_miss_with_a_term_the_documents_never_use_abstains(assistant):
    r = assistant.ask("Does the OMS girl enjoy swimming lessons?")
    assert r.abstained and r.answer is None


def test_near_miss_asking_for_a_place_the_documents_do_not_name(assistant):
    r = assistant.ask("Which hospital in Tokyo treated the girl?")
    assert r.abstained


def test_near_miss_about_the_case_abstains(assistant):
    r = assistant.ask("Did the girl with the tummy bug enjoy her ballet classes?", audience="parent")
    assert r.abstained and r.answer is None
