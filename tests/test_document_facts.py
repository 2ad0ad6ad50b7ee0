"""Questions about the documents themselves are answered from their metadata (real documents)."""

from __future__ import annotations

from assistant.document_facts import asked_fields
from assistant.schema import AnswerKind, Status


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


def test_what_the_authors_concluded_is_answered_from_the_text(assistant):
    r = assistant.ask("What do the authors conclude about the hypoperfusion in the OMS case?", audience="clinician")
    assert r.answer is None or r.answer.kind is AnswerKind.SENTENCE


def test_affiliation_from_the_front_matter(assistant):
    r = assistant.ask("What university are the authors of the neuroblastoma hypoperfusion report at?")
    assert r.answer is not None and r.answer.kind is AnswerKind.METADATA
    assert "Hokkaido University" in r.answer.text


def test_oms_report_journal_and_year_from_its_metadata(assistant):
    r = assistant.ask("Which journal printed the opsoclonus-myoclonus neuroblastoma case report?", audience="clinician")
    assert r.status is Status.ANSWERED and r.answer.kind is AnswerKind.METADATA
    assert r.answer.text == "Asia Ocean J Nucl Med Biol"
    assert r.passages[r.answer.passage].chunk.doc_id == "oms-neuroblastoma-cerebellar-hypoperfusion"
    assert r.passages[r.answer.passage].citation.startswith("Takenaka J, et al.")
    year = assistant.ask("In what year was the neuroblastoma hypoperfusion paper published?")
    assert year.answer.text == "2023" and year.answer.kind is AnswerKind.METADATA


def test_year_and_kind_asked_in_other_words(assistant):
    r = assistant.ask("When did the neuroblastoma hypoperfusion report come out?", audience="clinician")
    assert r.answer is not None and r.answer.kind is AnswerKind.METADATA and r.answer.text == "2023"
    kind = assistant.ask("What publication type is the neuroblastoma hypoperfusion paper?", audience="clinician")
    assert kind.answer is not None and kind.answer.kind is AnswerKind.METADATA
    assert "case report" in kind.answer.text.lower()


def test_corresponding_author_from_the_front_matter(assistant):
    r = assistant.ask("Who is the corresponding author of the neuroblastoma hypoperfusion report?")
    assert r.answer.text == "Kenji Hirata"


def test_unknown_authors_of_the_necrosis_report_abstain(assistant):
    r = assistant.ask("Who are the authors of the report on postinfective cerebellar necrosis?")
    assert r.abstained and r.answer is None and r.status is Status.NOT_ANSWERED


def test_the_conversation_names_the_document(assistant):
    first = assistant.ask("What did the MRI of the girl with postinfective cerebellar necrosis show?")
    r = assistant.ask("Which journal published it?", history=[first])
    assert r.abstained  # the necrosis report's journal is unknown


def test_a_detail_question_must_refer_to_a_document(assistant):
    from assistant.document_facts import document_question

    docs = assistant.index.documents
    assert document_question("Who wrote Romeo and Juliet?", (), docs) == ()
    assert document_question("When was Hamlet published?", (), docs) == ()
    assert document_question("Who wrote this paper?", (), docs) == ("authors",)
    assert document_question("Who wrote the neuroblastoma hypoperfusion one?", (), docs) == ("authors",)
    # a detail only a publication has refers to one by itself; an email address does not
    assert document_question("What's the DOI?", (), docs) == ("doi",)
    assert document_question("Who should I email about my son's balance problems?", (), docs) == ()
    r = assistant.ask("Who wrote Romeo and Juliet?")
    assert r.answer is None or r.answer.kind is not AnswerKind.METADATA


def test_who_wrote_it_as_a_followup_names_the_earlier_document(assistant):
    first = assistant.ask("What did the MRI of the infant with opsoclonus-myoclonus and neuroblastoma show?")
    assert not first.abstained
    r = assistant.ask("Who wrote it?", history=[first])
    assert r.answer is not None and r.answer.kind is AnswerKind.METADATA and "Takenaka" in r.answer.text


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


def test_one_title_word_no_other_document_uses_names_the_document(assistant):
    # "neuroblastoma" is only in the OMS report: its licence and authors, whatever the top passage is
    r = assistant.ask("is the neuroblastoma article open access, can I share the pdf with my sister?")
    assert r.answer is not None and r.answer.kind is AnswerKind.METADATA
    assert "Open Access" in r.answer.text and "Creative Commons" in r.answer.text
    r = assistant.ask("who are the doctors that wrote the neuroblastoma report?")
    assert r.answer is not None and "Takenaka" in r.answer.text
    # "girl" is in the necrosis report's title but also in the OMS report's text: it names neither
    r = assistant.ask("what year did the report about the japanese girl with the tumour come out?")
    assert r.answer is not None and r.answer.kind is AnswerKind.METADATA and r.answer.text == "2023"


def test_several_details_in_one_question_are_each_answered_and_labelled(assistant):
    assert asked_fields("Give me the submission date and the acceptance date of the paper") == ("received", "accepted")
    assert asked_fields("When was the manuscript received?") == ("received",)
    assert asked_fields("Who wrote the OMS report and where do they work?") == ("authors", "affiliation")
    assert asked_fields("What article type is the neuroblastoma report, and which journal ran it?") == (
        "kind",
        "journal",
    )
    # one person asked for, not the author list
    assert asked_fields("What's the email address of the corresponding author?") == ("email", "corresponding")
    r = assistant.ask("What article type is the neuroblastoma report, and which journal ran it?", audience="clinician")
    assert r.answer is not None and r.answer.kind is AnswerKind.METADATA
    assert r.answer.text == "Article type: case report; Journal: Asia Ocean J Nucl Med Biol"
    r = assistant.ask("Give me the submission and acceptance dates of the neuroblastoma paper")
    assert r.answer.text == "Received: 29 Jun 2022; Accepted: 24 Aug 2022"


def test_contact_email_from_the_front_matter_and_unknown_parts_said_so(assistant):
    # no document named: the one whose front matter gives a corresponding author
    r = assistant.ask("What's the email address of the corresponding author?")
    assert r.answer is not None and r.answer.kind is AnswerKind.METADATA
    assert r.answer.text == "Email: khirata@med.hokudai.ac.jp; Corresponding author: Kenji Hirata"
    assert r.passages[r.answer.passage].chunk.doc_id == "oms-neuroblastoma-cerebellar-hypoperfusion"
    # the article has a website but no authors: the known part answers, the unknown one is said unknown
    r = assistant.ask("Who wrote the cerebellar hypoplasia causes article, and on which website is it?")
    assert r.answer is not None
    assert r.answer.text == "Authors: not given in the document or its details; Journal: medicinecontact.com"
    # nothing known of the necrosis report's publication: an abstention
    r = assistant.ask("Journal and DOI of the postinfective cerebellar necrosis report?")
    assert r.abstained and r.answer is None
