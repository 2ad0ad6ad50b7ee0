"""`assistant beir` scores the assistant's own retrieval: a BEIR folder built from the seed
documents ranks, for each query, the document that holds `assistant ask`'s first passage over the
same documents (one .md per corpus entry); TREC run files, settings files, qrels parsing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.evaluation import beir as B
from assistant.evaluation import beir_dataset as D
from assistant.evaluation import beir_tuning as T

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs_src"
QUERIES = {  # our own questions, not from any QA file
    "q1": "Which imaging test showed reduced blood flow in the cerebellum?",
    "q2": "What happened to the girl after the diarrhoea episode?",
    "q3": "Which genes are linked to cerebellar hypoplasia?",
    "q4": "What does genetic counselling offer families?",
    "q5": "How was the tumour treated?",
    "q6": "What is the outlook for children with a small cerebellum?",
}


def make_dataset(root: Path) -> tuple[Path, Path]:
    """A BEIR folder whose corpus entries are the seed documents' paragraphs (title = document
    title), and a plain documents folder with the same entries as one .txt file each."""
    entries = []
    for path in sorted(DOCS.glob("*.txt")) + sorted(DOCS.glob("*.md")):
        title = json.loads(path.with_name(path.stem + ".meta.json").read_text())["title"]
        paragraphs = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 200]
        entries += [(f"{path.stem[:12]}-{i:02d}", title, p.replace("\n", " ")) for i, p in enumerate(paragraphs)]
    dataset, folder = root / "seedbeir", root / "seeddocs"
    (dataset / "qrels").mkdir(parents=True)
    folder.mkdir()
    with (dataset / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for doc_id, title, text in entries:
            fh.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
            (folder / f"{doc_id}.md").write_text(f"# {title}\n\n{text}", encoding="utf-8")
    with (dataset / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for qid, text in QUERIES.items():
            fh.write(json.dumps({"_id": qid, "text": text}) + "\n")
    first = entries[0][0]
    (dataset / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\r\n" + "".join(f"{q}\t{first}\t1\r\n" for q in QUERIES), encoding="utf-8"
    )
    (dataset / "qrels" / "dev.tsv").write_text("".join(f"{q}\t{first}\t1\n" for q in QUERIES), encoding="utf-8")
    return dataset, folder


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("beir"))


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=900)


@pytest.mark.slow
@pytest.mark.parametrize("answer_order", [True, False])
def test_beir_ranks_first_the_document_of_asks_first_passage(seed, tmp_path, answer_order):
    """With the assistant's settings (passages in answer order) and with a settings file that
    keeps retrieval order: the benchmark ranks what ``ask`` shows first."""
    dataset, folder = seed
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"answer_order": answer_order}))
    index = tmp_path / "index"
    run_file = tmp_path / "run.trec"
    with_settings = ("--settings", str(settings))
    out = cli("beir", str(dataset), "--index", str(index), "--run", str(run_file), "--quiet", *with_settings)
    assert out.returncode == 0, out.stderr
    assert (index / "beir" / ("seedbeir" if answer_order else "seedbeir-chunks") / "current").is_dir()
    firsts = {}
    for line in run_file.read_text().splitlines():
        qid, q0, doc_id, rank, score, tag = line.split()
        assert q0 == "Q0" and tag == "assistant-hybrid" and float(score) > 0
        if rank == "1":
            firsts[qid] = doc_id
    assert set(firsts) == set(QUERIES)
    for qid, question in QUERIES.items():
        asked = cli(
            "ask", question, "--json", "--docs", str(folder), "--index", str(tmp_path / "plain"), *with_settings
        )
        assert asked.returncode == 0, asked.stderr
        passages = json.loads(asked.stdout)["passages"]
        assert passages[0]["doc_id"] == firsts[qid], question
        assert (passages[0]["answer_score"] is not None) is answer_order


@pytest.mark.slow
def test_tuning_writes_a_settings_file_that_ask_loads(seed, tmp_path):
    dataset, folder = seed
    written = tmp_path / "tuned.json"
    out = cli(
        "beir",
        str(dataset),
        "--index",
        str(tmp_path / "index"),
        "--tune-split",
        "dev",
        "--write-settings",
        str(written),
        "--json",
        str(tmp_path / "m.json"),
        "--quiet",
    )
    assert out.returncode == 0, out.stderr
    values = json.loads(written.read_text())["settings"]
    assert values["fusion"] in ("rrf", "score") and values["feedback_weight"] in T.FEEDBACK_WEIGHTS
    assert values["plain_words"] in (True, False) and values["answer_order"] in (True, False)
    assert values["dense_weight"] in T.DENSE_WEIGHTS + T.SCORE_DENSE_WEIGHTS and values["rrf_k"] in T.RRF_KS
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["tuning"]["split"] == "dev" and 0 <= metrics["results"]["hybrid"]["ndcg@10"] <= 1
    # the fused rounds rank in retrieval order; the best point is then asked in answer order too
    assert [p["answer_order"] for p in metrics["tuning"]["grid"]].count(True) == 1
    asked = cli(
        "ask",
        QUERIES["q3"],
        "--json",
        "--docs",
        str(folder),
        "--index",
        str(tmp_path / "plain"),
        "--settings",
        str(written),
    )
    assert asked.returncode == 0, asked.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"dense_weigth": 1}))
    refused = cli("ask", "x", "--settings", str(bad), "--docs", str(folder), "--index", str(tmp_path / "plain"))
    assert refused.returncode == 2 and "dense_weigth" in refused.stderr


def test_tuning_on_the_reported_split_is_refused(seed, tmp_path):
    from assistant.settings import Settings

    dataset, _ = seed
    with pytest.raises(ValueError, match="another split"):
        B.run(Settings(index_dir=tmp_path), dataset, split="test", tune_split="test")


def test_read_qrels_header_and_crlf(seed):
    dataset, _ = seed
    qrels = D.read_qrels(dataset / "qrels" / "test.tsv")
    assert set(qrels) == set(QUERIES) and all(list(r.values()) == [1] for r in qrels.values())


def test_not_beir_layout(tmp_path):
    with pytest.raises(ValueError, match="not in BEIR layout: corpus.jsonl"):
        D.Dataset.open(tmp_path)


def test_scores_match_hand_computed_values():
    qrels = {"a": {"d1": 1, "d2": 2}, "b": {"d9": 1}}
    run = {"a": {"d2": 3.0, "x": 2.0, "d1": 1.0}, "b": {"x": 1.0}}
    m = B.score(run, qrels)
    ideal = 2 / 1 + 1 / 1.5849625  # trec_eval (and BEIR): gain = relevance, discount log2(rank + 1)
    got_a = 2 / 1 + 1 / 2.0  # d2 at rank 1, d1 at rank 3
    assert m["ndcg@10"] == pytest.approx((got_a / ideal + 0.0) / 2, abs=1e-4)
    assert m["recall@100"] == pytest.approx(0.5)
    assert m["mrr@10"] == pytest.approx(0.5)


def test_trec_run_file_format(tmp_path):
    path = tmp_path / "r.trec"
    B.write_trec_run(path, B.as_run({"q": ["d3", "d1"]}), "tag")
    assert path.read_text().splitlines() == ["q Q0 d3 1 2.000000 tag", "q Q0 d1 2 1.000000 tag"]


def test_the_table_says_where_its_settings_come_from():
    from assistant.settings import Settings

    own = Settings().file_values()
    out = {
        "dataset": "d",
        "split": "test",
        "queries": 1,
        "index_seconds": 0.0,
        "index": {},
        "seconds": 0.0,
        "cpu_seconds": 0.0,
        "results": {},
        "settings": own,
    }
    assert "(the assistant's own)" in B.format_table(out)
    assert "(from --settings)" in B.format_table({**out, "settings": {**own, "dense_weight": 2.0}})
    tuned = {**out, "settings": {**own, "dense_weight": 2.0}, "tuning": {"split": "dev"}}
    assert "(tuned on dev)" in B.format_table(tuned)
