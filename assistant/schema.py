"""Typed records of what is asked and answered, and the kinds every stage shares.

(retrieval) -> Passage -> (answering) -> Answer, Alternative -> Response; Turn is an earlier
exchange. The enums (Retriever, Audience, Status, AnswerKind, SentenceKind, SectionKind) are
the vocabulary of the whole pipeline; the records of the documents' text (Document, Chunk,
Sentence, ...) are in ``documents.py``. All frozen; spans are character offsets, end-exclusive.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .documents import Chunk, DocumentMeta


class _ValuedEnum(StrEnum):
    """An Enum whose parse error lists the valid values."""

    @classmethod
    def parse(cls, value: str | _ValuedEnum) -> _ValuedEnum:
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown {cls.__name__.lower()} {value!r}; choose one of: {valid}") from None


class Retriever(_ValuedEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    BM25 = "bm25"


class Audience(_ValuedEnum):
    PARENT = "parent"
    CLINICIAN = "clinician"


class Status(_ValuedEnum):
    """What a Response is: the UI and the API branch on this, never on message strings."""

    ANSWERED = "answered"
    NOT_ANSWERED = "not_answered"  # the documents don't answer (abstained)
    EMPTY_QUESTION = "empty_question"
    ERROR = "error"  # the assistant could not work (no index, model missing)


class AnswerKind(_ValuedEnum):
    SENTENCE = "sentence"  # one sentence or two adjacent ones
    TABLE_ROW = "table_row"  # one row of a table, read with its column names
    METADATA = "metadata"  # a document detail (authors, journal, year, DOI, kind of evidence)


class SentenceKind(_ValuedEnum):
    TEXT = "text"
    TABLE_ROW = "table_row"
    TABLE_HEADER = "table_header"  # indexed for context, never quoted as an answer


class SectionKind(_ValuedEnum):
    BODY = "body"
    CAPTION = "caption"
    REFERENCES = "references"


class HasReadable:
    """``readable``: the display form when there is one (table cells separated, lost dashes
    restored), else the verbatim text."""

    text: str
    display: str

    @property
    def readable(self) -> str:
        return self.display or self.text


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: its place in the list shown (``rank``, from 1), the retrieval score, and
    the answer model's probability for its best sentence (``answer_score``; None when it was not
    scored: a reference list, a passage deeper than ``answer_depth``, a document-details answer)."""

    rank: int
    chunk: Chunk
    score: float
    meta: DocumentMeta
    evidence: str
    citation: str
    answer_score: float | None = None


@dataclass(frozen=True)
class Answer(HasReadable):
    text: str  # verbatim slice of the document (for METADATA: the value, as the sidecar gives it)
    passage: int  # index into Response.passages
    start: int  # character span inside that passage's text
    end: int
    doc_start: int  # character span in the document's cleaned text
    doc_end: int
    score: float
    kind: AnswerKind = AnswerKind.SENTENCE
    display: str = ""  # readable form of text (table cells separated, dashes restored); "" = text


@dataclass(frozen=True)
class Alternative(HasReadable):
    """A further quote that also answers, from another place."""

    text: str
    passage: int
    start: int  # span inside the passage's text
    end: int
    score: float
    display: str = ""


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    explanation: str
    source: str
    quoted_from: str = ""  # citation when the explanation is quoted from a document; "" = written for this assistant


@dataclass(frozen=True)
class Turn:
    """One earlier turn of a conversation: what was asked and, when known, what was answered."""

    question: str
    answer: str = ""  # the quoted answer ("" when the turn abstained or is unknown)
    doc_id: str = ""  # where the answer came from
    section: str = ""
    standalone: str = ""  # the question as it was searched
    doc_start: int = -1  # where the quoted sentence starts in its document (-1: no sentence quoted)


def quoted_place(kind: object, doc_start: int) -> int:
    """A Turn's ``doc_start`` for an answer of this kind: -1 for a document detail, which quotes
    no sentence of the document (for a Response's answer and an earlier ``/ask`` result alike)."""
    return -1 if kind == AnswerKind.METADATA else doc_start


@dataclass(frozen=True)
class Response:
    question: str
    standalone_question: str
    audience: Audience
    retriever: Retriever
    abstained: bool
    answer: Answer | None
    passages: tuple[Passage, ...]
    glossary: tuple[GlossaryEntry, ...] = ()
    message: str = ""  # plain-language status ("The documents don't answer this.")
    notice: str = ""  # e.g. the "not medical advice" line, or a truncation notice
    latency_ms: float = 0.0
    confidence: float = 0.0
    search_text: str = ""  # standalone question plus plain-language expansions, as searched
    alternatives: tuple[Alternative, ...] = ()
    status: Status | None = None  # None: derived from abstained
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status is None:
            object.__setattr__(self, "status", Status.NOT_ANSWERED if self.abstained else Status.ANSWERED)

    def as_turn(self) -> Turn:
        """This exchange as history for the next question."""
        if self.answer is None or not self.passages:
            return Turn(self.question, standalone=self.standalone_question)
        p = self.passages[self.answer.passage]
        at = quoted_place(self.answer.kind, self.answer.doc_start)
        return Turn(self.question, self.answer.text, p.chunk.doc_id, p.chunk.section, self.standalone_question, at)

    def to_json(self) -> dict[str, Any]:
        """The `assistant ask --json` schema."""
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "audience": self.audience.value,
            "retriever": self.retriever.value,
            "abstained": self.abstained,
            "status": self.status.value,
            "message": self.message,
            "notice": self.notice,
            "answer": None
            if self.answer is None
            else {
                "text": self.answer.text,
                "passage": self.answer.passage,
                "start": self.answer.start,
                "end": self.answer.end,
                "doc_start": self.answer.doc_start,
                "doc_end": self.answer.doc_end,
                "score": round(self.answer.score, 4),
                "kind": self.answer.kind.value,
                "display": self.answer.readable,
            },
            "alternatives": [
                {
                    "text": a.text,
                    "passage": a.passage,
                    "start": a.start,
                    "end": a.end,
                    "score": round(a.score, 4),
                    "display": a.readable,
                }
                for a in self.alternatives
            ],
            "glossary": [asdict(g) for g in self.glossary],
            "passages": [
                {
                    "rank": p.rank,
                    "doc_id": p.chunk.doc_id,
                    "title": p.meta.title,
                    "section": p.chunk.section,
                    "text": p.chunk.text,
                    "start": p.chunk.start,
                    "end": p.chunk.end,
                    "score": round(float(p.score), 6),
                    "answer_score": None if p.answer_score is None else round(p.answer_score, 4),
                    "citation": p.citation,
                    "evidence": p.evidence,
                    "authors": list(p.meta.authors),
                    "journal": p.meta.journal,
                    "year": p.meta.year,
                    "doi": p.meta.doi,
                    "source": p.meta.source,
                    "chunk_id": p.chunk.chunk_id,
                }
                for p in self.passages
            ],
            "search_text": self.search_text,
            "confidence": round(self.confidence, 4),
            "latency_ms": round(self.latency_ms, 2),
        }
