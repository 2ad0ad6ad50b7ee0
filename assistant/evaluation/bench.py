"""``assistant bench``: speed and memory of the assistant, measured in one run on this machine.

- encoding one question: the assistant's ONNX encoder, and sentence-transformers (torch), the
  encoder the query path used before, loaded here only as the reference;
- ``ask`` latency p50/p95 over the QA questions, warm, per retriever, and its ratio to the
  sentence-transformers encoding time (goal: p50 <= 0.75x, p95 <= 10 ms), measured as ``serve``
  answers (after ``service.settle``), and hybrid once before it and as each question's fastest
  of 5 calls (what a question costs without the machine's interruptions);
- a one-shot ``assistant ask --json`` process: wall time and peak memory (goal <= 1 s, 250 MB),
  beside a process that only loads sentence-transformers and encodes one question (the floor
  of the old path);
- ``assistant serve`` with the index built: seconds until the page answers (goal <= 3.5 s);
- index build of the documents folder (model warm) and index load.

``--chunks N[,N...]`` runs the FAISS scale study instead (``scale.py``).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .measure import QUIET_ENV, apply_threads, floor_ms, per_call_ms, process_runs, rss_mb, timed

GOALS = {"p50_ratio": 0.75, "p95_ms": 10.0, "cold_ask_s": 1.0, "cold_ask_mb": 250.0, "serve_ready_s": 3.5}
RETRIEVERS = ("hybrid", "dense", "bm25")
ST_ONE_QUERY = (
    "import sys\nfrom sentence_transformers import SentenceTransformer\n"
    "from assistant.model_layout import resolve_model\n"
    "SentenceTransformer(resolve_model(sys.argv[1]), device='cpu').encode([sys.argv[2]])\nprint('done')"
)


# -- processes ---------------------------------------------------------------------------------
def cold_ask(settings, question: str, runs: int) -> dict[str, Any]:
    """``assistant ask QUESTION --json`` in a fresh process (index built)."""
    code = "import sys\nfrom assistant.cli import main\nrc = main(sys.argv[1:])"
    return process_runs(
        code,
        [
            "ask",
            question,
            "--json",
            "--docs",
            str(settings.docs_dir),
            "--index",
            str(settings.index_dir),
            "--model",
            settings.model,
        ],
        runs,
    )


def serve_command(settings, port: int) -> list[str]:
    """``assistant serve`` on ``port`` over the documents and index of ``settings``, as this
    interpreter runs it."""
    return [
        sys.executable,
        "-m",
        "assistant",
        "serve",
        "--port",
        str(port),
        "--docs",
        str(settings.docs_dir),
        "--index",
        str(settings.index_dir),
    ]


def first_answer(port: int, question: str) -> dict[str, Any]:
    """Ask the served ``/ask`` endpoint once over Gradio's HTTP API; its answer object."""
    base = f"http://127.0.0.1:{port}/gradio_api/call/ask"
    body = json.dumps({"data": [question, [], "parent"]}).encode("utf-8")
    request = urllib.request.Request(base, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as r:
        event = json.load(r)["event_id"]
    with urllib.request.urlopen(f"{base}/{event}", timeout=120) as r:
        stream = r.read().decode("utf-8")
    data = [line[len("data:") :].strip() for line in stream.splitlines() if line.startswith("data:")]
    if "event: complete" not in stream or not data:
        raise RuntimeError(f"no answer from /ask: {stream[:200]!r}")
    return json.loads(data[-1])[0]


def serve_ready(settings, runs: int, question: str = "Which genes cause cerebellar hypoplasia?") -> dict[str, Any]:
    """Seconds from starting ``assistant serve`` (index built) until its page answers, and until
    a first question asked then (over the API) is answered: the page may come up before the
    index and model have warmed up."""
    times, answers = [], []
    for _ in range(max(1, runs)):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            serve_command(settings, port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **QUIET_ENV},
        )
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"assistant serve exited with {proc.returncode}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.05)
            times.append(time.perf_counter() - t0)
            answer = first_answer(port, question)
            if answer.get("error") or not answer.get("passages"):
                raise RuntimeError(f"the first question got no passages: {answer.get('error')}")
            answers.append(time.perf_counter() - t0)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    return {
        "runs_s": times,
        "median_s": statistics.median(times),
        "answer_runs_s": answers,
        "answer_median_s": statistics.median(answers),
    }


