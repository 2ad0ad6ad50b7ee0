"""Chunk invariants on the real documents with the real tokenizers."""

from __future__ import annotations

import re

import pytest
from conftest import DOCS

from assistant.chunking import Chunker, search_text
from assistant.cleaning import clean
from assistant.loaders import load_folder
from assistant.sentences import split_paragraph
from assistant.settings import ChunkingSettings
from assistant.tokens import count_tokens


@pytest.fixture(scope="module")
def chunked(embedder):
    docs = [clean(raw) for raw in load_folder(DOCS).documents]
    chunker = Chunker(ChunkingSettings(), count_tokens, embedder.count_tokens, embedder.max_seq_length)
    return {d.doc_id: d for d in docs}, chunker.chunk_documents(docs)


def test_sentence_splitter_copes_with_abbreviations_and_numbers():
    text = (
        "Children, e.g. infants, are seen (Fig. 2). Diffusion (at b=1000 s/mm2) weighted (E) images were taken. "
        "Kita 15, Nishi 7, Kita-Ku, Sapporo. The incidence is 0.18 cases per million."
    )
    got = [text[s.start : s.end] for s in split_paragraph(text)]
    assert got == [
        "Children, e.g. infants, are seen (Fig. 2).",
        "Diffusion (at b=1000 s/mm2) weighted (E) images were taken.",
        "Kita 15, Nishi 7, Kita-Ku, Sapporo.",
        "The incidence is 0.18 cases per million.",
    ]


def test_offsets_round_trip(chunked):
    docs, result = chunked
    assert result.chunks and result.sentences
    for c in result.chunks:
        assert docs[c.doc_id].text[c.start : c.end] == c.text
    for s in result.sentences:
        assert docs[s.doc_id].text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text


def test_no_chunk_cuts_a_sentence_or_spans_sections(chunked):
    docs, result = chunked
    for c in result.chunks:
        sents = [result.sentences[i] for i in c.sentence_ids]
        assert sents[0].start == c.start and sents[-1].end == c.end
        section = docs[c.doc_id].section_at(c.start)
        assert section is not None and section.title == c.section
        assert c.end <= section.end
        assert all(s.section == c.section for s in sents)
    # every sentence is in some chunk
    covered = {i for c in result.chunks for i in c.sentence_ids}
    assert covered == {s.sentence_id for s in result.sentences}


def test_chunks_respect_token_budget_and_model_limit(chunked, embedder):
    _, result = chunked
    limit = ChunkingSettings().max_tokens
    for c in result.chunks:
        assert c.n_tokens == count_tokens(c.text) <= limit
        # the model reads every word piece of what is embedded: nothing is silently truncated
        assert embedder.count_tokens([search_text(c.section, c)])[0] == c.n_model_tokens <= embedder.max_seq_length


def test_overlap_repeats_whole_sentences(chunked):
    _, result = chunked
    pairs = [
        (a, b)
        for a, b in zip(result.chunks, result.chunks[1:])
        if a.doc_id == b.doc_id and a.section == b.section and a.start != b.start
    ]
    assert pairs, "some sections need more than one chunk"
    assert any(set(a.sentence_ids) & set(b.sentence_ids) for a, b in pairs)
    for a, b in pairs:
        assert b.start > a.start  # always moves forward


def test_overlong_sentence_is_split_not_truncated(embedder):
    from assistant.documents import Document, DocumentMeta, Section, Span
    from assistant.schema import SectionKind

    text = " ".join(f"word{i} cerebellar" for i in range(400)) + "."
    doc = Document(
        "long",
        "long.txt",
        text,
        (Section("Body", SectionKind.BODY, 0, len(text), (Span(0, len(text)),)),),
        DocumentMeta("Long"),
        "x",
    )
    chunker = Chunker(ChunkingSettings(), count_tokens, embedder.count_tokens, embedder.max_seq_length)
    result = chunker.chunk_documents([doc])
    assert len(result.chunks) > 1 and result.warnings
    joined = " ".join(
        c.text
        for c in result.chunks
        if c.sentence_ids[0] not in {i for prev in result.chunks[: result.chunks.index(c)] for i in prev.sentence_ids}
    )
    assert re.sub(r"\s+", " ", joined).split() == text.split()
    assert all(c.n_model_tokens <= embedder.max_seq_length for c in result.chunks)


def test_settings_are_validated():
    with pytest.raises(ValueError, match="overlap_tokens"):
        ChunkingSettings(max_tokens=50, overlap_tokens=60)


def test_chunk_display_is_the_readable_form_of_its_verbatim_text(chunked):
    from assistant.documents import Chunk

    docs, result = chunked
    table = next(c for c in result.chunks if "CASKXlinkedMicrocephaly" in c.text)
    assert docs[table.doc_id].text[table.start : table.end] == table.text
    assert "Gene: CASK; Mutation Type: X-linked; Typical Phenotype: Microcephaly" in table.display
    assert "CASKX" not in table.readable
    assert search_text(table.section, table) == f"{table.section}: {table.display}"
    prose = next(c for c in result.chunks if "handeye" in c.text)
    assert "hand-eye coordination" in prose.readable and "handeye" not in prose.readable
    # the readable form differs from the text only where a sentence of the chunk is read differently
    for c in result.chunks:
        sents = [result.sentences[i] for i in c.sentence_ids]
        assert (c.display != "") == any(s.display for s in sents)
        assert all(s.readable in c.readable for s in sents)
        assert Chunk.from_dict(c.to_dict()) == c
    assert all(c.display == "" for c in result.chunks if c.doc_id != table.doc_id)


def test_an_over_long_sentence_is_split_into_the_longest_pieces_that_fit(embedder):
    from assistant.documents import Document, DocumentMeta, Section, Span
    from assistant.schema import SectionKind

    words = " ".join(f"word{i} of the very long unpunctuated sentence" for i in range(70))  # under one splitting window
    text = f"Findings\n\n{words}."
    doc = Document(
        "long",
        "long.txt",
        text,
        (Section("Findings", SectionKind.BODY, 10, len(text), (Span(10, len(text)),)),),
        DocumentMeta(title="Long"),
        "0",
    )
    settings = ChunkingSettings()
    result = Chunker(settings, count_tokens, embedder.count_tokens, embedder.max_seq_length).chunk_documents([doc])
    pieces = result.sentences
    assert len(pieces) >= 2 and any("longer than the model reads" in w for w in result.warnings)
    assert " ".join(p.text for p in pieces) == words + "."  # nothing lost, cut only at spaces
    for p in pieces:
        assert count_tokens(p.text) <= settings.max_tokens
        assert embedder.count_tokens([search_text("Findings", p)])[0] <= embedder.max_seq_length
    for a, b in zip(pieces, pieces[1:]):  # each piece is the longest that fits: one more word would not
        longer = text[a.start : b.start + len(b.text.split()[0])]
        assert (
            count_tokens(longer) > settings.max_tokens
            or embedder.count_tokens([f"Findings: {longer}"])[0] > embedder.max_seq_length
        )
