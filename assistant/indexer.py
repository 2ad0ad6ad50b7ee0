"""Build the index from the documents folder, and load it (rebuilding when stale or corrupt).

ingest -> clean -> chunk -> embed (reusing vectors of unchanged documents) -> FAISS + BM25
-> atomic write. ``ensure_index`` is what the CLI, API and UI call.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import Chunker, ChunkResult, search_text
from .cleaning import clean
from .documents import Chunk, Document, RawDocument, Sentence
from .embedding import Embedder, encoder_changes
from .index import Index
from .loaders import document_sources, load_documents
from .settings import Settings
from .store import BUILD_DIR_KEY, IndexCorrupt, IndexMissing, IndexStore
from .vector_index import faiss_type, make_faiss_index

EMBED_GROUP = 2048  # texts embedded per step while building
Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


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


def current_sources(settings: Settings) -> dict[str, str]:
    """doc_id -> sha256 of every document (with its sidecar) in the documents folder or corpus file."""
    return document_sources(settings.docs_dir)


def stale_reasons(settings: Settings, manifest: dict[str, Any], embedder: Embedder | None = None) -> list[str]:
    """Why the built index no longer fits the settings, documents or (when given) the encoder."""
    reasons = []
    if embedder is not None:
        reasons += encoder_changes(manifest.get("encoder"), embedder.warm_up().describe())
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
    chunk_rows: dict[str, list[int]] = {}
    sentence_rows: dict[str, list[int]] = {}
    for i, c in enumerate(data.chunks):
        chunk_rows.setdefault(c.doc_id, []).append(i)
    for i, s in enumerate(data.sentences):
        sentence_rows.setdefault(s.doc_id, []).append(i)
    sv = data.sentence_vectors
    return {
        doc.sha256: (
            np.array(data.chunk_vectors[chunk_rows.get(doc.doc_id, [])]),
            None if sv is None else np.array(sv[sentence_rows.get(doc.doc_id, [])]),
        )
        for doc in data.documents.values()
    }


def _warn(report: BuildReport, log: Log, message: str) -> None:
    report.warnings.append(message)
    log(f"warning: {message}")


def _clean_all(raws: Iterable[RawDocument], report: BuildReport, log: Log) -> list[Document]:
    docs = []
    for raw in raws:
        try:
            doc = clean(raw)
        except Exception as exc:  # one odd document must not stop the build
            _warn(report, log, f"{Path(raw.path).name}: could not be cleaned ({type(exc).__name__}: {exc}); skipped")
            continue
        if not doc.sections:
            _warn(report, log, f"{Path(raw.path).name}: no text left after cleaning; skipped")
            continue
        docs.append(doc)
    return docs


def _chunk_all(
    docs: list[Document], chunker: Chunker, report: BuildReport, log: Log, progress: bool
) -> list[tuple[Document, ChunkResult]]:
    per_doc: list[tuple[Document, ChunkResult]] = []
    n_chunks = n_sentences = 0
    for doc in _progress(docs, progress, "chunking", "doc"):
        try:
            part = chunker.chunk_documents([doc], n_chunks, n_sentences)
        except Exception as exc:  # one odd document must not stop the build
            _warn(report, log, f"{Path(doc.path).name}: could not be chunked ({type(exc).__name__}: {exc}); skipped")
            continue
        report.warnings.extend(part.warnings)
        n_chunks += len(part.chunks)
        n_sentences += len(part.sentences)
        per_doc.append((doc, part))
    return per_doc


def _progress(items, show: bool, desc: str, unit: str):
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, file=sys.stderr)


def _embed_all(
    per_doc: list[tuple[Document, ChunkResult]],
    previous: dict,
    embedder: Embedder,
    with_sentences: bool,
    report: BuildReport,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Chunk (and sentence) vectors in index order: reused for unchanged documents, the rest
    embedded in groups of EMBED_GROUP texts (one progress bar, memory bounded by the group)."""
    dim = embedder.dimension
    n_c = sum(len(part.chunks) for _, part in per_doc)
    n_s = sum(len(part.sentences) for _, part in per_doc) if with_sentences else 0
    cv = np.zeros((n_c, dim), np.float32)
    sv = np.zeros((n_s, dim), np.float32) if with_sentences else None
    todo: list[tuple[str, int, str]] = []  # (which array, row, text)
    c_row = s_row = 0
    for doc, part in per_doc:
        reuse = previous.get(doc.sha256)
        fits = (
            reuse is not None
            and reuse[0].shape[0] == len(part.chunks)
            and (not with_sentences or (reuse[1] is not None and reuse[1].shape[0] == len(part.sentences)))
        )
        if fits:
            cv[c_row : c_row + len(part.chunks)] = reuse[0]
            if sv is not None:
                sv[s_row : s_row + len(part.sentences)] = reuse[1]
            report.reused += len(part.chunks) + (len(part.sentences) if with_sentences else 0)
        else:
            todo += [("c", c_row + i, search_text(c.section, c)) for i, c in enumerate(part.chunks)]
            if with_sentences:
                todo += [("s", s_row + i, search_text(s.section, s)) for i, s in enumerate(part.sentences)]
        c_row += len(part.chunks)
        s_row += len(part.sentences) if with_sentences else 0
    bar = _progress(range(0, len(todo), EMBED_GROUP), progress and len(todo) > EMBED_GROUP, "embedding", "group")
    for start in bar:
        group = todo[start : start + EMBED_GROUP]
        vectors = embedder.encode([t for _, _, t in group])
        for (which, row, _), vec in zip(group, vectors):
            (cv if which == "c" else sv)[row] = vec
    report.embedded = len(todo)
    return cv, sv


