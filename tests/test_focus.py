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


def test_words_naming_who_is_asked_about_are_never_the_aspect():
    from assistant.focus import split_focus

    lead = {"wobbl", "ataxia", "gait", "unsteadi", "cerebellar"}  # a document whose lead names the symptom
    # the only word left is the person: no split (the question asks about the symptom as a whole)
    assert not split_focus("Why is my baby wobbly?", lead).split
    # the person joins the topic; what is asked about stays the focus
    f = split_focus("Is my daughter's wobbly walking treatable?", lead)
    assert f.split and "daughter" not in f.focus and "daughter" in f.topic
    assert any(t.startswith("treat") for t in f.focus)
    # "family" is not a person word: a family history is something one asks about
    assert "famili" in split_focus("Does she have a family history of ataxia?", lead).focus
