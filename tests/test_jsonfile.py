"""Reading JSON: one parser, one readable reason per failure, the package data's files."""

from __future__ import annotations

import pytest

from assistant.answer_features import FEATURES
from assistant.jsonfile import package_json, parse_json, read_json_object


def test_parse_json_reads_text_and_bytes_and_rejects_what_is_not_json():
    assert parse_json('{"a": [1, 2.5, "é"]}') == {"a": [1, 2.5, "é"]}
    assert parse_json(b'{"a": 1}') == {"a": 1}
    for bad in ("", "{", "{'a': 1}", "NaN", b"\xff\xfe"):
        with pytest.raises(ValueError):
            parse_json(bad)


def test_read_json_object_says_why_a_file_cannot_be_used(tmp_path):
    good = tmp_path / "good.json"
    good.write_text('{"title": "Cerebellar hypoplasia"}', encoding="utf-8")
    assert read_json_object(good) == {"title": "Cerebellar hypoplasia"}
    cases = {
        "missing.json": None,
        "broken.json": '{"title": ',
        "list.json": "[1, 2]",
        "latin1.json": b'{"title": "caf\xe9"}',
    }
    reasons = {}
    for name, content in cases.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif content is not None:
            path.write_text(content, encoding="utf-8")
        with pytest.raises(ValueError) as caught:
            read_json_object(path)
        reasons[name] = str(caught.value)
    assert reasons["missing.json"].startswith("cannot be read")
    assert reasons["broken.json"].startswith("is not valid JSON")
    assert reasons["list.json"] == "must hold a JSON object, not list"
    assert reasons["latin1.json"].startswith("cannot be read")


def test_package_json_reads_the_shipped_model_and_reports_a_missing_file():
    model = package_json("answer_model.json")
    assert tuple(model["features"]) == FEATURES
    with pytest.raises(FileNotFoundError):
        package_json("no-such-file.json")
