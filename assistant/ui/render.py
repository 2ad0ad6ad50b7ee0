"""Rendering: a Response as chat HTML (the UI) or as plain text (the CLI), from the same pieces.

Pure functions, no Gradio and no server. ``reply.reply_view`` decides what a reply says (the
answer in its readable form, further quotes, words explained with their provenance, the
passages); ``reply_html`` and ``reply_text`` only lay those pieces out. Every piece of document
or user text goes through ``esc`` before it is put into HTML (quotes too); Markdown and LaTeX
are off in the Chatbot, so a ``$`` or ``*`` in a document is just text.
"""

from __future__ import annotations

import html
from typing import Any

from ..citations import full_reference
from ..schema import Audience, Passage, Response, Status
from .reply import Quote, Reply, reply_view

USER_ECHO_CHARS = 600  # a very long question is echoed cut in the chat bubble
TEXT_PASSAGE_CHARS = 400  # a passage in the terminal's Sources list is cut here
ALSO_LABEL = "Also in the documents:"
RELATED_TEXT = "Related passages (they do not answer the question):"
RELATED_HTML = "Related passages (they do not answer the question; read them under Sources):"

PAGE_NOTE = (
    "Answers are sentences quoted from the documents, with their sources. "
    "They are not medical advice: talk to your child's doctor."
)
CONTEXT_PLACEHOLDER = (
    '<div class="asst-context-empty">Ask a question, then pick one of its sources '
    "here to read it in its whole section.</div>"
)
ABSTAINED_CONTEXT = (
    '<div class="asst-context-empty">The documents don\'t answer the last question. Pick one '
    "of its related passages here to read it in its whole section.</div>"
)


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


def marked(text: str, spans: list[tuple[int, int, str]]) -> str:
    """text with each (start, end, css class) span in <mark>, every part escaped; a span that
    overlaps an earlier one or falls outside text is left unmarked."""
    out, at = [], 0
    for start, end, css in sorted(spans):
        if not at <= start < end <= len(text):
            continue
        attr = f' class="{css}"' if css else ""
        out.append(f"{esc(text[at:start])}<mark{attr}>{esc(text[start:end])}</mark>")
        at = end
    return "".join(out) + esc(text[at:])


def score_text(p: Passage) -> str:
    """The passage's scores as a reader sees them: the retrieval score, and the probability that
    its best sentence answers (which orders the passages) when it was scored."""
    if p.answer_score is None:
        return f"retrieval score {p.score:.3f}"
    return f"answer score {p.answer_score:.2f} · retrieval score {p.score:.3f}"


def _cite(p: Passage) -> str:
    return f'<span class="asst-cite">[{p.rank}]</span>'


def _source_html(p: Passage, view: Reply) -> str:
    meta = p.meta
    bits = [f"{_cite(p)} <strong>{esc(meta.title)}</strong>"]
    if meta.authors:
        bits.append(esc(meta.short_authors()))
    if meta.journal:
        bits.append(f"<em>{esc(meta.journal)}</em>")
    if meta.year:
        bits.append(esc(meta.year))
    if p.chunk.section:
        bits.append(f"section: {esc(p.chunk.section)}")
    bits += [f"evidence: {esc(p.evidence)}", score_text(p)]
    if meta.doi:
        bits.append(_link(f"doi:{meta.doi}", f"https://doi.org/{meta.doi}"))
    elif meta.source:
        bits.append(_link(meta.source, meta.source))
    quotes = [(view.answer, "")] if view.answer else []
    quotes += [(q, "asst-alt") for q in view.alternatives]
    return (
        f'<div class="asst-source"><div class="asst-source-head">{" · ".join(bits)}</div>'
        f'<div class="asst-passage">{passage_marked(p, quotes)}</div></div>'
    )


def passage_marked(p: Passage, quotes: list[tuple[Quote, str]]) -> str:
    """The passage as it reads (table rows with their column names, lost dashes restored) with
    each of its quotes marked where the quote's readable form stands in it; verbatim, marked by
    the quotes' offsets, when it reads as its text or a quote's readable form is not in it."""
    mine = sorted(((q, css) for q, css in quotes if q.passage is p and q.span), key=lambda qc: qc[0].span)
    if p.chunk.display:
        spans, at = [], 0
        for q, css in mine:
            i = p.chunk.display.find(q.readable, at)
            if i < 0:
                break
            spans.append((i, i + len(q.readable), css))
            at = i + len(q.readable)
        else:
            return marked(p.chunk.display, spans)
    return marked(p.chunk.text, [(*q.span, css) for q, css in mine])


def _sources_html(view: Reply) -> str:
    if not view.passages:
        return ""
    n = len(view.passages)
    items = "".join(_source_html(p, view) for p in view.passages)
    return (
        f'<details class="asst-sources"><summary>Sources <span class="asst-count">'
        f"({n} passage{'s' if n != 1 else ''})</span></summary>{items}</details>"
    )


