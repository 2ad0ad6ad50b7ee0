"""The Response made from a chosen answer (``responding.py``), on the real index."""

from __future__ import annotations

import time

from assistant.questions import prepare_question
from assistant.responding import EMPTY_QUESTION, NOT_ANSWERED, NOT_MEDICAL_ADVICE, empty_question, respond
from assistant.schema import AnswerKind, Audience, Retriever, Status


def _respond(assistant, question: str, threshold: float, audience=Audience.PARENT, k: int = 5):
    prepared = prepare_question(question, 1000)
    query = assistant.query(question)
    choice = assistant._choose(query, assistant._search(query, 20, Retriever.HYBRID), audience)
    return respond(
        assistant.index, threshold, prepared, query, choice, audience, Retriever.HYBRID, k, time.perf_counter()
    )


def test_an_empty_question_asks_for_one():
    resp = empty_question(prepare_question("  ?! ", 100), Audience.PARENT, Retriever.HYBRID, 0.5)
    assert resp.status is Status.EMPTY_QUESTION and resp.message == EMPTY_QUESTION
    assert resp.abstained and resp.answer is None and resp.passages == () and resp.latency_ms == 0.5


def test_the_threshold_decides_between_a_quote_and_an_abstention(assistant):
    question = "Which genes cause cerebellar hypoplasia?"
    answered = _respond(assistant, question, threshold=0.0)
    assert not answered.abstained and answered.status is Status.ANSWERED and answered.message == ""
    quoted = answered.passages[answered.answer.passage]
    assert answered.answer.text in assistant.index.documents[quoted.chunk.doc_id].text
    assert len(answered.passages) <= 5 and answered.latency_ms > 0
    assert all(alt.text != answered.answer.text for alt in answered.alternatives)
    refused = _respond(assistant, question, threshold=1.01)
    assert refused.abstained and refused.status is Status.NOT_ANSWERED and refused.message == NOT_ANSWERED
    assert refused.answer is None and refused.alternatives == () and refused.passages  # still shown to read


def test_parents_are_told_it_is_not_medical_advice_and_clinicians_are_not(assistant):
    question = "What is the cerebellum?"
    assert NOT_MEDICAL_ADVICE in _respond(assistant, question, 0.0, Audience.PARENT).notice
    assert NOT_MEDICAL_ADVICE not in _respond(assistant, question, 0.0, Audience.CLINICIAN).notice


def test_a_question_about_a_document_is_answered_from_its_details_whatever_the_threshold(assistant):
    resp = _respond(assistant, "Which journal published the opsoclonus-myoclonus neuroblastoma case report?", 1.01)
    assert not resp.abstained and resp.answer.kind is AnswerKind.METADATA and resp.confidence == 1.0
