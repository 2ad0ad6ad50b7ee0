"""Thumbs up / down on answers, appended to a local JSONL file.

One JSON object per line: time (ISO 8601, UTC), vote ("up", "down" or "withdrawn"), question,
answer (the quoted text, "" when the assistant abstained), message, audience, abstained and the
cited passages as ids (doc_id, chunk_id, start, end: character offsets in the cleaned document).

The file is ``feedback/feedback.jsonl`` under the project (git-ignored) unless
``$ASSISTANT_FEEDBACK`` or ``assistant serve --feedback`` names another one. Writes go only to
that file inside its folder: the path is resolved once, a file name that resolves elsewhere
(a symlink out of the folder, ``..``) is refused, and the file is opened without following
symlinks. Appends hold a thread lock and a file lock, so concurrent votes never interleave.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .settings import PROJECT_ROOT

ENV_VAR = "ASSISTANT_FEEDBACK"
DEFAULT_PATH = PROJECT_ROOT / "feedback" / "feedback.jsonl"
MAX_FIELD_CHARS = 4000  # a 10,000-character question is stored cut, with a marker

VOTES = {True: "up", False: "down"}


class FeedbackError(ValueError):
    """The feedback file cannot be used (outside its folder, a folder, a symlink)."""


def default_path() -> Path:
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else DEFAULT_PATH


def vote_name(liked: Any) -> str:
    """gr.LikeData.liked -> "up" / "down"; Gradio sends "" when a vote is clicked off again."""
    if isinstance(liked, bool):
        return VOTES[liked]
    text = str(liked or "").strip().lower()
    if text in ("like", "up", "true", "1"):
        return "up"
    if text in ("dislike", "down", "false", "0"):
        return "down"
    return "withdrawn" if not text else text[:40]


def _cut(text: Any) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= MAX_FIELD_CHARS else text[:MAX_FIELD_CHARS] + f"… [{len(text)} characters]"


class FeedbackLog:
    """Append-only JSONL log of votes in one folder."""

    def __init__(self, path: Path | str | None = None) -> None:
        raw = Path(path).expanduser() if path else default_path()
        if not raw.name or raw.name in (".", ".."):
            raise FeedbackError(f"feedback path {raw} must name a file")
        folder = raw.parent.resolve()
        target = (folder / raw.name).resolve()
        if target.parent != folder:
            raise FeedbackError(f"feedback file {raw} resolves to {target}, outside its folder {folder}")
        if target.is_dir():
            raise FeedbackError(f"feedback path {target} is a folder; name a .jsonl file")
        self.folder = folder
        self.path = target
        self._lock = threading.Lock()

    def _check(self) -> None:
        """Re-checked at every write: the file may have been replaced by a symlink meanwhile."""
        if self.path.is_symlink():
            raise FeedbackError(f"feedback file {self.path} is a symlink; refusing to write through it")
        if self.path.resolve().parent != self.folder:
            raise FeedbackError(f"feedback file {self.path} is outside {self.folder}")

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write one record as one line; returns what was written (with its time)."""
        line = json.dumps(record, ensure_ascii=False, separators=(", ", ": "))
        # json.dumps escapes \n; also escape the Unicode line separators some readers split on
        line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        data = (line + "\n").encode("utf-8")
        from filelock import FileLock

        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._check()
            with FileLock(str(self.folder / (self.path.name + ".lock")), timeout=10):
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                fd = os.open(self.path, flags, 0o600)
                try:
                    os.write(fd, data)
                finally:
                    os.close(fd)
        return record

    def vote(
        self,
        *,
        vote: Any,
        question: str,
        answer: str = "",
        citations: Iterable[dict] = (),
        audience: str = "",
        abstained: bool = False,
        message: str = "",
        extra: dict | None = None,
    ) -> dict:
        record = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "vote": vote_name(vote),
            "question": _cut(question),
            "answer": _cut(answer),
            "message": _cut(message),
            "audience": audience,
            "abstained": bool(abstained),
            "citations": [dict(c) for c in citations],
        }
        if extra:
            record.update({k: v for k, v in extra.items() if k not in record})
        return self.append(record)

    def read(self) -> list[dict[str, Any]]:
        """All records (for tests and reports); an absent file is an empty log."""
        if not self.path.is_file():
            return []
        with self.path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
