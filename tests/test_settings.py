"""Settings: validated when built; a settings file sets retrieval and abstention values only."""

import json

import pytest

from assistant.settings import Settings


def test_bad_values_are_refused():
    with pytest.raises(ValueError, match="k must be at least 1"):
        Settings(k=0)
    with pytest.raises(ValueError, match="model"):
        Settings(model=" ")
    with pytest.raises(ValueError, match="plain_words must be true or false"):
        Settings(plain_words="no")
    with pytest.raises(ValueError, match="answer_order must be true or false"):
        Settings(answer_order=1)


def test_settings_file_round_trip_and_unknown_keys(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"settings": {"dense_weight": 0.7, "rrf_k": 30}}))
    s = Settings().with_file(path)
    assert (s.dense_weight, s.rrf_k) == (0.7, 30)
    assert s.file_values()["dense_weight"] == 0.7
    path.write_text(json.dumps({"model": "other"}))
    with pytest.raises(ValueError, match="unknown keys model"):
        Settings().with_file(path)
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        Settings().with_file(path)
    with pytest.raises(ValueError, match="cannot be read"):
        Settings().with_file(tmp_path / "missing.json")


def test_fingerprint_changes_with_what_the_index_depends_on():
    assert Settings().fingerprint() != Settings(embed_sentences=False).fingerprint()
    assert Settings().fingerprint() == Settings(dense_weight=0.9).fingerprint()  # search-time only
