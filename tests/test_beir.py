"""`assistant beir` on a tiny synthetic dataset in BEIR layout, numbers checked by hand."""

from __future__ import annotations

import json
import math
from argparse import Namespace
from pathlib import Path

import pytest

from assistant.evaluation import beir as B

# A long document (well over the model's 256 word pieces) whose only mention of lava is at
# its very end: the dense retriever can only find it through its last chunk.
FILLER = " ".join(f"Sentence number {i} describes the geology of mountain ranges and sedimentary rock layers in "
                  f"general terms without any specific claim." for i in range(40))
DOCS = [
    {"_id": "d1", "title": "Cats", "text": "Domestic cats purr when they are content and knead with their paws."},
    {"_id": "d2", "title": "Dogs", "text": "Dogs bark at strangers and are loyal companions to people."},
    {"_id": "d3", "title": "The cerebellum", "text": "The cerebellum coordinates movement and balance."},
    {"_id": "d4", "title": "Kidneys", "text": "The kidneys filter the blood and produce urine."},
    {"_id": "d5", "title": "Mountains", "text": FILLER + " Volcanic eruptions pour molten lava down the slopes."},
    {"_id": "d6", "title": "Photosynthesis", "text": "Plants turn sunlight, water and carbon dioxide into sugar."},
]
QUERIES = [
    {"_id": "q1", "text": "why do cats purr"},
    {"_id": "q2", "text": "volcanic eruption molten lava"},
    {"_id": "q3", "text": "which organ filters the blood, the kidneys"},
    {"_id": "q4", "text": "a query that is not in any qrels"},
]
# graded; d99 is judged relevant to q3 but is not in the corpus (so recall@100 for q3 is 1/2)
TEST_QRELS = "query-id\tcorpus-id\tscore\r\nq1\td1\t1\r\nq2\td5\t2\r\nq3\td4\t1\r\nq3\td99\t1\r\nq9\td1\t1\r\n"
TRAIN_QRELS = "query-id\tcorpus-id\tscore\r\nq4\td6\t1\r\n"


def make_dataset(root: Path, docs=DOCS) -> Path:
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUERIES), encoding="utf-8")
    (root / "qrels" / "test.tsv").write_bytes(TEST_QRELS.encode())
    (root / "qrels" / "train.tsv").write_bytes(TRAIN_QRELS.encode())
    return root


@pytest.fixture()
def dataset(tmp_path) -> Path:
    return make_dataset(tmp_path / "tinyset")


@pytest.fixture()
def beir_settings(tmp_path):
    from assistant.settings import Settings

    return Settings(index_dir=tmp_path / "index")


def test_read_qrels_header_and_crlf(dataset):
    qrels = B.read_qrels(dataset / "qrels" / "test.tsv")
    assert qrels == {"q1": {"d1": 1}, "q2": {"d5": 2}, "q3": {"d4": 1, "d99": 1}, "q9": {"d1": 1}}
    ds = B.Dataset.open(dataset)
    assert set(ds.qrels("test")) == {"q1", "q2", "q3"}  # q9 has no query text: not scored
    assert ds.splits() == ["test", "train"]
    with pytest.raises(ValueError, match="no qrels for split 'dev'"):
        ds.qrels("dev")


