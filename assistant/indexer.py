"""Load the built index, building it first when it is missing, stale or corrupt.

``ensure_index`` is what the CLI, API and UI call: the index is stale when the settings, the
documents (a file or its sidecar added, removed or changed) or the encoder's description differ
from what its manifest records; a stale, missing or corrupt index is built again
(``index_build.py``) while the documents are there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .embedding import Embedder, encoder_changes
from .index import Index
from .index_build import Log, build_index, current_sources, log_to_stderr
from .settings import Settings
from .store import BUILD_DIR_KEY, IndexCorrupt, IndexMissing, IndexStore


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


def index_is_current(settings: Settings) -> bool:
    """Whether a built, intact index fits these settings and documents, checked without the
    model (``ensure_index`` also checks the encoder when it loads the index)."""
    store = IndexStore(settings.index_dir)
    try:
        manifest = store.read_manifest()
        store.verify(manifest)
        return not stale_reasons(settings, manifest)
    except (IndexMissing, IndexCorrupt, OSError, ValueError):  # ensure_index says what is wrong
        return False


def load_index(settings: Settings, verified: dict[str, Any] | None = None) -> Index:
    """Load the current build, verified; raises IndexMissing / IndexCorrupt. ``verified`` is a
    manifest whose files the caller has just verified: it is read first without hashing them again."""
    store = IndexStore(settings.index_dir)
    for attempt in range(3):
        manifest = verified if attempt == 0 and verified is not None else store.read_manifest()
        try:
            if manifest is not verified:
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
    settings: Settings, embedder: Embedder | None = None, progress: bool = False, log: Log = log_to_stderr
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
            return load_index(settings, verified=manifest)
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
