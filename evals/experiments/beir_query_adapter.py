"""The query adapter of ``query-adapter.patch`` on a BEIR dataset (dense list only, nDCG@10 on
test), trained on the dataset's train qrels; run with the patch applied and the dataset's index
built by ``assistant beir``:

    git apply evals/experiments/query-adapter.patch
    python evals/experiments/beir_query_adapter.py scifact INDEX_ROOT 0.1,0.01

where INDEX_ROOT is the ``--index`` folder given to ``assistant beir`` (it holds beir/<name>).
It also prints how many test queries have all their relevant documents among the train qrels'
documents, which a trained map can learn by heart.
"""

import dataclasses
import json
import sys
from pathlib import Path

import ir_measures
import numpy as np
from assistant.evaluation.adapter_training import fit_adapter
from ir_measures import nDCG

from assistant.embedding import Embedder
from assistant.indexer import load_index
from assistant.settings import Settings

name, root, l2s = sys.argv[1], Path(sys.argv[2]), [float(x) for x in sys.argv[3].split(",")]
data = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / name
settings = dataclasses.replace(
    Settings(), docs_dir=data / "corpus.jsonl", index_dir=root / "beir" / name, embed_sentences=False
)
index = load_index(settings)
chunks = np.asarray(index.chunk_vectors, dtype=np.float32)
docs = [c.doc_id for c in index.chunks]
rows: dict[str, list[int]] = {}
for i, d in enumerate(docs):
    rows.setdefault(d, []).append(i)
queries = {}
for line in open(data / "queries.jsonl", encoding="utf-8"):
    q = json.loads(line)
    queries[q["_id"]] = q["text"]


def qrels(split):
    out: dict[str, dict[str, int]] = {}
    for line in list(open(data / "qrels" / f"{split}.tsv", encoding="utf-8"))[1:]:
        q, d, score = line.split("\t")
        if int(score) > 0 and q in queries:
            out.setdefault(q, {})[d] = int(score)
    return out


def ndcg(qids, vectors, rel):
    scores = vectors @ chunks.T
    run = {}
    for n, q in enumerate(qids):
        best: dict[str, float] = {}
        for r in np.argsort(-scores[n])[:300]:
            best[docs[r]] = max(best.get(docs[r], -9.0), float(scores[n, r]))
        run[q] = dict(sorted(best.items(), key=lambda kv: -kv[1])[:100])
    return ir_measures.calc_aggregate([nDCG @ 10], {q: rel[q] for q in qids}, run)[nDCG @ 10]


train, test = qrels("train"), qrels("test")
seen = set().union(*map(set, train.values()))
print(f"{name}: {sum(set(v) <= seen for v in test.values())} of {len(test)} test queries cite only train documents")
embedder = Embedder().warm_up()
train_ids, test_ids = list(train), list(test)
q_train = embedder.encode([queries[q] for q in train_ids])
q_test = embedder.encode([queries[q] for q in test_ids])
print(f"dense, encoder alone: test nDCG@10 {ndcg(test_ids, q_test, test):.4f}")
positives = [[r for d in train[q] for r in rows.get(d, [])] for q in train_ids]
for l2 in l2s:
    adapter = fit_adapter(settings.model, q_train, chunks, positives, l2=l2)
    print(f"dense, adapter L2 {l2}: test nDCG@10 {ndcg(test_ids, adapter.apply(q_test), test):.4f}")
