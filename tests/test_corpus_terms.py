"""What the index's sentences say (``CorpusTerms``), on the real index."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.corpus_terms import ANSWER_TYPES, TYPED_KEYS, CorpusTerms, content_words, nearest_meaning
from assistant.lexical import tokenize
from assistant.schema import SentenceKind


@pytest.fixture(scope="module")
def terms(assistant) -> CorpusTerms:
    return CorpusTerms.of(assistant.index)


def test_every_sentence_has_its_stems_and_the_frequencies_count_sentences(assistant, terms):
    sentences = assistant.index.sentences
    assert len(terms.tokens) == len(sentences) == terms.states.shape[0] == terms.typed_states.shape[0]
    assert terms.states.shape[1] == len(ANSWER_TYPES) and terms.typed_states.shape[1] == len(TYPED_KEYS)
    cerebell = tokenize(["cerebellum"])[0][0]
    assert terms.corpus_df[cerebell] == sum(cerebell in t for t in terms.tokens) > 5
    # a document's stems are those of its sentences and its section titles, and no other's only
    for doc_id in assistant.index.documents:
        own = [t for s, t in zip(sentences, terms.tokens, strict=True) if s.doc_id == doc_id]
        assert set().union(*own) <= terms.doc_tokens[doc_id]
    assert terms.doc_tokens[sentences[0].doc_id] != terms.doc_tokens[sentences[-1].doc_id]


def test_a_sentence_giving_a_percentage_states_a_number(assistant, terms):
    sentences = assistant.index.sentences
    number = ANSWER_TYPES.index("number")
    with_percent = [i for i, s in enumerate(sentences) if "%" in s.text]
    assert with_percent and all(terms.states[i, number] for i in with_percent)


def test_table_rows_are_named_by_their_cells_and_neighbours_stay_in_their_section(assistant, terms):
    sentences = assistant.index.sentences
    rows = [i for i, s in enumerate(sentences) if s.kind is SentenceKind.TABLE_ROW]
    assert rows and all(terms.row_names.get(i) for i in rows)
    for i, (before, after) in enumerate(terms.neighbours.tolist()):
        for j in (before, after):
            assert j == -1 or sentences[j].section == sentences[i].section


def test_words_the_documents_never_use_are_unknown_and_the_plain_word_lexicon_maps_some(terms):
    assert terms.unmapped_terms("Does melatonin help children with OMS sleep?") == ["melatonin"]
    tummy = "Was the baby healthy before the tummy bug?"
    assert {"tummy", "bug"} <= set(terms.unknown_terms(tummy))
    assert not {"tummy", "bug"} & set(terms.unmapped_terms(tummy))
    assert terms.unknown_terms("What does the cerebellum do?") == []
    assert content_words("What is the cause of it?") == ["cause"]


def test_the_documents_come_near_a_family_word_they_never_use_but_not_an_unrelated_disease(assistant, terms):
    vectors = assistant.index.sentence_vectors

    def near(question: str) -> float:
        words = terms.unmapped_terms(question)
        return nearest_meaning(question, words, assistant.embedder.encode_parts(question), vectors)

    assert terms.unmapped_terms("How is diabetes treated?")[0] == "diabetes"
    assert terms.unmapped_terms("Does my daughter need a wheelchair?") == ["daughter"]
    # the case reports' "girl" and "child" lie near "daughter"; nothing in them near "diabetes"
    assert near("How is diabetes treated?") + 0.1 < near("Does my daughter need a wheelchair?")
    assert near("What does the cerebellum do?") == 1.0  # no unknown word
    assert nearest_meaning("Is it catching?", ["catching"], None, vectors) == 1.0  # no encoding


def test_each_document_and_section_has_the_unit_mean_of_its_sentences(assistant, terms):
    index = assistant.index
    sentences, vectors = index.sentences, index.sentence_vectors
    for centroids in (terms.documents, terms.sections):
        assert centroids.group.shape == (len(sentences),) and centroids.means.shape[1] == vectors.shape[1]
        assert np.allclose(np.linalg.norm(centroids.means, axis=1), 1.0, atol=1e-5)
    assert len(terms.documents.means) == len(index.documents) < len(terms.sections.means)
    first = sentences[0]
    in_section = [i for i, s in enumerate(sentences) if (s.doc_id, s.section) == (first.doc_id, first.section)]
    mean = vectors[in_section].astype(np.float64).mean(axis=0)
    q = vectors[in_section[0]]
    assert np.allclose(terms.sections.cosine(in_section, q), mean @ q / np.linalg.norm(mean), atol=1e-5)
    in_doc = [i for i, s in enumerate(sentences) if s.doc_id == first.doc_id]
    assert len(in_doc) > len(in_section) and len(set(terms.documents.group[in_doc].tolist())) == 1
    # a question that names a case by its story lies nearest that case's document
    q = assistant.embedder.encode_query("the little girl whose cerebellum died after an infection")
    docs = dict(zip((s.doc_id for s in sentences), terms.documents.cosine(range(len(sentences)), q), strict=True))
    assert max(docs, key=docs.get) == "postinfective-cerebellar-necrosis"


def test_without_sentence_vectors_the_centroid_cosine_is_zero():
    from assistant.corpus_terms import Centroids

    centroids = Centroids.of(None, ["a", "a", "b"])
    assert centroids.group.tolist() == [0, 0, 1] and centroids.means.shape == (2, 0)
    assert centroids.cosine([0, 2], np.ones(3, dtype=np.float32)) == 0.0
