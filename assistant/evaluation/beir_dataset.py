"""A dataset folder in BEIR layout: its corpus file, queries and relevance judgements.

``corpus.jsonl`` (``_id``, ``title``, ``text``) is indexed by the assistant as one more document
source (``loaders.py``), into its own index folder (``Dataset.settings_for``);
``queries.jsonl`` holds ``_id`` and ``text``; ``qrels/<split>.tsv`` holds ``query-id corpus-id
score`` rows, header row optional, CRLF or LF. A run (ranked documents per query) is scored
against them by ``score``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

Qrels = dict[str, dict[str, int]]
Run = dict[str, dict[str, float]]  # query-id -> {doc-id: score}


def read_qrels(path: Path) -> Qrels:
    """query-id -> {corpus-id: score} from a BEIR qrels TSV (header row optional, CRLF or LF)."""
    qrels: Qrels = {}
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, start=1):
            cols = line.rstrip("\r\n").split("\t")
            if not line.strip():
                continue
            if len(cols) < 3:
                raise ValueError(f"{path}, line {n}: expected 3 tab-separated columns (query-id corpus-id score)")
            try:
                rel = int(float(cols[-1]))
            except ValueError:
                if n == 1:
                    continue  # the header row
                raise ValueError(f"{path}, line {n}: score {cols[-1]!r} is not a number") from None
            qrels.setdefault(cols[0].strip(), {})[cols[1].strip()] = rel
    return qrels


def read_queries(path: Path) -> dict[str, str]:
    queries = {}
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    obj = json.loads(line)
                    queries[str(obj["_id"])] = str(obj.get("text") or "")
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}, line {n}: not a query object with _id and text ({exc})") from None
    return queries


@dataclass(frozen=True)
class Dataset:
    root: Path
    name: str
    corpus: Path
    queries: dict[str, str]

    @classmethod
    def open(cls, root: str | Path) -> Dataset:
        root = Path(root)
        if not root.is_dir():
            raise ValueError(f"{root} is not a folder")
        for need in ("corpus.jsonl", "queries.jsonl", "qrels"):
            if not (root / need).exists():
                raise ValueError(f"{root} is not in BEIR layout: {need} is missing")
        return cls(root, root.resolve().name, root / "corpus.jsonl", read_queries(root / "queries.jsonl"))

    def splits(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "qrels").glob("*.tsv"))

    def qrels(self, split: str) -> Qrels:
        path = self.root / "qrels" / f"{split}.tsv"
        if not path.is_file():
            raise ValueError(f"no qrels for split {split!r} in {self.root}; have: {', '.join(self.splits()) or 'none'}")
        return {q: r for q, r in read_qrels(path).items() if q in self.queries}

    def settings_for(self, settings):
        """The assistant's settings, reading this corpus into its own index folder. Sentence
        vectors (a third of SciFact's build) are embedded only when the passages are put in
        answer order, which needs them; such an index has its own folder, so that switching
        between settings files does not rebuild."""
        return replace(
            settings,
            docs_dir=self.corpus,
            index_dir=Path(settings.index_dir)
            / "beir"
            / (self.name if settings.answer_order else f"{self.name}-chunks"),
            embed_sentences=settings.answer_order,
        )


def document_ranking(chunks, depth: int) -> list[str]:
    """Documents in the order of their best (first) chunk, from chunks in rank order."""
    return list(dict.fromkeys(c.doc_id for c in chunks))[:depth]


def as_run(rankings: dict[str, list[str]]) -> Run:
    """Rank-derived scores (depth - rank + 1), so tools that sort by score keep our order."""
    return {q: {d: float(len(docs) - i) for i, d in enumerate(docs)} for q, docs in rankings.items()}


def score(run: Run, qrels: Qrels) -> dict[str, float]:
    """nDCG@10 (gain = relevance), recall@100 and MRR@10 over the queries with a relevant document."""
    from .metrics import trec_measures

    kept = {q: r for q, r in qrels.items() if any(v > 0 for v in r.values())}
    values = trec_measures(kept, run, ["nDCG@10", "R@100", "RR@10"])
    return {"ndcg@10": values["nDCG@10"], "recall@100": values["R@100"], "mrr@10": values["RR@10"]}