# -- the run -----------------------------------------------------------------------------------
def run_bench(
    settings,
    qa_path: str | Path,
    cold_runs: int = 3,
    retrievers: Sequence[str] = RETRIEVERS,
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> dict[str, Any]:
    from ..index_build import build_index
    from ..indexer import load_index
    from ..service import Assistant, settle
    from .qa import load_qa

    items = load_qa(qa_path)
    questions = [it.question for it in items]
    embedder = settings.embedder()
    out: dict[str, Any] = {"qa_file": str(qa_path), "questions": len(items), "model": settings.model}
    _, out["model_load_s"] = timed(embedder.warm_up)
    out["encoder"] = {k: v for k, v in embedder.describe().items() if k in ("backend", "threads", "runtime")}
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        built = dataclasses.replace(settings, index_dir=Path(tmp) / "index")
        log("building the index into a temporary folder ...")
        report, out["build_s"] = timed(
            lambda: build_index(built, embedder=embedder, progress=False, log=lambda m: None)
        )
        out["build"] = {"documents": report.documents, "chunks": report.chunks, "sentences": report.sentences}
        out["load_s"] = statistics.median(timed(lambda: load_index(built))[1] for _ in range(3))
        assistant = Assistant(built, embedder=embedder).warm_up()
        log(f"encoding {len(items)} questions (ONNX) ...")
        out["onnx_ms"] = per_call_ms(embedder.encode_query, questions)
        log("ask latency, hybrid, before settle ...")
        out["ask_unsettled_ms"] = per_call_ms(assistant.ask, questions)
        settle()  # as serve does after its warm-up: the rows below are what a served question costs
        out["ask_ms"] = {}
        try:
            for name in retrievers:
                log(f"ask latency, {name} ...")
                out["ask_ms"][name] = per_call_ms(lambda q, name=name: assistant.ask(q, retriever=name), questions)
            log("ask latency, hybrid, fastest of 5 per question (150 questions) ...")
            out["ask_floor_ms"] = floor_ms(assistant.ask, questions[:150])
        finally:
            gc.unfreeze()  # this process is no server: its later garbage is collected as usual
        out["serving_rss_mb"] = rss_mb()
        log("sentence-transformers reference (loads torch) ...")
        out["st_ms"] = sentence_transformers_ms(settings.model, questions)
        for st in out["ask_ms"].values():
            st["p50_ratio"] = st["p50"] / out["st_ms"]["p50"]
        question = next((it.question for it in items if it.answerable and not it.history), questions[0])
        log(f"one-shot ask x{cold_runs}, sentence-transformers process x{cold_runs}, serve x{cold_runs} ...")
        out["cold_ask"] = cold_ask(built, question, cold_runs)
        out["cold_st"] = process_runs(ST_ONE_QUERY, [settings.model, question], cold_runs)
        out["serve_ready"] = serve_ready(built, cold_runs)
    out["load_average"] = os.getloadavg()[0]
    return out


def sentence_transformers_ms(model: str, questions: Sequence[str]) -> dict[str, float]:
    """Per-question encoding time with sentence-transformers on one torch thread, as the query
    path ran before the ONNX encoder."""
    os.environ.update(QUIET_ENV)
    import torch
    from sentence_transformers import SentenceTransformer

    from ..model_layout import resolve_model

    torch.set_num_threads(1)
    st = SentenceTransformer(resolve_model(model), device="cpu")
    return per_call_ms(lambda q: st.encode([q], normalize_embeddings=True), questions)


def format_bench(out: dict[str, Any]) -> str:
    st, onnx = out["st_ms"], out["onnx_ms"]
    enc = out["encoder"]
    lines = [
        f"assistant bench: {out['questions']} questions from {out['qa_file']}; {out['build']['documents']} documents "
        f"({out['build']['chunks']} chunks, {out['build']['sentences']} sentences); encoder {enc['backend']}, "
        f"{enc['threads']} thread(s), {enc['runtime']}; {os.cpu_count()} CPUs, load average "
        f"{out['load_average']:.1f}",
        "",
    ]
    head = f"{'measure':<46}{'p50 ms':>9}{'p95 ms':>9}{'p50 / ST':>10}"
    lines += [
        head,
        "-" * len(head),
        f"{'encode one question, sentence-transformers':<46}{st['p50']:>9.2f}{st['p95']:>9.2f}{1.0:>10.2f}",
        f"{'encode one question, ONNX (the assistant)':<46}{onnx['p50']:>9.2f}{onnx['p95']:>9.2f}"
        f"{onnx['p50'] / st['p50']:>10.2f}",
    ]
    for name, a in out["ask_ms"].items():
        lines.append(f"{'ask, warm, ' + name:<46}{a['p50']:>9.2f}{a['p95']:>9.2f}{a['p50_ratio']:>10.2f}")
    for key, label in (
        ("ask_unsettled_ms", "  hybrid before settle (no gc.freeze)"),
        ("ask_floor_ms", "  hybrid, each question's fastest of 5"),
    ):
        if key in out:
            a = out[key]
            lines.append(f"{label:<46}{a['p50']:>9.2f}{a['p95']:>9.2f}{a['p50'] / st['p50']:>10.2f}")
    ca, cs, sr = out["cold_ask"], out["cold_st"], out["serve_ready"]
    lines += [
        "",
        f"one-shot `assistant ask --json`     {ca['median_s']:5.2f} s, peak {ca['peak_rss_mb']:4.0f} MB   "
        f"(runs {', '.join(f'{t:.2f}' for t in ca['runs_s'])})",
        f"sentence-transformers, one question  {cs['median_s']:5.2f} s, peak {cs['peak_rss_mb']:4.0f} MB   "
        f"(load + encode alone: the floor of the old query path)",
        f"`assistant serve` ready             {sr['median_s']:5.2f} s   (runs {', '.join(f'{t:.2f}' for t in sr['runs_s'])})",
        f"  its first answer (asked at once)  {sr['answer_median_s']:5.2f} s   "
        f"(runs {', '.join(f'{t:.2f}' for t in sr['answer_runs_s'])})",
        f"model load {out['model_load_s']:.2f} s; index build (model warm) {out['build_s']:.2f} s; "
        f"index load {out['load_s'] * 1000:.1f} ms; serving RSS {out['serving_rss_mb']:.0f} MB",
        "",
        "goals: warm p50 <= {p50_ratio}x sentence-transformers, p95 <= {p95_ms:.0f} ms; one-shot ask <= "
        "{cold_ask_s:.1f} s and <= {cold_ask_mb:.0f} MB; serve ready <= {serve_ready_s} s".format(**GOALS),
        "met: " + ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in goals_met(out).items()),
    ]
    return "\n".join(lines)


