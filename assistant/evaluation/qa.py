"""The QA file that ``assistant eval``, ``train-answers``, ``calibrate`` and ``bench`` read, and
how its follow-ups are asked.

One JSON object a line: ``id``, ``question``, ``history`` (the earlier questions of the
conversation, oldest first), ``audience`` (parent or clinician), ``answerable``, ``evidence``
(phrases a passage that answers contains) and ``answer`` (phrases a right answer contains),
both needed when answerable, and an optional ``kind``. ``parse_qa`` reports every problem with
its line number. ``ChainRunner`` asks a follow-up's earlier turns first, as a user would.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AUDIENCES = ("parent", "clinician")
MRR_DEPTH = 10


# -- the QA file -----------------------------------------------------------------------------
@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    history: tuple[str, ...] = ()
    audience: str = "parent"
    answerable: bool = True
    evidence: tuple[str, ...] = ()
    answer: tuple[str, ...] = ()
    line: int = 0
    kind: str = ""  # e.g. fact, table, metadata, followup, near-miss ("" when the line gives none)

    @property
    def followup(self) -> bool:
        return bool(self.history)


def _str_list(value: Any, name: str, where: str, errors: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{where}: {name!r} must be a list of strings")
        return ()
    return tuple(value)


def parse_qa(lines: Iterable[str], source: str = "<qa>") -> list[QAItem]:
    """QA items from JSON lines; raises ValueError listing every problem with its line number."""
    items: list[QAItem] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{source}, line {n}"
        try:
            obj = json.loads(raw)
        except ValueError as exc:
            errors.append(f"{where}: not valid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{where}: expected a JSON object, got {type(obj).__name__}")
            continue
        before = len(errors)
        qid = obj.get("id")
        if not isinstance(qid, (str, int)) or isinstance(qid, bool) or not str(qid).strip():
            errors.append(f"{where}: 'id' is missing or empty")
            qid = f"line-{n}"
        qid = str(qid)
        if qid in seen:
            errors.append(f"{where}: id {qid!r} already used on line {seen[qid]}")
        seen.setdefault(qid, n)
        question = obj.get("question")
        if not isinstance(question, str) or not question.strip():
            errors.append(f"{where}: 'question' is missing or empty")
        history = _str_list(obj.get("history"), "history", where, errors)
        audience = obj.get("audience", "parent")
        if audience not in AUDIENCES:
            errors.append(f"{where}: 'audience' must be one of {', '.join(AUDIENCES)}, got {audience!r}")
        answerable = obj.get("answerable", True)
        if not isinstance(answerable, bool):
            errors.append(f"{where}: 'answerable' must be true or false, got {answerable!r}")
        evidence = _str_list(obj.get("evidence"), "evidence", where, errors)
        answer = _str_list(obj.get("answer"), "answer", where, errors)
        if answerable is True:
            from .metrics import normalize

            if not any(normalize(e) for e in evidence):
                errors.append(f"{where}: an answerable question needs at least one 'evidence' phrase")
            if not any(normalize(a) for a in answer):
                errors.append(f"{where}: an answerable question needs at least one 'answer' phrase")
        kind = obj.get("kind") or ""
        if not isinstance(kind, str):
            errors.append(f"{where}: 'kind' must be a string, got {kind!r}")
        if len(errors) == before:
            items.append(QAItem(qid, question, history, audience, answerable, evidence, answer, n, kind))
    if errors:
        shown = errors[:25] + ([f"... and {len(errors) - 25} more problems"] if len(errors) > 25 else [])
        raise ValueError(f"{source} has {len(errors)} problem(s):\n  " + "\n  ".join(shown))
    if not items:
        raise ValueError(f"{source} contains no questions")
    return items


def load_qa(path: str | Path) -> list[QAItem]:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"QA file {path} does not exist")
    with path.open(encoding="utf-8") as fh:
        return parse_qa(fh, str(path))


# -- follow-ups -------------------------------------------------------------------------------
class ChainRunner:
    """Asks a follow-up's earlier turns first, as a user would, so that the follow-up gets them
    as Responses (with what was answered); a conversation prefix is asked once."""

    def __init__(self, assistant, retriever: str = "hybrid", n_passages: int = MRR_DEPTH) -> None:
        self.assistant = assistant
        self.retriever = retriever
        self.n_passages = n_passages
        self._asked: dict[tuple[str, tuple[str, ...]], list] = {}

    def history(self, item: QAItem) -> list:
        """The Responses to item.history, oldest first."""
        responses: list = []
        for n, question in enumerate(item.history):
            key = (item.audience, item.history[: n + 1])
            if key not in self._asked:
                resp = self.assistant.ask(
                    question,
                    history=list(responses),
                    audience=item.audience,
                    k=self.n_passages,
                    retriever=self.retriever,
                )
                self._asked[key] = [*responses, resp]
            responses = self._asked[key]
        return responses
