"""A quote in its whole section (``context.py``, ``Assistant.show``): verbatim and readable."""

from __future__ import annotations


def _sentence(assistant, doc_id: str, startswith: str):
    return next(s for s in assistant.index.sentences if s.doc_id == doc_id and s.text.startswith(startswith))


def test_a_table_row_in_its_section_reads_with_column_names(assistant):
    row = next(s for s in assistant.index.sentences if s.text.startswith("ITPR1") and s.kind.value == "table_row")
    ctx = assistant.show(row.doc_id, row.start)
    assert ctx.text[ctx.mark_start : ctx.mark_end] == row.text  # the verbatim text, marked by offsets
    text, start, end = ctx.shown
    assert text == ctx.display and text[start:end] == row.readable
    assert text[start:end].startswith("Gene: ITPR1; Mutation Type:")
    assert "Gene: CACNA1A;" in text and "GeneMutation Type" not in text


def test_lost_dashes_read_restored_around_the_quote(assistant):
    s = _sentence(assistant, "cerebellar-hypoplasia-causes", "Typical signs include")
    ctx = assistant.show(s.doc_id, s.start)
    text, start, end = ctx.shown
    assert "expected—what" in text and "expectedwhat" not in text  # a sentence before the quote
    assert text[start:end] == s.readable and "hand-eye" in text[start:end]


def test_a_section_that_reads_as_its_text_has_no_second_form(assistant):
    s = _sentence(assistant, "oms-neuroblastoma-cerebellar-hypoperfusion", "The incidence rate is reported")
    ctx = assistant.show(s.doc_id, s.start)
    assert ctx.display == "" and ctx.display_mark is None
    assert ctx.shown == (ctx.text, ctx.mark_start, ctx.mark_end)
