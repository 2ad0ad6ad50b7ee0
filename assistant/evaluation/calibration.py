"""Choose the abstention threshold on a QA file (``assistant calibrate QA --write``).

Every question is asked with abstention off; each answer's confidence is recorded. The
threshold is the highest one at which at most MAX_FALSE_ABSTENTION of the answerable
questions abstain: it abstains on as many unanswerable questions as that budget allows.
RRF scores are not used (they rank, they do not measure relevance). A two-fold split
(odd/even lines) reports how the choice holds on questions it was not chosen on.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

MAX_FALSE_ABSTENTION = 0.05
CALIBRATION_FILE = Path(__file__).resolve().parent / "data" / "calibration.json"


def collect(assistant, items) -> list[tuple[bool, bool, float]]:
    """(answerable, answer correct if not abstained, confidence) per question."""
    from .metrics import contains_any

    rows = []
    for item in items:
        resp = assistant.ask(item.question, history=list(item.history), audience=item.audience)
        correct = resp.answer is not None and contains_any(resp.answer.text, item.answer)
        rows.append((item.answerable, bool(item.answerable and correct), resp.confidence))
    return rows


def rates(rows, t: float) -> dict[str, float]:
    ans = [r for r in rows if r[0]]
    una = [r for r in rows if not r[0]]
    return {"threshold": round(t, 3),
            "answer_accuracy": sum(1 for r in ans if r[1] and r[2] >= t) / max(1, len(ans)),
            "false_abstention_rate": sum(1 for r in ans if r[2] < t) / max(1, len(ans)),
            "abstention_rate": sum(1 for r in una if r[2] < t) / max(1, len(una))}


def choose(rows, max_false: float = MAX_FALSE_ABSTENTION) -> float:
    grid = [i / 100 for i in range(-20, 101)]
    ok = [t for t in grid if rates(rows, t)["false_abstention_rate"] <= max_false]
    return max(ok) if ok else grid[0]


def main(args, settings) -> int:
    from .qa import load_qa
    from ..service import Assistant

    items = load_qa(args.qa_file)
    assistant = Assistant(replace(settings, abstain_threshold=float("-inf"))).warm_up()
    rows = collect(assistant, items)
    t = choose(rows)
    chosen = rates(rows, t)
    folds = []
    for part in (0, 1):
        train = [r for i, r in enumerate(rows) if i % 2 == part]
        test = [r for i, r in enumerate(rows) if i % 2 != part]
        folds.append({"threshold": choose(train), **{k: round(v, 3) for k, v in rates(test, choose(train)).items()
                                                    if k != "threshold"}})
    print(f"{'threshold':>9} {'accuracy':>9} {'false abst.':>11} {'abstention':>10}")
    for g in [x / 100 for x in range(30, 71, 4)] + [t]:
        r = rates(rows, g)
        mark = "  <- chosen" if g == t else ""
        print(f"{g:9.2f} {r['answer_accuracy']:9.3f} {r['false_abstention_rate']:11.3f} {r['abstention_rate']:10.3f}{mark}")
    print(f"two-fold check (chosen on one half, measured on the other): {json.dumps(folds)}")
    result = {"threshold": t, "method": f"highest threshold with false abstention <= {MAX_FALSE_ABSTENTION}",
              "qa_file": str(args.qa_file), "questions": len(rows), "at_threshold": chosen, "two_fold": folds}
    if args.write:
        CALIBRATION_FILE.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_FILE}", file=sys.stderr)
    else:
        print(json.dumps(result))
    return 0
