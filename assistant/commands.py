"""What each ``assistant`` subcommand does: one ``cmd_*`` handler per command, on parsed arguments.

Each handler imports what it needs when it runs (the tools' commands from ``evaluation/``,
lazily), so that ``assistant --help`` and ``assistant ask`` load only what they use. It returns
the exit code; ``cli.py`` parses the arguments and turns unexpected errors into a message.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

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
    text, start, end = ctx.shown
    marked = text[:start] + ">>>" + text[start:end] + "<<<" + text[end:]
    print(f"{ctx.title}\n{ctx.citation}\n\n{ctx.section}\n{'-' * len(ctx.section)}\n{marked}")
    return 0


def cmd_chat(args) -> int:
    """Interactive loop in the terminal (a follow-up is answered knowing the earlier questions and
    where their answers came from)."""
    from .service import Assistant, AssistantError

    assistant = Assistant(_settings(args))
    history: list = []  # the earlier Responses
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
        history.append(resp)


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
    from .evaluation.scoring import main

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
