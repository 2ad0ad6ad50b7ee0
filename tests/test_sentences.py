"""Sentence units on the real documents: table lines read with their column names, lost dashes
put back in the readable form, offsets always into the received text."""

from __future__ import annotations

import pytest
from conftest import DOCS

from assistant.chunking import Chunker, search_text
from assistant.cleaning import clean
from assistant.document_files import load_file
from assistant.loaders import load_folder
from assistant.schema import SentenceKind
from assistant.settings import ChunkingSettings
from assistant.tokens import count_tokens

ARTICLE = "cerebellar-hypoplasia-causes"
COLUMNS = ("Gene", "Mutation Type", "Typical Phenotype")


@pytest.fixture(scope="module")
def chunked(embedder):
    docs = [clean(raw) for raw in load_folder(DOCS).documents]
    chunker = Chunker(ChunkingSettings(), count_tokens, embedder.count_tokens, embedder.max_seq_length)
    return {d.doc_id: d for d in docs}, chunker.chunk_documents(docs)


def article_sentences(chunked):
    _, result = chunked
    return [s for s in result.sentences if s.doc_id == ARTICLE]


def test_each_table_row_is_one_unit_read_with_its_column_names(chunked):
    docs, _ = chunked
    sentences = article_sentences(chunked)
    rows = [s for s in sentences if s.kind is SentenceKind.TABLE_ROW]
    headers = [s for s in sentences if s.kind is SentenceKind.TABLE_HEADER]
    assert len(headers) == 1 and headers[0].text == "GeneMutation TypeTypical Phenotype"
    assert [r.text[:5] for r in rows] == ["CACNA", "ITPR1", "KIF1A", "CASKX", "BICD2"]
    for row in rows:
        assert docs[ARTICLE].text[row.start : row.end] == row.text  # verbatim: a quote stays traceable
        assert [part.split(": ")[0] for part in row.display.split("; ")] == list(COLUMNS)
        assert all(name in search_text(row.section, row) for name in COLUMNS)
    cask = next(r for r in rows if r.text.startswith("CASK"))
    assert cask.text == "CASKXlinkedMicrocephaly, intellectual disability, cerebellar hypoplasia"
    assert cask.readable == (
        "Gene: CASK; Mutation Type: X-linked; "
        "Typical Phenotype: Microcephaly, intellectual disability, cerebellar hypoplasia"
    )
    assert headers[0].readable == "Gene | Mutation Type | Typical Phenotype"


def test_lost_dashes_are_put_back_in_the_readable_form_only(chunked):
    docs, _ = chunked
    sentences = article_sentences(chunked)
    readable = " ".join(s.readable for s in sentences)
    for restored in (
        "hand-eye coordination",
        "eye-movement abnormalities",
        "smaller than expected—what doctors",
        'call "hypoplasia"—those functions',
        "or X-linked patterns",
        "arise as de-novo (new)",
        "Herpes)—can sabotage",
        "whole-exome sequencing",
    ):
        assert restored in readable, restored
    for s in sentences:
        assert docs[ARTICLE].text[s.start : s.end] == s.text
    text = docs[ARTICLE].text
    assert "handeye" in text and "expectedwhat" in text and "hand-eye" not in text
    # ambiguous splits stay as they are: "drug scan" or "drugs can"?
    assert "exposure to certain drugscan also" in readable


def test_documents_with_correct_text_are_read_as_they_are(chunked):
    docs, result = chunked
    for doc_id, doc in docs.items():
        if doc_id == ARTICLE:
            continue
        assert doc.repairs == () and doc.tables == ()
        sentences = [s for s in result.sentences if s.doc_id == doc_id]
        assert sentences and all(s.display == "" and s.kind is SentenceKind.TEXT for s in sentences)
        assert all(s.readable == s.text for s in sentences)


def test_an_ambiguous_table_line_stays_plain_text(tmp_path, embedder):
    path = tmp_path / "medicines.txt"
    path.write_text(
        "Medicines For Seizures\n\n"
        "Common Medicines\n\n"
        "MedicineUsual DoseMain Side Effect\n"
        "LevetiracetamTwenty milligrams per kilogramIrritability, low mood\n"
        "ValproateMcNeil scheduleWeight gain\n"
        "CarbamazepineFive milligrams per kilogramDrowsiness\n\n"
        "Doses are set by the neurologist and change with weight.\n",
        encoding="utf-8",
    )
    raw, _ = load_file(path)
    chunker = Chunker(ChunkingSettings(), count_tokens, embedder.count_tokens, embedder.max_seq_length)
    sentences = chunker.chunk_documents([clean(raw)]).sentences
    kinds = [(s.kind, s.text[:9]) for s in sentences]
    assert kinds == [
        (SentenceKind.TABLE_HEADER, "MedicineU"),
        (SentenceKind.TABLE_ROW, "Levetirac"),
        (SentenceKind.TEXT, "Valproate"),
        (SentenceKind.TABLE_ROW, "Carbamaze"),
        (SentenceKind.TEXT, "Doses are"),
    ]
    assert sentences[1].readable == (
        "Medicine: Levetiracetam; Usual Dose: Twenty milligrams per kilogram; Main Side Effect: Irritability, low mood"
    )
    assert sentences[2].display == ""  # four cells where the header has three: not guessed
