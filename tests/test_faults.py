"""Faults: damaged or foreign index files are detected on load (manifest + checksums) and
rebuilt; a build killed halfway leaves the previous index intact; two builds at once do not
corrupt each other. Real model, real documents, temporary folders; the builds that are killed
or raced are real `assistant build` processes.

The damage tests index one real document (the smallest) so that each rebuild is quick; the
kill tests stop a real build at a known point before killing it, so no test depends on how
fast the machine is.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.index_build import build_index
from assistant.indexer import ensure_index, load_index, stale_reasons
from assistant.service import Assistant, AssistantError
from assistant.settings import Settings
from assistant.store import MANIFEST, IndexCorrupt, IndexError_, IndexMissing, IndexStore, sha256_file

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs_src"
ASSISTANT_BIN = Path(sys.executable).parent / "assistant"
SMALL_DOC = "postinfective-cerebellar-necrosis"
HANG = 300


def quiet(_msg: str) -> None:
    pass


def cli_env() -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("ASSISTANT_DEBUG", None)
    return env


def build_cmd(settings: Settings, *extra: str) -> list[str]:
    return [
        str(ASSISTANT_BIN),
        "build",
        "--docs",
        str(settings.docs_dir),
        "--index",
        str(settings.index_dir),
        "--quiet",
        *extra,
    ]


def current_build(settings: Settings) -> Path:
    return (settings.index_dir / "current").resolve()


def assert_healthy(settings: Settings, embedder, question="What did MRI show in the girl after gastroenteritis?"):
    """The index loads verified and the assistant answers from it."""
    store = IndexStore(settings.index_dir)
    manifest = store.read_manifest()
    store.verify(manifest)
    index = load_index(settings)
    assert index.chunks and index.dense.ntotal == len(index.chunks)
    resp = Assistant(settings, embedder=embedder).ask(question)
    assert resp.passages, resp
    return index


# -- damaged, partial and foreign index files ------------------------------------------------
@pytest.fixture(scope="module")
def small_base(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("faults-base")
    docs = root / "docs"
    docs.mkdir()
    for p in DOCS.glob(SMALL_DOC + ".*"):
        shutil.copy(p, docs / p.name)
    settings = Settings(docs_dir=docs, index_dir=root / "index")
    report = build_index(settings, embedder=embedder, progress=False, log=quiet)
    return settings, report


@pytest.fixture()
def small(small_base, tmp_path):
    """A private copy of the small index (the `current` symlink is relative, so it still works)."""
    settings, report = small_base
    shutil.copytree(settings.index_dir, tmp_path / "index", symlinks=True)
    return replace(settings, index_dir=tmp_path / "index"), report


def _edit_manifest(build: Path, change) -> None:
    path = build / MANIFEST
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55
    path.write_bytes(bytes(data))


def _other_dimension(build: Path) -> None:
    """dense.faiss swapped for one of another model's size, its checksum updated to match."""
    import faiss

    old = faiss.read_index(str(build / "dense.faiss"))
    other = faiss.IndexFlatIP(128)
    other.add(np.random.default_rng(0).standard_normal((old.ntotal, 128)).astype(np.float32))
    faiss.write_index(other, str(build / "dense.faiss"))
    _edit_manifest(build, lambda m: m["files"].__setitem__("dense.faiss", sha256_file(build / "dense.faiss")))


def _foreign_manifest(change):
    return lambda build: _edit_manifest(build, change)


CORRUPT = {  # detected on load as corrupt or missing
    "chunks_missing": lambda b: (b / "chunks.jsonl").unlink(),
    "bm25_vocab_missing": lambda b: (b / "bm25" / "vocab.index.json").unlink(),
    "sentence_vectors_missing": lambda b: (b / "sentence_vectors.npy").unlink(),
    "faiss_truncated": lambda b: _truncate(b / "dense.faiss"),
    "documents_truncated_mid_line": lambda b: _truncate(b / "documents.jsonl", 0.37),
    "vectors_truncated_to_zero": lambda b: (b / "chunk_vectors.npy").write_bytes(b""),
    "vectors_one_byte_flipped": lambda b: _flip_byte(b / "chunk_vectors.npy"),
    "manifest_missing": lambda b: (b / MANIFEST).unlink(),
    "manifest_truncated": lambda b: _truncate(b / MANIFEST),
    "manifest_empty": lambda b: (b / MANIFEST).write_text(""),
    "manifest_not_an_object": lambda b: (b / MANIFEST).write_text("[1, 2]"),
    "manifest_without_files": _foreign_manifest(lambda m: m.pop("files")),
    "manifest_lists_no_files": _foreign_manifest(lambda m: m.__setitem__("files", {})),
    "manifest_other_format_version": _foreign_manifest(lambda m: m.__setitem__("format_version", 99)),
    "manifest_file_outside_build": _foreign_manifest(lambda m: m["files"].__setitem__("../../x", "0" * 64)),
    "other_dimension_faiss": _other_dimension,
    "build_folder_gone": lambda b: shutil.rmtree(b),
    "current_is_a_file": lambda b: (
        shutil.rmtree(b),
        (b.parent.parent / "current").unlink(),
        (b.parent.parent / "current").write_text("not a link"),
    ),
    "current_is_a_folder": lambda b: (
        (b.parent.parent / "current").unlink(),
        shutil.copytree(b, b.parent.parent / "current"),
        _truncate(b.parent.parent / "current" / "chunks.jsonl"),
    ),
    "index_folder_emptied": lambda b: [
        shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink() for p in list(b.parent.parent.iterdir())
    ],
}
STALE = {  # a complete index built another way: loads, but ensure_index sees it is stale
    "other_model": _foreign_manifest(
        lambda m: (m["model"].__setitem__("name", "other/model"), m["fingerprint"].__setitem__("model", "other/model"))
    ),
    "other_pipeline_version": _foreign_manifest(lambda m: m["fingerprint"].__setitem__("pipeline", -1)),
    "other_chunking": _foreign_manifest(lambda m: m["fingerprint"]["chunking"].__setitem__("max_tokens", 999)),
    "other_documents_folder": _foreign_manifest(lambda m: m.__setitem__("docs_dir", "/somewhere/else")),
    "document_hash_differs": _foreign_manifest(lambda m: m["sources"].__setitem__(SMALL_DOC, "0" * 64)),
}


