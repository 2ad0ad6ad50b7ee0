"""The index on disk: manifest, staleness, corruption recovery, incremental rebuilds."""

from __future__ import annotations

import json

import pytest

from assistant.index_build import build_index
from assistant.indexer import ensure_index, index_is_current, load_index, stale_reasons
from assistant.settings import ChunkingSettings, Settings
from assistant.store import IndexCorrupt, IndexMissing, IndexStore


@pytest.fixture()
def small(tmp_path, docs_copy, embedder):
    settings = Settings(docs_dir=docs_copy, index_dir=tmp_path / "index")
    report = build_index(settings, embedder=embedder, progress=False, log=lambda m: None)
    return settings, report


def manifest(settings) -> dict:
    return json.loads((settings.index_dir / "current" / "manifest.json").read_text())


def test_manifest_records_model_settings_and_hashes(small, embedder):
    settings, report = small
    m = manifest(settings)
    assert m["model"] == {"name": settings.model, "dimension": 384, "max_seq_length": embedder.max_seq_length}
    assert m["chunking"]["max_tokens"] == settings.chunking.max_tokens
    assert m["package_version"] and m["format_version"] == 1
    assert set(m["sources"]) == {
        "postinfective-cerebellar-necrosis",
        "oms-neuroblastoma-cerebellar-hypoperfusion",
        "cerebellar-hypoplasia-causes",
    }
    assert all(len(h) == 64 for h in m["files"].values())
    assert {"dense.faiss", "chunks.jsonl", "chunk_vectors.npy"} <= set(m["files"])
    assert report.chunks == m["counts"]["chunks"] > 0
    # no pickles anywhere
    assert not any(p.suffix in (".pkl", ".pickle") for p in settings.index_dir.rglob("*"))


def test_fresh_index_is_not_stale_and_loads(small):
    settings, report = small
    assert stale_reasons(settings, manifest(settings)) == []
    index = load_index(settings)
    assert len(index.chunks) == report.chunks == index.dense.ntotal


def test_changed_document_is_stale_and_only_it_is_reembedded(small, embedder):
    settings, first = small
    path = settings.docs_dir / "postinfective-cerebellar-necrosis.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nAddendum\n\nThe child walked alone at two years.\n", encoding="utf-8"
    )
    assert stale_reasons(settings, manifest(settings)) == ["document changed: postinfective-cerebellar-necrosis"]
    index = ensure_index(settings, embedder=embedder, log=lambda m: None)
    assert any("walked alone" in c.text for c in index.chunks)
    m = manifest(settings)
    assert m["counts"]["chunks"] == len(index.chunks)
    # the two unchanged documents' vectors were reused
    report = build_index(settings, embedder=embedder, progress=False, log=lambda m: None)
    assert report.embedded == 0 and report.reused > 0


def test_settings_change_makes_the_index_stale(small):
    settings, _ = small
    other = Settings(
        docs_dir=settings.docs_dir,
        index_dir=settings.index_dir,
        chunking=ChunkingSettings(max_tokens=100, overlap_tokens=20),
    )
    assert "model or chunking settings changed" in stale_reasons(other, manifest(settings))


def test_new_and_removed_documents_are_noticed(small):
    settings, _ = small
    (settings.docs_dir / "extra note.md").write_text("# Extra\n\nAtaxia means unsteady movement.\n", encoding="utf-8")
    (settings.docs_dir / "cerebellar-hypoplasia-causes.txt").unlink()
    reasons = stale_reasons(settings, manifest(settings))
    assert "document removed: cerebellar-hypoplasia-causes" in reasons
    assert any(r.startswith("new document extra-note") for r in reasons)


def test_index_is_current_without_the_model(small, tmp_path):
    """What `assistant serve` asks before deciding to start the page first: a built, intact
    index that fits the documents and settings."""
    settings, _ = small
    assert index_is_current(settings)
    assert not index_is_current(Settings(docs_dir=settings.docs_dir, index_dir=tmp_path / "none"))
    other = Settings(docs_dir=settings.docs_dir, index_dir=settings.index_dir, chunking=ChunkingSettings(100, 20))
    assert not index_is_current(other)
    target = (settings.index_dir / "current").resolve() / "chunk_vectors.npy"
    original = target.read_bytes()
    target.write_bytes(original[:100])
    assert not index_is_current(settings)  # corrupt
    target.write_bytes(original)
    path = settings.docs_dir / "postinfective-cerebellar-necrosis.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nAddendum.\n", encoding="utf-8")
    assert not index_is_current(settings)  # stale


@pytest.mark.parametrize("damage", ["truncate", "delete", "garbage_manifest", "dangling_link"])
def test_corrupt_index_is_detected_and_rebuilt(small, embedder, damage):
    settings, report = small
    build = (settings.index_dir / "current").resolve()
    if damage == "truncate":
        target = build / "chunk_vectors.npy"
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "delete":
        (build / "dense.faiss").unlink()
    elif damage == "garbage_manifest":
        (build / "manifest.json").write_text("{not json")
    else:
        import shutil

        shutil.rmtree(build)
    store = IndexStore(settings.index_dir)
    with pytest.raises((IndexCorrupt, IndexMissing)):
        m = store.read_manifest()
        store.verify(m)
    messages = []
    index = ensure_index(settings, embedder=embedder, log=messages.append)
    assert len(index.chunks) == report.chunks
    assert any("rebuilding" in m or "building" in m for m in messages)


def test_missing_index_and_missing_documents_give_a_clear_error(tmp_path, embedder):
    settings = Settings(docs_dir=tmp_path / "nowhere", index_dir=tmp_path / "index")
    with pytest.raises(IndexMissing, match="does not exist"):
        ensure_index(settings, embedder=embedder, log=lambda m: None)


def test_build_writes_through_a_temporary_folder(small):
    settings, _ = small
    builds = list((settings.index_dir / "builds").iterdir())
    assert len(builds) == 1 and not builds[0].name.startswith("tmp-")
    assert (settings.index_dir / "current").is_symlink()
