"""The encoder's one loaded model: word pieces (``tokenizers``), the transformer in an
onnxruntime session, and the model's own pooling and normalisation (``model_layout.pool``) in
numpy; texts in, vectors out. ``QueryEncoding`` keeps one question's token states so that a part
of the question (its asked aspect) is pooled from the same pass. ``embedding.Embedder`` loads it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .model_layout import ModelLayout, ModelUnavailable, pool


class SentencePipeline:
    """Tokenizer, ONNX session, pooling and normalisation for one loaded model."""

    def __init__(self, layout: ModelLayout, tokenizer_file: Path, onnx_model: Path | bytes, threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.layout = layout
        self._tokenizer_json = Path(tokenizer_file).read_text(encoding="utf-8")
        self.tokenizer = Tokenizer.from_str(self._tokenizer_json)  # truncates to the model's length
        self.tokenizer.no_padding()  # padded here, per batch, with the model's own pad id
        self.tokenizer.enable_truncation(max_length=layout.max_seq_length)
        self._counter = None  # counts whole texts; made when first needed (building), not for a question
        self._counter_lock = threading.Lock()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # idle threads sleep instead of spinning: spinning wins ~1 ms on an idle machine and loses
        # 2-3x as soon as another process wants the cores (embedding.DEFAULT_THREADS)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            model = onnx_model if isinstance(onnx_model, bytes) else str(onnx_model)  # a file: not held twice
            self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
            raise ModelUnavailable(f"onnxruntime cannot load the ONNX encoder ({type(exc).__name__}: {exc})") from exc
        self.input_names = [i.name for i in self.session.get_inputs()]
        hidden = self.session.get_outputs()[0].shape[-1]
        self.dimension = int(hidden) * len(layout.pooling) if isinstance(hidden, int) else None

    @property
    def counter(self):
        """A second tokenizer, untruncated, for counting whole texts (chunking); made on first use:
        a one-shot question never counts, and making it takes 25-40 ms."""
        if self._counter is None:
            with self._counter_lock:
                if self._counter is None:
                    from tokenizers import Tokenizer

                    counter = Tokenizer.from_str(self._tokenizer_json)
                    counter.no_padding()
                    counter.no_truncation()
                    self._counter = counter
        return self._counter

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        return [t.lower() for t in texts] if self.layout.do_lower_case else texts

    def count_tokens(self, texts: Sequence[str], add_special_tokens: bool = True) -> list[int]:
        encoded = self.counter.encode_batch(self._prepare(texts), add_special_tokens=add_special_tokens)
        return [len(e.ids) for e in encoded]

    def encode(self, texts: Sequence[str], batch_size: int, progress: bool = False) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(self._prepare(texts))
        # longest first, like sentence-transformers: batches of similar length pad little
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i].ids))
        starts = range(0, len(order), batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="embedding", unit="batch", file=sys.stderr)
        out: np.ndarray | None = None
        for start in starts:
            rows = order[start : start + batch_size]
            vectors = self._run([encoded[i] for i in rows])
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out if out is not None else np.zeros((0, self.dimension or 0), dtype=np.float32)

    def _states(self, batch) -> tuple[np.ndarray, np.ndarray]:
        """The transformer's token states for a batch of encodings, and the attention mask."""
        width = max(len(e.ids) for e in batch)
        ids = np.full((len(batch), width), self.layout.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        types = np.zeros((len(batch), width), dtype=np.int64)
        for row, e in enumerate(batch):
            n = len(e.ids)
            ids[row, :n] = e.ids
            mask[row, :n] = 1
            types[row, :n] = e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (tokens,) = self.session.run(None, {name: feeds[name] for name in self.input_names})
        return tokens, mask

    def _run(self, batch) -> np.ndarray:
        return self.pooled(*self._states(batch))

    def pooled(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The model's pooling (and normalisation) of token states under a mask."""
        vectors = pool(tokens, mask, self.layout.pooling)
        if self.layout.normalize:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors

    def encode_parts(self, text: str) -> QueryEncoding:
        e = self.tokenizer.encode(self._prepare([text])[0])
        tokens, mask = self._states([e])
        return QueryEncoding(self.pooled(tokens, mask)[0], tokens, tuple(e.offsets), self)


@dataclass(frozen=True)
class QueryEncoding:
    """One text's vector, and what it takes to pool a part of the text from the same pass."""

    vector: np.ndarray
    tokens: np.ndarray  # (1, word pieces, hidden) token states
    offsets: tuple[tuple[int, int], ...]  # each word piece's characters in the text ((0, 0): special)
    pipeline: SentencePipeline

    def part(self, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """The model's pooling over the word pieces inside ``spans`` (character offsets) only: the
        part's meaning in the context of the whole text, without a second pass (the whole text's
        vector when no word piece falls inside)."""
        mask = np.array(
            [[int(e > s and any(s < end and start < e for start, end in spans)) for s, e in self.offsets]],
            dtype=np.int64,
        )
        if not mask.any():
            return self.vector
        return self.pipeline.pooled(self.tokens, mask)[0]
