"""The store writes an Index as plain files with checksums and reads the same Index back;
damage is reported as IndexCorrupt, never half-read."""

import numpy as np
import pytest

from assistant.store import MANIFEST, IndexCorrupt, IndexStore


def test_round_trip_keeps_every_part(assistant, tmp_path):
    index = assistant.index
    store = IndexStore(tmp_path)
    path = store.write(index)
    manifest = store.read_manifest()
    store.verify(manifest)
    again = store.read(manifest)
    assert again.path == path and again.documents.keys() == index.documents.keys()
    assert again.chunks == index.chunks and again.sentences == index.sentences
    assert all(again.documents[d] == index.documents[d] for d in index.documents)
    assert np.array_equal(again.chunk_vectors, index.chunk_vectors)
    assert np.array_equal(again.sentence_vectors, index.sentence_vectors)
    assert again.dense.ntotal == len(index.chunks) and again.bm25.size == len(index.chunks)
    assert not list(path.rglob("*.pkl")) and (path / MANIFEST).is_file()


def test_a_changed_artifact_fails_verification(assistant, tmp_path):
    store = IndexStore(tmp_path)
    path = store.write(assistant.index)
    with (path / "chunks.jsonl").open("a") as fh:
        fh.write("\n")
    with pytest.raises(IndexCorrupt, match="chunks.jsonl does not match its checksum"):
        store.verify(store.read_manifest())
