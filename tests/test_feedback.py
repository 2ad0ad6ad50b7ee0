"""The feedback log: one JSON line per vote, appended under a lock, never outside its folder."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime

import pytest

from assistant.feedback import DEFAULT_PATH, ENV_VAR, FeedbackError, FeedbackLog, default_path, vote_name


def test_default_path_is_the_git_ignored_project_folder(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert default_path() == DEFAULT_PATH
    assert DEFAULT_PATH.parent.name == "feedback" and DEFAULT_PATH.name == "feedback.jsonl"
    ignore = (DEFAULT_PATH.parent.parent / ".gitignore").read_text().split()
    assert "feedback/" in ignore


def test_environment_variable_names_the_file(monkeypatch, tmp_path):
    target = tmp_path / "votes" / "fb.jsonl"
    monkeypatch.setenv(ENV_VAR, str(target))
    log = FeedbackLog()
    assert log.path == target.resolve()
    log.vote(vote=True, question="q", answer="a")
    assert target.is_file()


def test_one_line_per_vote_with_all_fields(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    cites = [{"rank": 1, "doc_id": "d", "chunk_id": 3, "start": 10, "end": 90, "cited": True}]
    log.vote(vote=True, question="What is OMS?", answer="OMS is rare.", citations=cites, audience="parent")
    log.vote(
        vote=False,
        question="Line\nbreak \u2028 and <b>html</b>",
        answer="",
        abstained=True,
        message="The documents don't answer this.",
    )
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 3  # exactly two lines, each ending in \n
    first, second = (json.loads(x) for x in lines[:2])
    assert first["vote"] == "up" and second["vote"] == "down"
    assert first["question"] == "What is OMS?" and first["answer"] == "OMS is rare."
    assert first["citations"] == cites and first["audience"] == "parent" and first["abstained"] is False
    assert second["question"] == "Line\nbreak \u2028 and <b>html</b>" and second["abstained"] is True
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert log.read() == [first, second]


def test_vote_names():
    assert (vote_name(True), vote_name(False)) == ("up", "down")
    assert (vote_name("Like"), vote_name("Dislike")) == ("up", "down")
    assert vote_name("") == "withdrawn"  # Gradio sends "" when the same thumb is clicked off again


def test_long_fields_are_cut(tmp_path):
    log = FeedbackLog(tmp_path / "f.jsonl")
    rec = log.vote(vote=True, question="x" * 10_000)
    assert len(rec["question"]) < 4100 and rec["question"].endswith("[10000 characters]")


def test_concurrent_votes_never_interleave(tmp_path):
    log = FeedbackLog(tmp_path / "f.jsonl")
    text = "é" * 3000  # long multi-byte lines make torn writes visible

    def worker(n):
        for i in range(25):
            log.vote(vote=bool(i % 2), question=f"{n}-{i}", answer=text)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = log.read()
    assert len(records) == 200
    assert {r["question"] for r in records} == {f"{n}-{i}" for n in range(8) for i in range(25)}


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside.jsonl"
    outside.write_text("")
    folder = tmp_path / "feedback"
    folder.mkdir()
    (folder / "feedback.jsonl").symlink_to(outside)
    with pytest.raises(FeedbackError, match="outside"):
        FeedbackLog(folder / "feedback.jsonl")
    assert outside.read_text() == ""


def test_file_swapped_for_a_symlink_later_is_refused(tmp_path):
    folder = tmp_path / "feedback"
    log = FeedbackLog(folder / "feedback.jsonl")
    log.vote(vote=True, question="q")
    (folder / "feedback.jsonl").unlink()
    other = folder / "other.jsonl"  # even inside the folder: writes never follow a symlink
    other.write_text("")
    (folder / "feedback.jsonl").symlink_to(other)
    with pytest.raises(FeedbackError, match="symlink"):
        log.vote(vote=True, question="q")
    assert other.read_text() == ""


def test_dot_dot_paths_resolve_and_a_folder_is_refused(tmp_path):
    (tmp_path / "a").mkdir()
    log = FeedbackLog(tmp_path / "a" / ".." / "f.jsonl")
    assert log.path == (tmp_path / "f.jsonl").resolve() and log.folder == tmp_path.resolve()
    with pytest.raises(FeedbackError):
        FeedbackLog(tmp_path / "a")
    with pytest.raises(FeedbackError):
        FeedbackLog(tmp_path / "a" / "..")


def test_file_is_private_to_the_user(tmp_path):
    log = FeedbackLog(tmp_path / "f.jsonl")
    log.vote(vote=True, question="q")
    assert os.stat(log.path).st_mode & 0o077 == 0
