"""``assistant beir DATASET_DIR``: how well the assistant's own retrieval ranks a public benchmark.

DATASET_DIR is in BEIR layout (read by ``beir_dataset.py``): ``corpus.jsonl`` (``_id``,
``title``, ``text``), ``queries.jsonl`` (``_id``, ``text``) and ``qrels/<split>.tsv``.

There is no second retrieval stack here. The corpus file is one more document source of the
assistant: it is indexed by the same loaders, cleaning, sentence splitting, chunking,
embedding and store as ``docs_src/``, into its own folder ``<index>/beir/<dataset>/`` (reused
while the corpus and settings are unchanged), and every query is asked through
``Assistant.retrieve``, the steps ``assistant ask`` takes before it chooses an answer. A
document scores its best chunk: documents are ranked by their first chunk in the passage list.

Settings are the assistant's own (``--settings PATH`` to load others). ``--tune-split SPLIT``
picks the fusion (RRF or z-scored scores), the dense weight, the RRF constant, the focus and
feedback weights and whether plain words are expanded, on SPLIT (never the reported one), from
the same candidate lists the Searcher fuses (``beir_tuning.py``); writes them as a settings file
(``--write-settings``) that ``ask``, ``serve`` and ``eval`` load with ``--settings``; and reports
the split with them.
``--run PATH`` writes a TREC run file (``qid Q0 docid rank score tag``) for trec_eval, ir-measures or ranx.
Metrics (nDCG@10 with graded gains, recall@100, MRR@10) are trec_eval's, as BEIR computes them,
through ir-measures.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..schema import Retriever
from .beir_dataset import Dataset, Run, as_run, score
from .beir_tuning import TUNED, rank_queries, tune

PUBLISHED = {  # nDCG@10 on test, from ../shared/benchmarks/README.md
    "scifact": {
        "BM25 (BEIR paper)": 0.665,
        "BM25 Anserini flat": 0.679,
        "BM25 bm25s (MTEB)": 0.687,
        "all-MiniLM-L6-v2 (MTEB)": 0.645,
    },
    "nfcorpus": {
        "BM25 (BEIR paper)": 0.325,
        "BM25 Anserini flat": 0.322,
        "BM25 bm25s (MTEB)": 0.321,
        "all-MiniLM-L6-v2 (MTEB)": 0.316,
    },
}


def write_trec_run(path: Path, run: Run, tag: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for qid, docs in run.items():
            for rank, (doc_id, value) in enumerate(sorted(docs.items(), key=lambda kv: -kv[1]), start=1):
                fh.write(f"{qid} Q0 {doc_id} {rank} {value:.6f} {tag}\n")


# -- the command -------------------------------------------------------------------------------
def run(
    settings,
    dataset_dir: str | Path,
    split: str = "test",
    retrievers: Sequence[str] = ("hybrid",),
    tune_split: str | None = None,
    limit: int | None = None,
    run_path: Path | None = None,
    settings_out: Path | None = None,
    progress: bool = True,
    log=None,
) -> dict[str, Any]:
    from ..indexer import ensure_index
    from ..service import Assistant

    log = log or (lambda m: print(m, file=sys.stderr))
    t0 = time.perf_counter()
    dataset = Dataset.open(dataset_dir)
    qrels = dataset.qrels(split)
    if limit:
        qrels = dict(list(qrels.items())[:limit])
    if not qrels:
        raise ValueError(f"split {split!r} of {dataset.name} has no query that is in queries.jsonl")
    if tune_split == split:
        raise ValueError("tune on another split than the one reported")
    beir_settings = dataset.settings_for(settings)
    embedder = beir_settings.embedder()  # one encoder for the build and every query
    ensure_index(beir_settings, embedder=embedder, progress=progress, log=log)
    index_seconds = time.perf_counter() - t0
    assistant = Assistant(beir_settings, embedder=embedder)
    out: dict[str, Any] = {
        "dataset": dataset.name,
        "split": split,
        "queries": len(qrels),
        "index_seconds": index_seconds,
        "settings": beir_settings.file_values(),
    }
    if tune_split:
        tq = dataset.qrels(tune_split)
        tuned = tune(assistant, {q: dataset.queries[q] for q in tq}, tq)
        best = tuned["best"]
        log(
            f"tuned on {tune_split} ({len(tq)} queries): "
            + ", ".join(f"{key}={best[key]}" for key in TUNED)
            + f" (nDCG@10 {best['ndcg@10']:.4f})"
        )
        values = {**beir_settings.file_values(), **{key: best[key] for key in TUNED}}
        settings_out = settings_out or Path(beir_settings.index_dir) / f"tuned-on-{tune_split}.json"
        settings_out.parent.mkdir(parents=True, exist_ok=True)
        settings_out.write_text(
            json.dumps({"tuned_on": f"{dataset.name}/{tune_split}", "settings": values}, indent=2) + "\n",
            encoding="utf-8",
        )
        log(f"wrote {settings_out} (load it with --settings {settings_out})")
        assistant = Assistant(beir_settings.with_file(settings_out), embedder=embedder)
        out.update(
            tuning={
                "split": tune_split,
                "queries": len(tq),
                "best": best,
                "settings_file": str(settings_out),
                "grid": tuned["grid"],
            },
            settings=assistant.settings.file_values(),
        )
    queries = {q: dataset.queries[q] for q in qrels}
    out["results"] = {}
    for name in retrievers:
        started = time.perf_counter()
        rankings = rank_queries(assistant, queries, Retriever.parse(name))
        seconds = time.perf_counter() - started
        scored = as_run(rankings)
        out["results"][name] = {**score(scored, qrels), "search_seconds": seconds}
        if run_path is not None:
            path = run_path if len(retrievers) == 1 else run_path.with_name(f"{run_path.stem}-{name}{run_path.suffix}")
            write_trec_run(path, scored, f"assistant-{name}")
            log(f"wrote TREC run {path}")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.update(
        seconds=time.perf_counter() - t0,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        index=dict(assistant.index.manifest.get("counts", {})),
    )
    return out


def _origin(out: dict[str, Any]) -> str:
    """Where the reported settings come from: tuning, a settings file, or the assistant's defaults."""
    if "tuning" in out:
        return f"tuned on {out['tuning']['split']}"
    from ..settings import Settings

    own = Settings().file_values()
    return "the assistant's own" if all(out["settings"].get(k) == v for k, v in own.items()) else "from --settings"