def build_index(
    settings: Settings, embedder: Embedder | None = None, progress: bool = True, log: Log = _stderr
) -> BuildReport:
    """Build (or incrementally rebuild) the index of settings.docs_dir into settings.index_dir."""
    from .lexical import BM25Index
    from .tokens import count_tokens

    t0 = time.perf_counter()
    store = IndexStore(settings.index_dir)
    embedder = embedder or settings.embedder()
    report = BuildReport()
    with store.lock():
        seen_sources = current_sources(settings)
        loaded = load_documents(settings.docs_dir)
        for w in loaded.warnings:
            _warn(report, log, w)
        if not loaded.documents:
            raise IndexMissing(f"no readable documents in {settings.docs_dir}; add .txt, .md, .html or .pdf files")
        docs = _clean_all(
            _progress(loaded.documents, progress and len(loaded.documents) > 100, "cleaning", "doc"), report, log
        )
        if not docs:
            raise IndexMissing(f"no document in {settings.docs_dir} has text left after cleaning; nothing to index")
        chunker = Chunker(
            settings.chunking,
            lambda t: count_tokens(t, settings.chunking.encoding),
            embedder.count_tokens,
            embedder.max_seq_length,
        )
        per_doc = _chunk_all(docs, chunker, report, log, progress and len(docs) > 100)
        if not per_doc:
            raise IndexMissing(f"no document in {settings.docs_dir} could be chunked; nothing to index")
        docs = [doc for doc, _ in per_doc]
        chunks = tuple(c for _, part in per_doc for c in part.chunks)
        sentences = tuple(s for _, part in per_doc for s in part.sentences)
        if texts_to_embed := len(chunks) + (len(sentences) if settings.embed_sentences else 0):
            log(f"embedding up to {texts_to_embed} texts with {settings.model}")
        cv, sv = _embed_all(
            per_doc, _previous_vectors(store, settings), embedder, settings.embed_sentences, report, progress
        )
        bm25 = BM25Index.build([search_text(c.section, c) for c in chunks])
        report.token_stats = _token_stats(chunks)
        manifest = _manifest(settings, embedder, docs, chunks, sentences, seen_sources, report)
        path = store.write(
            Index(
                documents={d.doc_id: d for d in docs},
                chunks=chunks,
                sentences=sentences,
                chunk_vectors=cv,
                sentence_vectors=sv,
                dense=make_faiss_index(cv),
                bm25=bm25,
                manifest=manifest,
            )
        )
    report.documents, report.sections = len(docs), manifest["counts"]["sections"]
    report.chunks, report.sentences = len(chunks), len(sentences)
    report.seconds = time.perf_counter() - t0
    report.path = str(path)
    return report


def _token_stats(chunks: Sequence[Chunk]) -> dict[str, float]:
    n_tokens = np.array([c.n_tokens for c in chunks]) if chunks else np.zeros(1)
    return {
        "min": float(n_tokens.min()),
        "median": float(np.median(n_tokens)),
        "max": float(n_tokens.max()),
        "mean": float(n_tokens.mean()),
        "model_max": float(max((c.n_model_tokens for c in chunks), default=0)),
    }


def _manifest(
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


def load_index(settings: Settings) -> Index:
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
    return data


def _current_build(store: IndexStore) -> str | None:
    try:
        return str(store.current.resolve(strict=True))
    except (OSError, RuntimeError):
        return None


def ensure_index(
    settings: Settings, embedder: Embedder | None = None, progress: bool = False, log: Log = _stderr
) -> Index:
    """Load the index; build it first when it is missing, stale or corrupt (the encoder's
    description included: an altered or re-exported model makes built vectors stale)."""
    embedder = embedder or settings.embedder()
    store = IndexStore(settings.index_dir)
    problem, action = f"no index in {settings.index_dir}", "building it"
    try:
        manifest = store.read_manifest()
        store.verify(manifest)
        reasons = stale_reasons(settings, manifest, embedder)
        if not reasons:
            return load_index(settings)
        problem, action = "index is stale (" + "; ".join(reasons[:5]) + ")", "rebuilding"
    except IndexMissing:
        pass
    except IndexCorrupt as exc:
        problem, action = f"index unusable ({exc})", "rebuilding"
    if not settings.docs_dir.exists():
        raise IndexMissing(
            f"{problem}, and it cannot be {'rebuilt' if action == 'rebuilding' else 'built'}: "
            f"documents folder {settings.docs_dir} does not exist"
        )
    log(f"{problem}; {action}")
    report = build_index(settings, embedder=embedder, progress=progress, log=log)
    log(report.summary())
    return load_index(settings)
