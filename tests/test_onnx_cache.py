"""The ONNX export cache: what the record says, damage found before a file is read, a damaged
export made again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.embedding import Embedder
from assistant.model_layout import resolve_model
from assistant.onnx_cache import FP32, FP32_FILE, RECORD, check, load_verified, model_folder, read_record
from assistant.settings import DEFAULT_MODEL


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
    found, why = check(cache_copy, Path(source), FP32)
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
    found, why = check(cache_copy, Path(source), FP32)
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


def test_an_export_with_new_times_is_hashed_once_then_trusted_by_stat(cache_copy):
    """Same bytes, another mtime (a copied cache): hashed, found equal, its stat recorded."""
    record = json.loads((cache_copy / RECORD).read_text())
    record["variants"]["onnx"]["mtime_ns"] = 1
    (cache_copy / RECORD).write_text(json.dumps(record))
    found = load_verified(DEFAULT_MODEL, Path(resolve_model(DEFAULT_MODEL)), "onnx")
    assert found.sha256 == record["variants"]["onnx"]["sha256"]
    entry = read_record(cache_copy)["variants"]["onnx"]
    assert entry["mtime_ns"] == (cache_copy / FP32_FILE).stat().st_mtime_ns
    assert entry["size"] == (cache_copy / FP32_FILE).stat().st_size


def test_an_unchanged_cache_is_checked_by_stat_alone(cache_copy, monkeypatch):
    """Once the stats are recorded, a start reads no model file to verify it; a changed file is
    read again."""
    import assistant.onnx_cache as onnx_cache

    source = Path(resolve_model(DEFAULT_MODEL))
    load_verified(DEFAULT_MODEL, source, "onnx")  # records the stats if the copy lacked them
    hashed: list[Path] = []
    real = onnx_cache.sha256_file
    monkeypatch.setattr(onnx_cache, "sha256_file", lambda path: hashed.append(Path(path)) or real(path))
    found, why = check(cache_copy, source, FP32)
    assert found is not None and why == ""
    assert [p.name for p in hashed if p.name != "tokenizer.json"] == []
    _flip(cache_copy / FP32_FILE, 1000)
    found, why = check(cache_copy, source, FP32)
    assert found is None and "altered" in why
    assert cache_copy / FP32_FILE in hashed
