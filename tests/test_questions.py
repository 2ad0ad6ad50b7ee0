"""What the user typed becomes a printable, sanitised question, cut with a notice; history
items become Turns whatever their form."""

from assistant.questions import prepare_history, prepare_question, sanitize
from assistant.schema import Turn


def test_sanitize_drops_controls_and_invisible_characters():
    assert sanitize("a\u200bb\x00c\td\u202e e") == "abc d e"


def test_empty_and_long_questions():
    assert prepare_question(" \u200b\n", 100).text == ""
    long = prepare_question("word " * 100, 50)
    assert len(long.text) <= 50 and long.text.endswith("word") and "longer than 50" in long.notice
    assert prepare_question(None, 10).text == ""


def test_lone_surrogates_are_never_echoed():
    p = prepare_question("bad \udcff byte", 100)
    assert "\udcff" not in p.original and p.text == "bad ? byte"  # replaced, so it can be printed


def test_history_of_strings_turns_and_blank_items():
    turns = prepare_history(["What is OMS?", Turn("And treatment?", answer="IVIg", doc_id="d"), " ", "\x00"], 100)
    assert [t.question for t in turns] == ["What is OMS?", "And treatment?"]
    assert turns[1].answer == "IVIg" and turns[1].doc_id == "d"
