"""``assistant eval QA_JSONL``: score the real assistant on a QA file (``qa.py``).

Each question goes through ``Assistant.ask`` exactly as a user's would (history, audience,
retriever), asking for ``max(10, largest cut-off)`` passages so that MRR can look at the top
10. Retrieval metrics count the passages whether or not the answer abstained:

- a passage is a *hit* when its text contains one of the question's evidence phrases,
- hit@k = share of answerable questions with a hit among the first k passages,
- MRR = mean over answerable questions of 1 / rank of the first hit in the top 10 (0 if none),
- answer accuracy = share of answerable questions that did not abstain and whose answer
  contains one of the answer phrases,
- abstention rate = share of unanswerable questions that abstained,
- false-abstention rate = share of answerable questions that abstained.

Phrases and texts are compared in :func:`assistant.metrics.normalize` form. Latency is the
wall time of each ``ask`` call with the index loaded and the model warm.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .measure import apply_threads
from .metrics import contains_any, first_hit_rank, passage_metrics, percentile
from .qa import AUDIENCES, MRR_DEPTH, ChainRunner, QAItem, load_qa

RETRIEVERS = ("hybrid", "dense", "bm25")
CURVE_DEPTH = 10
ABSTAINED = "(abstained)"
SHOULD_ABSTAIN = "(abstain: the documents do not answer this)"


def parse_cutoffs(text: str) -> list[int]:
    """ "1,3,5" -> [1, 3, 5] (sorted, unique, each >= 1)."""
    try:
        ks = sorted({int(x) for x in str(text).replace(" ", "").split(",") if x})
    except ValueError:
        raise ValueError(f"--k must be comma-separated whole numbers like 1,3,5, got {text!r}") from None
    if not ks or ks[0] < 1:
        raise ValueError(f"--k values must be at least 1, got {text!r}")
    return ks


# -- running ---------------------------------------------------------------------------------
@dataclass
class Outcome:
    item: QAItem
    hits: list[bool]
    abstained: bool
    correct: bool
    answer: str | None
    latency_ms: float
    standalone: str = ""
    passages: list[dict[str, Any]] = field(default_factory=list)
    correct_at_3: bool = False  # the answer or one of its alternatives contains an answer phrase


def run_question(
    assistant, item: QAItem, retriever: str, n_passages: int, runner: ChainRunner | None = None
) -> Outcome:
    history = (runner or ChainRunner(assistant, retriever, n_passages)).history(item)
    t0 = time.perf_counter()
    resp = assistant.ask(item.question, history=history, audience=item.audience, k=n_passages, retriever=retriever)
    ms = (time.perf_counter() - t0) * 1000
    hits = [contains_any(p.chunk.text, item.evidence) for p in resp.passages] if item.answerable else []
    answer = None if resp.answer is None else resp.answer.text
    correct = bool(item.answerable and not resp.abstained and answer is not None and contains_any(answer, item.answer))
    brief = [{"rank": p.rank, "doc_id": p.chunk.doc_id, "section": p.chunk.section} for p in resp.passages[:3]]
    at_3 = correct or bool(
        item.answerable and not resp.abstained and any(contains_any(a.text, item.answer) for a in resp.alternatives)
    )
    return Outcome(item, hits, bool(resp.abstained), correct, answer, ms, resp.standalone_question, brief, at_3)


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def summarise(outcomes: Sequence[Outcome], cutoffs: Sequence[int]) -> dict[str, Any]:
    """Metrics over a group of questions (None where the group has no question to count)."""
    ans = [o for o in outcomes if o.item.answerable]
    unans = [o for o in outcomes if not o.item.answerable]
    out: dict[str, Any] = {"n": len(outcomes), "answerable": len(ans), "unanswerable": len(unans)}
    out.update(passage_metrics([o.hits for o in ans], sorted(set(cutoffs) | {1, 3, 5}), MRR_DEPTH))
    out["answer_accuracy"] = _rate(sum(o.correct for o in ans), len(ans))
    out["answer@3"] = _rate(sum(o.correct_at_3 for o in ans), len(ans))
    out["abstention_rate"] = _rate(sum(o.abstained for o in unans), len(unans))
    out["false_abstention_rate"] = _rate(sum(o.abstained for o in ans), len(ans))
    lat = [o.latency_ms for o in outcomes]
    out["latency_ms"] = {"p50": percentile(lat, 50), "p95": percentile(lat, 95)} if lat else {"p50": None, "p95": None}
    return out


def failures(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    rows = []
    for o in outcomes:
        if o.item.answerable and o.correct:
            continue
        if not o.item.answerable and o.abstained:
            continue
        if o.item.answerable:
            kind = "false abstention" if o.abstained else "wrong answer"
            expected: Any = list(o.item.answer)
        else:
            kind = "answered an unanswerable question"
            expected = SHOULD_ABSTAIN
        rows.append(
            {
                "id": o.item.id,
                "question": o.item.question,
                "got": ABSTAINED if o.abstained else o.answer,
                "expected": expected,
                "kind": kind,
                "audience": o.item.audience,
                "history": list(o.item.history),
                "searched_as": o.standalone,
                "first_hit_rank": first_hit_rank(o.hits) if o.item.answerable else None,
                "top_passages": o.passages,
            }
        )
    return rows


def evaluate(
    assistant,
    items: Sequence[QAItem],
    cutoffs: Sequence[int] = (1, 3, 5),
    retriever: str = "hybrid",
    n_passages: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Run every question through ``assistant.ask`` and return the metrics object."""
    n_passages = n_passages or max(MRR_DEPTH, max(cutoffs))
    seq: Iterable[QAItem] = items
    if progress:
        from tqdm import tqdm

        seq = tqdm(items, desc=f"eval {retriever}", unit="q", file=sys.stderr, leave=False)
    t0 = time.perf_counter()
    runner = ChainRunner(assistant, retriever, n_passages)
    outcomes = [run_question(assistant, item, retriever, n_passages, runner) for item in seq]
    result = summarise(outcomes, cutoffs)
    result["retriever"] = retriever
    result["passages_per_question"] = n_passages
    result["by_audience"] = {
        a: summarise([o for o in outcomes if o.item.audience == a], cutoffs)
        for a in AUDIENCES
        if any(o.item.audience == a for o in outcomes)
    }
    result["followups"] = summarise([o for o in outcomes if o.item.followup], cutoffs)
    result["by_kind"] = {
        k: summarise([o for o in outcomes if o.item.kind == k], cutoffs)
        for k in sorted({o.item.kind for o in outcomes} - {""})
    }
    ans = [o for o in outcomes if o.item.answerable]
    depth = min(CURVE_DEPTH, n_passages)
    curve = passage_metrics([o.hits for o in ans], range(1, depth + 1), MRR_DEPTH)
    result["hit_curve"] = [curve[f"hit@{k}"] for k in range(1, depth + 1)]
    result["failures"] = failures(outcomes)
    result["seconds"] = time.perf_counter() - t0
    return result


