"""What the tools write: self-contained evaluation reports, HTML (plot embedded as a base64 PNG)
or Markdown (PNG written next to it), written under evals/reports/ (git-ignored) by ``assistant
eval``; and the JSON results file (``--json PATH``) of ``eval``, ``beir`` and ``bench``."""

from __future__ import annotations

import base64
import html
import io
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _fig_png(result: dict[str, Any]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = result.get("retrievers") or {result["retriever"]: result}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    for name, r in per.items():
        curve = [c for c in r.get("hit_curve", []) if c is not None]
        ax1.plot(range(1, len(curve) + 1), curve, marker="o", label=name)
    ax1.set_xlabel("k (passages looked at)")
    ax1.set_ylabel("hit@k (answerable questions)")
    ax1.set_title("Evidence found within the first k passages")
    ax1.set_ylim(0, 1.02)
    ax1.set_xticks(range(1, 11))
    ax1.grid(alpha=0.3)
    ax1.legend()
    metrics = [
        ("answer_accuracy", "answer accuracy"),
        ("abstention_rate", "abstained (unanswerable)"),
        ("false_abstention_rate", "false abstention"),
    ]
    width = 0.8 / max(1, len(per))
    for i, (name, r) in enumerate(per.items()):
        xs = [j + i * width for j in range(len(metrics))]
        ax2.bar(xs, [r.get(m) or 0.0 for m, _ in metrics], width=width, label=name)
    ax2.set_xticks([j + width * (len(per) - 1) / 2 for j in range(len(metrics))])
    ax2.set_xticklabels([label for _, label in metrics])
    ax2.set_ylim(0, 1.02)
    ax2.set_title("Answers")
    ax2.grid(alpha=0.3, axis="y")
    ax2.legend()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _f(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def tables(result: dict[str, Any], cutoffs: Sequence[int]) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, columns, rows) of every summary table: the console, HTML and Markdown reports
    all show these."""
    per = result.get("retrievers") or {result["retriever"]: result}
    hk = [f"hit@{k}" for k in cutoffs]
    out = []
    cols = ["retriever", *hk, "MRR", "answer@1", "answer@3", "abstain (unans)", "false abstain", "p50 ms", "p95 ms"]
    rows = [
        [
            n,
            *[_f(r.get(h)) for h in hk],
            _f(r["mrr"]),
            _f(r["answer_accuracy"]),
            _f(r.get("answer@3")),
            _f(r["abstention_rate"]),
            _f(r["false_abstention_rate"]),
            f"{r['latency_ms']['p50']:.1f}",
            f"{r['latency_ms']['p95']:.1f}",
        ]
        for n, r in per.items()
    ]
    out.append(("Overall", cols, rows))
    for name, r in per.items():
        groups = (
            [("all", r)]
            + list(r["by_audience"].items())
            + [("follow-ups", r["followups"])]
            + [(f"kind: {k}", v) for k, v in r.get("by_kind", {}).items()]
        )
        cols = [
            "group",
            "n",
            "answerable",
            *hk,
            "MRR",
            "answer@1",
            "answer@3",
            "false abstain",
            "unanswerable",
            "abstained",
        ]
        rows = [
            [
                g,
                str(s["n"]),
                str(s["answerable"]),
                *[_f(s.get(h)) for h in hk],
                _f(s["mrr"]),
                _f(s["answer_accuracy"]),
                _f(s.get("answer@3")),
                _f(s["false_abstention_rate"]),
                str(s["unanswerable"]),
                _f(s["abstention_rate"]),
            ]
            for g, s in groups
        ]
        out.append((f"{name}: by group", cols, rows))
    return out


def format_text(result: dict[str, Any], cutoffs: Sequence[int], source: str = "", mrr_depth: int = 10) -> str:
    """The console summary: the tables as aligned plain text, and a count of failures."""
    first = next(iter((result.get("retrievers") or {"": result}).values()))
    lines = [
        f"{'QA set ' + source + ': ' if source else ''}{first['n']} questions ({first['answerable']} answerable, "
        f"{first['unanswerable']} unanswerable, {first['followups']['n']} follow-ups); "
        f"{first['passages_per_question']} passages asked per question, MRR over the top "
        f"{min(mrr_depth, first['passages_per_question'])}"
    ]
    for title, cols, rows in tables(result, cutoffs):
        lines += ["", title, *_text_table(cols, rows)]
    kinds: dict[str, int] = {}
    for f in first.get("failures", []):
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    if kinds:
        lines.append("  failures: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
    return "\n".join(lines)


def _text_table(cols: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(cols)]
    out = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cols, widths)))]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths))))
    return out


def _failure_rows(r: dict[str, Any]) -> list[list[str]]:
    rows = []
    for f in r.get("failures", []):
        exp = f["expected"] if isinstance(f["expected"], str) else " | ".join(f["expected"])
        q = f["question"] + (f"  (after: {' / '.join(f['history'])})" if f.get("history") else "")
        rows.append([f["id"], f["kind"], q, str(f["got"]), exp, _f(f.get("first_hit_rank"))])
    return rows


def render_html(result: dict[str, Any], source: str, cutoffs: Sequence[int]) -> str:
    png = base64.b64encode(_fig_png(result)).decode("ascii")
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Evaluation: {esc(source)}</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px}"
        "td{text-align:right}td:first-child{text-align:left}th{background:#f2f2f2}"
        ".fail td{text-align:left;vertical-align:top;font-size:0.9em}img{max-width:100%}",
        "</style></head><body>",
        f"<h1>Evaluation of {esc(source)}</h1>",
        f"<p>{esc(time.strftime('%Y-%m-%d %H:%M'))} · {result['n']} questions ({result['answerable']} answerable, "
        f"{result['unanswerable']} unanswerable, {result['followups']['n']} follow-ups) · "
        f"{result.get('passages_per_question', 10)} passages per question, MRR over the top 10.</p>",
        f"<img alt='hit@k per retriever' src='data:image/png;base64,{png}'>",
    ]
    for title, cols, rows in tables(result, cutoffs):
        parts.append(f"<h2>{esc(title)}</h2><table><tr>" + "".join(f"<th>{esc(c)}</th>" for c in cols) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in rows]
        parts.append("</table>")
    per = result.get("retrievers") or {result["retriever"]: result}
    for name, r in per.items():
        rows = _failure_rows(r)
        parts.append(
            f"<details{' open' if name == result.get('retriever') else ''}><summary><b>{esc(name)}: "
            f"{len(rows)} failures</b></summary><table class='fail'><tr><th>id</th><th>kind</th>"
            "<th>question</th><th>got</th><th>expected</th><th>first hit rank</th></tr>"
        )
        parts += ["<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in rows]
        parts.append("</table></details>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _md_table(cols: list[str], rows: list[list[str]]) -> str:
    clean = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    out += ["| " + " | ".join(clean(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


def render_markdown(result: dict[str, Any], source: str, cutoffs: Sequence[int], png_name: str) -> str:
    parts = [
        f"# Evaluation of {source}",
        "",
        f"{result['n']} questions ({result['answerable']} answerable, {result['unanswerable']} unanswerable, "
        f"{result['followups']['n']} follow-ups).",
        "",
        f"![hit@k per retriever]({png_name})",
        "",
    ]
    for title, cols, rows in tables(result, cutoffs):
        parts += [f"## {title}", "", _md_table(cols, rows), ""]
    per = result.get("retrievers") or {result["retriever"]: result}
    for name, r in per.items():
        parts += [
            f"## {name}: failures",
            "",
            _md_table(["id", "kind", "question", "got", "expected", "first hit rank"], _failure_rows(r)),
            "",
        ]
    return "\n".join(parts)


def write_eval_report(
    result: dict[str, Any], path: str | Path, source: str = "", cutoffs: Sequence[int] = (1, 3, 5)
) -> Path:
    """Write the report; ``.md`` gives Markdown plus a PNG beside it, anything else HTML."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".md":
        png = path.with_suffix(".png")
        png.write_bytes(_fig_png(result))
        path.write_text(render_markdown(result, source, cutoffs, png.name), encoding="utf-8")
    else:
        path.write_text(render_html(result, source, cutoffs), encoding="utf-8")
    return path


def write_json(path: str | Path, data: Any, what: str, ensure_ascii: bool = True) -> None:
    """A tool's results as indented JSON at ``path`` (its folder made), then "<what> written to <path>"."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=ensure_ascii), encoding="utf-8")
    print(f"\n{what} written to {path}")
