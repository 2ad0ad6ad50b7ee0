"""Evaluation reports: the console, HTML and Markdown forms show the same tables."""

from assistant.evaluation.report import format_text, tables, write_eval_report


def group(n=4, answerable=3):
    return {
        "n": n,
        "answerable": answerable,
        "unanswerable": n - answerable,
        "hit@1": 0.5,
        "hit@3": 0.75,
        "hit@5": 1.0,
        "mrr": 0.6,
        "answer_accuracy": 2 / 3,
        "answer@3": 1.0,
        "abstention_rate": 1.0,
        "false_abstention_rate": 0.0,
        "latency_ms": {"p50": 12.0, "p95": 20.5},
    }


RESULT = {
    **group(),
    "retriever": "hybrid",
    "passages_per_question": 10,
    "followups": group(1, 1),
    "by_audience": {"parent": group(2, 1), "clinician": group(2, 2)},
    "by_kind": {"table": group(1, 1)},
    "hit_curve": [0.5, 0.6, 0.75, 0.9, 1.0],
    "failures": [
        {
            "id": "x",
            "kind": "wrong answer",
            "question": "<q>",
            "got": "g",
            "expected": ["e"],
            "history": [],
            "first_hit_rank": 2,
        }
    ],
}


def test_tables_hold_every_group():
    titles = [t for t, _, _ in tables(RESULT, [1, 3, 5])]
    assert titles == ["Overall", "hybrid: by group"]
    groups = [row[0] for row in tables(RESULT, [1, 3, 5])[1][2]]
    assert groups == ["all", "parent", "clinician", "follow-ups", "kind: table"]


def test_console_text(tmp_path):
    text = format_text(RESULT, [1, 3, 5], "qa.jsonl")
    assert text.startswith("QA set qa.jsonl: 4 questions (3 answerable, 1 unanswerable, 1 follow-ups)")
    assert "0.667" in text and "failures: 1 wrong answer" in text


def test_html_escapes_and_markdown_has_its_plot(tmp_path):
    html = write_eval_report(RESULT, tmp_path / "r.html", "qa").read_text()
    assert "&lt;q&gt;" in html and "<q>" not in html and "data:image/png;base64," in html
    md = write_eval_report(RESULT, tmp_path / "r.md", "qa").read_text()
    assert "kind: table" in md and (tmp_path / "r.png").stat().st_size > 1000
