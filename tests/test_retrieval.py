"""Retrieval on the real documents and the real model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assistant.retrieval import rrf_fuse, score_fuse
from assistant.schema import Retriever, SectionKind


def test_rrf_formula_by_hand():
    # a: ranks 1 and 2 -> 1/61 + 1/62; b: rank 2 and 1 -> same; c: rank 3 in one list -> 1/63
    fused = dict(rrf_fuse([["a", "b", "c"], ["b", "a"]], rrf_k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63)
    weighted = dict(rrf_fuse([["a"], ["b"]], rrf_k=60, weights=[0.3, 1.0]))
    assert weighted["a"] == pytest.approx(0.3 / 61) and weighted["b"] == pytest.approx(1 / 61)


def test_score_fusion_by_hand():
    dense = [("a", 0.9), ("b", 0.2), ("c", 0.19)]  # a is far ahead
    bm25 = [("b", 10.0), ("a", 9.9), ("c", 1.0)]  # b barely ahead of a
    ranks = dict(rrf_fuse([[i for i, _ in dense], [i for i, _ in bm25]], rrf_k=60))
    assert ranks["a"] == pytest.approx(ranks["b"])  # ranks alone cannot tell a from b
    fused = score_fuse([dense, bm25], [1.0, 1.0])
    assert [i for i, _ in fused] == ["a", "b", "c"]

    def z(values):
        v = np.array(values)
        return (v - v.mean()) / v.std()

    expected_a = z([0.9, 0.2, 0.19])[0] + z([10.0, 9.9, 1.0])[1]
    assert dict(fused)["a"] == pytest.approx(expected_a)
    # an item a list lacks gets that list's lowest z-score; a list of equal scores adds nothing
    gaps = dict(score_fuse([[("a", 2.0), ("b", 1.0)], [("c", 5.0), ("d", 5.0)]], [1.0, 3.0]))
    assert gaps == {
        "a": pytest.approx(1.0),
        "b": pytest.approx(-1.0),
        "c": pytest.approx(-1.0),
        "d": pytest.approx(-1.0),
    }
    with pytest.raises(ValueError, match="weights"):
        score_fuse([dense], [1.0, 1.0])


def test_feedback_searches_again_near_the_first_passages(assistant):
    searcher = assistant.searcher
    query = assistant.query("Which genes cause cerebellar hypoplasia?")
    found = searcher.candidates(query.search, 20)
    first = [h.row for h in searcher.rank(found, 3, feedback_weight=0.0)]
    assert searcher.feedback(found, first, 0.0) is found
    moved = searcher.feedback(found, first, 1.0)
    assert len(moved.dense) == len(found.dense) and moved.lexical == found.lexical
    centre = assistant.index.chunk_vectors[first].mean(axis=0)
    cos = dict(moved.dense)
    before = dict(found.dense)
    # the moved question is nearer the first passages: their cosines rise on average
    assert np.mean([cos[r] for r in first if r in cos]) > np.mean([before[r] for r in first if r in before])
    assert float(centre @ assistant.index.chunk_vectors[moved.dense[0][0]]) > 0


def test_the_focus_weight_can_be_set_per_ranking(assistant):
    """``rank(focus_weight=...)`` (what BEIR tuning varies) is the Searcher built with that weight."""
    from assistant.retrieval import Searcher

    searcher = assistant.searcher
    query = assistant.query("How was the tumour of the girl with opsoclonus-myoclonus syndrome treated?")
    found = searcher.candidates(query.search, 20)
    assert found.focused  # the question's aspect split off from its topic
    for weight in (0.0, 2.0):
        other = Searcher(assistant.index, searcher.rrf_k, searcher.candidates_per_list, searcher.dense_weight, weight)
        assert [h.row for h in searcher.rank(found, 10, focus_weight=weight)] == [h.row for h in other.rank(found, 10)]
    fused = [[h.score for h in searcher.rank(found, 10, focus_weight=w)] for w in (0.0, 2.0)]
    assert fused[0] != fused[1]


@pytest.mark.parametrize("fusion,feedback", [("score", 0.0), ("score", 0.5), ("rrf", 0.5)])
def test_score_fusion_and_feedback_rank_the_gene_passage_first(settings, embedder, fusion, feedback):
    from assistant.service import Assistant

    tuned = Assistant(replace(settings, fusion=fusion, dense_weight=1.5, feedback_weight=feedback), embedder=embedder)
    r = tuned.ask("Which genes cause cerebellar hypoplasia?")
    assert all(g in r.passages[0].chunk.text for g in ("CACNA1A", "ITPR1", "KIF1A"))
    r = tuned.ask("What b-value was used for diffusion imaging in the cerebellar necrosis case?")
    assert any("b=1000" in p.chunk.text for p in r.passages[:5])


def test_fusion_and_feedback_are_checked(settings):
    with pytest.raises(ValueError, match="fusion"):
        replace(settings, fusion="borda")
    with pytest.raises(ValueError, match="feedback_weight"):
        replace(settings, feedback_weight=-1)


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
