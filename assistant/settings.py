"""Settings, validated when built. Environment variables override the defaults:
ASSISTANT_MODEL, ASSISTANT_DOCS, ASSISTANT_INDEX, ASSISTANT_CACHE_DIR, ASSISTANT_ENCODER,
ASSISTANT_ENCODER_THREADS, ASSISTANT_DENSE_WEIGHT."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# Bump when cleaning, chunking, embedded text or BM25 tokenisation change: built indexes go stale.
PIPELINE_VERSION = 6


def cache_dir() -> Path:
    """Project-local cache (tiktoken's BPE file lives here)."""
    env = os.environ.get("ASSISTANT_CACHE_DIR")
    return Path(env) if env else PROJECT_ROOT / ".cache"


def _int_or_none(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"ASSISTANT_ENCODER_THREADS must be a whole number, got {value!r}") from None


@dataclass(frozen=True)
class ChunkingSettings:
    max_tokens: int = 160  # tiktoken cl100k_base tokens per chunk
    overlap_tokens: int = 40  # carried over from the previous chunk, whole sentences only
    encoding: str = "cl100k_base"

    def __post_init__(self) -> None:
        if self.max_tokens < 16:
            raise ValueError(f"max_tokens must be at least 16, got {self.max_tokens}")
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise ValueError(
                "overlap_tokens must be >= 0 and smaller than max_tokens "
                f"(got {self.overlap_tokens} and {self.max_tokens})"
            )


@dataclass(frozen=True)
class Settings:
    model: str = field(default_factory=lambda: os.environ.get("ASSISTANT_MODEL", DEFAULT_MODEL))
    docs_dir: Path = field(default_factory=lambda: Path(os.environ.get("ASSISTANT_DOCS", PROJECT_ROOT / "docs_src")))
    index_dir: Path = field(default_factory=lambda: Path(os.environ.get("ASSISTANT_INDEX", PROJECT_ROOT / "index")))
    chunking: ChunkingSettings = field(default_factory=ChunkingSettings)
    k: int = 5
    rrf_k: int = 60  # reciprocal rank fusion constant (Cormack et al., 2009)
    candidates: int = 50  # per retriever, before fusion
    # weight of the dense list in hybrid fusion (BM25 has 1); 0.3 was best on evals/qa.jsonl (README)
    dense_weight: float = field(default_factory=lambda: float(os.environ.get("ASSISTANT_DENSE_WEIGHT", "0.3")))
    # weight of the focus-only BM25 list in hybrid fusion (focus.py; 0 turns it off); on evals/train.jsonl
    # (retrieval order) hit@1/@5: 0 -> 0.488/0.841, 0.3 -> 0.506/0.844, 0.5 -> 0.514/0.835, 1 -> 0.526/0.818
    focus_weight: float = 0.3
    # how the lists are fused (retrieval.py): "rrf" (ranks, with rrf_k) or "score" (z-scored scores)
    fusion: str = "rrf"
    # Rocchio feedback: the question's vector plus this times the mean of the first fused chunks' (0: off)
    feedback_weight: float = 0.0
    # expand plain words in questions with the documents' terms (lay_terms.json, written for the seed
    # documents); ``assistant beir --tune-split`` may turn it off for another corpus
    plain_words: bool = True
    # candidate sentences come from the top ``answer_depth`` passages, whatever k (the passages shown)
    # is; 20 on the validation set (724 + 203 turns): answer@1 0.579 (5), 0.586 (12), 0.596 (20), 0.599 (30)
    answer_depth: int = 20
    # show the passages ordered by their best sentence's probability of answering (the quoted one
    # first); on the validation set hit@1 0.533 -> 0.654. Needs the index's sentence vectors; on
    # SciFact train it lowers nDCG@10 (0.745 -> 0.732), so a BEIR settings file may turn it off
    answer_order: bool = True
    max_question_chars: int = 2000  # longer questions are cut to this, with a notice
    batch_size: int = 32
    embed_sentences: bool = True  # sentence vectors for answers; a BEIR index needs only chunks
    # the encoder: "onnx" (float32) or "onnx-int8"; and its CPU threads (None: the measured default)
    encoder: str = field(default_factory=lambda: os.environ.get("ASSISTANT_ENCODER", "onnx"))
    encoder_threads: int | None = field(
        default_factory=lambda: _int_or_none(os.environ.get("ASSISTANT_ENCODER_THREADS"))
    )
    abstain_threshold: float | None = None  # None: use the calibrated value in the package data

    # what a settings file may set (``--settings PATH``): retrieval and answering, not paths or model
    FILE_KEYS = (
        "k",
        "rrf_k",
        "candidates",
        "dense_weight",
        "focus_weight",
        "fusion",
        "feedback_weight",
        "plain_words",
        "answer_depth",
        "answer_order",
        "abstain_threshold",
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "docs_dir", Path(self.docs_dir))
        object.__setattr__(self, "index_dir", Path(self.index_dir))
        if not self.model or not str(self.model).strip():
            raise ValueError("model must name a sentence-transformers model or a local folder")
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")
        if self.fusion not in ("rrf", "score"):
            raise ValueError(f"fusion must be rrf or score, got {self.fusion!r}")
        if self.feedback_weight < 0:
            raise ValueError(f"feedback_weight must be >= 0, got {self.feedback_weight}")
        for name in ("plain_words", "answer_order"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.max_question_chars < 10:
            raise ValueError("max_question_chars must be at least 10")

    def embedder(self):
        """The encoder these settings describe (loaded on first use)."""
        from .embedding import Embedder

        return Embedder(self.model, self.batch_size, encoder=self.encoder, threads=self.encoder_threads)

    def with_file(self, path: str | Path) -> Settings:
        """These settings with the values of a JSON settings file (as ``assistant beir`` tuning or
        ``assistant calibrate --write`` write it); unknown keys are an error, not ignored."""
        path = Path(path)
        from .jsonfile import read_json_object

        try:
            data = read_json_object(path)
        except ValueError as exc:
            raise ValueError(f"settings file {path} {exc}") from exc
        values = data.get("settings", data)
        if not isinstance(values, dict):
            raise ValueError(f"settings file {path} must hold a JSON object")
        unknown = sorted(set(values) - set(self.FILE_KEYS))
        if unknown:
            raise ValueError(
                f"settings file {path}: unknown keys {', '.join(unknown)}; allowed: {', '.join(self.FILE_KEYS)}"
            )
        return replace(self, **values)

    def file_values(self) -> dict:
        return {key: getattr(self, key) for key in self.FILE_KEYS}

    def fingerprint(self) -> dict:
        """What the built index depends on (besides the documents)."""
        return {
            "model": self.model,
            "chunking": asdict(self.chunking),
            "pipeline": PIPELINE_VERSION,
            "sentence_vectors": self.embed_sentences,
            "encoder": self.encoder,
        }
