"""The Gradio chat UI (``assistant serve``) and its stable API endpoint ``/ask``.

Every reply is HTML built here from the Response: the quoted answer with its citation marker,
the quote highlighted in its passage, "Words explained" (parent view), the not-medical-advice
line, and a collapsible "Sources" list of every retrieved passage. All document and user text
goes through ``html.escape`` before it is put into HTML, and the Chatbot still sanitizes what it
renders; Markdown and LaTeX rendering are off, so a ``$`` or ``*`` in a document is just text.

Concurrency: retrieval is CPU-bound (about 10-50 ms per question on 2 cores, the embedding
model's matrix products already use both cores), so the chat and the API share one concurrency
group of 2 and the queue holds at most QUEUE_MAX_SIZE waiting requests; beyond that a client
is told at once that the server is busy instead of waiting behind a long line.
"""

from __future__ import annotations

import html
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from .citations import full_reference
from .feedback import FeedbackError, FeedbackLog
from .schema import Audience, Response
from .service import EMPTY_QUESTION, NOT_ANSWERED, Assistant, AssistantError

log = logging.getLogger(__name__)

CONCURRENCY = 2  # retrieval requests in flight at once (= cores on the target machines)
QUEUE_MAX_SIZE = 64  # waiting requests; ~64 x 50 ms = ~3 s of work at most
CONCURRENCY_ID = "retrieval"
MAX_SOURCES_IN_PICKER = 60  # citations kept in the "read in context" picker (newest first)
USER_ECHO_CHARS = 600  # a very long question is echoed cut in the chat bubble

PARENT_EXAMPLES = [
    "What causes cerebellar hypoplasia?",
    "What signs should I watch for if my baby's cerebellum is too small?",
    "Can a baby get brain damage after a tummy bug?",
    "What is opsoclonus-myoclonus syndrome?",
]
CLINICIAN_EXAMPLES = [
    "What did perfusion SPECT show in the infant with opsoclonus-myoclonus syndrome?",
    "What did MRI show in isolated postinfective cerebellar necrosis?",
    "How was the neuroblastoma-associated OMS treated?",
]

PAGE_NOTE = ("Answers are sentences quoted from the documents, with their sources. "
             "They are not medical advice: talk to your child's doctor.")
CONTEXT_PLACEHOLDER = ('<div class="asst-context-empty">Ask a question, then pick one of its sources '
                       'here to read it in its whole section.</div>')
ABSTAINED_CONTEXT = ('<div class="asst-context-empty">The documents don\'t answer the last question. Pick one '
                     'of its related passages here to read it in its whole section.</div>')

# Long replies: the Chatbot's own autoscroll would show the end of the Sources list, so it is
# off, and this scrolls the chat to the newest question (its answer right below it) instead.
SCROLL_JS = """
() => {
  let seen = 0;
  const scroller = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const oy = getComputedStyle(p).overflowY;
      if ((oy === "auto" || oy === "scroll") && p.scrollHeight > p.clientHeight) return p;
    }
    return null;
  };
  new MutationObserver(() => {
    const users = document.querySelectorAll("#chat .asst-user");
    if (users.length < seen) seen = users.length;
    if (users.length <= seen) return;
    seen = users.length;
    const last = users[users.length - 1];
    requestAnimationFrame(() => {
      const box = scroller(last);
      if (box) box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    });
  }).observe(document.body, {childList: true, subtree: true});
}
"""

CSS = """
.asst-reply { line-height: 1.5; }
.asst-reply p { margin: 0.35em 0; }
.asst-reply mark, .asst-context mark { background: #ffe98a; color: #111; padding: 0 0.1em; border-radius: 2px; }
.asst-cite { font-weight: 700; color: #1d4ed8; white-space: nowrap; }
.asst-answer { font-size: 1.05em; }
.asst-from, .asst-ref, .asst-searched { font-size: 0.9em; opacity: 0.85; }
.asst-passage { font-size: 0.92em; border-left: 3px solid #d1d5db; margin: 0.4em 0; padding: 0.1em 0.6em; }
.asst-quote { font-size: 1.05em; border-left: 4px solid #1d4ed8; margin: 0.3em 0; padding: 0.2em 0.7em; }
.asst-glossary { margin: 0.5em 0; }
.asst-glossary ul, .asst-related ul { margin: 0.2em 0 0.2em 1.2em; padding: 0; }
.asst-notice { font-size: 0.9em; background: #fff7ed; color: #7c2d12; border-left: 3px solid #f97316;
               padding: 0.2em 0.5em; }
.asst-abstain { font-size: 1.05em; }
.asst-sources summary { cursor: pointer; font-weight: 700; margin-top: 0.4em; }
.asst-source { margin: 0.5em 0; padding-left: 0.5em; border-left: 2px solid #e5e7eb; }
.asst-source-head { font-size: 0.9em; }
.asst-error { color: #991b1b; }
.asst-user { white-space: pre-wrap; }
.asst-context { max-height: 34em; overflow-y: auto; line-height: 1.5; }
.asst-context h3 { margin: 0 0 0.2em 0; }
.asst-page-note { font-size: 0.95em; }
"""


