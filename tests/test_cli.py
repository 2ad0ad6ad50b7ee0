"""The console script: `assistant ask --json` prints exactly one JSON object of the schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import DOCS

PASSAGE_KEYS = {
    "rank",
    "doc_id",
    "title",
    "section",
    "text",
    "start",
    "end",
    "score",
    "answer_score",
    "citation",
    "evidence",
}


def run_cli(*args, env_extra=None, timeout=300):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def test_ask_json_schema(settings, assistant):
    out = run_cli(
        "ask",
        "Which genes cause cerebellar hypoplasia?",
        "--json",
        "--docs",
        str(DOCS),
        "--index",
        str(settings.index_dir),
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)  # exactly one object: json.loads fails on extra output
    assert set(data) >= {"question", "standalone_question", "abstained", "answer", "passages", "latency_ms", "glossary"}
    assert isinstance(data["abstained"], bool) and isinstance(data["latency_ms"], float)
    assert data["question"] == data["standalone_question"] == "Which genes cause cerebellar hypoplasia?"
    assert len(data["passages"]) == 5
    for p in data["passages"]:
        assert PASSAGE_KEYS <= set(p)
        assert isinstance(p["rank"], int) and isinstance(p["score"], float) and isinstance(p["start"], int)
    top = data["passages"][0]
    assert all(g in top["text"] for g in ("CACNA1A", "ITPR1", "KIF1A"))
    answer = data["answer"]
    assert set(answer) >= {"text", "passage"} and answer["text"] in data["passages"][answer["passage"]]["text"]
    assert answer["passage"] == 0 and [p["rank"] for p in data["passages"]] == [1, 2, 3, 4, 5]
    by_answer = [p["answer_score"] for p in data["passages"]]
    assert by_answer == sorted(by_answer, reverse=True) and by_answer[0] == answer["score"]
    for g in data["glossary"]:
        assert set(g) == {"term", "explanation", "source", "quoted_from"}


def test_ask_history_and_options(settings, assistant):
    out = run_cli(
        "ask",
        "How is it treated?",
        "--history",
        "What is opsoclonus-myoclonus syndrome?",
        "--k",
        "3",
        "--retriever",
        "bm25",
        "--audience",
        "clinician",
        "--json",
        "--docs",
        str(DOCS),
        "--index",
        str(settings.index_dir),
    )
    data = json.loads(out.stdout)
    assert len(data["passages"]) == 3 and data["retriever"] == "bm25"
    assert data["standalone_question"] == "How is opsoclonus-myoclonus syndrome treated?"


def test_show_prints_the_section_with_the_quote_marked(settings, assistant):
    doc = assistant.index.documents["oms-neuroblastoma-cerebellar-hypoperfusion"]
    at = doc.text.index("The incidence rate is reported")
    out = run_cli("show", doc.doc_id, "--at", str(at), "--docs", str(DOCS), "--index", str(settings.index_dir))
    assert out.returncode == 0, out.stderr
    assert ">>>The incidence rate is reported to be 0.18 cases per million" in out.stdout
    assert "Discussion" in out.stdout
    row = next(s for s in assistant.index.sentences if s.text.startswith("ITPR1") and s.kind.value == "table_row")
    out = run_cli("show", row.doc_id, "--at", str(row.start), "--docs", str(DOCS), "--index", str(settings.index_dir))
    assert out.returncode == 0, out.stderr
    assert f">>>{row.readable}<<<" in out.stdout and "Gene: CASK;" in out.stdout  # a table reads with its columns


def test_build_reports_a_summary(tmp_path, docs_copy):
    out = run_cli("build", "--docs", str(docs_copy), "--index", str(tmp_path / "ix"), "--quiet")
    assert out.returncode == 0, out.stderr
    assert "documents 3" in out.stdout and "chunks" in out.stdout
    again = run_cli("build", "--docs", str(docs_copy), "--index", str(tmp_path / "ix"))
    assert "up to date" in again.stdout


def test_usage_errors_are_one_line(settings):
    out = run_cli("ask", "ataxia", "--k", "0", "--docs", str(DOCS), "--index", str(settings.index_dir))
    assert out.returncode == 2 and "Traceback" not in out.stderr and "k must be at least 1" in out.stderr


def test_chat_follow_up_uses_the_earlier_answer(settings, assistant):
    """`assistant chat` keeps each Response, so a follow-up is answered knowing where the earlier
    answer came from (as the Python API and `assistant eval` answer it)."""
    first, follow = "what is the cerebellum?", "what happens if it is small?"
    expected = assistant.ask(follow, history=[assistant.ask(first, audience="parent")], audience="parent")
    assert "smaller than expected" in expected.answer.text
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "chat", "--docs", str(DOCS), "--index", str(settings.index_dir)],
        input=f"{first}\n{follow}\n\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    replies = out.stdout.split("\n> ")
    assert len(replies) == 4  # greeting, two replies, last prompt
    assert replies[2].startswith("Answer [1]: “When this structure is smaller than expected")
