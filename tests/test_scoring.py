"""`assistant eval`: the cut-offs, the metric formulas on hand-made outcomes, and a real run of
a few questions over the real documents (the session index, never rebuilt)."""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

import pytest
from conftest import QA

from assistant.evaluation import scoring as E
from assistant.evaluation.qa import QAItem

REQUIRED = {
    "n",
    "answerable",
    "unanswerable",
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "answer_accuracy",
    "abstention_rate",
    "false_abstention_rate",
    "latency_ms",
    "by_audience",
    "failures",
    "followups",
    "retriever",
}


def test_parse_cutoffs():
    assert E.parse_cutoffs("5,1, 3") == [1, 3, 5]
    for bad in ("", "0", "a,b", "-1"):
        with pytest.raises(ValueError):
            E.parse_cutoffs(bad)


# -- formulas on hand-made outcomes ----------------------------------------------------------
def _outcome(qid, hits, abstained, correct, answerable=True, audience="parent", history=(), ms=10.0):
    item = QAItem(
        qid,
        f"question {qid}",
        tuple(history),
        audience,
        answerable,
        ("e",) if answerable else (),
        ("a",) if answerable else (),
    )
    return E.Outcome(item, list(hits), abstained, correct, None if abstained else "text", ms)


def test_summarise_by_hand():
    outs = [
        _outcome("a", [True, False, False], False, True, ms=10),  # hit at 1, correct
        _outcome("b", [False, False, True], False, False, ms=20),  # hit at 3, wrong answer
        _outcome("c", [False] * 10, True, False, audience="clinician", ms=30),  # no hit, false abstention
        _outcome("d", [False, True], False, True, audience="clinician", history=["x"], ms=40),  # hit at 2
        _outcome("u1", [], True, False, answerable=False, ms=50),  # abstained: right
        _outcome("u2", [], False, False, answerable=False, ms=60),  # answered: wrong
    ]
    s = E.summarise(outs, [1, 3, 5])
    assert (s["n"], s["answerable"], s["unanswerable"]) == (6, 4, 2)
    assert s["hit@1"] == pytest.approx(1 / 4)
    assert s["hit@3"] == pytest.approx(3 / 4)
    assert s["hit@5"] == pytest.approx(3 / 4)
    assert s["mrr"] == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert s["answer_accuracy"] == pytest.approx(2 / 4)
    assert s["false_abstention_rate"] == pytest.approx(1 / 4)
    assert s["abstention_rate"] == pytest.approx(1 / 2)
    assert s["latency_ms"]["p50"] == pytest.approx(35.0)
    assert s["latency_ms"]["p95"] == pytest.approx(57.5)
    fails = E.failures(outs)
    assert [f["id"] for f in fails] == ["b", "c", "u2"]
    assert [f["kind"] for f in fails] == ["wrong answer", "false abstention", "answered an unanswerable question"]
    assert fails[1]["got"] == E.ABSTAINED and fails[0]["expected"] == ["a"]
    assert E.summarise([o for o in outs if not o.item.answerable], [1])["hit@1"] is None


# -- a real run --------------------------------------------------------------------------------
def _small_qa(path: Path) -> Path:
    """A few real questions from the project's QA set: two per audience, a follow-up, two unanswerable."""
    items = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    pick = []
    for want in (
        lambda r: r.get("audience") == "parent" and r.get("answerable", True) and not r.get("history"),
        lambda r: r.get("audience") == "clinician" and r.get("answerable", True) and not r.get("history"),
        lambda r: r.get("answerable", True) and r.get("history"),
        lambda r: not r.get("answerable", True),
    ):
        pick += [r for r in items if want(r)][:2]
    path.write_text("".join(json.dumps(r) + "\n" for r in pick), encoding="utf-8")
    return path


@pytest.fixture()
def patched_assistant(assistant, monkeypatch):
    """`evaluation.main` builds `Assistant(settings)`: hand it the session's warm assistant instead."""
    monkeypatch.setattr("assistant.service.Assistant", lambda settings, **kw: assistant)
    return assistant


@pytest.mark.slow
def test_eval_real_questions_json_and_report(tmp_path, settings, patched_assistant, capsys):
    qa = _small_qa(tmp_path / "qa.jsonl")
    out, report = tmp_path / "out.json", tmp_path / "report.html"
    args = Namespace(
        qa_file=str(qa),
        k="1,3,5",
        retriever="hybrid",
        json_path=str(out),
        report=str(report),
        passages=None,
        quiet=True,
        threads=None,
        no_report=False,
    )
    assert E.main(args, settings) == 0
    printed = capsys.readouterr().out
    assert "hybrid: by group" in printed and "follow-ups" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert REQUIRED <= set(data)
    assert data["n"] == 8 and data["answerable"] == 6 and data["unanswerable"] == 2
    assert data["retriever"] == "hybrid"
    assert 0 <= data["hit@1"] <= data["hit@3"] <= data["hit@5"] <= 1
    assert data["hit@5"] > 0  # real questions over the real documents find their evidence
    assert 0 < data["mrr"] <= 1
    for key in ("answer_accuracy", "abstention_rate", "false_abstention_rate"):
        assert 0 <= data[key] <= 1
    assert 0 < data["latency_ms"]["p50"] <= data["latency_ms"]["p95"]
    assert set(data["by_audience"]) == {"parent", "clinician"}
    assert sum(v["n"] for v in data["by_audience"].values()) == data["n"]
    assert data["followups"]["n"] == 2
    assert len(data["hit_curve"]) == 10 and data["hit_curve"] == sorted(data["hit_curve"])
    for f in data["failures"]:
        assert {"id", "question", "got", "expected"} <= set(f)
    html = report.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "hybrid: by group" in html


@pytest.mark.slow
def test_eval_all_retrievers(tmp_path, settings, patched_assistant, capsys):
    qa = _small_qa(tmp_path / "qa.jsonl")
    out = tmp_path / "all.json"
    args = Namespace(
        qa_file=str(qa),
        k="1,3,5",
        retriever="all",
        json_path=str(out),
        report=str(tmp_path / "r.md"),
        passages=None,
        quiet=True,
        threads=None,
        no_report=False,
    )
    assert E.main(args, settings) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["retrievers"]) == {"hybrid", "dense", "bm25"}
    for name, r in data["retrievers"].items():
        assert REQUIRED <= set(r) and r["retriever"] == name
    assert data["retriever"] == "hybrid"
    assert data["hit@5"] == data["retrievers"]["hybrid"]["hit@5"]
    assert (tmp_path / "r.md").read_text(encoding="utf-8").count("| retriever |") == 1
    assert (tmp_path / "r.png").stat().st_size > 1000
    table = capsys.readouterr().out
    assert all(name in table for name in ("hybrid", "dense", "bm25"))


def test_eval_bad_qa_file_is_a_usage_error(tmp_path, capsys):
    from assistant.cli import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "Q", "evidence": ["e"], "answer": ["x"]}\n{oops\n', encoding="utf-8")
    assert main(["eval", str(bad), "--no-report"]) == 2
    assert "line 2: not valid JSON" in capsys.readouterr().err
