"""Earlier turns as the chat and the ``/ask`` API receive them: questions, chat messages, earlier
``/ask`` results or the turns the chat remembered, as a list or its JSON text, made into the
``Turn`` values ``Assistant.ask`` takes. Whatever is missing or malformed in a turn is left
unknown; a history that is not a list (nor its JSON text) is a ValueError the handlers report.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from ..schema import Response, quoted_place
from ..schema import Turn as AskedTurn


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else str(value or "")


def _offset(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


TURN_FIELDS = tuple(f.name for f in fields(AskedTurn))


def remembered(resp: Response) -> dict:
    """What the chat keeps of an answered turn for its follow-ups: the question, the quote and
    where it came from, and the question as searched (plain data, as Gradio state holds it)."""
    return asdict(resp.as_turn())


def turn_of(item: dict) -> AskedTurn:
    """An earlier turn given as data: an earlier ``/ask`` result (``Response.to_json()``), or a turn
    the chat remembered (``remembered``). Whatever is missing or malformed is left unknown."""
    if "passages" not in item:
        fields_ = {k: text_of(item.get(k)) for k in TURN_FIELDS if k != "doc_start"}
        return AskedTurn(**fields_, doc_start=_offset(item.get("doc_start")))
    question, standalone = text_of(item.get("question")), text_of(item.get("standalone_question"))
    answer = item.get("answer")
    try:
        at = int(answer["passage"])
        passage = item["passages"][at] if at >= 0 else {}
        doc_id, section, text = text_of(passage["doc_id"]), text_of(passage["section"]), text_of(answer["text"])
    except (TypeError, KeyError, IndexError, ValueError):  # abstained (no answer), or not an /ask result
        return AskedTurn(question, standalone=standalone)
    return AskedTurn(
        question, text, doc_id, section, standalone, quoted_place(answer.get("kind"), _offset(answer.get("doc_start")))
    )


def parse_history(history: Any) -> list[str | AskedTurn]:
    """Earlier turns, oldest first, from a list or its JSON text: questions (strings, or chat
    messages {"role": "user", "content": ...}), or earlier ``/ask`` results and the chat's
    remembered turns, whose answer's document, section and place then guide a follow-up as
    ``assistant eval`` measures it."""
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
            if isinstance(item, dict) and not ({"role", "content"} & set(item)):
                out.append(turn_of(item))
                continue
            if isinstance(item, dict):  # a chat message {"role": "user", "content": "..."}
                if item.get("role", "user") != "user":
                    continue
                item = item.get("content", "")
            out.append(item if isinstance(item, str) else json.dumps(item))
        return out
    raise ValueError("history must be a list of earlier questions or /ask results (or its JSON text)")
