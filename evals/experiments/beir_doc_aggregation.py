"""How a BEIR document is scored from its chunks, on a tuning split: its best chunk (what
``assistant beir`` does) against the best chunk plus ``lambda`` times the reciprocal ranks of its
other chunks (CombSUM over chunk ranks, Dai & Callan's SumP):

    python evals/experiments/beir_doc_aggregation.py nfcorpus dev evals/beir/nfcorpus-tuned-on-dev.json INDEX_ROOT

where INDEX_ROOT is the ``--index`` folder given to ``assistant beir`` (it holds beir/<name>).
"""

import dataclasses
import sys
from pathlib import Path

from assistant.evaluation.beir import CHUNKS_PER_DOC, DEPTH, as_run, score
from assistant.evaluation.beir_dataset import Dataset
from assistant.service import Assistant
from assistant.settings import Settings

name, split, tuned, root = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
dataset = Dataset.open(Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / name)
settings = dataset.settings_for(dataclasses.replace(Settings(), index_dir=root)).with_file(tuned)
assistant = Assistant(settings)
qrels = dataset.qrels(split)
lists = {q: [p.chunk.doc_id for p in assistant.retrieve(dataset.queries[q], k=DEPTH * CHUNKS_PER_DOC)] for q in qrels}


def ranking(docs: list[str], weight: float, k: int = 60) -> list[str]:
    scores: dict[str, float] = {}
    for rank, doc in enumerate(docs, start=1):
        scores[doc] = scores.get(doc, 0.0) + (weight if doc in scores else 1.0) / (k + rank)
    return [d for d, _ in sorted(scores.items(), key=lambda kv: -kv[1])][:DEPTH]


for weight in (0.0, 0.1, 0.25, 0.5, 1.0):
    measured = score(as_run({q: ranking(v, weight) for q, v in lists.items()}), qrels)
    print(f"{name} {split} lambda {weight}: " + ", ".join(f"{m} {v:.4f}" for m, v in measured.items()))
