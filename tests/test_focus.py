"""Topic and focus: the focus words completed by the documents' stems."""

from assistant.focus import Focus, complete


def test_focus_words_are_completed_by_the_documents_stems():
    vocabulary = sorted(["treatment", "treatabl", "tremor", "ataxia"])
    focus = Focus(topic=frozenset({"oms"}), focus=frozenset({"treat"}), groups=(frozenset({"treat"}),), text="x")
    done = complete(focus, vocabulary)
    assert done.groups == (frozenset({"treat", "treatment", "treatabl"}),)
    assert complete(
        Focus(topic=frozenset({"oms"}), focus=frozenset({"ataxia"}), groups=(frozenset({"ataxia"}),)), vocabulary
    ).groups == (frozenset({"ataxia"}),)  # a stem the documents use stays as it is
