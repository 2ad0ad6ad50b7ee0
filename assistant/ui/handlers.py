"""The UI's behaviour: what each event does (ask, show in context, vote, the /ask API).

Plain functions of plain data, no Gradio: ``ChatApp`` turns a chat turn into the next chat state,
a picked source into its section's HTML, a thumbs up/down into a feedback line, and an API call
into ``Response.to_json()`` plus "error". None of them raises; a problem becomes a friendly
message (and, in the API, an error Response with ``status`` "error").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..citations import full_reference
from ..feedback import FeedbackError, FeedbackLog
from ..schema import AnswerKind, Audience, Response, Retriever, Status
from ..service import Assistant, AssistantError
from .history import parse_history, remembered, text_of
from .render import (
    ABSTAINED_CONTEXT,
    CONTEXT_PLACEHOLDER,
    context_html,
    error_html,
    reply_html,
    user_html,
)

log = logging.getLogger(__name__)

MAX_SOURCES_IN_PICKER = 60  # citations kept in the "read in context" picker (newest first)
UNAVAILABLE = "The assistant cannot answer right now: its index or model is not available."
FAILED = "Something went wrong while answering; please try again."


def citation_ids(resp: Response) -> list[dict]:
    """The passages of a reply as the feedback log stores them."""
    cited = resp.answer.passage if resp.answer else None
    return [
        {
            "rank": p.rank,
            "doc_id": p.chunk.doc_id,
            "chunk_id": p.chunk.chunk_id,
            "start": p.chunk.start,
            "end": p.chunk.end,
            "cited": i == cited,
        }
        for i, p in enumerate(resp.passages)
    ]


def sources_for(resp: Response, turn: int) -> list[tuple[str, dict]]:
    """(key, item) per passage for the "read in context" picker; the cited one first."""
    a = resp.answer if resp.status is Status.ANSWERED else None
    order = list(range(len(resp.passages)))
    if a is not None:
        order.remove(a.passage)
        order.insert(0, a.passage)
    out = []
    for i in order:
        p = resp.passages[i]
        cited = a is not None and i == a.passage
        quoted = cited and a.kind is not AnswerKind.METADATA  # a document detail has no span to mark
        at, end = (a.doc_start, a.doc_end) if quoted else (p.chunk.start, p.chunk.end)
        label = f"Q{turn} [{p.rank}]{' (quoted)' if cited else ''} {p.citation}"
        out.append(
            (
                f"{turn}:{p.rank}",
                {
                    "doc_id": p.chunk.doc_id,
                    "at": at,
                    "end": end,
                    "label": label,
                    "reference": f"{full_reference(p.meta)} — {p.chunk.section}",
                },
            )
        )
    return out


@dataclass
class Turn:
    """The chat state after one question. picker/context None: leave them as they are."""

    chat: list[dict]
    questions: list[dict]  # the earlier turns (``remembered``), oldest first
    records: dict
    sources: dict
    turn: int
    picker: tuple[list[tuple[str, str]], str | None] | None = None  # (choices, picked key)
    context: str | None = None


class ChatApp:
    """The UI's behaviour over one Assistant and one feedback log."""

    def __init__(
        self, assistant: Assistant, feedback: FeedbackLog | None = None, startup_error: str | None = None
    ) -> None:
        self.assistant = assistant
        self.feedback = feedback
        self.startup_error = startup_error

    # the API ----------------------------------------------------------------------------
    def api_ask(self, question: Any, history: Any = None, audience: Any = "parent") -> dict:
        """Ask one question. history: the earlier turns of the conversation, oldest first: questions,
        or the earlier /ask results (then a follow-up knows where their answers came from); a list
        or its JSON text. audience: "parent" or "clinician". Returns the `assistant ask --json`
        object, plus "error" (null, or what went wrong; then "message" says it plainly)."""
        try:
            resp = self.assistant.ask(text_of(question), history=parse_history(history), audience=audience or "parent")
            return {**resp.to_json(), "error": None}
        except ValueError as exc:
            return api_error(question, audience, "bad_request", str(exc), str(exc))
        except AssistantError as exc:
            return api_error(question, audience, "unavailable", str(exc), UNAVAILABLE)
        except Exception as exc:  # never a traceback to a client
            log.exception("ask failed")
            return api_error(question, audience, "internal", type(exc).__name__, FAILED)

    # one chat turn --------------------------------------------------------------------------
    def answer(self, question: Any, audience: str, questions: list) -> tuple[str, dict, Response | None]:
        """-> (reply HTML, feedback record, response or None). Never raises."""
        question = text_of(question)
        record = {
            "question": question,
            "audience": str(audience),
            "answer": "",
            "message": "",
            "abstained": True,
            "citations": [],
        }
        try:
            resp = self.assistant.ask(question, history=parse_history(questions), audience=audience or "parent")
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
        record.update(
            answer=resp.answer.text if resp.answer else "",
            message=resp.message,
            abstained=resp.abstained,
            citations=citation_ids(resp),
        )
        try:
            return reply_html(resp), record, resp
        except Exception as exc:  # a rendering bug must not show a traceback either
            log.exception("rendering failed")
            title = "Something went wrong while showing the answer. Please try again."
            return error_html(title, f"({type(exc).__name__})"), record, resp

    def respond(
        self,
        message: Any,
        audience: str,
        chat: list | None,
        questions: list | None,
        records: dict | None,
        sources: dict | None,
        turn: int | None,
    ) -> Turn:
        """One question in the chat: the reply appended, the question remembered for follow-ups,
        its sources put first in the picker and the quoted one opened in the section reader."""
        state = Turn(
            chat=list(chat or []),
            questions=list(questions or []),
            records=dict(records or {}),
            sources=dict(sources or {}),
            turn=int(turn or 0),
        )
        reply, record, resp = self.answer(message, audience, state.questions)
        state.chat += [{"role": "user", "content": user_html(message)}, {"role": "assistant", "content": reply}]
        state.records[str(len(state.chat) - 1)] = record
        if resp is None or resp.status is Status.EMPTY_QUESTION:
            return state
        state.turn += 1
        state.questions.append(remembered(resp))
        if not resp.passages:
            return state
        new = sources_for(resp, state.turn)
        merged = dict(new)
        merged.update({k: v for k, v in state.sources.items() if k not in merged})
        state.sources = {k: merged[k] for k in list(merged)[:MAX_SOURCES_IN_PICKER]}
        choices = [(item["label"], k) for k, item in state.sources.items()]
        if resp.status is Status.ANSWERED and not resp.abstained:
            state.picker, state.context = (choices, new[0][0]), self.show(new[0][0], state.sources)
        else:  # nothing was quoted: do not mark a passage as if it answered
            state.picker, state.context = (choices, None), ABSTAINED_CONTEXT
        return state

    def show(self, key: str | None, sources: dict) -> str:
        """The picked source in its whole section, its passage (or quote) marked."""
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
            index = index[0] if index else None
        record = (records or {}).get(str(index))
        if record is None:
            return "That message has no answer to rate."
        try:
            self.feedback.vote(
                vote=liked,
                question=record["question"],
                answer=record["answer"],
                citations=record["citations"],
                audience=record["audience"],
                abstained=record["abstained"],
                message=record["message"],
            )
        except (OSError, FeedbackError) as exc:
            log.warning("feedback not saved: %s", exc)
            return "Sorry, your feedback could not be saved."
        return "Thank you, your feedback was saved."


def api_error(question: Any, audience: Any, kind: str, detail: str, message: str) -> dict:
    """The /ask object when no answer could be made: an error Response's JSON plus "error"
    {kind, detail}. An unknown audience is reported as the default one (the detail names it)."""
    try:
        parsed = Audience.parse(audience or Audience.PARENT)
    except ValueError:
        parsed = Audience.PARENT
    resp = Response(
        question=text_of(question),
        standalone_question="",
        audience=parsed,
        retriever=Retriever.HYBRID,
        abstained=True,
        answer=None,
        passages=(),
        message=message,
        status=Status.ERROR,
    )
    return {**resp.to_json(), "error": {"kind": kind, "detail": detail}}
