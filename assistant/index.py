"""The built index as one typed value: documents, chunks, sentences, their vectors, the
FAISS and BM25 indexes, and the manifest that describes them.

``store`` writes and reads it, ``index_build`` builds it, ``Searcher`` and ``Answerer`` take it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .documents import Chunk, Document, Sentence

if TYPE_CHECKING:
    from .lexical import BM25Index


@dataclass(frozen=True)
class Index:
    documents: Mapping[str, Document]  # by doc_id
    chunks: tuple[Chunk, ...]
    sentences: tuple[Sentence, ...]
    chunk_vectors: np.ndarray  # (chunks, dim) float32, L2-normalised
    sentence_vectors: np.ndarray | None  # (sentences, dim), None when the build skipped them
    dense: Any  # faiss.Index over chunk_vectors (inner product)
    bm25: BM25Index
    manifest: Mapping[str, Any] = field(default_factory=dict)  # as written in manifest.json
    path: Path | None = None  # the build folder it was read from (None before it is written)

    @property
    def model(self) -> str:
        return str(self.manifest["model"]["name"])

    @cached_property
    def row_of_chunk(self) -> dict[int, int]:
        """chunk_id -> row in chunks / chunk_vectors / the FAISS index."""
        return {c.chunk_id: i for i, c in enumerate(self.chunks)}

    def document_of(self, chunk: Chunk) -> Document:
        return self.documents[chunk.doc_id]
