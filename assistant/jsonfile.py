"""Reading JSON: every JSON text the assistant reads goes through ``parse_json`` (orjson: the
answer model's 3.7 MB parse in a third of the standard library's time, a tenth of a second off
each start); a JSON object from a file (a document's metadata sidecar, the index manifest, a
settings file) with one readable reason when it cannot be read; the package data's files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import orjson


def parse_json(text: str | bytes) -> Any:
    """The value ``text`` holds; ValueError when it is not JSON."""
    return orjson.loads(text)


def package_json(name: str) -> Any:
    """The JSON value of a file of the package data (``assistant/data``, e.g. ``answer_model.json``);
    FileNotFoundError when it is missing, ValueError when it is not JSON."""
    return parse_json(resources.files("assistant.data").joinpath(name).read_bytes())


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; otherwise ValueError saying why ("cannot be read (...)", "is not
    valid JSON (...)", "must hold a JSON object, not list"), to be prefixed with what the file is."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc})") from exc
    try:
        data = parse_json(text)
    except ValueError as exc:
        raise ValueError(f"is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"must hold a JSON object, not {type(data).__name__}")
    return data
