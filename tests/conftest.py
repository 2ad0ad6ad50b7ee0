"""Shared fixtures: the real documents, the real model, a real index built once per session
into a temporary folder (the project's own index/ is never touched by tests)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs_src"
QA = ROOT / "evals" / "train.jsonl"


@pytest.fixture(scope="session")
def embedder():
    from assistant.embedding import Embedder

    e = Embedder()
    e.warm_up()
    return e


@pytest.fixture(scope="module")
def fp32():
    """The float32 ONNX encoder of the default model, on one thread."""
    from assistant.embedding import Embedder
    from assistant.settings import DEFAULT_MODEL

    return Embedder(DEFAULT_MODEL, encoder="onnx", threads=1).warm_up()


@pytest.fixture(scope="module")
def seed_texts(fp32) -> list[str]:
    """Every text the indexer embeds for the seed corpus: chunks and sentences."""
    from assistant.chunking import Chunker, embed_text
    from assistant.cleaning import clean
    from assistant.loaders import load_folder
    from assistant.settings import ChunkingSettings
    from assistant.tokens import count_tokens

    docs = [clean(raw) for raw in load_folder(DOCS).documents]
    result = Chunker(ChunkingSettings(), count_tokens, fp32.count_tokens, fp32.max_seq_length).chunk_documents(docs)
    texts = [embed_text(c.section, c.text) for c in result.chunks]
    texts += [embed_text(s.section, s.text) for s in result.sentences]
    assert len(texts) > 100
    return texts


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def settings(index_dir):
    from assistant.settings import Settings

    return Settings(docs_dir=DOCS, index_dir=index_dir)


@pytest.fixture(scope="session")
def assistant(settings, embedder):
    """The real assistant over the real documents (index built once)."""
    from assistant.service import Assistant

    return Assistant(settings, embedder=embedder).warm_up()


@pytest.fixture()
def docs_copy(tmp_path) -> Path:
    """A private, writable copy of the documents folder."""
    target = tmp_path / "docs"
    shutil.copytree(DOCS, target)
    return target


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def feedback_log(tmp_path_factory):
    from assistant.feedback import FeedbackLog

    return FeedbackLog(tmp_path_factory.mktemp("feedback") / "feedback.jsonl")


def stop_process(proc: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM, then SIGKILL if it has not exited within timeout."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
