"""The chat UI in a real browser: Playwright drives Debian's Chromium against the real app
(real model, real index) on a free port. Screenshots go to tests/artifacts/ (git-ignored).

The app serves an index built from a copy of the real documents plus one hostile document
whose text and title carry <script> and <img onerror> markup; every test also checks that no
dialog opened and that the injected code never ran.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import free_port

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TREATMENT = re.compile(r"IVIg|immunoglobulin|corticosteroid|steroid|immunotherapy", re.IGNORECASE)
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="window.__xss=1">'
HOSTILE_TEXT = f"""Pumpkin lantern safety note {SCRIPT}

Lantern handling
The pumpkin lantern festival safety note says: children should carry pumpkin lanterns with battery candles {SCRIPT} and never with open flames {IMG} during the lantern parade. A template ${{window.__xss=2}} and a `backtick` stay text too.
"""
HOSTILE_QUESTION = "How should children carry pumpkin lanterns in the lantern parade?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="browser tests need Debian's Chromium at /usr/bin/chromium: "
        "run `make browser` (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def hostile_assistant(tmp_path_factory, assistant, settings, embedder):
    """The real documents plus the hostile one. The session index is copied first, so only the
    hostile document is embedded (the build reuses the vectors of unchanged documents)."""
    from assistant.service import Assistant
    from assistant.settings import Settings

    base = tmp_path_factory.mktemp("hostile")
    docs = base / "docs"
    shutil.copytree(settings.docs_dir, docs)
    (docs / "lantern-note.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (docs / "lantern-note.meta.json").write_text(
        json.dumps(
            {
                "title": f"Lantern note {IMG} {SCRIPT}",
                "authors": [f"Mallory {SCRIPT}"],
                "journal": IMG,
                "year": 2024,
                "doc_type": "case report",
                "source": "javascript:window.__xss=4",
            }
        ),
        encoding="utf-8",
    )
    index = base / "index"
    shutil.copytree(settings.index_dir, index, symlinks=True)
    return Assistant(Settings(docs_dir=docs, index_dir=index), embedder=embedder).warm_up()


@contextmanager
def served(assistant, feedback=None):
    """The app built and launched on a free loopback port; yields its URL."""
    from assistant.ui.app import build_app
    from assistant.ui.server import launch

    demo = build_app(assistant, feedback)
    _, url, _ = launch(demo, port=free_port())
    try:
        yield url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def app_url(hostile_assistant, feedback_log):
    with served(hostile_assistant, feedback_log) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def opened(browser, url):
    """A fresh page (a fresh chat); fails the test if any dialog opens or injected code ran."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    outside: list[str] = []  # the app works offline: every request stays on this machine
    pg.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None,
    )
    pg.goto(url)
    pg.locator("#question textarea").wait_for(timeout=30_000)
    yield pg
    try:
        assert dialogs == [], f"a dialog opened: {dialogs}"
        assert pg.evaluate("typeof window.__xss") == "undefined"
        assert pg.locator(".toast-body.error").count() == 0, "Gradio showed an error toast"
        assert outside == [], f"requests left the machine: {outside[:5]}"
    finally:
        context.close()


@pytest.fixture()
def page(browser, app_url):
    with opened(browser, app_url) as pg:
        yield pg


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def replies(page):
    return page.locator("#chat .asst-reply")


def ask(page, question: str, audience: str | None = None, click: bool = False):
    """Type a question (and pick the audience); returns the locator of the new reply."""
    if audience:
        page.locator("#audience").get_by_text(audience, exact=True).click()
    n = replies(page).count()
    box = page.locator("#question textarea")
    box.fill(question)
    if click:
        page.locator("#ask-button").click()
    else:
        box.press("Enter")
    reply = replies(page).nth(n)
    reply.wait_for(timeout=30_000)
    return reply


def squash(text: str) -> str:
    return " ".join(text.split())


