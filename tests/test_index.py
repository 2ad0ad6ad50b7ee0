"""The Index value: rows by chunk id, each chunk's document, the model it was built with."""


def test_rows_documents_and_model(assistant):
    index = assistant.index
    assert all(index.chunks[index.row_of_chunk[c.chunk_id]] == c for c in index.chunks)
    assert {index.document_of(c).doc_id for c in index.chunks} == set(index.documents)
    assert index.model == assistant.settings.model
    assert index.chunk_vectors.shape == (len(index.chunks), 384)