# -- HTML ---------------------------------------------------------------------------------
def esc(text: Any) -> str:
    """Escape for HTML text and attribute values (quotes too); newlines become <br>."""
    return html.escape("" if text is None else str(text), quote=True).replace("\n", "<br>")


def _safe_url(url: str | None) -> str | None:
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else None


def _link(text: str, url: str | None) -> str:
    safe = _safe_url(url)
    if not safe:
        return esc(text)
    return f'<a href="{esc(safe)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'


def _marked(text: str, start: int, end: int) -> str:
    """text with text[start:end] in <mark>, every part escaped."""
    if not (0 <= start < end <= len(text)):
        return esc(text)
    return f"{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}"


def _answer_span(resp: Response) -> tuple[int, int] | None:
    """The answer's span inside its passage text (found by search if the offsets disagree)."""
    a = resp.answer
    if a is None:
        return None
    text = resp.passages[a.passage].chunk.text
    if 0 <= a.start < a.end <= len(text) and text[a.start:a.end] == a.text:
        return a.start, a.end
    i = text.find(a.text)
    return (i, i + len(a.text)) if i >= 0 and a.text else None


def _source_html(p, resp: Response) -> str:
    meta = p.meta
    bits = [f'<span class="asst-cite">[{p.rank}]</span> <strong>{esc(meta.title)}</strong>']
    if meta.authors:
        bits.append(esc(meta.short_authors()))
    if meta.journal:
        bits.append(f"<em>{esc(meta.journal)}</em>")
    if meta.year:
        bits.append(esc(meta.year))
    if p.chunk.section:
        bits.append(f"section: {esc(p.chunk.section)}")
    bits.append(f"evidence: {esc(p.evidence)}")
    bits.append(f"score {p.score:.3f}")
    if meta.doi:
        bits.append(_link(f"doi:{meta.doi}", f"https://doi.org/{meta.doi}"))
    elif meta.source:
        bits.append(_link(meta.source, meta.source))
    cited = resp.answer is not None and resp.passages[resp.answer.passage] is p
    span = _answer_span(resp) if cited else None
    text = _marked(p.chunk.text, *span) if span else esc(p.chunk.text)
    return (f'<div class="asst-source"><div class="asst-source-head">'
            f'{" · ".join(bits)}</div><div class="asst-passage">{text}</div></div>')


def _sources_html(resp: Response, open_: bool = False) -> str:
    if not resp.passages:
        return ""
    n = len(resp.passages)
    items = "".join(_source_html(p, resp) for p in resp.passages)
    return (f'<details class="asst-sources"{" open" if open_ else ""}><summary>Sources '
            f'<span class="asst-count">({n} passage{"s" if n != 1 else ""})</span></summary>{items}</details>')