@pytest.mark.parametrize("fault", list(CORRUPT))
def test_damaged_index_is_detected_and_rebuilt(small, embedder, fault):
    settings, report = small
    before = current_build(settings)
    CORRUPT[fault](before)
    with pytest.raises((IndexCorrupt, IndexMissing)) as err:
        load_index(settings)
    assert "\n" not in str(err.value)
    messages: list[str] = []
    index = ensure_index(settings, embedder=embedder, log=messages.append)
    assert any("rebuilding" in m or "building it" in m for m in messages), messages
    assert len(index.chunks) == report.chunks
    assert current_build(settings) != before
    assert_healthy(settings, embedder)
    assert not stale_reasons(settings, IndexStore(settings.index_dir).read_manifest())


@pytest.mark.parametrize("fault", list(STALE))
def test_foreign_index_is_detected_and_rebuilt(small, embedder, fault):
    settings, report = small
    before = current_build(settings)
    STALE[fault](before)
    store = IndexStore(settings.index_dir)
    assert stale_reasons(settings, store.read_manifest())
    messages: list[str] = []
    index = ensure_index(settings, embedder=embedder, log=messages.append)
    assert any("stale" in m for m in messages), messages
    assert index.model == settings.model and len(index.chunks) == report.chunks
    assert current_build(settings) != before
    assert not stale_reasons(settings, store.read_manifest())