def test_not_beir_layout(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(ValueError, match="corpus.jsonl is missing"):
        B.Dataset.open(tmp_path / "x")


def test_chunks_fit_the_model(embedder):
    chunker = B.DocChunker(embedder.warm_up().tokenizer, embedder.max_seq_length)
    pieces = chunker.chunks("Mountains", DOCS[4]["text"])
    assert len(pieces) > 1
    assert all(p.startswith("Mountains: ") for p in pieces)
    assert max(embedder.count_tokens(pieces)) <= embedder.max_seq_length
    assert "molten lava" in pieces[-1]
    assert chunker.chunks("Cats", DOCS[0]["text"]) == ["Cats: " + DOCS[0]["text"]]
    # one enormous "sentence" without full stops is split at words
    words = chunker.chunks("", "word " * 2000)
    assert len(words) > 1 and max(embedder.count_tokens(words)) <= embedder.max_seq_length


@pytest.mark.slow
def test_beir_run_numbers_by_hand(dataset, beir_settings, embedder):
    out = B.run(beir_settings, dataset, split="test", retrievers=["hybrid", "dense", "bm25"], embedder=embedder,
                tune_split=None, progress=False, log=lambda m: None)
    assert out["queries"] == 3
    # every retriever puts the one relevant document first: q1 -> d1, q2 -> d5 (its last chunk), q3 -> d4
    # q1: nDCG 1, recall 1, RR 1;  q2: same;  q3: DCG 1 / IDCG (1 + 1/log2 3), recall 1/2, RR 1
    ndcg = (1 + 1 + 1 / (1 + 1 / math.log2(3))) / 3
    for name, r in out["results"].items():
        assert r["queries"] == 3
        assert r["ndcg@10"] == pytest.approx(ndcg), name
        assert r["recall@100"] == pytest.approx((1 + 1 + 0.5) / 3), name
        assert r["mrr@10"] == pytest.approx(1.0), name
    assert out["index"]["documents"] == 6 and out["index"]["chunks"] > 6
    assert out["results"]["hybrid"]["params"]["tuned_on"] is None


@pytest.mark.slow
def test_beir_index_is_separate_reused_and_rebuilt(dataset, beir_settings, embedder):
    quiet = dict(embedder=embedder, progress=False, log=lambda m: None)
    first = B.run(beir_settings, dataset, retrievers=["bm25"], tune_split=None, **quiet)
    folder = Path(first["index"]["path"])
    assert folder == beir_settings.index_dir / "beir" / "tinyset"
    assert first["index"]["built"]
    assert not (beir_settings.index_dir / "current").exists()  # never the main index
    stored = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert b"knead with their paws" not in stored  # no corpus text copied
    again = B.run(beir_settings, dataset, retrievers=["bm25"], tune_split=None, **quiet)
    assert not again["index"]["built"]
    (dataset / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in DOCS[:5]), encoding="utf-8")
    changed = B.run(beir_settings, dataset, retrievers=["bm25"], tune_split=None, **quiet)
    assert changed["index"]["built"] and changed["index"]["documents"] == 5


@pytest.mark.slow
def test_beir_main_json_and_tuning(dataset, beir_settings, embedder, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("assistant.embedding.Embedder", lambda *a, **k: embedder)
    out = tmp_path / "one.json"
    args = Namespace(dataset_dir=str(dataset), split="test", retriever="hybrid", json_path=str(out), limit=None,
                     tune_split="auto", threads=None, quiet=True)
    assert B.main(args, beir_settings) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"dataset", "split", "retriever", "queries", "ndcg@10", "recall@100", "mrr@10", "seconds"} <= set(data)
    assert (data["dataset"], data["split"], data["retriever"], data["queries"]) == ("tinyset", "test", "hybrid", 3)
    assert data["params"]["tuned_on"] == "train"  # tuned on train, reported on test
    assert "nDCG@10" in capsys.readouterr().out
    args.retriever, args.json_path, args.limit = "all", str(tmp_path / "all.json"), 2
    assert B.main(args, beir_settings) == 0
    data = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert set(data) == {"hybrid", "dense", "bm25"}
    assert all(r["queries"] == 2 for r in data.values())


def test_fuse_is_weighted_rrf():
    import numpy as np

    dense = B.Rankings({"q": np.array([1, 2, 3])}, {"q": np.array([0.9, 0.8, 0.7])})
    lexical = B.Rankings({"q": np.array([3, 1])}, {"q": np.array([5.0, 4.0])})
    fused = B.fuse(dense, lexical, rrf_k=60, w_dense=1.0)
    assert list(fused.docs["q"]) == [1, 3, 2]
    assert np.allclose(fused.scores["q"], [1 / 61 + 1 / 62, 1 / 63 + 1 / 61, 1 / 62])
    w = B.fuse(dense, lexical, rrf_k=10, w_dense=2.0)
    assert np.allclose(w.scores["q"][list(w.docs["q"]).index(2)], 2 / 12)
