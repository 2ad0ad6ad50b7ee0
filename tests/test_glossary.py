"""Words explained: terms found in an answer, each marked as quoted from a document (with its
citation) or written for this assistant."""

from assistant.glossary import all_entries, find_terms


def test_terms_are_found_as_whole_words():
    found = [e.term for e in find_terms("The child had ataxia and nystagmus.")]
    assert "ataxia" in found
    assert all(e.term != "ataxia" for e in find_terms("xataxiax zebra"))


def test_every_entry_says_where_its_explanation_comes_from(assistant):
    entries = all_entries()
    assert len(entries) >= 100
    quoted = [e for e in entries if e.source.startswith("document:")]
    assert quoted and len(quoted) < len(entries)
    r = assistant.ask("What is the cerebellum and what does it do?")
    for entry in r.glossary:
        if entry.source.startswith("document:"):
            assert entry.quoted_from, entry
        else:
            assert entry.quoted_from == ""