def reply_html(resp: Response) -> str:
    """One chat reply for a Response, in the audience's presentation."""
    audience = resp.audience
    out = [f'<div class="asst-reply asst-{audience.value}">']
    if not resp.passages and resp.abstained:
        out.append(f'<p class="asst-abstain"><strong>{esc(resp.message or NOT_ANSWERED)}</strong></p>')
        if resp.notice and resp.message != EMPTY_QUESTION:
            out.append(f'<p class="asst-notice">{esc(resp.notice)}</p>')
        out.append("</div>")
        return "".join(out)
    if resp.standalone_question and resp.standalone_question.strip() != " ".join(str(resp.question).split()) \
            and len(resp.question) <= len(resp.standalone_question) + 200:  # a follow-up, resolved
        out.append(f'<p class="asst-searched">Searched for: {esc(resp.standalone_question)}</p>')
    if resp.abstained or resp.answer is None:
        out.append(f'<p class="asst-abstain"><strong>{esc(resp.message or NOT_ANSWERED)}</strong></p>')
        related = "".join(f'<li><span class="asst-cite">[{p.rank}]</span> {esc(p.citation)} ({esc(p.evidence)})</li>'
                          for p in resp.passages)
        out.append('<div class="asst-related"><p>Related passages (they do not answer the question; '
                   f'read them under Sources):</p><ul>{related}</ul></div>')
    else:
        a = resp.answer
        p = resp.passages[a.passage]
        span = _answer_span(resp)
        in_passage = _marked(p.chunk.text, *span) if span else esc(p.chunk.text)
        if audience is Audience.CLINICIAN:
            out.append(f'<blockquote class="asst-quote">“{esc(a.text)}” '
                       f'<span class="asst-cite">[{p.rank}]</span></blockquote>')
            ref = full_reference(p.meta)
            out.append(f'<p class="asst-ref"><span class="asst-cite">[{p.rank}]</span> {esc(ref)} '
                       f'— {esc(p.chunk.section)}. Evidence: {esc(p.evidence)}. Score {p.score:.3f}.</p>')
            out.append(f'<div class="asst-passage">{in_passage}</div>')
        else:
            out.append(f'<p class="asst-answer">{esc(a.text)} <span class="asst-cite">[{p.rank}]</span></p>')
            out.append(f'<p class="asst-from">From source [{p.rank}]: {esc(p.citation)} '
                       f'({esc(p.evidence)})</p>')
            if resp.glossary:
                terms = "".join(f"<li><strong>{esc(g.term)}</strong>: {esc(g.explanation)}</li>"
                                for g in resp.glossary)
                out.append(f'<div class="asst-glossary"><strong>Words explained</strong><ul>{terms}</ul></div>')
            out.append(f'<p class="asst-from">In the document:</p><div class="asst-passage">{in_passage}</div>')
    if resp.notice:
        out.append(f'<p class="asst-notice">{esc(resp.notice)}</p>')
    out.append(_sources_html(resp))
    out.append("</div>")
    return "".join(out)


def error_html(title: str, detail: str = "") -> str:
    extra = f"<p>{esc(detail)}</p>" if detail else ""
    return f'<div class="asst-reply asst-error"><p><strong>{esc(title)}</strong></p>{extra}</div>'


def user_html(question: str) -> str:
    text = question if isinstance(question, str) else str(question or "")
    if not text.strip():
        return '<span class="asst-user"><em>(empty message)</em></span>'
    if len(text) > USER_ECHO_CHARS:
        text = text[:USER_ECHO_CHARS] + f"… ({len(text):,} characters)"
    return f'<span class="asst-user">{esc(text)}</span>'


def context_html(ctx, reference: str = "") -> str:
    """Assistant.show(...) as HTML: the whole section with the quote marked."""
    return (f'<div class="asst-context"><h3>{esc(ctx.title)}</h3>'
            f'<p class="asst-ref">{esc(reference or ctx.citation)}</p>'
            f'<h4>{esc(ctx.section)}</h4><div class="asst-section-text">'
            f'{_marked(ctx.text, ctx.mark_start, ctx.mark_end)}</div></div>')


# -- the handlers (plain functions of plain data; Gradio only wires them) ------------------
def _parse_history(history: Any) -> list[str]:
    if history is None or history == "":
        return []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except ValueError:
            return [history]
    if isinstance(history, str):
        return [history]
    if isinstance(history, (list, tuple)):
        out = []
        for item in history:
            if isinstance(item, dict):  # a chat message {"role": "user", "content": "..."}
                if item.get("role", "user") != "user":
                    continue
                item = item.get("content", "")
            out.append(item if isinstance(item, str) else json.dumps(item))
        return out
    raise ValueError("history must be a list of earlier questions (or its JSON text)")


def _citation_ids(resp: Response) -> list[dict]:
    cited = resp.answer.passage if resp.answer else None
    return [{"rank": p.rank, "doc_id": p.chunk.doc_id, "chunk_id": p.chunk.chunk_id, "start": p.chunk.start,
             "end": p.chunk.end, "cited": i == cited} for i, p in enumerate(resp.passages)]


