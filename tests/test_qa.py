"""The QA file: validation with line numbers, and the project's own file."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import QA

from assistant.evaluation import qa as E


# -- the QA file -----------------------------------------------------------------------------
def test_parse_qa_defaults():
    items = E.parse_qa(
        [
            '{"id": "a", "question": "Q?", "evidence": ["e"], "answer": ["x"]}',
            "",
            '{"id": "b", "question": "Q2?", "answerable": false, "history": ["earlier"], "audience": "clinician"}',
        ]
    )
    assert [i.id for i in items] == ["a", "b"]
    assert items[0].audience == "parent" and items[0].answerable and not items[0].followup
    assert items[1].history == ("earlier",) and items[1].followup and not items[1].answerable
    assert items[1].line == 3


@pytest.mark.parametrize(
    "line, message",
    [
        ("not json", "line 2: not valid JSON"),
        ('["a list"]', "line 2: expected a JSON object"),
        ('{"id": "b", "evidence": ["e"], "answer": ["x"]}', "line 2: 'question' is missing"),
        (
            '{"id": "b", "question": "Q", "audience": "doctor", "evidence": ["e"], "answer": ["x"]}',
            "line 2: 'audience'",
        ),
        (
            '{"id": "b", "question": "Q", "answer": ["x"]}',
            "line 2: an answerable question needs at least one 'evidence'",
        ),
        (
            '{"id": "b", "question": "Q", "evidence": ["e"], "answer": ["--"]}',
            "line 2: an answerable question needs at least one 'answer'",
        ),
        ('{"id": "a", "question": "Q", "evidence": ["e"], "answer": ["x"]}', "line 2: id 'a' already used on line 1"),
        (
            '{"id": "b", "question": "Q", "history": "x", "evidence": [1], "answer": ["x"]}',
            "line 2: 'evidence' must be a list",
        ),
        ('{"id": "b", "question": "Q", "answerable": "yes"}', "line 2: 'answerable' must be true or false"),
    ],
)
def test_parse_qa_errors_name_the_line(line, message):
    good = '{"id": "a", "question": "Q?", "evidence": ["e"], "answer": ["x"]}'
    with pytest.raises(ValueError) as exc:
        E.parse_qa([good, line], "qa.jsonl")
    assert message in str(exc.value)
    assert "qa.jsonl" in str(exc.value)


def test_load_qa_missing_and_empty(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        E.load_qa(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no questions"):
        E.load_qa(tmp_path / "empty.jsonl")


def test_project_qa_file_is_valid():
    items = E.load_qa(QA)
    assert len(items) >= 150
    assert sum(not i.answerable for i in items) >= 25
    assert any(i.followup for i in items)


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parent.parent / "evals").glob("*.jsonl")), ids=str)
def test_every_qa_file_of_the_project_parses(path):
    """The format only (nothing is asked): each file loads, ids are unique, follow-ups carry history."""
    items = E.load_qa(path)
    assert items and len({it.id for it in items}) == len(items)
    assert all(it.history for it in items if it.kind == "followup")