def _answer_html(q: Quote, audience: Audience) -> tuple[str, str]:
    """(the answer with its citation, the passage it is quoted from with the quote marked)."""
    p = q.passage
    label = f'<span class="asst-label">{esc(q.label)}:</span> ' if q.label else ""
    in_passage = ""
    if not q.label:  # a document detail is not a quote from the passage
        in_passage = f'<div class="asst-passage">{passage_marked(p, [(q, "")])}</div>'
    if audience is Audience.CLINICIAN:
        text = esc(q.readable) if q.label else f"“{esc(q.readable)}”"
        head = (
            f'<blockquote class="asst-quote">{label}{text} {_cite(p)}</blockquote>'
            f'<p class="asst-ref">{_cite(p)} {esc(full_reference(p.meta))} — {esc(p.chunk.section)}. '
            f"Evidence: {esc(p.evidence)}. {score_text(p).capitalize()}.</p>"
        )
        return head, in_passage
    head = (
        f'<p class="asst-answer">{label}{esc(q.readable)} {_cite(p)}</p>'
        f'<p class="asst-from">From source [{p.rank}]: {esc(p.citation)} ({esc(p.evidence)})</p>'
    )
    return head, f'<p class="asst-from">In the document:</p>{in_passage}' if in_passage else ""


def _alternatives_html(view: Reply) -> str:
    if not view.alternatives:
        return ""
    items = "".join(
        f'<li>“{esc(q.readable)}” {_cite(q.passage)} <span class="asst-from">{esc(q.passage.citation)}</span></li>'
        for q in view.alternatives
    )
    return f'<div class="asst-also"><strong>{esc(ALSO_LABEL)}</strong><ul>{items}</ul></div>'


def _glossary_html(view: Reply) -> str:
    if not view.glossary:
        return ""
    items = "".join(
        f"<li><strong>{esc(g.term)}</strong>: "
        + (f"“{esc(g.explanation)}”" if g.quoted_from else esc(g.explanation))
        + f' <span class="asst-provenance">({esc(g.provenance)})</span></li>'
        for g in view.glossary
    )
    return f'<div class="asst-glossary"><strong>Words explained</strong><ul>{items}</ul></div>'


def reply_html(resp: Response) -> str:
    """One chat reply for a Response, in the audience's presentation."""
    view = reply_view(resp)
    if view.status is Status.ERROR:
        return error_html(view.message)
    out = [f'<div class="asst-reply asst-{view.audience.value}">']
    if view.searched_for:
        out.append(f'<p class="asst-searched">Searched for: {esc(view.searched_for)}</p>')
    if view.answer is None:
        out.append(f'<p class="asst-abstain"><strong>{esc(view.message)}</strong></p>')
        if view.passages:
            related = "".join(f"<li>{_cite(p)} {esc(p.citation)} ({esc(p.evidence)})</li>" for p in view.passages)
            out.append(f'<div class="asst-related"><p>{esc(RELATED_HTML)}</p><ul>{related}</ul></div>')
    else:
        head, in_passage = _answer_html(view.answer, view.audience)
        out += [head, _alternatives_html(view), _glossary_html(view), in_passage]
    if view.notice:
        out.append(f'<p class="asst-notice">{esc(view.notice)}</p>')
    out += [_sources_html(view), "</div>"]
    return "".join(out)


def error_html(title: str, detail: str = "") -> str:
    extra = f"<p>{esc(detail)}</p>" if detail else ""
    return f'<div class="asst-reply asst-error"><p><strong>{esc(title)}</strong></p>{extra}</div>'


def user_html(question: Any) -> str:
    text = question if isinstance(question, str) else str(question or "")
    if not text.strip():
        return '<span class="asst-user"><em>(empty message)</em></span>'
    if len(text) > USER_ECHO_CHARS:
        text = text[:USER_ECHO_CHARS] + f"… ({len(text):,} characters)"
    return f'<span class="asst-user">{esc(text)}</span>'


def context_html(ctx, reference: str = "") -> str:
    """Assistant.show(...) as HTML: the whole section as it reads, with the quote marked."""
    text, start, end = ctx.shown
    return (
        f'<div class="asst-context"><h3>{esc(ctx.title)}</h3>'
        f'<p class="asst-ref">{esc(reference or ctx.citation)}</p>'
        f'<h4>{esc(ctx.section)}</h4><div class="asst-section-text">'
        f"{marked(text, [(start, end, '')])}</div></div>"
    )


# -- text (the CLI) -----------------------------------------------------------------------
def reply_text(resp: Response) -> str:
    """The same reply for a terminal: answer, further quotes, words explained, sources, notice."""
    view = reply_view(resp)
    lines = []
    if view.answer is None:
        lines.append(view.message)
        if view.passages:
            lines += ["", RELATED_TEXT]
    else:
        q = view.answer
        said = q.readable if q.label else f"“{q.readable}”"
        lines += [
            f"{q.label or 'Answer'} [{q.passage.rank}]: {said}",
            f"   — {q.passage.citation} ({q.passage.evidence})",
        ]
        if view.alternatives:
            lines += ["", ALSO_LABEL]
            lines += [f"  “{a.readable}” [{a.passage.rank}] {a.passage.citation}" for a in view.alternatives]
        if view.glossary:
            lines += ["", "Words explained:"]
            lines += [f"  {g.term}: {g.explanation} ({g.provenance})" for g in view.glossary]
        lines += ["", "Sources:"]
    if view.searched_for:
        lines.append(f"(searched as: {view.searched_for})")
    for p in view.passages:
        text = " ".join(p.chunk.readable.split())
        cut = "…" if len(text) > TEXT_PASSAGE_CHARS else ""
        lines += [
            f"[{p.rank}] {p.citation} · {p.evidence} · {score_text(p)}",
            f"    {text[:TEXT_PASSAGE_CHARS]}{cut}",
        ]
    if view.notice:
        lines += ["", view.notice]
    return "\n".join(lines)
