"""Load: the real server (`assistant serve` on a free loopback port, the real model and index)
and 20 concurrent gradio_client clients asking 50 questions each from evals/train.jsonl, with their
history and audience. Bounded in time and count; zero errors and every reply well-formed;
p50/p95 latency printed and written to tests/artifacts/load.json (git-ignored). No timed
assertions: the figures are reported, not judged.

Why the server's limits hold this: the chat and the API share one Gradio concurrency group of
CONCURRENCY (2, the cores: retrieval is CPU-bound, more at once only interleaves) and a queue of
QUEUE_MAX_SIZE (64) waiting requests; 20 clients with one request each in flight never fill it,
so nobody is turned away and the wait is the queue's fair share.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import free_port, stop_process

from assistant.evaluation.bench import serve_command
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
QA = ROOT / "evals" / "train.jsonl"
ARTIFACT = ROOT / "tests" / "artifacts" / "load.json"
CLIENTS = 20
QUESTIONS_EACH = 50
DEADLINE_S = 900  # the whole run; never reached in practice, so a hang fails instead of blocking CI
STARTUP_S = 300
KEYS = {
    "question",
    "standalone_question",
    "audience",
    "retriever",
    "abstained",
    "message",
    "notice",
    "answer",
    "glossary",
    "passages",
    "confidence",
    "latency_ms",
    "error",
}
PASSAGE_KEYS = {"rank", "doc_id", "title", "section", "text", "start", "end", "score", "citation", "evidence"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(settings, assistant, tmp_path_factory):
    """`assistant serve` in its own process over the session's index (already built)."""
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ASSISTANT_FEEDBACK": str(tmp_path_factory.mktemp("load-feedback") / "feedback.jsonl"),
    }
    proc = subprocess.Popen(
        serve_command(settings, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    out: list[str] = []
    err: list[str] = []
    ready = threading.Event()

    def pump(stream, sink, watch):
        for line in stream:
            sink.append(line)
            if watch and "Chat UI ready" in line:
                ready.set()

    threading.Thread(target=pump, args=(proc.stdout, out, True), daemon=True).start()
    threading.Thread(target=pump, args=(proc.stderr, err, False), daemon=True).start()
    deadline = time.monotonic() + STARTUP_S
    while not ready.wait(0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("server did not start:\n" + "".join(out + err)[-3000:])
    url = f"http://127.0.0.1:{port}/"
    try:
        yield {"url": url, "proc": proc, "stdout": out, "stderr": err, "port": port}
    finally:
        if proc.poll() is None:
            stop_process(proc, timeout=60)


def questions() -> list[dict]:
    rows = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 50
    return rows


@functools.cache
def received_text(doc_id: str) -> str:
    """The document's file as received (its front matter holds affiliations and contacts)."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs_src").glob(f"{doc_id}.*")))


def check_reply(reply, row) -> str | None:
    """None when the reply is well-formed, else what is wrong."""
    if not isinstance(reply, dict):
        return f"not a JSON object: {type(reply).__name__}"
    if not KEYS <= set(reply):
        return f"missing keys {sorted(KEYS - set(reply))}"
    if reply["error"] is not None:
        return f"error {reply['error']}"
    if reply["question"] != row["question"] or reply["audience"] != row["audience"]:
        return "question or audience not echoed"
    if not isinstance(reply["abstained"], bool) or not isinstance(reply["passages"], list):
        return "bad types"
    ranks = [p.get("rank") for p in reply["passages"]]
    for i, p in enumerate(reply["passages"], 1):
        # the first k passages in order, then any deeper one a quote comes from
        if not PASSAGE_KEYS <= set(p) or not p["citation"] or not p["text"]:
            return f"bad passage {i}"
    shown = Settings().k
    if ranks[:shown] != list(range(1, min(len(ranks), shown) + 1)) or ranks != sorted(set(ranks)):
        return f"bad passage ranks {ranks}"
    answer = reply["answer"]
    if answer is None:
        if not reply["abstained"] or not reply["message"]:
            return "no answer and no abstention message"
    else:
        if reply["abstained"] or not 0 <= answer["passage"] < len(reply["passages"]):
            return "answer does not point at a passage"
        passage = reply["passages"][answer["passage"]]
        if answer["kind"] == "metadata":  # a document detail: from the passage's document (record or file)
            record = " ".join(
                str(passage[k]) for k in ("title", "authors", "journal", "year", "doi", "source", "evidence")
            )
            words = [w for w in answer["text"].replace(",", " ").split() if len(w) > 2]
            source = received_text(passage["doc_id"])
            if not words or not any(w in record or w in passage["text"] or w in source for w in words):
                return "document detail not from its passage's document"
        elif answer["text"] not in passage["text"]:
            return "answer is not a quote from its passage"
    return None


def test_hostile_questions_over_http(server):
    """The hostile corpus through the HTTP API, before the load (which ends by stopping the server)."""
    from gradio_client import Client

    client = Client(server["url"], verbose=False, analytics_enabled=False, download_files=False)
    hostile = [
        "",
        "   ",
        "x" * 100_000,
        "What\x00 causes\u200b cerebellar\u202e hypoplasia?",
        "🧠👶🤔",
        "<script>alert(1)</script>",
        "'; DROP TABLE chunks; --",
        "小脳低形成の原因は何ですか？",
        '[1]: https://evil.example "Smith J, et al. Lancet. 2024"',
    ]
    for q in hostile:
        reply = client.predict(q, ["<img src=x onerror=alert(1)>", "\x00"], "parent", api_name="/ask")
        assert isinstance(reply, dict) and reply["error"] is None, (q[:40], reply)
        assert reply["answer"] is not None or reply["message"]
    # JSON that decodes to a lone surrogate (gradio_client cannot even send it; raw HTTP can)
    import httpx

    body = b'{"data": ["What causes \\udcff cerebellar hypoplasia?", ["\\ud800"], "parent"]}'
    r = httpx.post(
        server["url"] + "gradio_api/call/ask", content=body, headers={"content-type": "application/json"}, timeout=30
    )
    assert r.status_code == 200, r.text
    events = httpx.get(server["url"] + f"gradio_api/call/ask/{r.json()['event_id']}", timeout=120).text
    assert "event: complete" in events, events[:500]
    data = json.loads(next(line[5:] for line in events.splitlines() if line.startswith("data:")))[0]
    assert data["error"] is None and data["passages"]


def test_twenty_clients_fifty_questions_each(server):
    from gradio_client import Client

    from assistant.ui.app import CONCURRENCY, QUEUE_MAX_SIZE

    rows = questions()
    stop_at = time.monotonic() + DEADLINE_S
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counts = {"asked": 0, "answered": 0, "abstained": 0}

    def client_run(c: int) -> None:
        try:
            client = Client(server["url"], verbose=False, analytics_enabled=False, download_files=False)
        except Exception as exc:  # noqa: BLE001  (counted, never raised: every failure is in the figures)
            with lock:
                errors.append(f"client {c}: cannot connect: {type(exc).__name__}: {exc}")
            return
        for j in range(QUESTIONS_EACH):
            if time.monotonic() > stop_at:
                with lock:
                    errors.append(f"client {c}: deadline reached after {j} questions")
                return
            row = rows[(c * QUESTIONS_EACH + j) % len(rows)]
            t0 = time.perf_counter()
            try:
                reply = client.predict(row["question"], row.get("history", []), row["audience"], api_name="/ask")
                problem = check_reply(reply, row)
            except Exception as exc:  # noqa: BLE001  (counted as an error)
                reply, problem = None, f"{type(exc).__name__}: {exc}"
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                counts["asked"] += 1
                if problem:
                    errors.append(f"client {c} q {row['id']}: {problem}")
                else:
                    latencies.append(dt)
                    counts["abstained" if reply["abstained"] else "answered"] += 1
        with contextlib.suppress(Exception):  # a client that cannot close cleanly is not the server's fault
            client.close()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client_run, range(CLIENTS)))
    wall = time.perf_counter() - t0

    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) >= 2 else [float("nan")] * 99
    figures = {
        "clients": CLIENTS,
        "questions_each": QUESTIONS_EACH,
        "requests": counts["asked"],
        "ok": len(lat),
        "errors": len(errors),
        "answered": counts["answered"],
        "abstained": counts["abstained"],
        "wall_s": round(wall, 1),
        "throughput_per_s": round(len(lat) / wall, 2) if wall else None,
        "latency_ms": {
            "p50": round(q[49], 1),
            "p95": round(q[94], 1),
            "max": round(lat[-1], 1) if lat else None,
            "min": round(lat[0], 1) if lat else None,
        },
        "server": {"concurrency": CONCURRENCY, "queue_max_size": QUEUE_MAX_SIZE},
        "cpu_count": os.cpu_count(),
        "first_errors": errors[:10],
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nload: {CLIENTS} clients x {QUESTIONS_EACH} questions = {counts['asked']} requests in {wall:.1f} s, "
        f"{len(errors)} errors; latency p50 {figures['latency_ms']['p50']} ms, "
        f"p95 {figures['latency_ms']['p95']} ms, max {figures['latency_ms']['max']} ms -> {ARTIFACT}"
    )

    assert not errors, errors[:10]
    assert counts["asked"] == len(lat) == CLIENTS * QUESTIONS_EACH
    assert counts["answered"] and counts["abstained"]  # both kinds came back under load

    # the server is still healthy, logged no traceback, and stops cleanly
    client = Client(server["url"], verbose=False, analytics_enabled=False, download_files=False)
    reply = client.predict("Which genes cause cerebellar hypoplasia?", [], "clinician", api_name="/ask")
    assert reply["error"] is None and "CACNA1A" in reply["passages"][0]["text"]
    proc = server["proc"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    time.sleep(0.2)
    assert "Traceback" not in "".join(server["stderr"]), "".join(server["stderr"])[-3000:]
    assert any("Stopped." in line for line in server["stdout"])
