"""`assistant bench --chunks N`: the FAISS scale study on a small N (no timed assertions)."""

from __future__ import annotations

import json
from argparse import Namespace

import numpy as np
import pytest

from assistant.evaluation import bench, scale


def test_parse_sizes():
    assert scale.parse_sizes("10k,100k,1M") == [10_000, 100_000, 1_000_000]
    assert scale.parse_sizes("2500") == [2500]
    for bad in ("", "abc", "10"):
        with pytest.raises(ValueError):
            scale.parse_sizes(bad)


def test_synthetic_vectors_are_normalised():
    gen = scale.SyntheticEmbeddings(16, 4, np.random.default_rng(0))
    x = gen.sample(1000, block=300)
    assert x.shape == (1000, 16) and x.dtype == np.float32
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)


def test_scale_small_n():
    from assistant.vector_index import faiss_type

    r = scale.scale_one(3000, dim=32, n_queries=20, hnsw_max=10_000, log=lambda m: None)
    kinds = [row["kind"] for row in r["rows"]]
    assert kinds[0] == "flat" and "hnsw" in kinds and "ivf" in kinds
    assert r["rows"][0]["recall@10"] == 1.0  # exact search is the reference
    for row in r["rows"]:
        assert 0.0 <= row["recall@10"] <= 1.0
        assert row["p50_ms"] <= row["p95_ms"]
    assert max(row["recall@10"] for row in r["rows"] if row["kind"] == "hnsw") > 0.9
    assert r["chosen"] == faiss_type(3000)
    text = scale.format_scale([r], 10.0)
    assert "FlatIP (exact)" in text and "the project uses" in text


def test_bench_chunks_command_writes_json(tmp_path, capsys):
    from assistant.settings import Settings

    out = tmp_path / "scale.json"
    args = Namespace(
        chunks="1500", json_path=str(out), threads=None, queries=10, hnsw_max=1500, budget_ms=10.0, qa=None, cold_runs=1
    )
    assert bench.main(args, Settings(index_dir=tmp_path / "index")) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [r["n"] for r in data] == [1500]
    assert "recall@10" in capsys.readouterr().out
    assert not (tmp_path / "index").exists()  # the scale test touches no index
