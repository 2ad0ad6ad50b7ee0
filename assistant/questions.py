"""Prepare what the user typed: printable, sanitised, cut to the limit; earlier turns as Turns."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .schema import Response, Turn


def sanitize(text: str) -> str:
    """Drop control and zero-width characters (keeping newlines as spaces), fold whitespace."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\r\t":
            kept.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # controls, zero-width/bidi formatting, surrogates, private use, unassigned
        else:
            kept.append(ch)
    return re.sub(r"\s+", " ", "".join(kept)).strip()


@dataclass(frozen=True)
class PreparedQuestion:
    original: str  # as given (lone surrogates replaced, so it can be printed)
    text: str  # sanitised and cut to the limit; "" when nothing is left to ask
    notice: str = ""  # said when the question was cut


def prepare_question(question: object, limit: int) -> PreparedQuestion:
    original = question if isinstance(question, str) else str(question or "")
    original = original.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be printed
    text = sanitize(original)
    if not re.search(r"\w", text):
        return PreparedQuestion(original, "")
    if len(text) <= limit:
        return PreparedQuestion(original, text)
    text = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return PreparedQuestion(
        original, text, f"Your question was longer than {limit} characters; only the first {len(text)} were used."
    )


def prepare_history(history: Sequence[object] | None, limit: int) -> tuple[Turn, ...]:
    """Earlier turns as Turns: plain strings are questions; Responses and Turns keep their answer."""
    turns = []
    for item in history or ():
        turn = item.as_turn() if isinstance(item, Response) else item if isinstance(item, Turn) else Turn(str(item))
        question = sanitize(turn.question)[:limit]
        if re.search(r"\w", question):
            turns.append(replace(turn, question=question))
    return tuple(turns)
