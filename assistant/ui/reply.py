"""What a reply says, decided once for the chat HTML and the CLI's text (``render.py``).

``reply_view`` turns a Response into a ``Reply``: its status (an answer to show, or not), the
message, what was searched for when a follow-up was resolved, the answer and further quotes in
their readable form with the span each has in its passage, the words explained with their
provenance (parent view only), the notice and the passages. Pure functions, no Gradio.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..questions import sanitize
from ..responding import EMPTY_QUESTION, NOT_ANSWERED
from ..schema import AnswerKind, Audience, Passage, Response, Status

METADATA_LABEL = "Document details"
WRITTEN_HERE = "written for this assistant, not from the documents"
FAILED = "Something went wrong while answering; please try again."
FALLBACK = {Status.EMPTY_QUESTION: EMPTY_QUESTION, Status.NOT_ANSWERED: NOT_ANSWERED, Status.ERROR: FAILED}


@dataclass(frozen=True)
class Quote:
    """An answer or a further quote: its readable form and the passage it cites."""

    readable: str
    passage: Passage
    span: tuple[int, int] | None  # the verbatim text's span in passage.chunk.text (None: not in it)
    label: str = ""  # METADATA_LABEL for a document detail, else ""


@dataclass(frozen=True)
class Explained:
    """One "Words explained" line and where its explanation comes from."""

    term: str
    explanation: str
    quoted_from: str  # the citation of the document it is quoted from; "" = written for this assistant

    @property
    def provenance(self) -> str:
        return f"quoted from {self.quoted_from}" if self.quoted_from else WRITTEN_HERE


@dataclass(frozen=True)
class Reply:
    status: Status  # ANSWERED only when there is an answer to show
    audience: Audience
    message: str
    searched_for: str  # the standalone question when a follow-up was resolved, else ""
    answer: Quote | None
    alternatives: tuple[Quote, ...]
    glossary: tuple[Explained, ...]  # parent view only
    notice: str
    passages: tuple[Passage, ...]


def quote_span(text: str, quote: str, start: int, end: int) -> tuple[int, int] | None:
    """(start, end) of quote in text: the given offsets when they hold, else its first occurrence."""
    if 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    i = text.find(quote) if quote else -1
    return (i, i + len(quote)) if i >= 0 else None


def _searched_for(resp: Response) -> str:
    asked = sanitize(str(resp.question))
    standalone = resp.standalone_question
    resolved = standalone and standalone != asked and len(asked) <= len(standalone) + 200  # not a cut
    return standalone if resolved else ""


def reply_view(resp: Response) -> Reply:
    """What a reply shows, decided once for both the HTML and the text."""
    status = resp.status
    if status is Status.ANSWERED and (resp.abstained or resp.answer is None):
        status = Status.NOT_ANSWERED
    answer, alternatives, glossary = None, (), ()
    if status is Status.ANSWERED:
        a = resp.answer
        p = resp.passages[a.passage]
        metadata = a.kind is AnswerKind.METADATA  # a sidecar value: no span to mark in the passage
        span = None if metadata else quote_span(p.chunk.text, a.text, a.start, a.end)
        answer = Quote(a.readable, p, span, METADATA_LABEL if metadata else "")
        alternatives = tuple(
            Quote(
                alt.readable,
                resp.passages[alt.passage],
                quote_span(resp.passages[alt.passage].chunk.text, alt.text, alt.start, alt.end),
            )
            for alt in resp.alternatives
            if 0 <= alt.passage < len(resp.passages)
        )
        if resp.audience is Audience.PARENT:
            glossary = tuple(Explained(g.term, g.explanation, g.quoted_from) for g in resp.glossary)
    return Reply(
        status=status,
        audience=resp.audience,
        message=resp.message or FALLBACK.get(status, ""),
        searched_for=_searched_for(resp) if resp.passages else "",
        answer=answer,
        alternatives=alternatives,
        glossary=glossary,
        notice="" if status is Status.EMPTY_QUESTION else resp.notice,
        passages=resp.passages,
    )
