"""Reading a JSON object from a file (a document's metadata sidecar, the index manifest, a
settings file), with one readable reason when it cannot be: unreadable, not JSON, not an object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; otherwise ValueError saying why ("cannot be read (...)", "is not
    valid JSON (...)", "must hold a JSON object, not list"), to be prefixed with what the file is."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc})") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"must hold a JSON object, not {type(data).__name__}")
    return data
