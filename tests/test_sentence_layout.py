"""Where each sentence stands: table rows' naming cells, neighbours in a section, reading order
(the real documents' index)."""

from __future__ import annotations

import numpy as np

from assistant.schema import SentenceKind
from assistant.sentence_layout import identifying_cells, neighbours, reading_order, row_cells


def test_neighbours_stay_inside_a_section(assistant):
    sentences = assistant.index.sentences
    pairs = neighbours(sentences)
    by_id = {s.sentence_id: s for s in sentences}
    for s in sentences:
        before, after = pairs[s.sentence_id]
        for other in (before, after):
            if other >= 0:
                assert (by_id[other].doc_id, by_id[other].section) == (s.doc_id, s.section)
        if after >= 0:
            assert pairs[after][0] == s.sentence_id
    # every section has exactly one first sentence (nothing before it) and one last
    sections = {(s.doc_id, s.section) for s in sentences}
    firsts = [s for s in sentences if pairs[s.sentence_id][0] < 0]
    lasts = [s for s in sentences if pairs[s.sentence_id][1] < 0]
    assert len(firsts) == len(lasts) >= len(sections) > 1


def test_reading_order_is_by_offset_per_document(assistant):
    sentences = assistant.index.sentences
    order = reading_order(sentences)
    assert set(order) == {s.doc_id for s in sentences}
    by_id = {s.sentence_id: s for s in sentences}
    for doc_id, (starts, ids) in order.items():
        assert np.all(np.diff(starts) > 0)
        assert all(by_id[int(i)].doc_id == doc_id and by_id[int(i)].start == st for st, i in zip(starts, ids))


def test_a_gene_row_is_named_by_its_gene_and_by_a_cell_no_other_row_has(assistant):
    sentences = assistant.index.sentences
    named = identifying_cells(sentences)
    rows = {s.sentence_id: s for s in sentences if s.kind is SentenceKind.TABLE_ROW}
    assert rows and set(named) == set(rows)
    cask = next(sid for sid, s in rows.items() if s.text.startswith("CASK"))
    assert frozenset({"cask"}) in named[cask]
    assert row_cells("Gene: KIF1A; Mutation Type: Dominant de-novo") == [{"kif1a"}, {"dominant", "de", "novo"}]


def test_the_cells_that_name_a_table_row():
    from assistant.documents import Sentence

    rows = (
        "Gene: AAA1; Mutation Type: Missense; Typical Phenotype: Ataxia",
        "Gene: BBB2; Mutation Type: X-linked; Typical Phenotype: Ataxia",
        "Gene: CCC3; Mutation Type: Missense; Typical Phenotype: Small head, tremor",
    )
    sentences = [
        Sentence(i, "doc", "Genes", 0, 1, text.replace("; ", "\t"), SentenceKind.TABLE_ROW, text)
        for i, text in enumerate(rows)
    ]
    named = identifying_cells([*sentences, Sentence(3, "doc", "Genes", 0, 1, "Prose about AAA1.")])
    assert set(named) == {0, 1, 2}  # table rows only
    assert named[0] == [{"aaa1"}]  # its mutation type and phenotype are shared with another row
    assert named[1] == [{"bbb2"}, {"x", "linked"}]
    assert named[2] == [{"ccc3"}, {"small", "head", "tremor"}]
