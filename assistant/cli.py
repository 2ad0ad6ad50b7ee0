"""The ``assistant`` command line: its arguments, and ``main``, which runs the subcommand's handler.

The handlers are in ``commands.py``; each imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys

from .commands import (
    EXIT_FAILED,
    EXIT_USAGE,
    cmd_ask,
    cmd_beir,
    cmd_bench,
    cmd_build,
    cmd_calibrate,
    cmd_chat,
    cmd_eval,
    cmd_provision,
    cmd_serve,
    cmd_show,
    cmd_train_answers,
)
from .version import __version__


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

    p = sub.add_parser(
        "train-answers", help="train the answer models and the abstention threshold on one or more QA files"
    )
    p.add_argument("qa_files", nargs="+", metavar="qa_file")
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
