"""The dense index over chunk vectors: which FAISS index a number of vectors gets, and adding
vectors to it in blocks.

Exact inner-product search below HNSW_FROM vectors, HNSW above: single-thread exact search
costs ~6.8 ms per 100k vectors and passes a 5 ms budget near 64-74k (`assistant bench
--chunks`, README).
"""

from __future__ import annotations

import numpy as np

HNSW_FROM = 50_000
ADD_BLOCK = 65_536  # vectors added per call, so a large index is not copied whole at once


def empty_faiss_index(dim: int, expected: int):
    """An empty FAISS index of the type chosen for ``expected`` vectors: exact inner product
    below HNSW_FROM, HNSW32 above (efSearch higher for the largest, where recall drops)."""
    import faiss

    if expected >= HNSW_FROM:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128 if expected < 200_000 else 256
        return index
    return faiss.IndexFlatIP(dim)


def make_faiss_index(vectors: np.ndarray):
    index = empty_faiss_index(vectors.shape[1], vectors.shape[0])
    for start in range(0, vectors.shape[0], ADD_BLOCK):
        index.add(np.ascontiguousarray(vectors[start : start + ADD_BLOCK], dtype=np.float32))
    return index


def faiss_type(n: int) -> str:
    return "HNSW32" if n >= HNSW_FROM else "FlatIP"