def test_damaged_index_without_documents_is_a_clear_message(small, embedder):
    settings, _ = small
    shutil.rmtree(settings.docs_dir.parent / "gone", ignore_errors=True)
    settings = replace(settings, docs_dir=settings.docs_dir.parent / "gone")
    _truncate(current_build(settings) / "dense.faiss")
    with pytest.raises(IndexMissing) as err:
        ensure_index(settings, embedder=embedder, log=quiet)
    msg = str(err.value)
    assert "dense.faiss" in msg and "cannot be rebuilt" in msg and str(settings.docs_dir) in msg
    assert "\n" not in msg
    with pytest.raises(AssistantError, match="cannot be rebuilt"):
        Assistant(settings, embedder=embedder).ask("What did MRI show?")
    proc = subprocess.run(
        [
            str(ASSISTANT_BIN),
            "ask",
            "What did MRI show?",
            "--json",
            "--docs",
            str(settings.docs_dir),
            "--index",
            str(settings.index_dir),
        ],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=HANG,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert proc.stderr.startswith("error:") and "cannot be rebuilt" in proc.stderr


def test_intact_index_keeps_serving_when_the_documents_are_gone(small, embedder):
    settings, report = small
    private = settings.index_dir.parent / "docs"
    shutil.copytree(settings.docs_dir, private)
    settings = replace(settings, docs_dir=private)
    before = current_build(settings)
    _edit_manifest(before, lambda m: m.__setitem__("docs_dir", str(private.resolve())))
    assert ensure_index(settings, embedder=embedder, log=quiet).path == before  # up to date
    shutil.rmtree(private)
    messages: list[str] = []
    index = ensure_index(settings, embedder=embedder, log=messages.append)
    assert index.path == before and len(index.chunks) == report.chunks and not messages
    assert_healthy(settings, embedder)


# -- a build killed halfway -------------------------------------------------------------------
@pytest.fixture()
def three_docs(tmp_path, embedder):
    """The three real documents, indexed (in-process, with the session's model)."""
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    settings = Settings(docs_dir=docs, index_dir=tmp_path / "index")
    build_index(settings, embedder=embedder, progress=False, log=quiet)
    return settings


# A real build in its own process, made to stop at a known point (its first embedding call, or
# its first vector file written into the temporary build folder) and wait there, so the test
# kills it exactly there, however fast or slow the machine is.
PAUSED_BUILD = """
import sys, time
from pathlib import Path
import numpy as np
import assistant.index_build as index_build
import assistant.store as store
from assistant.settings import Settings
point, flag, docs, index = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
def pause(*args, **kwargs):
    flag.write_text(point)
    time.sleep(3600)
if point == "embedding":
    index_build.Embedder.encode = pause
else:
    real_save = np.save
    def save_then_pause(*args, **kwargs):
        real_save(*args, **kwargs)
        pause()
    store.np.save = save_then_pause
index_build.build_index(Settings(docs_dir=docs, index_dir=index), progress=False, log=lambda m: None)
"""


def _kill_at(settings: Settings, point: str, tmp_path: Path) -> None:
    """Run a build that stops at ``point``; SIGKILL it there."""
    flag = tmp_path / f"paused-{point}"
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSED_BUILD, point, str(flag), str(settings.docs_dir), str(settings.index_dir)],
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + HANG
    while not flag.exists():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before reaching {point}: {proc.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the build did not reach {point} within {HANG} s")
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_build_killed_while_embedding_leaves_the_index_intact(three_docs, embedder, tmp_path):
    settings = three_docs
    before = current_build(settings)
    manifest_before = (before / MANIFEST).read_text()
    for p in DOCS.iterdir():  # new documents, so the build has texts to embed
        if not p.name.endswith(".meta.json"):
            shutil.copy(p, settings.docs_dir / f"copy-{p.name}")
    _kill_at(settings, "embedding", tmp_path)
    assert current_build(settings) == before
    assert (before / MANIFEST).read_text() == manifest_before
    index = load_index(settings)  # verified; the copies are not in it (the build never finished)
    assert len(index.documents) == 3
    for copy in settings.docs_dir.glob("copy-*"):
        copy.unlink()
    assert not stale_reasons(settings, IndexStore(settings.index_dir).read_manifest())
    assert_healthy(settings, embedder)
    assert [p.name for p in (settings.index_dir / "builds").iterdir()] == [before.name]


def test_build_killed_while_writing_leaves_the_index_intact(three_docs, embedder, tmp_path):
    """Killed after its first vector file is in its temporary folder; the next build removes
    what it left."""
    settings = three_docs
    before = current_build(settings)
    builds = settings.index_dir / "builds"
    _kill_at(settings, "writing", tmp_path)
    assert current_build(settings) == before
    left = [p.name for p in builds.iterdir()]
    partial = [n for n in left if n.startswith("tmp-")]
    assert before.name in left and len(partial) == 1
    assert (builds / partial[0] / "chunk_vectors.npy").is_file() and not (builds / partial[0] / MANIFEST).exists()
    assert_healthy(settings, embedder)
    assert not stale_reasons(settings, IndexStore(settings.index_dir).read_manifest())
    report = build_index(settings, embedder=embedder, progress=False, log=quiet)  # vectors reused
    assert report.reused and not report.embedded
    assert [p.name for p in builds.iterdir()] == [current_build(settings).name]
    assert not list(settings.index_dir.glob(".current-*"))
    assert_healthy(settings, embedder)


# -- two builds at once ------------------------------------------------------------------------
def test_two_builds_at_once_do_not_corrupt_each_other(docs_copy, tmp_path, embedder):
    settings = Settings(docs_dir=docs_copy, index_dir=tmp_path / "index")
    procs = [
        subprocess.Popen(build_cmd(settings, "--force"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env())
        for _ in range(2)
    ]
    # meanwhile a reader keeps loading: every load it gets is complete and verified
    loads, errors = 0, []
    deadline = time.monotonic() + HANG
    while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
        try:
            index = load_index(settings)
            assert index.dense.ntotal == len(index.chunks) > 0
            loads += 1
        except IndexMissing:
            pass  # nothing built yet
        except (IndexError_, AssertionError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.05)
    outs = [p.communicate(timeout=HANG) for p in procs]
    for p, (_out, err) in zip(procs, outs):
        assert p.returncode == 0, err.decode()[-2000:]
        assert b"Traceback" not in err
    assert not errors, errors
    summaries = [out.decode() for out, _ in outs]
    assert all("Built index" in s for s in summaries)
    # the lock serialises them, whichever starts first: one embeds everything, the other waits
    # for it, then reuses every vector
    embedded = sorted("vectors reused 0" in s for s in summaries)
    assert embedded == [False, True], summaries
    builds = [p.name for p in (settings.index_dir / "builds").iterdir()]
    assert builds == [current_build(settings).name], builds
    assert not list(settings.index_dir.glob(".current-*"))
    index = assert_healthy(settings, embedder, "Which genes cause cerebellar hypoplasia?")
    assert len(index.documents) == 3
    print(f"two concurrent builds: {loads} verified loads meanwhile, 0 errors")
