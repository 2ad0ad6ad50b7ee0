"""The built index as plain, versioned files (no pickle), written atomically.

Layout under the index folder::

    current -> builds/<id>          symlink, swapped atomically (os.replace) after a build
    builds/<id>/manifest.json       format, package version, model, chunking, FAISS type,
                                    source file hashes, sha256 of every artifact below
    builds/<id>/documents.jsonl     cleaned documents (text, sections, metadata)
    builds/<id>/chunks.jsonl        chunks with offsets and sentence ids
    builds/<id>/sentences.jsonl     sentences with offsets
    builds/<id>/chunk_vectors.npy   normalised float32 vectors (reused by incremental builds)
    builds/<id>/sentence_vectors.npy
    builds/<id>/dense.faiss         FAISS index (inner product)
    builds/<id>/bm25/               bm25s sparse matrices (.npy) and vocabulary (.json)
    .lock                           held while a build writes

A build that is killed leaves only a half-written ``builds/tmp-*`` folder, which the next
build removes; ``current`` keeps pointing at the previous complete build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from .documents import Chunk, Document, Sentence
from .index import Index
from .jsonfile import parse_json, read_json_object
from .version import __version__

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Every complete build has these (sentence vectors are optional); a manifest without them is not trusted.
REQUIRED_FILES = ("documents.jsonl", "chunks.jsonl", "sentences.jsonl", "chunk_vectors.npy", "dense.faiss")
BUILD_DIR_KEY = "_build_dir"  # added on read, never written


class IndexError_(RuntimeError):
    """Base for index problems."""


class IndexMissing(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


def sha256_file(path: Path) -> str:
    """sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    """Make a rename or new entry in ``path`` durable (best effort where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [parse_json(line) for line in fh if line.strip()]


class IndexStore:
    """Reads and writes builds under one index folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def current(self) -> Path:
        return self.root / "current"

    def lock(self, timeout: float = 600):
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.root / ".lock"), timeout=timeout)

    def read_manifest(self) -> dict[str, Any]:
        """The current build's manifest; IndexMissing / IndexCorrupt when there is none to trust."""
        if not self.current.exists():
            if self.current.is_symlink():
                raise IndexCorrupt(f"{self.current} points at a build that is gone")
            raise IndexMissing(f"no index built in {self.root}")
        try:
            build = self.current.resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # removed meanwhile, or a symlink loop
            raise IndexCorrupt(f"{self.current} cannot be resolved ({exc})") from exc
        path = build / MANIFEST
        try:
            manifest = read_json_object(path)
        except ValueError as exc:
            raise IndexCorrupt(f"manifest {path} {exc}") from exc
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexCorrupt(f"index format {manifest.get('format_version')} is not {FORMAT_VERSION}")
        files = manifest.get("files")
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise IndexCorrupt(f"manifest {path} has no valid list of files and checksums")
        missing = [name for name in REQUIRED_FILES if name not in files]
        if missing:
            raise IndexCorrupt(f"manifest {path} does not list {', '.join(missing)}")
        if not isinstance(manifest.get("model"), dict) or "name" not in manifest["model"]:
            raise IndexCorrupt(f"manifest {path} does not name the embedding model")
        manifest[BUILD_DIR_KEY] = str(build)  # later reads use this build even if `current` moves
        return manifest

    def _build_dir(self, manifest: dict[str, Any]) -> Path:
        """The folder of the build the manifest was read from (not whatever `current` is now)."""
        pinned = manifest.get(BUILD_DIR_KEY)
        return Path(pinned) if pinned else self.current.resolve()

    def verify(self, manifest: dict[str, Any]) -> None:
        """Every artifact the manifest names exists with its recorded sha256."""
        build = self._build_dir(manifest)
        files = manifest.get("files")
        if not files:
            raise IndexCorrupt("the manifest lists no index files")
        root = build.resolve()
        for rel, digest in files.items():
            path = build / rel
            if root not in path.resolve().parents:
                raise IndexCorrupt(f"index file {rel} is outside the build folder")
            if not path.is_file():
                raise IndexCorrupt(f"index file {rel} is missing")
            if sha256_file(path) != digest:
                raise IndexCorrupt(f"index file {rel} does not match its checksum (truncated or changed)")

    def write(self, art: Index) -> Path:
        """Write a complete build into a temporary folder, then swap ``current`` to it."""
        import faiss

        builds = self.root / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        for stale in builds.glob("tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        tmp = builds / f"tmp-{build_id}"
        tmp.mkdir()
        _write_jsonl(tmp / "documents.jsonl", (d.to_dict() for d in art.documents.values()))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in art.chunks))
        _write_jsonl(tmp / "sentences.jsonl", (s.to_dict() for s in art.sentences))
        np.save(tmp / "chunk_vectors.npy", art.chunk_vectors, allow_pickle=False)
        if art.sentence_vectors is not None:
            np.save(tmp / "sentence_vectors.npy", art.sentence_vectors, allow_pickle=False)
        faiss.write_index(art.dense, str(tmp / "dense.faiss"))
        art.bm25.save(tmp / "bm25")
        files = {str(p.relative_to(tmp)): sha256_file(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
        manifest = {
            **art.manifest,
            "format_version": FORMAT_VERSION,
            "package_version": __version__,
            "build_id": build_id,
            "files": files,
        }
        manifest.pop(BUILD_DIR_KEY, None)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        for path in tmp.rglob("*"):
            if path.is_file():
                with path.open("rb") as fh:
                    os.fsync(fh.fileno())
        for folder in [*(p for p in tmp.rglob("*") if p.is_dir()), tmp]:
            _fsync_dir(folder)
        final = builds / build_id
        os.rename(tmp, final)
        link_tmp = self.root / f".current-{build_id}"
        os.symlink(Path("builds") / build_id, link_tmp)
        if self.current.is_dir() and not self.current.is_symlink():
            # a real folder named `current` (copied by hand?) cannot be swapped atomically: move it
            # aside with the temporary folders, which the next build removes
            os.rename(self.current, builds / f"tmp-replaced-{build_id}")
        os.replace(link_tmp, self.current)  # atomic swap
        _fsync_dir(builds)
        _fsync_dir(self.root)
        self._remove_old(keep=final)
        return final

    def _remove_old(self, keep: Path) -> None:
        for old in (self.root / "builds").iterdir():
            if old.resolve() != keep.resolve() and not old.name.startswith("tmp-"):
                shutil.rmtree(old, ignore_errors=True)
        for link in self.root.glob(".current-*"):
            link.unlink(missing_ok=True)

    def read(self, manifest: dict[str, Any], with_sentence_vectors: bool = True) -> Index:
        """Load the artifacts of the current build (after verify)."""
        import faiss

        build = self._build_dir(manifest)
        try:
            documents = [Document.from_dict(d) for d in _read_jsonl(build / "documents.jsonl")]
            chunks = [Chunk.from_dict(c) for c in _read_jsonl(build / "chunks.jsonl")]
            sentences = [Sentence.from_dict(s) for s in _read_jsonl(build / "sentences.jsonl")]
            chunk_vectors = np.load(build / "chunk_vectors.npy", allow_pickle=False, mmap_mode="r")
            sentence_vectors = None
            if with_sentence_vectors and (build / "sentence_vectors.npy").is_file():
                sentence_vectors = np.load(build / "sentence_vectors.npy", allow_pickle=False)
            dense = faiss.read_index(str(build / "dense.faiss"))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, AttributeError) as exc:
            raise IndexCorrupt(f"index in {build} cannot be read ({exc})") from exc
        if dense.ntotal != len(chunks) or chunk_vectors.shape[0] != len(chunks):
            raise IndexCorrupt(f"index in {build} is inconsistent: {dense.ntotal} vectors for {len(chunks)} chunks")
        dim = manifest.get("model", {}).get("dimension")
        dims = {
            dense.d,
            chunk_vectors.shape[1] if chunk_vectors.ndim == 2 else -1,
            *([] if sentence_vectors is None else [sentence_vectors.shape[-1]]),
        }
        if len(dims) != 1 or (dim is not None and dims != {dim}):
            raise IndexCorrupt(f"index in {build} is inconsistent: vector sizes {sorted(dims)}, the model gives {dim}")
        if sentence_vectors is not None and sentence_vectors.shape[0] != len(sentences):
            raise IndexCorrupt(
                f"index in {build} is inconsistent: {sentence_vectors.shape[0]} sentence vectors "
                f"for {len(sentences)} sentences"
            )
        from .lexical import BM25Index

        try:
            bm25 = BM25Index.load(build / "bm25")
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorrupt(f"BM25 index in {build} cannot be read ({exc})") from exc
        return Index(
            documents={d.doc_id: d for d in documents},
            chunks=tuple(chunks),
            sentences=tuple(sentences),
            chunk_vectors=chunk_vectors,
            sentence_vectors=sentence_vectors,
            dense=dense,
            bm25=bm25,
            manifest=manifest,
            path=build,
        )