class ChatApp:
    """The UI's behaviour over one Assistant and one feedback log."""

    def __init__(self, assistant: Assistant, feedback: FeedbackLog | None = None,
                 startup_error: str | None = None) -> None:
        self.assistant = assistant
        self.feedback = feedback
        self.startup_error = startup_error

    # the API ----------------------------------------------------------------------------
    def api_ask(self, question: str, history: Any = None, audience: str = "parent") -> dict:
        """Ask one question. history: earlier questions of the conversation, oldest first (a list
        or its JSON text). audience: "parent" or "clinician". Returns the `assistant ask --json`
        object, plus "error" (null, or what went wrong; then "message" says it plainly)."""
        try:
            resp = self.assistant.ask(question if isinstance(question, str) else str(question or ""),
                                      history=_parse_history(history), audience=audience or "parent")
            return {**resp.to_json(), "error": None}
        except ValueError as exc:
            return self._api_error(question, audience, "bad_request", str(exc), str(exc))
        except AssistantError as exc:
            return self._api_error(question, audience, "unavailable", str(exc),
                                   "The assistant cannot answer right now: its index or model is not available.")
        except Exception as exc:  # never a traceback to a client
            log.exception("ask failed")
            return self._api_error(question, audience, "internal", type(exc).__name__,
                                   "Something went wrong while answering; please try again.")

    @staticmethod
    def _api_error(question: Any, audience: Any, kind: str, detail: str, message: str) -> dict:
        return {"question": question if isinstance(question, str) else str(question or ""),
                "standalone_question": "", "audience": str(audience or ""), "retriever": "hybrid",
                "abstained": True, "message": message, "notice": "", "answer": None, "glossary": [],
                "passages": [], "confidence": 0.0, "latency_ms": 0.0,
                "error": {"kind": kind, "detail": detail}}

    # one chat turn --------------------------------------------------------------------------
    def answer(self, question: str, audience: str, questions: list[str]) -> tuple[str, dict | None, Response | None]:
        """-> (reply HTML, feedback record, response or None). Never raises."""
        question = question if isinstance(question, str) else str(question or "")
        record = {"question": question, "audience": str(audience), "answer": "", "message": "",
                  "abstained": True, "citations": []}
        try:
            resp = self.assistant.ask(question, history=list(questions), audience=audience or "parent")
        except AssistantError as exc:
            title = "The assistant cannot answer right now: its document index or model is not available."
            detail = f"{exc} — build the index with `assistant build` (or check the documents folder), then ask again."
            record["message"] = title
            return error_html(title, detail), record, None
        except ValueError as exc:
            record["message"] = str(exc)
            return error_html("That request could not be understood.", str(exc)), record, None
        except Exception as exc:
            log.exception("answering failed")
            title = "Something went wrong while answering. Please try again, or start a new chat."
            record["message"] = title
            return error_html(title, f"({type(exc).__name__})"), record, None
        record.update(answer=resp.answer.text if resp.answer else "", message=resp.message,
                      abstained=resp.abstained, citations=_citation_ids(resp))
        try:
            return reply_html(resp), record, resp
        except Exception as exc:  # a rendering bug must not show a traceback either
            log.exception("rendering failed")
            title = "Something went wrong while showing the answer. Please try again."
            return error_html(title, f"({type(exc).__name__})"), record, resp

    def show(self, key: str | None, sources: dict) -> str:
        item = (sources or {}).get(key) if key else None
        if not item:
            return CONTEXT_PLACEHOLDER
        try:
            ctx = self.assistant.show(item["doc_id"], int(item["at"]), int(item["end"]))
        except (KeyError, ValueError) as exc:
            return error_html("That passage cannot be shown.", str(exc.args[0] if exc.args else exc))
        except AssistantError as exc:
            return error_html("The documents are not available right now.", str(exc))
        except Exception as exc:
            log.exception("show failed")
            return error_html("That passage cannot be shown.", f"({type(exc).__name__})")
        return context_html(ctx, item.get("reference", ""))

    def vote(self, liked: Any, index: Any, records: dict) -> str:
        """A thumbs up/down on the assistant message at ``index``; returns a status line."""
        if self.feedback is None:
            return "Feedback is not being recorded."
        if isinstance(index, (list, tuple)):
            index = index[0]
        record = (records or {}).get(str(index))
        if record is None:
            return "That message has no answer to rate."
        try:
            self.feedback.vote(vote=liked, question=record["question"], answer=record["answer"],
                               citations=record["citations"], audience=record["audience"],
                               abstained=record["abstained"], message=record["message"])
        except (OSError, FeedbackError) as exc:
            log.warning("feedback not saved: %s", exc)
            return "Sorry, your feedback could not be saved."
        return "Thank you, your feedback was saved."