def test_parent_question(page, hostile_assistant):
    q = "What causes cerebellar hypoplasia?"
    expected = hostile_assistant.ask(q, audience="parent")
    assert not expected.abstained
    reply = ask(page, q, "parent")
    # the chat scrolls to the new answer, not to the end of its Sources
    deadline = time.time() + 5
    while True:
        chat_box, answer_box = page.locator("#chat").bounding_box(), reply.locator(".asst-answer").bounding_box()
        if chat_box["y"] <= answer_box["y"] < chat_box["y"] + chat_box["height"] or time.time() > deadline:
            break
        page.wait_for_timeout(100)
    assert chat_box["y"] <= answer_box["y"] < chat_box["y"] + chat_box["height"], (chat_box, answer_box)
    # the answer, the passage and the section read with lost dashes restored (the quote marked)
    assert squash(expected.answer.readable) in squash(reply.locator(".asst-answer").inner_text())
    rank = expected.passages[expected.answer.passage].rank
    assert f"[{rank}]" in reply.locator(".asst-answer .asst-cite").inner_text()
    assert reply.locator("mark").first.is_visible()
    assert squash(reply.locator("mark").first.inner_text()) == squash(expected.answer.readable)
    assert reply.get_by_text("not medical advice").is_visible()
    if expected.glossary:
        assert reply.get_by_text("Words explained").is_visible()
    summary = reply.locator("details.asst-sources > summary")
    assert summary.inner_text().startswith("Sources")
    sources = reply.locator(".asst-source")
    assert sources.count() == len(expected.passages) and not sources.first.is_visible()
    summary.click()
    assert sources.first.is_visible()
    for i, p in enumerate(expected.passages):
        head = sources.nth(i).locator(".asst-source-head").inner_text()
        assert f"[{p.rank}]" in head and p.evidence in head and f"{p.score:.3f}" in head
    # the cited passage is open in its whole section, quote marked
    context = page.locator("#context")
    assert context.locator("mark").first.is_visible()
    assert squash(expected.answer.readable) in squash(context.locator("mark").first.inner_text())
    shot(page, "ui-parent")
    # pick another source: its whole section, the passage marked
    other = expected.passages[1 if expected.answer.passage == 0 else 0]
    page.locator("#source-picker input").click()
    page.get_by_role("option").filter(has_text=f"[{other.rank}] ").first.click()
    context.get_by_text(other.chunk.section, exact=True).first.wait_for(timeout=10_000)
    assert squash(other.chunk.readable)[:60] in squash(context.locator("mark").first.inner_text())


def test_clinician_question(page, hostile_assistant):
    q = "What did perfusion SPECT show in the infant with opsoclonus-myoclonus syndrome?"
    expected = hostile_assistant.ask(q, audience="clinician")
    assert not expected.abstained
    # the clinician example fills the question and switches the audience
    from playwright.sync_api import expect

    page.get_by_text("What did perfusion SPECT show").first.click()
    expect(page.locator("#question textarea")).to_have_value(q, timeout=10_000)
    expect(page.locator("#audience input[value=clinician]")).to_be_checked(timeout=10_000)
    reply = ask(page, q, click=True)
    quote = reply.locator(".asst-quote")
    assert quote.is_visible() and squash(expected.answer.readable) in squash(quote.inner_text())
    p = expected.passages[expected.answer.passage]
    ref = reply.locator(".asst-ref").inner_text()
    assert f"[{p.rank}]" in ref and (p.meta.doi is None or f"doi:{p.meta.doi}" in ref)
    assert reply.get_by_text("Words explained").count() == 0
    assert reply.get_by_text("not medical advice").count() == 0
    assert reply.locator("details.asst-sources > summary").is_visible()
    shot(page, "ui-clinician")


def test_follow_up_then_new_chat(page):
    first = ask(page, "What is opsoclonus-myoclonus syndrome?")
    assert "opsoclonus" in first.inner_text().lower()
    second = ask(page, "How is it treated?")
    assert "opsoclonus" in second.locator(".asst-searched").inner_text().lower()
    assert TREATMENT.search(second.text_content()), second.text_content()[:800]
    shot(page, "ui-follow-up")
    page.locator("#new-chat").click()
    replies(page).first.wait_for(state="detached", timeout=10_000)
    assert page.locator("#chat .asst-user").count() == 0
    alone = ask(page, "How is it treated?")  # no earlier question to resolve "it" now
    searched = alone.locator(".asst-searched")
    assert searched.count() == 0 or "opsoclonus" not in searched.inner_text().lower()


def test_unanswerable_question(page):
    reply = ask(page, "What is the capital of France?")
    assert reply.get_by_text("The documents don't answer this.").is_visible()
    assert reply.locator(".asst-answer, .asst-quote").count() == 0
    if reply.locator(".asst-source").count():  # related passages named, their text under Sources
        assert reply.locator(".asst-related li").count() == reply.locator(".asst-source").count()
        assert reply.locator(".asst-related").is_visible()
        assert page.locator("#context mark").count() == 0  # nothing marked as if it answered
    shot(page, "ui-abstain")


def test_errors_are_friendly_messages(page):
    empty = ask(page, "", click=True)
    assert empty.get_by_text("Please type a question.").is_visible()
    long = ask(page, ("Why is my child's cerebellum small? " * 300)[:10_000])
    assert "longer than" in long.inner_text()
    bubble = page.locator("#chat .asst-user").last.inner_text()
    assert "10,000 characters" in bubble and len(bubble) < 1000
    assert "Traceback" not in page.locator("#chat").inner_text()
    shot(page, "ui-errors")


