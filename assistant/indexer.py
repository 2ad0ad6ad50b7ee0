"""Build the index from the documents folder, and load it (rebuilding when stale or corrupt).

ingest -> clean -> chunk -> embed (reusing vectors of unchanged documents) -> FAISS + BM25
-> atomic write. ``ensure_index`` is what the CLI, API and UI call.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .chunking import Chunker, search_text
from .cleaning import clean
from .embedding import Embedder
from .loaders import file_digest, load_folder, source_files, doc_id_for
from .schema import Chunk, Document, Sentence
from .settings import Settings
from .store import BUILD_DIR_KEY, BuildArtifacts, IndexCorrupt, IndexMissing, IndexStore

# Exact search below this many vectors, HNSW above: single-thread exact search costs ~6.8 ms
# per 100k vectors and passes a 5 ms budget near 64-74k (`assistant bench --chunks`, README).
HNSW_FROM = 50_000
Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


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
    if vectors.shape[0]:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def faiss_type(n: int) -> str:
    return "HNSW32" if n >= HNSW_FROM else "FlatIP"


@dataclass
class LoadedIndex:
    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray | None
    dense: Any
    bm25: Any
    path: Path

    @property
    def model(self) -> str:
        return self.manifest["model"]["name"]


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
            lines.append(f"  chunk tokens (cl100k): min {t['min']:.0f}  median {t['median']:.0f}  "
                         f"max {t['max']:.0f}   model word pieces max {t['model_max']:.0f}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def current_sources(settings: Settings) -> dict[str, str]:
    """doc_id -> sha256 of every document file (with its sidecar) in the docs folder.

    When two files share an id the first one (in sorted order) counts, as in load_folder."""
    sources: dict[str, str] = {}
    for p in source_files(settings.docs_dir):
        doc_id = doc_id_for(p)
        if doc_id not in sources:
            try:
                sources[doc_id] = file_digest(p)
            except OSError:
                sources[doc_id] = "unreadable"
    return sources


def stale_reasons(settings: Settings, manifest: dict[str, Any]) -> list[str]:
    reasons = []
    if manifest.get("fingerprint") != settings.fingerprint():
        reasons.append("model or chunking settings changed")
    if Path(manifest.get("docs_dir", "")).resolve() != settings.docs_dir.resolve():
        reasons.append("documents folder changed")
    try:
        now = current_sources(settings)
    except FileNotFoundError:
        return reasons  # documents gone: keep serving what was built
    # files the build skipped (empty, binary, too big...) are known too: unchanged, they
    # must not make the index look stale on every load
    before = {**manifest.get("skipped", {}), **manifest.get("sources", {})}
    for doc_id in sorted(set(now) | set(before)):
        if doc_id not in before:
            reasons.append(f"new document {doc_id}")
        elif doc_id not in now:
            reasons.append(f"document removed: {doc_id}")
        elif now[doc_id] != before[doc_id]:
            reasons.append(f"document changed: {doc_id}")
    return reasons


def _previous_vectors(store: IndexStore, settings: Settings) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """doc sha256 -> (chunk vectors, sentence vectors) from the current build, if compatible."""
    try:
        manifest = store.read_manifest()
        if manifest.get("fingerprint") != settings.fingerprint():
            return {}
        store.verify(manifest)
        data = store.read(manifest)
    except (IndexMissing, IndexCorrupt):
        return {}
    out = {}
    cv, sv = data["chunk_vectors"], data["sentence_vectors"]
    for doc in data["documents"]:
        rows = [i for i, c in enumerate(data["chunks"]) if c.doc_id == doc.doc_id]
        srows = [i for i, s in enumerate(data["sentences"]) if s.doc_id == doc.doc_id]
        out[doc.sha256] = (np.array(cv[rows]), None if sv is None else np.array(sv[srows]))
    return out


def build_index(settings: Settings, embedder: Embedder | None = None, progress: bool = True,
                log: Log = _stderr) -> BuildReport:
    """Build (or incrementally rebuild) the index for settings.docs_dir into settings.index_dir."""
    from .tokens import count_tokens

    t0 = time.perf_counter()
    store = IndexStore(settings.index_dir)
    embedder = embedder or Embedder(settings.model, settings.batch_size)
    report = BuildReport()
    with store.lock():
        seen_sources = current_sources(settings)
        loaded = load_folder(settings.docs_dir)
        report.warnings.extend(loaded.warnings)
        for w in loaded.warnings:
            log(f"warning: {w}")
        if not loaded.documents:
            raise IndexMissing(f"no readable documents in {settings.docs_dir}; add .txt, .md, .html or .pdf files")
        docs = []
        for raw in loaded.documents:
            try:
                doc = clean(raw)
            except Exception as exc:  # one odd document must not stop the build
                report.warnings.append(f"{Path(raw.path).name}: could not be cleaned "
                                       f"({type(exc).__name__}: {exc}); skipped")
                log(f"warning: {report.warnings[-1]}")
                continue
            if not doc.sections:
                report.warnings.append(f"{Path(raw.path).name}: no text left after cleaning; skipped")
                log(f"warning: {report.warnings[-1]}")
                continue
            docs.append(doc)
        if not docs:
            raise IndexMissing(f"no document in {settings.docs_dir} has text left after cleaning; "
                               "nothing to index")
        chunker = Chunker(settings.chunking, lambda t: count_tokens(t, settings.chunking.encoding),
                          embedder.count_tokens, embedder.max_seq_length)
        previous = _previous_vectors(store, settings)
        chunks: list[Chunk] = []
        sentences: list[Sentence] = []
        chunk_vecs: list[np.ndarray] = []
        sent_vecs: list[np.ndarray] = []
        todo_docs = []
        iterator = docs
        if progress:
            from tqdm import tqdm

            iterator = tqdm(docs, desc="chunking", unit="doc", file=sys.stderr)
        per_doc = []
        for doc in iterator:
            try:
                part = chunker.chunk_documents([doc], len(chunks), len(sentences))
            except Exception as exc:  # one odd document must not stop the build
                report.warnings.append(f"{Path(doc.path).name}: could not be chunked "
                                       f"({type(exc).__name__}: {exc}); skipped")
                log(f"warning: {report.warnings[-1]}")
                continue
            report.warnings.extend(part.warnings)
            chunks.extend(part.chunks)
            sentences.extend(part.sentences)
            per_doc.append((doc, part))
        docs = [doc for doc, _ in per_doc]
        if not docs:
            raise IndexMissing(f"no document in {settings.docs_dir} could be chunked; nothing to index")
        for doc, part in per_doc:
            reuse = previous.get(doc.sha256)
            if reuse is not None and reuse[0].shape[0] == len(part.chunks) and \
                    (reuse[1] is not None and reuse[1].shape[0] == len(part.sentences)):
                chunk_vecs.append(reuse[0])
                sent_vecs.append(reuse[1])
                report.reused += len(part.chunks) + len(part.sentences)
            else:
                todo_docs.append((doc, part))
                chunk_vecs.append(None)  # type: ignore[arg-type]
                sent_vecs.append(None)  # type: ignore[arg-type]
        texts = []
        for doc, part in todo_docs:
            texts.extend(search_text(c.section, c) for c in part.chunks)
            texts.extend(search_text(s.section, s) for s in part.sentences)
        if texts:
            log(f"embedding {len(texts)} texts with {settings.model}")
            vectors = embedder.encode(texts, show_progress=progress)
            report.embedded = len(texts)
            pos = 0
            slots = [i for i, v in enumerate(chunk_vecs) if v is None]
            for slot, (doc, part) in zip(slots, todo_docs):
                n_c, n_s = len(part.chunks), len(part.sentences)
                chunk_vecs[slot] = vectors[pos:pos + n_c]
                sent_vecs[slot] = vectors[pos + n_c:pos + n_c + n_s]
                pos += n_c + n_s
        dim = embedder.dimension
        cv = np.concatenate(chunk_vecs) if chunk_vecs else np.zeros((0, dim), np.float32)
        sv = np.concatenate(sent_vecs) if sent_vecs else np.zeros((0, dim), np.float32)
        from .lexical import BM25Index

        bm25 = BM25Index.build([search_text(c.section, c) for c in chunks])
        n_tokens = np.array([c.n_tokens for c in chunks]) if chunks else np.zeros(1)
        report.token_stats = {"min": float(n_tokens.min()), "median": float(np.median(n_tokens)),
                              "max": float(n_tokens.max()), "mean": float(n_tokens.mean()),
                              "model_max": float(max((c.n_model_tokens for c in chunks), default=0))}
        indexed_ids = {d.doc_id for d in docs}
        manifest = {
            "fingerprint": settings.fingerprint(),
            "model": {"name": settings.model, "dimension": dim, "max_seq_length": embedder.max_seq_length},
            "chunking": settings.fingerprint()["chunking"],
            "faiss": {"type": faiss_type(len(chunks)), "metric": "inner_product", "normalized": True},
            "bm25": {"library": "bm25s", "method": "lucene", "k1": 1.5, "b": 0.75, "stemmer": "english"},
            "docs_dir": str(settings.docs_dir.resolve()),
            "sources": {d.doc_id: d.sha256 for d in docs},
            "skipped": {doc_id: sha for doc_id, sha in seen_sources.items() if doc_id not in indexed_ids},
            "counts": {"documents": len(docs), "sections": sum(len(d.sections) for d in docs),
                       "chunks": len(chunks), "sentences": len(sentences)},
            "chunk_tokens": report.token_stats,
            "warnings": report.warnings,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        art = BuildArtifacts(docs, chunks, sentences, cv, sv, manifest)
        path = store.write(art, make_faiss_index(cv), bm25)
    report.documents = len(docs)
    report.sections = manifest["counts"]["sections"]
    report.chunks = len(chunks)
    report.sentences = len(sentences)
    report.seconds = time.perf_counter() - t0
    report.path = str(path)
    return report


def load_index(settings: Settings) -> LoadedIndex:
    """Load the current build, verified; raises IndexMissing / IndexCorrupt."""
    store = IndexStore(settings.index_dir)
    for attempt in range(3):
        manifest = store.read_manifest()
        try:
            store.verify(manifest)
            data = store.read(manifest)
            break
        except IndexCorrupt:
            # a build that finished meanwhile swaps `current` and removes the build being read:
            # read the new one instead of calling a complete index corrupt
            if attempt == 2 or _current_build(store) == manifest.get(BUILD_DIR_KEY):
                raise
    return LoadedIndex(manifest=manifest, documents={d.doc_id: d for d in data["documents"]},
                       chunks=data["chunks"], sentences=data["sentences"], chunk_vectors=data["chunk_vectors"],
                       sentence_vectors=data["sentence_vectors"], dense=data["dense"], bm25=data["bm25"],
                       path=Path(manifest[BUILD_DIR_KEY]))


def _current_build(store: IndexStore) -> str | None:
    try:
        return str(store.current.resolve(strict=True))
    except (OSError, RuntimeError):
        return None


def ensure_index(settings: Settings, embedder: Embedder | None = None, progress: bool = False,
                 log: Log = _stderr) -> LoadedIndex:
    """Load the index; build it first when it is missing, stale or corrupt."""
    store = IndexStore(settings.index_dir)
    problem, action = f"no index in {settings.index_dir}", "building it"
    try:
        manifest = store.read_manifest()
        store.verify(manifest)
        reasons = stale_reasons(settings, manifest)
        if not reasons:
            return load_index(settings)
        problem, action = "index is stale (" + "; ".join(reasons[:5]) + ")", "rebuilding"
    except IndexMissing:
        pass
    except IndexCorrupt as exc:
        problem, action = f"index unusable ({exc})", "rebuilding"
    if not settings.docs_dir.is_dir():
        raise IndexMissing(f"{problem}, and it cannot be {'rebuilt' if action == 'rebuilding' else 'built'}: "
                           f"documents folder {settings.docs_dir} does not exist")
    log(f"{problem}; {action}")
    report = build_index(settings, embedder=embedder, progress=progress, log=log)
    log(report.summary())
    return load_index(settings)
