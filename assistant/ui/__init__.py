"""The chat UI (``assistant serve``) and its stable API endpoint ``/ask``, in five modules:

- ``reply``: what a reply says (``reply_view``), decided once for the HTML and the text;
- ``render``: a Response as HTML (and as the CLI's text), pure functions;
- ``handlers``: what each event does (``ChatApp``: ask, show in context, vote, the /ask API);
- ``app``: the Gradio Blocks wiring (``build_app``, theme, JS and CSS);
- ``server``: the lifecycle (``serve``, ``launch``, port checks, signals);

and ``gradio_import``, through which ``app`` and ``server`` import Gradio (without its
import-time type-stub writer).

Importing this package loads none of them (and never Gradio); the names below load their
module on first use, so ``from assistant.ui import serve`` stays cheap for the CLI.
"""

from __future__ import annotations

from importlib import import_module

_HOME = {
    "serve": "server",
    "launch": "server",
    "build_app": "app",
    "theme": "app",
    "CONCURRENCY": "app",
    "QUEUE_MAX_SIZE": "app",
    "ChatApp": "handlers",
    "reply_html": "render",
    "reply_text": "render",
    "error_html": "render",
    "user_html": "render",
    "context_html": "render",
    "esc": "render",
}

__all__ = [
    "CONCURRENCY",
    "QUEUE_MAX_SIZE",
    "ChatApp",
    "build_app",
    "context_html",
    "error_html",
    "esc",
    "launch",
    "reply_html",
    "reply_text",
    "serve",
    "theme",
    "user_html",
]


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOME[name]}", __name__), name)
