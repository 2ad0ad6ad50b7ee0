"""``assistant eval QA_JSONL``: score the real assistant on a QA file.

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

import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .metrics import contains_any, first_hit_rank, passage_metrics, percentile

RETRIEVERS = ("hybrid", "dense", "bm25")
AUDIENCES = ("parent", "clinician")
MRR_DEPTH = 10
CURVE_DEPTH = 10
ABSTAINED = "(abstained)"
SHOULD_ABSTAIN = "(abstain: the documents do not answer this)"


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


def apply_threads(n: int | str | None) -> int | None:
    """Pin the encoder's CPU threads (``--threads N``; 0 or None: the encoder's default) for the
    embedders made from now on (``$ASSISTANT_ENCODER_THREADS``). ``auto`` uses the cores other
    processes leave idle (1-minute load average), at least 1: on a busy machine more threads than
    free cores make encoding several times slower, not faster. Imports no torch."""
    if n in (None, "", 0, "0"):
        return None
    from ..embedding import THREADS_ENV

    if str(n).strip().lower() == "auto":
        cores = os.cpu_count() or 1
        try:
            busy = os.getloadavg()[0]
        except OSError:
            busy = 0.0
        n = max(1, min(cores, int(cores - busy + 0.5)))
    try:
        n = int(n)
    except ValueError:
        raise ValueError(f"--threads must be a whole number or 'auto', got {n!r}") from None
    if n < 1:
        raise ValueError(f"--threads must be at least 1, got {n}")
    os.environ[THREADS_ENV] = str(n)
    return n


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
    from .report import format_text

    print(format_text(result, cutoffs, str(args.qa_file), MRR_DEPTH))
    json_path = args.json_path
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"\nmetrics written to {json_path}")
    if not args.no_report:
        from .report import write_eval_report

        report = args.report or PROJECT_ROOT / "evals" / "reports" / f"eval-{time.strftime('%Y%m%d-%H%M%S')}.html"
        path = write_eval_report(result, report, source=str(args.qa_file), cutoffs=cutoffs)
        print(f"report written to {path}")
    return 0
