"""Typed records: enums parse with a helpful error, the JSON schema of a Response is stable."""

import pytest

from assistant.schema import Alternative, Answer, AnswerKind, Audience, Response, Retriever, Status


def test_enum_parse_lists_choices():
    assert Audience.parse(" Clinician ") is Audience.CLINICIAN
    with pytest.raises(ValueError, match="hybrid, dense, bm25"):
        Retriever.parse("fuzzy")


def test_response_json_schema():
    answer = Answer("CASKXlinked", 0, 0, 11, 5, 16, 0.9, AnswerKind.TABLE_ROW, "Gene: CASK; Type: X-linked")
    r = Response(
        question="q",
        standalone_question="q",
        audience=Audience.PARENT,
        retriever=Retriever.HYBRID,
        abstained=False,
        answer=answer,
        passages=(),
        alternatives=(Alternative("x", 0, 1, 2, 0.5),),
    )
    data = r.to_json()
    assert data["status"] == "answered" and r.status is Status.ANSWERED
    assert data["answer"]["kind"] == "table_row" and data["answer"]["display"] == "Gene: CASK; Type: X-linked"
    assert data["alternatives"] == [{"text": "x", "passage": 0, "start": 1, "end": 2, "score": 0.5, "display": "x"}]
    empty = Response(
        question="",
        standalone_question="",
        audience=Audience.PARENT,
        retriever=Retriever.HYBRID,
        abstained=True,
        answer=None,
        passages=(),
    )
    assert empty.status is Status.NOT_ANSWERED and empty.to_json()["answer"] is None
