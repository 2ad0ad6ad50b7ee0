"""Follow-up questions become standalone; new questions are not polluted by old topics."""

from __future__ import annotations

from assistant.conversation import answer_context, is_followup, standalone
from assistant.schema import Turn


def test_pronoun_followup_takes_the_topic():
    assert (
        standalone("How is it treated?", ["What is opsoclonus-myoclonus syndrome?"])
        == "How is opsoclonus-myoclonus syndrome treated?"
    )


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


def test_turns_carry_the_earlier_answer_place():
    turns = [
        Turn(
            "What is opsoclonus-myoclonus syndrome?",
            "OMS is ...",
            "oms-doc",
            "Discussion",
            "What is opsoclonus-myoclonus syndrome?",
        )
    ]
    assert "opsoclonus-myoclonus syndrome" in standalone("What about treatment?", turns)
    ctx = answer_context("What about treatment?", turns)
    assert ctx.followup and ctx.doc_id == "oms-doc" and ctx.section == "Discussion" and ctx.doc_start == -1
    placed = [Turn("What is opsoclonus-myoclonus syndrome?", "OMS is ...", "oms-doc", "Discussion", doc_start=812)]
    assert answer_context("What about treatment?", placed).doc_start == 812
    # a turn that names its own topic is not rewritten, but the conversation's place stays context
    own = answer_context("What does the cerebellum do in children?", turns)
    assert not own.followup and own.doc_id == "oms-doc" and own.section == "Discussion"
    assert standalone("What does the cerebellum do in children?", turns) == "What does the cerebellum do in children?"
    assert answer_context("What does the cerebellum do in children?", []).doc_id == ""


def test_three_turn_chain_answers_each_aspect(assistant):
    first = assistant.ask("What causes cerebellar hypoplasia?", audience="parent")
    second = assistant.ask("Is it genetic?", history=[first], audience="parent")
    third = assistant.ask("Which genes?", history=[first, second], audience="parent")
    assert "genetic" in first.answer.text
    assert "genetic" in second.answer.text.lower()
    assert "CACNA1A" in third.answer.text and "cerebellar hypoplasia" in third.standalone_question


def test_followup_on_another_aspect_quotes_a_new_sentence(assistant):
    first = assistant.ask("What is opsoclonus-myoclonus syndrome?", audience="clinician")
    r = assistant.ask("What about treatment?", history=[first], audience="clinician")
    assert not r.abstained and r.answer.text != first.answer.text
    assert "immunotherapy" in r.answer.text


def test_followup_answered_by_the_previous_quote_may_repeat_it(assistant):
    # the sentence just quoted also answers the follow-up: it is a candidate like any other
    first = assistant.ask("Is neuroblastoma a common tumour in children?", audience="parent")
    r = assistant.ask("Do many children die of it?", history=[first], audience="parent")
    assert "most common extra-cranial solid tumor" in first.answer.text
    assert not r.abstained and "15% of cancer deaths" in r.answer.text
