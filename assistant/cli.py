"""The ``assistant`` command. Each subcommand imports what it needs when it runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .version import __version__

EXIT_USAGE = 2
EXIT_FAILED = 1


def _settings(args):
    from .settings import Settings

    kw = {}
    if args.docs:
        kw["docs_dir"] = Path(args.docs)
    if args.index:
        kw["index_dir"] = Path(args.index)
    if args.model:
        kw["model"] = args.model
    settings = Settings(**kw)
    if args.settings:
        settings = settings.with_file(args.settings)
    return settings


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--docs", help="documents folder (default: docs_src/, or $ASSISTANT_DOCS)")
    p.add_argument("--index", help="index folder (default: index/, or $ASSISTANT_INDEX)")
    p.add_argument("--model", help="sentence-transformers model name or folder (default: all-MiniLM-L6-v2, bundled)")
    p.add_argument(
        "--settings",
        metavar="PATH",
        help="JSON settings file (retrieval and abstention values, as `beir --tune-split` or "
        "`calibrate --write` write it)",
    )


def cmd_build(args) -> int:
    from .index_build import build_index
    from .indexer import stale_reasons
    from .store import IndexCorrupt, IndexMissing, IndexStore

    settings = _settings(args)
    embedder = settings.embedder()  # loaded once, for the staleness check and the build
    if not args.force:
        store = IndexStore(settings.index_dir)
        try:
            manifest = store.read_manifest()
            store.verify(manifest)
            if not stale_reasons(settings, manifest, embedder):
                print(
                    f"Index is up to date ({manifest['counts']['chunks']} chunks from "
                    f"{manifest['counts']['documents']} documents); use --force to rebuild."
                )
                return 0
        except (IndexMissing, IndexCorrupt):
            pass
    report = build_index(settings, embedder=embedder, progress=not args.quiet)
    print(report.summary())
    return 0


def _print_response(resp, show_all: bool = True) -> None:
    from .ui.render import reply_text

    print(reply_text(resp))


def sanitize_display(q: str) -> str:
    from .questions import sanitize

    return sanitize(q)


def cmd_ask(args) -> int:
    from .service import Assistant, AssistantError

    settings = _settings(args)
    assistant = Assistant(settings)
    try:
        assistant.warm_up()  # latency_ms then measures the answer, not the model loading
        resp = assistant.ask(
            args.question, history=args.history or [], audience=args.audience, k=args.k, retriever=args.retriever
        )
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(resp.to_json(), ensure_ascii=False))
    else:
        _print_response(resp)
    return 0


def cmd_show(args) -> int:
    from .service import Assistant, AssistantError

    try:
        ctx = Assistant(_settings(args)).show(args.doc_id, args.at, args.end)
    except (KeyError, ValueError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(ctx.__dict__, ensure_ascii=False))
        return 0
    marked = (
        ctx.text[: ctx.mark_start] + ">>>" + ctx.text[ctx.mark_start : ctx.mark_end] + "<<<" + ctx.text[ctx.mark_end :]
    )
    print(f"{ctx.title}\n{ctx.citation}\n\n{ctx.section}\n{'-' * len(ctx.section)}\n{marked}")
    return 0


def cmd_chat(args) -> int:
    """Interactive loop in the terminal (follow-ups use the earlier questions)."""
    from .service import Assistant, AssistantError

    assistant = Assistant(_settings(args))
    history: list[str] = []
    print("Ask about the documents. Empty line or Ctrl-D to quit; /new starts a new conversation.")
    while True:
        try:
            q = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not q:
            return 0
        if q == "/new":
            history = []
            continue
        try:
            resp = assistant.ask(q, history=history, audience=args.audience)
        except AssistantError as exc:
            print(f"error: {exc}")
            return EXIT_FAILED
        _print_response(resp)
        history.append(q)


def cmd_provision(args) -> int:
    from .tokens import TokenizerUnavailable, provision

    try:
        provision()
    except TokenizerUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def cmd_serve(args) -> int:
    from .ui import serve

    return serve(
        _settings(args),
        host=args.host,
        port=args.port,
        share=args.share,
        open_browser=args.open,
        feedback_path=args.feedback,
    )


def cmd_eval(args) -> int:
    from .evaluation.qa import main

    return main(args, _settings(args))


def cmd_beir(args) -> int:
    from .evaluation.beir import main

    return main(args, _settings(args))


def cmd_bench(args) -> int:
    from .evaluation.bench import main

    return main(args, _settings(args))


def cmd_calibrate(args) -> int:
    from .evaluation.calibration import main

    return main(args, _settings(args))


def cmd_train_answers(args) -> int:
    from .evaluation.train_answers import main

    return main(args, _settings(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Offline retrieval assistant over medical documents: "
        "cited passages and extractive answers, never generated text.",
    )
    parser.add_argument("--version", action="version", version=f"assistant {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("build", help="ingest, chunk, embed and index the documents")
    _common(p)
    p.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("ask", help="ask one question")
    p.add_argument("question")
    _common(p)
    p.add_argument("--k", type=int, default=5, help="passages to return (default 5)")
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default="hybrid")
    p.add_argument("--audience", choices=["parent", "clinician"], default="parent")
    p.add_argument("--history", action="append", help="an earlier question (repeat, oldest first)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("show", help="show a quote in its section")
    p.add_argument("doc_id")
    p.add_argument("--at", type=int, required=True, help="character offset in the cleaned document")
    p.add_argument("--end", type=int, help="end offset of the quote (default: the sentence at --at)")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("chat", help="interactive question loop in the terminal")
    _common(p)
    p.add_argument("--audience", choices=["parent", "clinician"], default="parent")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="start the Gradio chat UI")
    _common(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="create a public Gradio share link (off by default)")
    p.add_argument("--open", action="store_true", help="open a browser tab")
    p.add_argument("--feedback", help="feedback JSONL file (default feedback/feedback.jsonl, or $ASSISTANT_FEEDBACK)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("provision", help="fetch tiktoken's cl100k_base file into the local cache")
    p.set_defaults(func=cmd_provision)

    p = sub.add_parser("eval", help="score the assistant on a QA file")
    p.add_argument("qa_file")
    _common(p)
    p.add_argument("--k", default="1,3,5", help="cut-offs for hit@k (default 1,3,5)")
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25", "all"], default="hybrid")
    p.add_argument("--json", dest="json_path", help="write the metrics as JSON here")
    p.add_argument("--report", help="report path: .html (default evals/reports/eval-<time>.html) or .md (+ .png)")
    p.add_argument("--no-report", action="store_true", help="do not write the HTML report")
    p.add_argument("--passages", type=int, help="passages asked per question (default max(10, largest k))")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument(
        "--threads",
        default="1",
        help="encoder CPU threads: N, auto, or 0 = the encoder's default (default 1: steady timings on a busy machine)",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("beir", help="score retrieval on a BEIR dataset folder")
    p.add_argument("dataset_dir")
    _common(p)
    p.add_argument("--split", default="test")
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25", "all"], default="hybrid")
    p.add_argument("--json", dest="json_path")
    p.add_argument("--limit", type=int, help="score only the first N queries (smoke runs)")
    p.add_argument(
        "--tune-split",
        default="none",
        help="split to tune the dense weight and RRF constant on, written as a settings file "
        "(default none: exactly the settings `assistant ask` uses)",
    )
    p.add_argument(
        "--write-settings",
        metavar="PATH",
        help="with --tune-split: where to write the tuned settings (default <index>/beir/<name>/tuned-on-SPLIT.json)",
    )
    p.add_argument("--run", metavar="PATH", help="write a TREC run file (qid Q0 docid rank score tag)")
    p.add_argument(
        "--threads", default=None, help="encoder CPU threads: N, or auto (the cores not busy with other work)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_beir)

    p = sub.add_parser("bench", help="measure speed and memory")
    _common(p)
    p.add_argument("--chunks", help="synthetic scale test instead: N vectors, or sizes like 10k,100k,1M")
    p.add_argument("--qa", default=None, help="QA file for the latency run (default evals/train.jsonl)")
    p.add_argument("--json", dest="json_path")
    p.add_argument(
        "--threads", help="encoder (and, with --chunks, FAISS) CPU threads: N or auto (default: the encoder's default)"
    )
    p.add_argument("--cold-runs", type=int, default=3, help="cold-start processes to time (default 3)")
    p.add_argument("--queries", type=int, default=200, help="--chunks: query vectors (default 200)")
    p.add_argument(
        "--hnsw-max",
        type=int,
        default=200_000,
        help="--chunks: build HNSW only up to this size (default 200000; its build is slow on few cores)",
    )
    p.add_argument(
        "--budget-ms",
        type=float,
        default=5.0,
        help="--chunks: search latency budget that states the crossover (default 5 ms: the warm-p50 goal "
        "of 1.3x a ~15 ms embedding floor leaves ~5 ms for everything after embedding)",
    )
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("calibrate", help="choose the abstention threshold on a QA file")
    p.add_argument("qa_file")
    _common(p)
    p.add_argument(
        "--write", metavar="PATH", help="write the threshold into this settings file (load it with --settings)"
    )
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("train-answers", help="train the answer model and its abstention threshold on a QA file")
    p.add_argument("qa_file")
    _common(p)
    p.set_defaults(func=cmd_train_answers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the message, not a traceback; ASSISTANT_DEBUG=1 shows it
        import os

        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
