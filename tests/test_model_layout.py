"""The model's own configuration decides pooling, normalisation and length; pooling in numpy
matches sentence-transformers'."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from assistant.model_layout import ModelLayout, ModelUnavailable, pool, resolve_model
from assistant.settings import DEFAULT_MODEL


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
