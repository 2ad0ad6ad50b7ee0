"""The served app (assistant/ui/server.py, app.py, handlers.py): the real app on a free port,
called through gradio_client, and its chat handlers; the real assistant over the real documents
(index built in a temporary folder). The pure renderers are unit-tested in test_ui_render.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import free_port, stop_process

from assistant.evaluation.bench import serve_command
from assistant.responding import EMPTY_QUESTION, NOT_ANSWERED, NOT_MEDICAL_ADVICE
from assistant.schema import Audience, Response, Retriever
from assistant.service import Assistant
from assistant.ui import render
from assistant.ui.app import build_app
from assistant.ui.handlers import ChatApp, sources_for
from assistant.ui.history import turn_of
from assistant.ui.server import launch

ROOT = Path(__file__).resolve().parent.parent
XSS = '<script>alert(1)</script> <img src=x onerror="window.__xss=1">'
TREATMENT = re.compile(r"IVIg|immunoglobulin|corticosteroid|steroid|immunotherapy", re.IGNORECASE)
API_KEYS = set(Response("q", "", Audience.PARENT, Retriever.HYBRID, True, None, ()).to_json()) | {"error"}


@pytest.fixture(scope="module")
def server(assistant, feedback_log):
    demo = build_app(assistant, feedback_log)
    _, url, _ = launch(demo, port=free_port())
    try:
        yield demo, url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server[1], verbose=False)


def ask(client, question, history=(), audience="parent"):
    return client.predict(question, list(history), audience, api_name="/ask")


# -- the API --------------------------------------------------------------------------------
def test_api_lists_only_ask(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert list(endpoints) == ["/ask"]
    params = [p["parameter_name"] for p in endpoints["/ask"]["parameters"]]
    assert params == ["question", "history", "audience"]


def test_answer_structure(client):
    r = ask(client, "What is opsoclonus-myoclonus syndrome?")
    assert r["error"] is None and r["abstained"] is False and r["audience"] == "parent"
    assert set(r) == API_KEYS and r["status"] == "answered"
    assert r["passages"], r
    a = r["answer"]
    passage = r["passages"][a["passage"]]
    assert a["text"] and a["text"] in passage["text"]
    assert passage["text"][a["start"] : a["end"]] == a["text"]
    for p in r["passages"]:
        assert p["citation"] and p["doc_id"] and p["title"] and p["evidence"]
        assert isinstance(p["score"], float) and p["start"] < p["end"]
    assert [p["rank"] for p in r["passages"]] == list(range(1, len(r["passages"]) + 1))
    assert NOT_MEDICAL_ADVICE in r["notice"]
    assert any(g["term"] for g in r["glossary"])


def test_clinician_has_no_parent_notice(client):
    r = ask(
        client, "What did perfusion SPECT show in the infant with opsoclonus-myoclonus syndrome?", audience="clinician"
    )
    assert r["audience"] == "clinician" and r["error"] is None
    assert NOT_MEDICAL_ADVICE not in r["notice"]
    assert r["passages"] and all(p["citation"] for p in r["passages"])


@pytest.mark.parametrize("as_json", [False, True])
def test_follow_up_uses_history(client, as_json):
    history = ["What is opsoclonus-myoclonus syndrome?"]
    r = client.predict("How is it treated?", json.dumps(history) if as_json else history, "parent", api_name="/ask")
    assert r["error"] is None
    assert "opsoclonus" in r["standalone_question"].lower()
    texts = " ".join([p["text"] for p in r["passages"]] + [(r["answer"] or {}).get("text", "")])
    assert TREATMENT.search(texts), texts[:500]


def test_out_of_scope_abstains(client):
    r = ask(client, "What is the capital of France?")
    assert r["abstained"] is True and r["answer"] is None and r["message"] == NOT_ANSWERED
    assert r["status"] == "not_answered"
    assert r["error"] is None


def test_empty_long_and_bad_input_are_friendly(client):
    r = ask(client, "   ")
    assert r["message"] == EMPTY_QUESTION and r["abstained"] is True and r["error"] is None
    assert r["status"] == "empty_question"
    r = ask(client, "What causes cerebellar hypoplasia? " * 300)  # ~10,000 characters
    assert r["error"] is None and "longer than" in r["notice"]
    r = ask(client, "What causes cerebellar hypoplasia?", audience="nurse")
    assert r["error"]["kind"] == "bad_request" and "parent" in r["message"]
    assert set(r) == API_KEYS and r["status"] == "error" and r["passages"] == [] and r["search_text"] == ""
    assert r["audience"] == "parent" and "nurse" in r["error"]["detail"]  # the default, the detail names it
    r = client.predict("What causes cerebellar hypoplasia?", "not json", "parent", api_name="/ask")
    assert r["error"] is None  # a plain string counts as one earlier question


def test_no_files_outside_gradio_folders(server):
    import httpx

    url = server[1]
    for target in ("/etc/passwd", str(ROOT / "pyproject.toml"), str(ROOT / "assistant" / "ui" / "app.py")):
        resp = httpx.get(f"{url}gradio_api/file={target}", timeout=10)
        assert resp.status_code in (403, 404), (target, resp.status_code)
        assert "root:" not in resp.text and "[project]" not in resp.text


def test_server_is_local_only(server):
    demo, url = server
    assert url.startswith("http://127.0.0.1:")
    assert demo.share_url is None


# -- the chat turn and its HTML (what the Chatbot shows) -----------------------------------
def test_parent_reply_html(server):
    app = server[0].chat_app
    html, record, resp = app.answer("What is opsoclonus-myoclonus syndrome?", "parent", [])
    n = resp.passages[resp.answer.passage].rank
    assert f'<span class="asst-cite">[{n}]</span>' in html
    assert "<mark>" in html and '<details class="asst-sources"><summary>Sources' in html
    assert "Words explained" in html and NOT_MEDICAL_ADVICE.replace("'", "&#x27;") in html
    assert html.count('class="asst-source"') == len(resp.passages)
    assert record["answer"] == resp.answer.text and record["citations"][resp.answer.passage]["cited"]


def test_clinician_reply_leads_with_quote_and_full_citation(server):
    app = server[0].chat_app
    html, _, resp = app.answer(
        "What did perfusion SPECT show in the infant with opsoclonus-myoclonus syndrome?", "clinician", []
    )
    assert not resp.abstained
    assert html.index('class="asst-quote"') < html.index('class="asst-ref"') < html.index("Sources")
    p = resp.passages[resp.answer.passage]
    if p.meta.doi:
        assert f"doi:{p.meta.doi}" in html
    assert "Words explained" not in html and "not medical advice" not in html


def test_abstention_html_lists_related_passages_open(server):
    app = server[0].chat_app
    html, record, resp = app.answer("What is the capital of France?", "parent", [])
    assert resp.abstained and "The documents don&#x27;t answer this." in html
    if resp.passages:
        assert html.count("<li>") == len(resp.passages) and "Related passages" in html
    assert record["abstained"] is True and record["answer"] == ""


def test_hostile_text_is_escaped(assistant):
    resp = assistant.ask("What is opsoclonus-myoclonus syndrome?")
    p = resp.passages[resp.answer.passage]
    bad_chunk = replace(p.chunk, text=XSS + " " + p.chunk.text, section=XSS)
    bad_meta = replace(
        p.meta, title=XSS, authors=(XSS,), journal=XSS, doi='x" onmouseover="alert(1)', source="javascript:alert(1)"
    )
    passages = list(resp.passages)
    passages[resp.answer.passage] = replace(p, chunk=bad_chunk, meta=bad_meta, citation=XSS, evidence=XSS)
    answer = replace(resp.answer, text=XSS, start=0, end=len(XSS))
    bad = replace(resp, passages=tuple(passages), answer=answer, question=XSS, standalone_question=XSS)
    for audience in ("parent", "clinician"):
        html = render.reply_html(replace(bad, audience=Audience(audience)))
        assert "<script" not in html and "<img" not in html and "javascript:" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert 'onmouseover="' not in html and 'onerror="' not in html
    assert render.user_html(XSS) == f'<span class="asst-user">{render.esc(XSS)}</span>'
    assert "<script" not in render.error_html(XSS, XSS)


def test_ten_thousand_characters_in_the_chat(server):
    app = server[0].chat_app
    question = ("Why is my child's cerebellum small? " * 300)[:10_000]
    html, _, _ = app.answer(question, "parent", [])
    assert "longer than" in html and "Traceback" not in html
    echo = render.user_html(question)
    assert "10,000 characters" in echo and len(echo) < 1000


def test_feedback_from_the_chat(server, feedback_log):
    app = server[0].chat_app
    _, record, _ = app.answer("What causes cerebellar hypoplasia?", "parent", [])
    before = len(feedback_log.read())
    assert "saved" in app.vote(False, 1, {"1": record})
    assert "no answer" in app.vote(True, 7, {"1": record})
    rows = feedback_log.read()
    assert len(rows) == before + 1
    row = rows[-1]
    assert row["vote"] == "down" and row["question"] == "What causes cerebellar hypoplasia?"
    assert row["citations"] and {"doc_id", "chunk_id", "start", "end"} <= set(row["citations"][0])


def test_missing_index_is_a_friendly_message(tmp_path, embedder):
    from assistant.settings import Settings

    empty = tmp_path / "docs"
    empty.mkdir()
    broken = Assistant(Settings(docs_dir=empty, index_dir=tmp_path / "index"), embedder=embedder)
    app = ChatApp(broken)
    html, _, resp = app.answer("What causes cerebellar hypoplasia?", "parent", [])
    assert resp is None and "cannot answer right now" in html and "assistant build" in html
    assert "Traceback" not in html
    r = app.api_ask("What causes cerebellar hypoplasia?", [], "parent")
    assert r["error"]["kind"] == "unavailable" and r["abstained"] is True and r["passages"] == []
    assert set(r) == API_KEYS and r["status"] == "error" and r["answer"] is None
    assert "cannot be shown" in app.show(
        "1:1", {"1:1": {"doc_id": "x", "at": 0, "end": 1}}
    ) or "not available" in app.show("1:1", {"1:1": {"doc_id": "x", "at": 0, "end": 1}})


def test_unexpected_errors_never_show_a_traceback(settings, embedder):
    class Failing(Assistant):  # a real Assistant whose answering step breaks
        def ask(self, *args, **kwargs):
            raise RuntimeError("secret internal detail")

    app = ChatApp(Failing(settings, embedder=embedder))
    html, _, _ = app.answer("What causes cerebellar hypoplasia?", "parent", [])
    assert "Something went wrong" in html and "secret internal detail" not in html
    r = app.api_ask("What causes cerebellar hypoplasia?")
    assert r["error"]["kind"] == "internal" and "secret" not in json.dumps(r)


def test_read_in_context(server, assistant):
    app = server[0].chat_app
    resp = assistant.ask("What is opsoclonus-myoclonus syndrome?")
    items = dict(sources_for(resp, 1))
    first = next(iter(items))
    assert "(quoted)" in items[first]["label"]
    html = app.show(first, items)
    ctx = assistant.show(resp.passages[resp.answer.passage].chunk.doc_id, resp.answer.doc_start, resp.answer.doc_end)
    assert f"<mark>{render.esc(ctx.text[ctx.mark_start : ctx.mark_end])}</mark>" in html
    assert render.esc(ctx.section) in html
    assert app.show(None, items) == render.CONTEXT_PLACEHOLDER
    assert "cannot be shown" in app.show("k", {"k": {"doc_id": "no-such-doc", "at": 0, "end": 5}})


def test_chat_turn_state(server):
    """ChatApp.respond: what the Blocks wiring shows after each question."""
    app = server[0].chat_app
    t = app.respond("What is opsoclonus-myoclonus syndrome?", "parent", [], [], {}, {}, 0)
    assert t.turn == 1 and [q["question"] for q in t.questions] == ["What is opsoclonus-myoclonus syndrome?"]
    assert t.questions[0]["doc_id"] == "oms-neuroblastoma-cerebellar-hypoperfusion" and t.questions[0]["answer"]
    assert len(t.chat) == 2
    assert t.records["1"]["answer"] and t.chat[1]["role"] == "assistant"
    choices, picked = t.picker
    assert picked == choices[0][1] and picked.startswith("1:") and "(quoted)" in choices[0][0]
    assert "<mark>" in t.context
    t2 = app.respond("What is the capital of France?", "parent", t.chat, t.questions, t.records, t.sources, t.turn)
    assert t2.turn == 2 and len(t2.chat) == 4 and t2.records["3"]["abstained"] is True
    choices, picked = t2.picker
    assert picked is None and t2.context == render.ABSTAINED_CONTEXT
    assert choices[0][1].startswith("2:") and any(k.startswith("1:") for _, k in choices)  # newest first
    t3 = app.respond("   ", "parent", t2.chat, t2.questions, t2.records, t2.sources, t2.turn)
    assert t3.turn == 2 and t3.questions == t2.questions and t3.picker is None and t3.context is None
    assert "Please type a question." in t3.chat[-1]["content"]


def test_chat_followup_knows_where_the_earlier_answer_came_from(server):
    """The chat remembers each answer's document and section, so a follow-up is answered as the
    Python API answers it with the earlier Responses (and as `assistant eval` measures it), not
    as a bare list of questions would have it."""
    app = server[0].chat_app
    first, follow = "what is the cerebellum?", "what happens if it is small?"
    t = app.respond(first, "parent", [], [], {}, {}, 0)
    t2 = app.respond(follow, "parent", t.chat, t.questions, t.records, t.sources, t.turn)
    assistant = app.assistant
    expected = assistant.ask(follow, history=[assistant.ask(first, audience="parent")], audience="parent")
    assert t2.records["3"]["answer"] == expected.answer.text
    assert "smaller than expected" in t2.records["3"]["answer"]
    # a remembered turn that lost its fields (or never had them) is still a question
    t3 = app.respond(
        follow, "parent", [], [{"question": first, "doc_start": "?"}, "what is the cerebellum?"], {}, {}, 0
    )
    assert t3.turn == 1 and t3.records["1"]["question"] == follow


# -- `assistant serve` ----------------------------------------------------------------------
def _serve_and_ask(settings, tmp_path, question: str) -> tuple[str, dict, int]:
    """Run `assistant serve` until it prints that it is ready, ask once through the API, stop it
    with SIGTERM; (everything it printed, the answer, its exit code)."""
    from gradio_client import Client

    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_FEEDBACK": str(tmp_path / "fb" / "feedback.jsonl"),
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    proc = subprocess.Popen(
        serve_command(settings, port), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    answer: dict = {}
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            lines.append(line)
            if "Chat UI ready" in line:
                break
        assert f"http://127.0.0.1:{port}/" in "".join(lines), "".join(lines)
        answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(question, [], "parent", api_name="/ask")
    finally:
        stop_process(proc, timeout=30)
        rest = proc.stdout.read()  # (communicate() would skip what readline() already buffered)
    return "".join(lines) + (rest or ""), answer, proc.returncode


@pytest.mark.slow
def test_assistant_serve_command(assistant, settings, tmp_path):
    """The real command over a built index: the page starts first and the index and model warm
    up behind it; a question asked at once is answered; SIGTERM stops it cleanly."""
    out, r, code = _serve_and_ask(settings, tmp_path, "What causes cerebellar hypoplasia?")
    assert r["passages"] and r["error"] is None
    assert "Loading the documents index" not in out  # the index was current: no warm-up first
    assert code == 0, out
    assert "0.0.0.0" not in out and "Traceback" not in out


@pytest.mark.slow
def test_assistant_serve_builds_a_missing_index_before_it_starts(settings, docs_copy, tmp_path):
    fresh = replace(settings, docs_dir=docs_copy, index_dir=tmp_path / "index")
    out, r, code = _serve_and_ask(fresh, tmp_path, "Which genes cause cerebellar hypoplasia?")
    assert out.index("Loading the documents index") < out.index("Chat UI ready")
    assert (tmp_path / "index" / "current" / "manifest.json").is_file()
    assert r["passages"] and r["error"] is None
    assert code == 0 and "Traceback" not in out, out
    assert str(tmp_path / "fb" / "feedback.jsonl") in out


def test_api_follow_up_given_the_earlier_result_knows_where_it_came_from(client):
    """/ask takes the earlier /ask results as history (as a list or its JSON text): a follow-up is
    then answered as the chat and `assistant eval` answer it; a malformed result counts as a
    question whose answer is unknown."""
    first, follow = "what is the cerebellum?", "what happens if it is small?"
    earlier = ask(client, first)
    assert earlier["error"] is None and earlier["answer"]["text"]
    for history in ([earlier], json.dumps([earlier])):
        got = client.predict(follow, history, "parent", api_name="/ask")
        assert got["error"] is None and "smaller than expected" in got["answer"]["text"]
    broken = {"question": first, "standalone_question": first, "answer": {"passage": 99}, "passages": "none"}
    negative = {**earlier, "answer": {**earlier["answer"], "passage": -1}}  # no passage -1 (not the last one)
    got = ask(client, follow, [broken, {"question": first, "passages": [], "answer": None}, negative])
    assert got["error"] is None and got["question"] == follow
    assert turn_of(negative).doc_id == "" and turn_of(earlier).doc_id == earlier["passages"][0]["doc_id"]
