"""Retrieval on the real documents and the real model."""

from __future__ import annotations

import pytest

from assistant.retrieval import rrf_fuse
from assistant.schema import Retriever, SectionKind


def test_rrf_formula_by_hand():
    # a: ranks 1 and 2 -> 1/61 + 1/62; b: rank 2 and 1 -> same; c: rank 3 in one list -> 1/63
    fused = dict(rrf_fuse([["a", "b", "c"], ["b", "a"]], rrf_k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63)
    weighted = dict(rrf_fuse([["a"], ["b"]], rrf_k=60, weights=[0.3, 1.0]))
    assert weighted["a"] == pytest.approx(0.3 / 61) and weighted["b"] == pytest.approx(1 / 61)


def test_genes_question_ranks_the_gene_passage_first(assistant):
    r = assistant.ask("Which genes cause cerebellar hypoplasia?")
    top = r.passages[0].chunk.text
    assert all(g in top for g in ("CACNA1A", "ITPR1", "KIF1A"))


def test_incidence_sentence_in_top_three(assistant):
    r = assistant.ask("What is the incidence of opsoclonus-myoclonus syndrome?")
    assert any("0.18 cases per million" in p.chunk.text for p in r.passages[:3])


@pytest.mark.parametrize("retriever", list(Retriever))
@pytest.mark.parametrize(
    "question,expected",
    [
        ("Which MRI sign is typical of Joubert syndrome?", "molar tooth"),
        ("What b-value was used for diffusion imaging in the cerebellar necrosis case?", "b=1000"),
        ("What tracer was used for the perfusion SPECT?", "ethyl cysteinate dimer"),
    ],
)
def test_each_retriever_finds_specific_facts(assistant, retriever, question, expected):
    r = assistant.ask(question, retriever=retriever, k=5)
    assert any(expected in p.chunk.text for p in r.passages), [p.chunk.text[:60] for p in r.passages]


def test_k_larger_than_corpus_returns_each_chunk_once(assistant):
    n = len(assistant.index.chunks)
    r = assistant.ask("cerebellum", k=n + 50, retriever="dense")
    assert len(r.passages) <= n
    ids = [p.chunk.chunk_id for p in r.passages]
    assert len(ids) == len(set(ids))
    assert [p.rank for p in r.passages] == list(range(1, len(ids) + 1))


def test_hybrid_merges_duplicates_and_keeps_references_last(assistant):
    r = assistant.ask("Pranzatelli opsoclonus-myoclonus syndrome children cross-sectional study", k=10)
    ids = [p.chunk.chunk_id for p in r.passages]
    assert len(ids) == len(set(ids))
    kinds = [p.chunk.section_kind is SectionKind.REFERENCES for p in r.passages]
    assert kinds == sorted(kinds)  # every body passage before any reference passage


def test_plain_language_query_finds_the_case(assistant):
    r = assistant.ask("Can a baby get brain damage after a tummy bug?")
    assert any("gastroenteritis" in p.chunk.text for p in r.passages[:5])


def test_bad_retriever_name_lists_the_choices(assistant):
    with pytest.raises(ValueError, match="hybrid, dense, bm25"):
        assistant.ask("ataxia", retriever="fuzzy")


@pytest.mark.parametrize(
    "question,gene",
    [
        ("What symptoms does a CASK mutation cause?", "CASK"),
        ("What is the typical phenotype of BICD2 mutations?", "BICD2"),
        ("Which gene causes early-onset ataxia with developmental delay?", "ITPR1"),
    ],
)
def test_gene_phenotype_question_finds_the_table_row(assistant, question, gene):
    r = assistant.ask(question)
    rows = [p.chunk for p in r.passages[:3] if f"Gene: {gene};" in p.chunk.readable]
    assert rows, [p.chunk.text[:60] for p in r.passages[:3]]
    assert f"\n{gene}" in rows[0].text  # the passage itself stays the verbatim table line
