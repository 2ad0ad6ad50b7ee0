"""The FAISS index type by size: exact below HNSW_FROM, HNSW above; vectors added in blocks."""

import numpy as np

from assistant import vector_index as V


def test_exact_search_below_the_crossover_finds_each_vector_itself(monkeypatch):
    monkeypatch.setattr(V, "ADD_BLOCK", 7)  # several blocks
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = V.make_faiss_index(vectors)
    assert index.ntotal == 30 and V.faiss_type(30) == "FlatIP"
    _, rows = index.search(vectors, 1)
    assert rows[:, 0].tolist() == list(range(30))


def test_hnsw_above_the_crossover():
    assert V.faiss_type(V.HNSW_FROM) == "HNSW32"
    assert type(V.empty_faiss_index(8, V.HNSW_FROM)).__name__ == "IndexHNSWFlat"
