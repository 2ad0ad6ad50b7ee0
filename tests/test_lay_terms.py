"""Plain words are searched with the documents' own terms; a question that already uses the
term is left as it is."""

import json
from importlib import resources

import pytest

from assistant.lay_terms import expand, expansions


def test_the_lexicon_maps_to_terms_the_documents_use():
    from pathlib import Path

    docs = " ".join(
        p.read_text(encoding="utf-8").lower()
        for p in (Path(__file__).resolve().parent.parent / "docs_src").glob("*.[tm][xd]*")
    )
    data = json.loads(resources.files("assistant.data").joinpath("lay_terms.json").read_text(encoding="utf-8"))
    terms = [t for row in data["terms"] for t in row["medical"]]
    joined = " ".join(docs.split())
    missing = [t for t in terms if t.lower() not in joined and t.lower().replace("-", "- ") not in joined]
    assert len(missing) <= len(terms) // 50, missing  # line-broken words ("gastro- enteritis") are the exception


def test_plain_words_add_document_terms():
    extra = expansions("my son is so wobbly when he walks")
    assert extra and all(isinstance(t, str) and t for t in extra)
    assert expand("my son is so wobbly when he walks").startswith("my son is so wobbly when he walks (")


def test_no_expansion_without_plain_words():
    assert expand("What did perfusion SPECT show?") == "What did perfusion SPECT show?"
    assert expansions("") == []


def test_the_plain_words_setting_turns_the_expansion_off(assistant):
    # a setting (as `assistant beir --tune-split` may write it for another corpus); the same index
    from dataclasses import replace

    question = "Will physio help my child's balance?"
    assert "physical therapy" in assistant.query(question).search_text
    plain = assistant.sharing(replace(assistant.settings, plain_words=False))
    assert plain.index is assistant.index
    assert plain.query(question).search_text == question
    r = plain.ask(question)
    assert r.search_text == question and r.passages
    with pytest.raises(ValueError, match="keeps the model"):
        assistant.sharing(replace(assistant.settings, model="other"))
