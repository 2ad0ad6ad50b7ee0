"""Build the index of a documents folder or corpus file, reusing the vectors of unchanged documents.

load -> clean -> chunk -> embed (groups of ``EMBED_GROUP`` texts; the vectors of documents
whose sha256 is unchanged are taken from the current build) -> FAISS + BM25 -> atomic write
(``store.py``), one build at a time under the index folder's lock. A document that cannot be
cleaned or chunked is skipped with a warning; the rest is indexed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from .build_report import BuildReport, build_manifest, token_stats
from .chunking import Chunker, ChunkResult, search_text
from .cleaning import clean
from .documents import Document, RawDocument
from .embedding import Embedder
from .index import Index
from .loaders import document_sources, load_documents
from .settings import Settings
from .store import IndexCorrupt, IndexMissing, IndexStore
from .vector_index import make_faiss_index

EMBED_GROUP = 2048  # texts embedded per step while building
Log = Callable[[str], None]


def log_to_stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


def current_sources(settings: Settings) -> dict[str, str]:
    """doc_id -> sha256 of every document (with its sidecar) in the documents folder or corpus file."""
    return document_sources(settings.docs_dir)


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
    settings: Settings, embedder: Embedder | None = None, progress: bool = True, log: Log = log_to_stderr
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
        report.token_stats = token_stats(chunks)
        manifest = build_manifest(settings, embedder, docs, chunks, sentences, seen_sources, report)
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
