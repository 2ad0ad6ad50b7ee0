"""Server lifecycle for ``assistant serve``: check the port, warm up (before the launch when the
index must be built or checked first, else behind it), launch, run until stopped.

``launch`` applies this app's settings to ``demo.launch`` (loopback only by default, no share
link, no extra file access, no server-side rendering, no telemetry); ``serve`` is the command:
it checks the port before the slow warm-up, prints the URL, and stops cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from ..feedback import FeedbackError, FeedbackLog
from ..indexer import index_is_current
from ..lexical import import_bm25s
from ..service import Assistant, AssistantError, settle
from .app import CSS, SCROLL_JS, build_app, theme
from .gradio_import import import_gradio

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def launch(
    demo,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    open_browser: bool = False,
    block: bool = False,
    quiet: bool = True,
):
    """demo.launch with this app's settings: local only by default, no extra file access,
    no server-side rendering, no telemetry. Returns (app, local_url, share_url)."""
    return demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        inbrowser=open_browser,
        prevent_thread_lock=not block,
        quiet=quiet,
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        max_file_size="1mb",
        theme=theme(),
        css=CSS,
        footer_links=["api", "settings"],
        js=SCROLL_JS,
    )


def port_problem(host: str, port: int) -> str | None:
    """Why host:port cannot be listened on (checked before the slow warm-up), or None."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"unknown address ({exc})"
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            return "the port is in use" if exc.errno in (98, 48) else str(exc)
    return None


def _run_until_stopped(demo) -> None:
    """Block until Ctrl-C, SIGTERM or the server stops by itself; then close it."""
    stop = threading.Event()

    def _term(signum, frame):  # SIGTERM stops as cleanly as Ctrl-C
        stop.set()

    try:
        signal.signal(signal.SIGTERM, _term)
    except ValueError:  # not the main thread
        pass
    try:
        while demo.is_running and not stop.is_set():
            stop.wait(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()


def _warm_up(assistant: Assistant, failed: list[Exception]) -> None:
    try:
        assistant.warm_up()
    except Exception as exc:  # handed to the main thread: reported there, or raised if unexpected
        failed.append(exc)
        return
    settle()


def _warm_up_behind(assistant: Assistant) -> None:
    """The warm-up once the page is up: a failure is told on stderr and in the chat (every
    question gets the error), never raised into the server."""
    failed: list[Exception] = []
    _warm_up(assistant, failed)
    if failed:
        kind = "warning" if isinstance(failed[0], AssistantError) else "error"
        print(f"{kind}: {failed[0]}\n  Questions get this error until it is fixed.", file=sys.stderr, flush=True)


def serve(
    settings=None,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    open_browser: bool = False,
    feedback_path=None,
) -> int:
    """``assistant serve``: warm up (build the index if missing or stale), start, print the URL,
    run until Ctrl-C. Returns the exit code."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    t0 = time.perf_counter()
    try:
        feedback = FeedbackLog(feedback_path)
    except FeedbackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    busy = port_problem(host, port)
    if busy:
        print(f"error: cannot serve on {host}:{port}: {busy}; choose another with --port", file=sys.stderr)
        return 1
    assistant = Assistant(settings)
    # bm25s first, as its import briefly hides scipy from the whole process (lexical.import_bm25s)
    import_bm25s()
    # With a built index that fits the documents, the page starts first and the index and model
    # warm up behind it (a question asked meanwhile waits for them). Otherwise the index is built
    # or its problem found first, beside Gradio's import, so the page can say what is wrong.
    current = index_is_current(assistant.settings)
    startup_error = None
    if current:
        import_gradio()
    else:
        print("Loading the documents index and the model (building the index if needed)…", flush=True)
        failed: list[Exception] = []
        warming = threading.Thread(target=_warm_up, args=(assistant, failed), name="warm-up", daemon=True)
        warming.start()
        import_gradio()
        warming.join()
        if failed and not isinstance(failed[0], AssistantError):
            raise failed[0]
        startup_error = str(failed[0]) if failed else None
        if startup_error:
            print(
                f"warning: {startup_error}\n  The UI starts anyway and explains this in the chat; run `assistant build`.",
                file=sys.stderr,
                flush=True,
            )
    demo = build_app(assistant, feedback, startup_error)
    try:
        _, local_url, share_url = launch(demo, host, port, share, open_browser)
    except OSError as exc:
        print(f"error: cannot serve on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    print(f"Chat UI ready in {time.perf_counter() - t0:.1f} s: {local_url}", flush=True)
    if current:
        threading.Thread(target=_warm_up_behind, args=(assistant,), name="warm-up", daemon=True).start()
    if share_url:
        print(f"Public share link (anyone with it can use this assistant): {share_url}", flush=True)
    if host not in LOCAL_HOSTS:
        print(f"warning: listening on {host}; other machines on the network can reach it.", file=sys.stderr)
    print(f'API: gradio_client Client("{local_url}").predict(question, [], "parent", api_name="/ask")')
    print(f"Feedback is appended to {feedback.path}. Press Ctrl-C to stop.", flush=True)
    _run_until_stopped(demo)
    print("Stopped.")
    return 0