def _sources_for(resp: Response, turn: int) -> list[tuple[str, dict]]:
    """(key, item) per passage for the "read in context" picker; the cited one first."""
    out = []
    order = list(range(len(resp.passages)))
    if resp.answer is not None:
        order.remove(resp.answer.passage)
        order.insert(0, resp.answer.passage)
    for i in order:
        p = resp.passages[i]
        cited = resp.answer is not None and i == resp.answer.passage
        at, end = (resp.answer.doc_start, resp.answer.doc_end) if cited else (p.chunk.start, p.chunk.end)
        label = f"Q{turn} [{p.rank}]{' (quoted)' if cited else ''} {p.citation}"
        out.append((f"{turn}:{p.rank}", {"doc_id": p.chunk.doc_id, "at": at, "end": end, "label": label,
                                          "reference": f"{full_reference(p.meta)} — {p.chunk.section}"}))
    return out


# -- Gradio -------------------------------------------------------------------------------
def build_app(assistant: Assistant, feedback: FeedbackLog | None = None, startup_error: str | None = None):
    """The Blocks app. Call ``demo.launch(...)`` (see ``launch``) to serve it."""
    import gradio as gr

    app = ChatApp(assistant, feedback, startup_error)

    with gr.Blocks(title="Cerebellum document assistant", analytics_enabled=False) as demo:
        demo.chat_app = app  # for tests and embedding
        gr.Markdown("## Ask the documents\n" + PAGE_NOTE, elem_classes=["asst-page-note"])
        if startup_error:
            gr.HTML(error_html("The assistant could not load its documents; answers will fail until this is fixed.",
                               startup_error), elem_id="startup-error")
        questions = gr.State([])  # the user's earlier questions in this chat (raw text)
        records = gr.State({})  # assistant message index -> what was answered (for feedback)
        sources = gr.State({})  # picker key -> {doc_id, at, end, label, reference}
        turn = gr.State(0)
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", elem_id="chat", height=640, autoscroll=False,
                                     render_markdown=False,
                                     sanitize_html=True, latex_delimiters=[], allow_tags=False,
                                     feedback_options=("Like", "Dislike"), buttons=["copy_all"],
                                     placeholder="Ask about cerebellar hypoplasia, opsoclonus-myoclonus "
                                                 "syndrome or postinfective cerebellar necrosis.")
                with gr.Row():
                    box = gr.Textbox(placeholder="Type a question and press Enter", show_label=False,
                                     elem_id="question", scale=5, lines=1, max_lines=6, autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-button")
                with gr.Row():
                    new_chat = gr.Button("New chat", elem_id="new-chat", size="sm")
                    status = gr.Markdown("", elem_id="feedback-status")
            with gr.Column(scale=2):
                audience = gr.Radio(["parent", "clinician"], value="parent", label="I am a…",
                                    info="parent: plain answer, words explained. clinician: exact quote and "
                                         "full citation first.", elem_id="audience")
                with gr.Accordion("Read a source in its whole section", open=True):
                    picker = gr.Dropdown(choices=[], value=None, label="Source", elem_id="source-picker",
                                         interactive=True)
                    context = gr.HTML(CONTEXT_PLACEHOLDER, elem_id="context", js_on_load=None)
                gr.Examples([[q, "parent"] for q in PARENT_EXAMPLES], inputs=[box, audience],
                            label="Examples for parents")
                gr.Examples([[q, "clinician"] for q in CLINICIAN_EXAMPLES], inputs=[box, audience],
                            label="Examples for clinicians")

        def respond(message, audience_value, chat, questions_value, records_value, sources_value, turn_value):
            chat = list(chat or [])
            questions_value = list(questions_value or [])
            records_value = dict(records_value or {})
            sources_value = dict(sources_value or {})
            reply, record, resp = app.answer(message, audience_value, questions_value)
            chat.append({"role": "user", "content": user_html(message)})
            chat.append({"role": "assistant", "content": reply})
            if record is not None:
                records_value[str(len(chat) - 1)] = record
            picker_update = gr.update()
            context_value = gr.update()
            if resp is not None and resp.message != EMPTY_QUESTION:
                turn_value = int(turn_value or 0) + 1
                questions_value.append(resp.question)
                if resp.passages:
                    new = _sources_for(resp, turn_value)
                    merged = dict(new)
                    merged.update({k: v for k, v in sources_value.items() if k not in merged})
                    keys = list(merged)[:MAX_SOURCES_IN_PICKER]
                    sources_value = {k: merged[k] for k in keys}
                    choices = [(sources_value[k]["label"], k) for k in keys]
                    if resp.abstained:  # nothing was quoted: do not mark a passage as if it answered
                        picker_update = gr.update(choices=choices, value=None)
                        context_value = ABSTAINED_CONTEXT
                    else:
                        picker_update = gr.update(choices=choices, value=new[0][0])
                        context_value = app.show(new[0][0], sources_value)
            return ("", chat, questions_value, records_value, sources_value, turn_value, picker_update,
                    context_value)

        ask_inputs = [box, audience, chatbot, questions, records, sources, turn]
        ask_outputs = [box, chatbot, questions, records, sources, turn, picker, context]
        for trigger in (box.submit, send.click):
            trigger(respond, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=CONCURRENCY,
                    concurrency_id=CONCURRENCY_ID, show_progress="minimal")

        def clear():
            return ([], [], {}, {}, 0, gr.update(choices=[], value=None), CONTEXT_PLACEHOLDER, "", "")

        clear_outputs = [chatbot, questions, records, sources, turn, picker, context, box, status]
        new_chat.click(clear, None, clear_outputs, api_visibility="private", queue=False)
        chatbot.clear(clear, None, clear_outputs, api_visibility="private", queue=False)  # its trash icon

        picker.input(app.show, [picker, sources], context, api_visibility="private", show_progress="hidden")

        def on_like(records_value, data: gr.LikeData):
            return app.vote(data.liked, data.index, records_value)

        on_like.__annotations__["data"] = gr.LikeData  # a real class: this module's annotations are strings

        chatbot.like(on_like, [records], status, api_visibility="private", show_progress="hidden")

        def ask(question: str, history: list[str] | str | None = None, audience: str = "parent") -> dict:
            """Ask one question. history: the earlier questions of the conversation, oldest first
            (a list, or its JSON text). audience: "parent" or "clinician". Returns the answer,
            every passage with its citation, and "error" (null unless something went wrong)."""
            return app.api_ask(question, history, audience)

        gr.api(ask, api_name="ask", concurrency_limit=CONCURRENCY, concurrency_id=CONCURRENCY_ID)

    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo


def theme():
    import gradio as gr

    # system fonts: the default theme would fetch Google Fonts, and this runs offline
    return gr.themes.Default(font=["system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"])


def launch(demo, host: str = "127.0.0.1", port: int = 7860, share: bool = False, open_browser: bool = False,
           block: bool = False, quiet: bool = True):
    """demo.launch with this app's settings: local only by default, no extra file access,
    no server-side rendering, no telemetry. Returns (app, local_url, share_url)."""
    return demo.launch(server_name=host, server_port=port, share=share, inbrowser=open_browser,
                       prevent_thread_lock=not block, quiet=quiet, show_error=False, ssr_mode=False,
                       mcp_server=False, max_file_size="1mb", theme=theme(), css=CSS,
                       footer_links=["api", "settings"], js=SCROLL_JS)


def _port_problem(host: str, port: int) -> str | None:
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


def serve(settings=None, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
          open_browser: bool = False, feedback_path=None) -> int:
    """``assistant serve``: warm up (build the index if missing or stale), start, print the URL,
    run until Ctrl-C. Returns the exit code."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    t0 = time.perf_counter()
    try:
        feedback = FeedbackLog(feedback_path)
    except FeedbackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    busy = _port_problem(host, port)
    if busy:
        print(f"error: cannot serve on {host}:{port}: {busy}; choose another with --port", file=sys.stderr)
        return 1
    assistant = Assistant(settings)
    print("Loading the documents index and the model (building the index if needed)…", flush=True)
    startup_error = None
    try:
        assistant.warm_up()
    except AssistantError as exc:
        startup_error = str(exc)
        print(f"warning: {exc}\n  The UI starts anyway and explains this in the chat; run `assistant build`.",
              file=sys.stderr, flush=True)
    import gradio  # noqa: F401  (imported after warm-up so its start-up cost shows in the timing below)

    demo = build_app(assistant, feedback, startup_error)
    try:
        _, local_url, share_url = launch(demo, host, port, share, open_browser)
    except OSError as exc:
        print(f"error: cannot serve on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    print(f"Chat UI ready in {time.perf_counter() - t0:.1f} s: {local_url}", flush=True)
    if share_url:
        print(f"Public share link (anyone with it can use this assistant): {share_url}", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {host}; other machines on the network can reach it.", file=sys.stderr)
    print(f"API: gradio_client Client(\"{local_url}\").predict(question, [], \"parent\", api_name=\"/ask\")")
    print(f"Feedback is appended to {feedback.path}. Press Ctrl-C to stop.", flush=True)

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
    print("Stopped.")
    return 0
