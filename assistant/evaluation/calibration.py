"""Choose the abstention threshold on a QA file: ``assistant calibrate QA [--write PATH]``.

Every question is asked with abstention off and its answer's confidence recorded; the
threshold is the abstention policy's choice (``abstention.choose_threshold``). A two-fold
split (odd/even lines) shows how the choice holds on questions it was not chosen on.
``--write PATH`` writes a settings file (``{"abstain_threshold": t}``, merged into PATH if it
exists) that ``ask``, ``serve`` and ``eval`` load with ``--settings PATH``; the installed
package is never written.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from ..abstention import MAX_FALSE_ABSTENTION, choose_threshold
from .metrics import contains_any


def collect(assistant, items) -> list[tuple[bool, bool, float]]:
    """(answerable, answer correct, confidence) per question, asked with abstention off."""
    rows = []
    for item in items:
        resp = assistant.ask(item.question, history=list(item.history), audience=item.audience)
        correct = resp.answer is not None and contains_any(resp.answer.text, item.answer)
        rows.append((item.answerable, bool(item.answerable and correct), resp.confidence))
    return rows


def rates(rows, t: float) -> dict[str, float]:
    ans = [r for r in rows if r[0]]
    una = [r for r in rows if not r[0]]
    return {
        "threshold": round(t, 4),
        "answer_accuracy": sum(1 for r in ans if r[1] and r[2] >= t) / max(1, len(ans)),
        "false_abstention_rate": sum(1 for r in ans if r[2] < t) / max(1, len(ans)),
        "abstention_rate": sum(1 for r in una if r[2] < t) / max(1, len(una)),
    }


def two_fold(rows) -> list[dict[str, float]]:
    folds = []
    for part in (0, 1):
        chosen_on = [r for i, r in enumerate(rows) if i % 2 == part]
        held_out = [r for i, r in enumerate(rows) if i % 2 != part]
        folds.append({k: round(v, 3) for k, v in rates(held_out, choose_threshold(chosen_on)).items()})
    return folds


def write_settings(path: Path, threshold: float) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data["abstain_threshold"] = round(threshold, 6)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(args, settings) -> int:
    from ..service import Assistant
    from .qa import load_qa

    items = load_qa(args.qa_file)
    assistant = Assistant(replace(settings, abstain_threshold=float("-inf"))).warm_up()
    rows = collect(assistant, items)
    t = choose_threshold(rows)
    print(f"{'threshold':>9} {'accuracy':>9} {'false abst.':>11} {'abstention':>10}")
    for g in sorted({round(x / 100, 2) for x in range(30, 71, 4)} | {t}):
        r = rates(rows, g)
        mark = "  <- chosen" if g == t else ""
        print(
            f"{g:9.3f} {r['answer_accuracy']:9.3f} {r['false_abstention_rate']:11.3f} {r['abstention_rate']:10.3f}{mark}"
        )
    result = {
        "threshold": t,
        "method": f"highest threshold with false abstention <= {MAX_FALSE_ABSTENTION}",
        "qa_file": str(args.qa_file),
        "questions": len(rows),
        "at_threshold": rates(rows, t),
        "two_fold": two_fold(rows),
    }
    print(json.dumps(result))
    if args.write:
        write_settings(Path(args.write), t)
        print(f"wrote {args.write} (load it with --settings {args.write})", file=sys.stderr)
    return 0
