"""Which detail of a document a question asks for, and whether it refers to a document at all."""

from __future__ import annotations

from assistant.fact_questions import asked_fields, document_question
from assistant.schema import AnswerKind


def test_question_forms_are_detected_without_topic_words():
    assert asked_fields("Who wrote this paper?") == ("authors",)
    assert asked_fields("Which journal published the case report?") == ("journal",)
    assert asked_fields("What's the DOI?") == ("doi",)
    assert asked_fields("What kind of study is it?") == ("kind",)
    assert asked_fields("Which genes cause cerebellar hypoplasia?") == ()
    assert asked_fields("When did the report come out?") == ("year",)
    assert asked_fields("What year was this article written?") == ("year",)
    assert asked_fields("What publication type is the OMS paper?") == ("kind",)
    # naming the authors does not make it a question about who they are
    assert asked_fields("What do the authors conclude about the cerebellar hypoperfusion?") == ()
    assert asked_fields("How did the authors explain the sparing of the vermis?") == ()
    assert asked_fields("Who are the authors, and what did they conclude?") == ("authors",)
    assert asked_fields("And the first author?") == ("first_author",)
    assert asked_fields("Name the authors of the necrosis report") == ("authors",)
    assert asked_fields("There is a part written by the mother. How did she feel?") == ()
    assert asked_fields("Why was the girl moved to the authors' hospital?") == ()
    assert asked_fields("In which journal did the authors report this case?") == ("journal",)
    assert asked_fields("Which institution are the authors of this report from?") == ("affiliation",)


def test_more_ways_of_asking_for_a_document_detail():
    assert asked_fields("Could you give the volume and page range of Hirata et al.?") == ("citation",)
    assert asked_fields("What dates was the paper received and accepted?") == ("received", "accepted")
    assert asked_fields("Is the neuroblastoma paper open access?") == ("licence",)
    assert asked_fields("am i allowed to share the pdf of that article with my mum?") == ("licence",)
    assert asked_fields("Was the case report peer-reviewed?") == ("kind",)
    assert asked_fields("Is the hypoplasia page a real journal article or a blog?") == ("kind",)
    assert asked_fields("Which journal article is this?") == ("journal",)
    assert asked_fields("who are the doctors that wrote the OMS paper?") == ("authors",)
    assert asked_fields("Where do the authors of the OMS paper work?") == ("affiliation",)
    # the same words about the story, not about a document
    assert asked_fields("Where did the girl with the tummy bug come from?") == ()
    assert asked_fields("What issues can a child with cerebellar hypoplasia have?") == ()


def test_a_detail_question_must_refer_to_a_document(assistant):
    docs = assistant.index.documents
    assert document_question("Who wrote Romeo and Juliet?", (), docs) == ()
    assert document_question("When was Hamlet published?", (), docs) == ()
    assert document_question("Who wrote this paper?", (), docs) == ("authors",)
    assert document_question("Who wrote the neuroblastoma hypoperfusion one?", (), docs) == ("authors",)
    # a detail only a publication has refers to one by itself; an email address does not
    assert document_question("What's the DOI?", (), docs) == ("doi",)
    assert document_question("Who should I email about my son's balance problems?", (), docs) == ()
    assert document_question("When was she received into intensive care?", (), docs) == ()
    assert document_question("When was the manuscript received?", (), docs) == ("received",)
    r = assistant.ask("Who wrote Romeo and Juliet?")
    assert r.answer is None or r.answer.kind is not AnswerKind.METADATA
