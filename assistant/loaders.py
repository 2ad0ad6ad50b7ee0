"""The documents of a source: a folder of files, or a BEIR corpus file, and their fingerprints.

A folder is read file by file (``document_files.py``); a file that cannot be read is skipped
with a warning naming it, and the rest still load. A JSON-lines corpus (BEIR's ``corpus.jsonl``)
is one more source: a line a document. ``document_sources`` gives every document's id and
sha256 without parsing them, for the index's staleness check.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .document_files import META_SUFFIX, DocumentError, display_name, doc_id_for, file_digest, first_line, load_file
from .documents import DocumentMeta, RawDocument


@dataclass
class LoadResult:
    documents: list[RawDocument] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def source_files(docs_dir: Path) -> list[Path]:
    """The document files under docs_dir (sidecars and hidden files excluded), sorted."""
    if not docs_dir.is_dir():
        raise FileNotFoundError(f"documents folder {docs_dir} does not exist")
    return sorted(
        p
        for p in docs_dir.rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and not p.name.endswith(META_SUFFIX)
        and not any(part.startswith(".") for part in p.relative_to(docs_dir).parts)
    )


def load_folder(docs_dir: Path) -> LoadResult:
    result = LoadResult()
    seen: dict[str, str] = {}
    for path in source_files(docs_dir):
        name = display_name(path)
        try:
            raw, warnings = load_file(path)
        except DocumentError as exc:
            result.warnings.append(str(exc))
            continue
        except Exception as exc:  # one odd file (deeply nested HTML, ...) must not stop the build
            result.warnings.append(f"{name}: could not be read ({type(exc).__name__}: {exc}); skipped")
            continue
        if raw.doc_id in seen:
            result.warnings.append(f"{name}: same id {raw.doc_id!r} as {seen[raw.doc_id]}; skipped")
            continue
        seen[raw.doc_id] = name
        result.documents.append(raw)
        result.warnings.extend(warnings)
    return result


# -- a BEIR corpus file: one more document source ------------------------------------------
def is_corpus_file(path: Path) -> bool:
    """A JSON-lines corpus (BEIR's ``corpus.jsonl``: ``_id``, ``title``, ``text`` per line)."""
    return path.is_file() and path.suffix.lower() == ".jsonl"


def _corpus_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                yield n, line


def _corpus_document(path: Path, n: int, line: bytes) -> RawDocument:
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise DocumentError(f"{display_name(path)} line {n}: not JSON ({exc}); skipped") from exc
    if not isinstance(obj, dict) or not str(obj.get("_id", "")).strip():
        raise DocumentError(f"{display_name(path)} line {n}: no '_id'; skipped")
    title = str(obj.get("title") or "").strip()
    body = str(obj.get("text") or "").strip()
    if not (title or body):
        raise DocumentError(f"{display_name(path)} line {n}: no title or text; skipped")
    doc_id = str(obj["_id"]).strip()
    # the title is the document's heading (as in a .md document), so every chunk is read and
    # indexed under it: "title: chunk text"
    text = f"# {title}\n\n{body}" if title and body else title or body
    meta = DocumentMeta(title=title or first_line(body) or doc_id)
    return RawDocument(
        doc_id=doc_id,
        path=f"{path}#{doc_id}",
        text=text,
        fmt="md" if title and body else "txt",
        meta=meta,
        sha256=hashlib.sha256(line).hexdigest(),
    )


def load_corpus(path: Path) -> LoadResult:
    result = LoadResult()
    seen: set[str] = set()
    for n, line in _corpus_lines(path):
        try:
            raw = _corpus_document(path, n, line)
        except DocumentError as exc:
            result.warnings.append(str(exc))
            continue
        if raw.doc_id in seen:
            result.warnings.append(f"{display_name(path)} line {n}: same id {raw.doc_id!r} as an earlier line; skipped")
            continue
        seen.add(raw.doc_id)
        result.documents.append(raw)
    return result


def load_documents(docs: Path) -> LoadResult:
    """The documents of a folder, or of a corpus file."""
    return load_corpus(docs) if is_corpus_file(docs) else load_folder(docs)


def document_sources(docs: Path) -> dict[str, str]:
    """doc_id -> sha256 of every document (a file with its sidecar, or a corpus line), without
    parsing them; the first of two documents with one id counts, as when loading."""
    sources: dict[str, str] = {}
    if is_corpus_file(docs):
        for n, line in _corpus_lines(docs):
            try:
                doc_id = str(json.loads(line).get("_id", "")).strip()
            except (ValueError, AttributeError):
                doc_id = f"line-{n}"
            sources.setdefault(doc_id or f"line-{n}", hashlib.sha256(line).hexdigest())
        return sources
    for p in source_files(docs):
        doc_id = doc_id_for(p)
        if doc_id not in sources:
            try:
                sources[doc_id] = file_digest(p)
            except OSError:
                sources[doc_id] = "unreadable"
    return sources