def goals_met(out: dict[str, Any]) -> dict[str, bool]:
    hybrid = out["ask_ms"].get("hybrid") or next(iter(out["ask_ms"].values()))
    return {
        "p50": hybrid["p50_ratio"] <= GOALS["p50_ratio"],
        "p95": hybrid["p95"] <= GOALS["p95_ms"],
        "one-shot time": out["cold_ask"]["median_s"] <= GOALS["cold_ask_s"],
        "one-shot memory": out["cold_ask"]["peak_rss_mb"] <= GOALS["cold_ask_mb"],
        "serve ready": out["serve_ready"]["median_s"] <= GOALS["serve_ready_s"],
    }


def main(args, settings) -> int:
    from ..settings import PROJECT_ROOT

    threads = apply_threads(args.threads)
    if threads:
        settings = dataclasses.replace(settings, encoder_threads=threads)
    if args.chunks:
        from .scale import format_scale, parse_sizes, scale_one

        if threads:
            import faiss

            faiss.omp_set_num_threads(threads)
        results = [scale_one(n, n_queries=args.queries, hnsw_max=args.hnsw_max) for n in parse_sizes(args.chunks)]
        print(format_scale(results, args.budget_ms))
        data: Any = results
    else:
        data = run_bench(settings, args.qa or PROJECT_ROOT / "evals" / "train.jsonl", cold_runs=args.cold_runs)
        print(format_bench(data))
    if args.json_path:
        from .report import write_json

        write_json(args.json_path, data, "results")
    return 0