def test_feedback_click_writes_a_line(page, feedback_log):
    before = len(feedback_log.read())
    ask(page, "What causes cerebellar hypoplasia?")
    page.locator("#chat").get_by_role("button", name="Like", exact=True).last.click()
    page.get_by_text("your feedback was saved").wait_for(timeout=10_000)
    deadline = time.time() + 10
    while len(feedback_log.read()) == before and time.time() < deadline:
        time.sleep(0.1)
    rows = feedback_log.read()
    assert len(rows) == before + 1
    row = rows[-1]
    assert row["vote"] == "up" and row["question"] == "What causes cerebellar hypoplasia?"
    assert row["answer"] and row["citations"] and row["citations"][0]["doc_id"]
    page.locator("#chat").get_by_role("button", name="Dislike", exact=True).last.click()
    deadline = time.time() + 10
    while len(feedback_log.read()) == before + 1 and time.time() < deadline:
        time.sleep(0.1)
    assert feedback_log.read()[-1]["vote"] == "down"


def test_hostile_document_shows_as_text(page, hostile_assistant):
    expected = hostile_assistant.ask(HOSTILE_QUESTION)
    assert expected.passages[0].chunk.doc_id == "lantern-note", "the hostile document must be retrieved"
    reply = ask(page, HOSTILE_QUESTION)
    summary = reply.locator("details.asst-sources > summary")
    if reply.locator(".asst-source").first.is_hidden():
        summary.click()
    page.wait_for_timeout(500)  # give any injected handler (onerror) time to fire
    assert reply.get_by_text(SCRIPT).first.is_visible()
    text = reply.inner_text()
    assert SCRIPT in text and IMG in text and "${window.__xss=2}" in text
    assert reply.locator("script, img").count() == 0
    # the section reader (a gr.HTML panel) opens on the cited passage, and escapes too
    context = page.locator("#context")
    context.get_by_text("pumpkin lanterns", exact=False).first.wait_for(timeout=10_000)
    assert SCRIPT in context.inner_text() and "Lantern note" in context.inner_text()
    assert context.locator("script, img").count() == 0
    page.locator("#source-picker input").click()  # the picker's labels are text as well
    assert page.get_by_role("option").filter(has_text=SCRIPT).count() >= 1
    page.keyboard.press("Escape")
    # and the user's own text
    ask(page, f"Is {IMG} {SCRIPT} a lantern?")
    assert f"Is {IMG} {SCRIPT} a lantern?" in page.locator("#chat .asst-user").last.inner_text()
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#chat img[src=x], #context img[src=x]").count() == 0
    shot(page, "ui-hostile")


# -- answer kinds, further quotes, provenance (hand-made Responses: the answer layer that fills
# these fields is still being written) ------------------------------------------------------------
def test_new_answer_fields_survive_the_chatbot(browser, settings):
    """The Chatbot's sanitizer keeps the labels, the further quotes and their marks."""
    from test_ui_render import (
        GLOSSARY,
        METADATA_ANSWER,
        ROW,
        ROW_READABLE,
        TABLE_ANSWER,
        TEXTS,
        response,
    )

    from assistant.schema import Alternative, Audience
    from assistant.service import Assistant, Context

    alternative = Alternative(text=TEXTS[2][:33], passage=2, start=0, end=33, score=0.5)
    answers = {"table": TABLE_ANSWER, "year": METADATA_ANSWER}

    class Scripted(Assistant):
        def ask(self, question, history=(), audience="parent", **kwargs):
            answer = answers["year" if "year" in question else "table"]
            return response(
                answer,
                Audience.parse(audience),
                alternatives=(alternative,),
                glossary=GLOSSARY,
                question=question,
                standalone=question,
            )

        def show(self, doc_id, at, end=None):
            return Context(doc_id, "A document", "Results", TEXTS[0], 16, 16 + len(ROW), "Smith J, et al.")

    with served(Scripted(settings)) as url, opened(browser, url) as pg:
        reply = ask(pg, "Which genes?")
        assert squash(reply.locator(".asst-answer").inner_text()).startswith(squash(ROW_READABLE))
        assert squash(reply.locator("mark").first.inner_text()) == squash(ROW)
        also = reply.locator(".asst-also")
        assert also.get_by_text("Also in the documents:").is_visible()
        assert "[3]" in also.locator(".asst-cite").first.inner_text()
        glossary = reply.locator(".asst-glossary").inner_text()
        assert "written for this assistant, not from the documents" in glossary
        assert "quoted from Smith J, et al. 2019" in glossary
        reply.locator("details.asst-sources > summary").click()
        assert reply.locator("mark.asst-alt").first.is_visible()
        shot(pg, "ui-table-row")
        details = ask(pg, "Which year?", "clinician")
        assert details.locator(".asst-quote .asst-label").inner_text() == "Document details:"
        assert "Year of publication: 2019" in details.locator(".asst-quote").inner_text()
        assert details.locator(".asst-passage mark:not(.asst-alt)").count() == 0
