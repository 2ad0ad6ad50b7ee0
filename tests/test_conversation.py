"""Follow-up questions become standalone; new questions are not polluted by old topics."""

from __future__ import annotations

from assistant.conversation import is_followup, standalone


def test_pronoun_followup_takes_the_topic():
    assert standalone("How is it treated?", ["What is opsoclonus-myoclonus syndrome?"]) == \
        "How is opsoclonus-myoclonus syndrome treated?"


def test_elliptical_followup_carries_topic_words():
    q = standalone("Which genes?", ["What causes cerebellar hypoplasia?"])
    assert q.startswith("Which genes?") and "cerebellar hypoplasia" in q


def test_chain_of_followups_resolves_recursively():
    q = standalone("And how is it treated?", ["What causes cerebellar hypoplasia?", "How is it diagnosed?"])
    assert "cerebellar hypoplasia" in q


def test_self_contained_question_is_left_alone():
    history = ["What is opsoclonus-myoclonus syndrome?", "How is it treated?"]
    q = "How can we make our home safer for a child with cerebellar hypoplasia?"
    assert not is_followup(q, history)
    assert standalone(q, history) == q
    assert standalone("What does the cerebellum do?", []) == "What does the cerebellum do?"


def test_followups_improve_retrieval(assistant):
    history = ["Which tumour is linked to opsoclonus-myoclonus syndrome?"]
    with_history = assistant.ask("How often is that tumour present?", history=history)
    assert any("50%" in p.chunk.text for p in with_history.passages[:3])