def format_table(out: dict[str, Any]) -> str:
    s = out["settings"]
    lines = [
        f"{out['dataset']} / {out['split']}: {out['queries']} queries; index ready in {out['index_seconds']:.1f} s "
        f"({out['index'].get('documents', '?')} documents, {out['index'].get('chunks', '?')} chunks); "
        f"total {out['seconds']:.1f} s wall, {out['cpu_seconds']:.0f} s CPU",
        f"settings: fusion {s.get('fusion', 'rrf')}, dense_weight {s['dense_weight']:g}, rrf_k {s['rrf_k']:g}, "
        f"focus_weight {s.get('focus_weight', 0):g}, feedback_weight {s.get('feedback_weight', 0):g}, "
        f"plain_words {'on' if s.get('plain_words', True) else 'off'}, "
        f"passages in {'answer' if s.get('answer_order', True) else 'retrieval'} order ({_origin(out)})",
        "",
    ]
    head = f"{'retriever':<12}{'nDCG@10':>9}{'recall@100':>12}{'MRR@10':>9}{'search s':>10}"
    lines += [head, "-" * len(head)]
    for name, r in out["results"].items():
        lines.append(
            f"{name:<12}{r['ndcg@10']:>9.4f}{r['recall@100']:>12.4f}{r['mrr@10']:>9.4f}{r['search_seconds']:>10.1f}"
        )
    published = PUBLISHED.get(out["dataset"])
    if published and out["split"] == "test":
        lines += ["", "published nDCG@10 (test): " + ", ".join(f"{k} {v:.3f}" for k, v in published.items())]
    return "\n".join(lines)


def main(args, settings) -> int:
    from .measure import apply_threads

    apply_threads(args.threads)
    names = ["hybrid", "dense", "bm25"] if args.retriever == "all" else [args.retriever]
    out = run(
        settings,
        args.dataset_dir,
        split=args.split,
        retrievers=names,
        tune_split=None if args.tune_split == "none" else args.tune_split,
        limit=args.limit,
        run_path=Path(args.run) if args.run else None,
        settings_out=Path(args.write_settings) if args.write_settings else None,
        progress=not args.quiet,
    )
    print(format_table(out))
    if args.json_path:
        from .report import write_json

        write_json(args.json_path, out, "metrics")
    return 0
