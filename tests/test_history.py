"""Earlier turns as the chat and the /ask API receive them (``ui/history.py``)."""

from __future__ import annotations

import json

import pytest

from assistant.schema import Turn
from assistant.ui.history import parse_history, remembered, turn_of


def test_questions_and_chat_messages_become_questions_and_replies_are_skipped():
    messages = [
        {"role": "user", "content": "What is OMS?"},
        {"role": "assistant", "content": "<p>an answer</p>"},
        "How is it treated?",
    ]
    assert parse_history(messages) == ["What is OMS?", "How is it treated?"]
    assert parse_history(json.dumps(messages)) == ["What is OMS?", "How is it treated?"]
    assert parse_history("not json, one question") == ["not json, one question"]
    assert parse_history(None) == parse_history("") == []


def test_a_history_that_is_not_a_list_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="list of earlier questions"):
        parse_history(42)


def test_an_answered_turn_remembered_by_the_chat_comes_back_as_the_same_turn(assistant):
    resp = assistant.ask("What is the cerebellum?")
    assert not resp.abstained
    kept = remembered(resp)
    assert json.loads(json.dumps(kept)) == kept  # plain data, as Gradio state holds it
    again = turn_of(kept)
    assert isinstance(again, Turn) and again == resp.as_turn()
    # and from the /ask object of the same answer: its document, section and place
    from_api = turn_of(resp.to_json())
    assert (from_api.doc_id, from_api.section, from_api.doc_start) == (again.doc_id, again.section, again.doc_start)


def test_malformed_earlier_results_are_questions_whose_answer_is_unknown():
    broken = {"question": "What is OMS?", "passages": "none", "answer": {"passage": 99}}
    assert turn_of(broken) == Turn("What is OMS?")
    lost = turn_of({"question": "What is OMS?", "doc_start": "?"})
    assert lost.question == "What is OMS?" and lost.doc_id == "" and lost.doc_start == -1
