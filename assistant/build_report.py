"""What a build reports and records: its BuildReport and the manifest written with the index.

``BuildReport`` counts what was indexed, embedded and reused, keeps the warnings and the chunk
token statistics, and gives the summary ``assistant build`` prints. ``build_manifest`` is what
``manifest.json`` says about the build (``store.py`` adds the file checksums), and what the
staleness check in ``indexer.py`` compares with the current settings and documents.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .documents import Chunk, Document, Sentence
from .embedding import Embedder
from .settings import Settings
from .vector_index import faiss_type


@dataclass
class BuildReport:
    documents: int = 0
    sections: int = 0
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    path: str = ""
    token_stats: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        t = self.token_stats
        lines = [
            f"Built index in {self.seconds:.1f} s -> {self.path}",
            f"  documents {self.documents}   sections {self.sections}   chunks {self.chunks}   sentences {self.sentences}",
            f"  texts embedded {self.embedded}   vectors reused {self.reused}",
        ]
        if t:
            lines.append(
                f"  chunk tokens (cl100k): min {t['min']:.0f}  median {t['median']:.0f}  "
                f"max {t['max']:.0f}   model word pieces max {t['model_max']:.0f}"
            )
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def token_stats(chunks: Sequence[Chunk]) -> dict[str, float]:
    n_tokens = np.array([c.n_tokens for c in chunks]) if chunks else np.zeros(1)
    return {
        "min": float(n_tokens.min()),
        "median": float(np.median(n_tokens)),
        "max": float(n_tokens.max()),
        "mean": float(n_tokens.mean()),
        "model_max": float(max((c.n_model_tokens for c in chunks), default=0)),
    }


def build_manifest(
    settings: Settings,
    embedder: Embedder,
    docs: list[Document],
    chunks: Sequence[Chunk],
    sentences: Sequence[Sentence],
    seen_sources: dict[str, str],
    report: BuildReport,
) -> dict[str, Any]:
    indexed_ids = {d.doc_id for d in docs}
    encoder = embedder.describe()
    return {
        "fingerprint": settings.fingerprint(),
        "model": {
            "name": settings.model,
            "dimension": encoder["dimension"],
            "max_seq_length": encoder["max_seq_length"],
        },
        "encoder": encoder,
        "chunking": settings.fingerprint()["chunking"],
        "faiss": {"type": faiss_type(len(chunks)), "metric": "inner_product", "normalized": encoder["normalize"]},
        "bm25": {"library": "bm25s", "method": "lucene", "k1": 1.5, "b": 0.75, "stemmer": "english"},
        "docs_dir": str(settings.docs_dir.resolve()),
        "sources": {d.doc_id: d.sha256 for d in docs},
        "skipped": {doc_id: sha for doc_id, sha in seen_sources.items() if doc_id not in indexed_ids},
        "counts": {
            "documents": len(docs),
            "sections": sum(len(d.sections) for d in docs),
            "chunks": len(chunks),
            "sentences": len(sentences),
        },
        "chunk_tokens": report.token_stats,
        "warnings": report.warnings,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