def combine(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The --retriever all object: the hybrid metrics at the top level, every retriever under 'retrievers'."""
    top_name = "hybrid" if "hybrid" in results else next(iter(results))
    return {**results[top_name], "retrievers": results}


def main(args, settings) -> int:
    from ..service import Assistant, AssistantError
    from ..settings import PROJECT_ROOT

    cutoffs = parse_cutoffs(args.k)
    items = load_qa(args.qa_file)
    apply_threads(args.threads)
    retriever = args.retriever
    names = list(RETRIEVERS) if retriever == "all" else [retriever]
    n_passages = args.passages or max(MRR_DEPTH, max(cutoffs))
    assistant = Assistant(settings)
    t0 = time.perf_counter()
    try:
        assistant.warm_up()
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    load_s = time.perf_counter() - t0
    quiet = args.quiet
    results = {}
    for name in names:
        results[name] = evaluate(
            assistant, items, cutoffs, name, n_passages, progress=not quiet and sys.stderr.isatty()
        )
    result = combine(results) if len(names) > 1 else results[names[0]]
    result["qa_file"] = str(args.qa_file)
    result["cutoffs"] = cutoffs
    result["load_seconds"] = load_s
    from .report import format_text, write_json

    print(format_text(result, cutoffs, str(args.qa_file), MRR_DEPTH))
    if args.json_path:
        write_json(args.json_path, result, "metrics", ensure_ascii=False)
    if not args.no_report:
        from .report import write_eval_report

        report = args.report or PROJECT_ROOT / "evals" / "reports" / f"eval-{time.strftime('%Y%m%d-%H%M%S')}.html"
        path = write_eval_report(result, report, source=str(args.qa_file), cutoffs=cutoffs)
        print(f"report written to {path}")
    return 0
