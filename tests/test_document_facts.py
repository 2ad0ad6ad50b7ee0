"""Questions about the documents themselves are answered from their metadata (real documents)."""

from __future__ import annotations

from assistant.fact_questions import asked_fields
from assistant.schema import AnswerKind, Status


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


def test_who_wrote_it_as_a_followup_names_the_earlier_document(assistant):
    first = assistant.ask("What did the MRI of the infant with opsoclonus-myoclonus and neuroblastoma show?")
    assert not first.abstained
    r = assistant.ask("Who wrote it?", history=[first])
    assert r.answer is not None and r.answer.kind is AnswerKind.METADATA and "Takenaka" in r.answer.text


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


def test_a_question_that_points_weakly_at_a_document_without_the_detail_abstains(assistant):
    # "causes" and "support" are the article's title words (other documents use them too): the
    # question is about the article, whose authors are unknown, not about the OMS report, the
    # only document with authors
    r = assistant.ask("who wrote the piece about the causes and the support for families?")
    assert r.abstained and r.answer is None
