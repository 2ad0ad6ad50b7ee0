"""Quotes and the passages a Response shows (real index and model)."""

from __future__ import annotations

from dataclasses import replace

from assistant.quotes import shown_passages
from assistant.schema import Alternative, Answer


def test_shown_passages_keeps_the_first_k_and_the_quoted_ones(assistant):
    passages = assistant.retrieve("How is opsoclonus-myoclonus syndrome treated?", k=8)
    answer = Answer("x", passage=5, start=0, end=1, doc_start=0, doc_end=1, score=0.9)
    alternatives = (Alternative("y", passage=1, start=0, end=1, score=0.5), Alternative("z", 7, 0, 1, 0.4))
    shown, moved, moved_alternatives = shown_passages(passages, 2, answer, alternatives)
    assert [p.rank for p in shown] == [passages[i].rank for i in (0, 1, 5, 7)]
    assert shown[moved.passage] is passages[5]
    assert [shown[a.passage] for a in moved_alternatives] == [passages[1], passages[7]]
    assert shown_passages(passages, 3, None, ()) == (tuple(passages[:3]), None, ())


def test_an_answer_from_deeper_than_k_is_shown_with_its_passage(assistant):
    # answers come from the top answer_depth passages whatever k is; each quote's passage is shown:
    # in retrieval order below the k asked for, in answer order (the default) as the first
    in_retrieval_order = assistant.sharing(replace(assistant.settings, answer_order=False))
    deeper = 0
    for question in (
        "How is opsoclonus-myoclonus syndrome treated?",
        "What did the one-year follow-up MRI show in the necrosis case?",
        "What was found on perfusion SPECT in the OMS case?",
    ):
        for asker in (assistant, in_retrieval_order):
            r = asker.ask(question, k=1, audience="clinician")
            assert r.answer is not None
            quotes = (r.answer, *r.alternatives)
            assert len(r.passages) <= 1 + len(quotes)
            for q in quotes:
                assert q.text == r.passages[q.passage].chunk.text[q.start : q.end]
        deeper += r.passages[r.answer.passage].rank > 1
        first = assistant.ask(question, k=1, audience="clinician")
        assert first.answer.passage == 0 and first.answer.text == r.answer.text  # the same answer, shown first
    assert deeper >= 1


def test_a_quote_with_lost_dashes_reads_restored_and_stays_verbatim(assistant):
    # the plain-language article lost its dashes in conversion; the quote shows them restored
    r = assistant.ask("What happens when the cerebellum is smaller than expected?", audience="parent")
    quotes = [q for q in (r.answer, *r.alternatives) if q is not None and "expectedwhat" in q.text]
    assert quotes, [q.text for q in (r.answer, *r.alternatives) if q is not None]
    for q in quotes:
        assert q.text == r.passages[q.passage].chunk.text[q.start : q.end]  # verbatim, traceable
        assert "expected—what" in q.readable and "expectedwhat" not in q.readable
    assert "expectedwhat" in r.answer.text
    assert "expected—what" in r.to_json()["answer"]["display"]
