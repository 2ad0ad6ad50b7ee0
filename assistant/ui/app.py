"""The Gradio wiring: ``build_app`` lays out the Blocks page and connects its events to ``ChatApp``.

No behaviour of its own: each event calls a ChatApp method (handlers.py), and every reply is
HTML from render.py. Gradio is imported inside the functions, so importing this module is light.

Concurrency: retrieval is CPU-bound (about 10-50 ms per question on 2 cores, the embedding
model's matrix products already use both cores), so the chat and the API share one concurrency
group of 2 and the queue holds at most QUEUE_MAX_SIZE waiting requests; beyond that a client
is told at once that the server is busy instead of waiting behind a long line.
"""

from __future__ import annotations

from ..feedback import FeedbackLog
from ..service import Assistant
from .gradio_import import import_gradio
from .handlers import ChatApp
from .render import CONTEXT_PLACEHOLDER, PAGE_NOTE, error_html

CONCURRENCY = 2  # retrieval requests in flight at once (= cores on the target machines)
QUEUE_MAX_SIZE = 64  # waiting requests; ~64 x 50 ms = ~3 s of work at most
CONCURRENCY_ID = "retrieval"

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
.asst-reply mark.asst-alt { background: #e0e7ff; }
.asst-cite { font-weight: 700; color: #1d4ed8; white-space: nowrap; }
.asst-answer { font-size: 1.05em; }
.asst-label { font-weight: 700; }
.asst-from, .asst-ref, .asst-searched, .asst-provenance { font-size: 0.9em; opacity: 0.85; }
.asst-passage { font-size: 0.92em; border-left: 3px solid #d1d5db; margin: 0.4em 0; padding: 0.1em 0.6em; }
.asst-quote { font-size: 1.05em; border-left: 4px solid #1d4ed8; margin: 0.3em 0; padding: 0.2em 0.7em; }
.asst-glossary, .asst-also { margin: 0.5em 0; }
.asst-glossary ul, .asst-related ul, .asst-also ul { margin: 0.2em 0 0.2em 1.2em; padding: 0; }
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


def theme():
    gr = import_gradio()

    # system fonts: the default theme would fetch Google Fonts, and this runs offline
    return gr.themes.Default(
        font=["system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def build_app(assistant: Assistant, feedback: FeedbackLog | None = None, startup_error: str | None = None):
    """The Blocks app. Call ``launch(demo, ...)`` (server.py) to serve it."""
    gr = import_gradio()

    app = ChatApp(assistant, feedback, startup_error)

    with gr.Blocks(title="Cerebellum document assistant", analytics_enabled=False) as demo:
        demo.chat_app = app  # for tests and embedding
        gr.Markdown("## Ask the documents\n" + PAGE_NOTE, elem_classes=["asst-page-note"])
        if startup_error:
            gr.HTML(
                error_html(
                    "The assistant could not load its documents; answers will fail until this is fixed.", startup_error
                ),
                elem_id="startup-error",
            )
        questions = gr.State([])  # the earlier turns of this chat: question, quote, document, section
        records = gr.State({})  # assistant message index -> what was answered (for feedback)
        sources = gr.State({})  # picker key -> {doc_id, at, end, label, reference}
        turn = gr.State(0)
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    elem_id="chat",
                    height=640,
                    autoscroll=False,
                    render_markdown=False,
                    sanitize_html=True,
                    latex_delimiters=[],
                    allow_tags=False,
                    feedback_options=("Like", "Dislike"),
                    buttons=["copy_all"],
                    placeholder="Ask about cerebellar hypoplasia, opsoclonus-myoclonus "
                    "syndrome or postinfective cerebellar necrosis.",
                )
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Type a question and press Enter",
                        show_label=False,
                        elem_id="question",
                        scale=5,
                        lines=1,
                        max_lines=6,
                        autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-button")
                with gr.Row():
                    new_chat = gr.Button("New chat", elem_id="new-chat", size="sm")
                    status = gr.Markdown("", elem_id="feedback-status")
            with gr.Column(scale=2):
                audience = gr.Radio(
                    ["parent", "clinician"],
                    value="parent",
                    label="I am a…",
                    info="parent: plain answer, words explained. clinician: exact quote and full citation first.",
                    elem_id="audience",
                )
                with gr.Accordion("Read a source in its whole section", open=True):
                    picker = gr.Dropdown(
                        choices=[], value=None, label="Source", elem_id="source-picker", interactive=True
                    )
                    context = gr.HTML(CONTEXT_PLACEHOLDER, elem_id="context", js_on_load=None)
                gr.Examples(
                    [[q, "parent"] for q in PARENT_EXAMPLES], inputs=[box, audience], label="Examples for parents"
                )
                gr.Examples(
                    [[q, "clinician"] for q in CLINICIAN_EXAMPLES],
                    inputs=[box, audience],
                    label="Examples for clinicians",
                )

        def respond(message, audience_value, chat, questions_value, records_value, sources_value, turn_value):
            t = app.respond(message, audience_value, chat, questions_value, records_value, sources_value, turn_value)
            picker_update = gr.update() if t.picker is None else gr.update(choices=t.picker[0], value=t.picker[1])
            context_value = gr.update() if t.context is None else t.context
            return "", t.chat, t.questions, t.records, t.sources, t.turn, picker_update, context_value

        ask_inputs = [box, audience, chatbot, questions, records, sources, turn]
        ask_outputs = [box, chatbot, questions, records, sources, turn, picker, context]
        for trigger in (box.submit, send.click):
            trigger(
                respond,
                ask_inputs,
                ask_outputs,
                api_visibility="private",
                concurrency_limit=CONCURRENCY,
                concurrency_id=CONCURRENCY_ID,
                show_progress="minimal",
            )

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

        def ask(question: str, history: list | str | None = None, audience: str = "parent") -> dict:
            """Ask one question. history: the earlier turns of the conversation, oldest first: its
            questions, or better the earlier /ask results (a follow-up then knows where their
            answers came from); a list, or its JSON text. audience: "parent" or "clinician". Returns the answer,
            every passage with its citation, and "error" (null unless something went wrong)."""
            return app.api_ask(question, history, audience)

        gr.api(ask, api_name="ask", concurrency_limit=CONCURRENCY, concurrency_id=CONCURRENCY_ID)

    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo
