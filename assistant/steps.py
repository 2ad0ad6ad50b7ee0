"""The values ``Assistant.ask`` hands from one step to the next: the question as searched
(``Query``), what retrieval found (``Retrieved``), and the ranked answer candidates (``Choice``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .schema import Passage, Turn

if TYPE_CHECKING:
    import numpy as np

    from .answer_features import AnswerContext
    from .answering import Candidate
    from .focus import Focus
    from .sentence_pipeline import QueryEncoding


@dataclass(frozen=True)
class Query:
    text: str  # the standalone question
    search_text: str  # with the documents' terms for plain words
    encoding: QueryEncoding  # the standalone question's vector and token states
    context: AnswerContext | None = None  # the earlier answer's place, for a follow-up
    turns: tuple[Turn, ...] = ()
    carried: str = ""  # the topic a follow-up carried over from the earlier turns

    @property
    def vector(self) -> np.ndarray:
        return self.encoding.vector


@dataclass(frozen=True)
class Retrieved:
    """The passages in retrieval order, and the question's topic/focus split."""

    passages: tuple[Passage, ...]
    focus: Focus
    top_bm25: float = 0.0  # the best BM25 score over the corpus
    top_dense: float = 0.0  # the best chunk cosine


@dataclass(frozen=True)
class Choice:
    """The ranked answer candidates (best first) over the passages (in retrieval order)."""

    passages: tuple[Passage, ...]
    ranked: tuple[Candidate, ...]
    confidence: float | None = None  # that the best candidate answers (None: no candidate)

    @property
    def best(self) -> Candidate | None:
        return self.ranked[0] if self.ranked else None
