"""Typed records that flow between the pipeline stages.

documents -> (cleaning) -> Document -> (chunking) -> Chunk -> (retrieval) -> Passage
-> (answering) -> Answer / Response. All frozen; offsets are character offsets into
``Document.text`` (the cleaned text), end-exclusive.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


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


@dataclass(frozen=True)
class DocumentMeta:
    """Bibliographic facts about a source document (from its sidecar file)."""

    title: str
    authors: tuple[str, ...] = ()
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    source: str | None = None
    doc_type: str = "document"

    @property
    def evidence_label(self) -> str:
        kind = self.doc_type.lower()
        if kind == "case report":
            return "single case report"
        return kind

    def short_authors(self) -> str:
        if not self.authors:
            return ""
        return self.authors[0] + (", et al." if len(self.authors) > 1 else "")


@dataclass(frozen=True)
class RawDocument:
    """A file as read, before cleaning."""

    doc_id: str
    path: str
    text: str
    fmt: str  # "txt" | "md" | "html" | "pdf"
    meta: DocumentMeta
    sha256: str


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Section:
    title: str
    kind: SectionKind
    start: int  # start of the section body in Document.text
    end: int
    paragraphs: tuple[Span, ...]


@dataclass(frozen=True)
class Repair:
    """How to read ``Document.text[start:end]``: as ``text``, with a character the source lost put
    back ("handeye" -> "hand-eye"). Document.text itself is never changed."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class TableRow:
    """One line of a table whose cell separators were lost; cells are spans in Document.text."""

    start: int
    end: int
    cells: tuple[Span, ...]


@dataclass(frozen=True)
class Table:
    header: TableRow  # the column names
    rows: tuple[TableRow, ...]

    @property
    def n_columns(self) -> int:
        return len(self.header.cells)


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: str
    text: str  # cleaned text; every offset points into it
    sections: tuple[Section, ...]
    meta: DocumentMeta
    sha256: str
    tables: tuple[Table, ...] = ()
    repairs: tuple[Repair, ...] = ()  # sorted by start, never overlapping

    def section_at(self, offset: int) -> Section | None:
        for section in self.sections:
            if section.start <= offset < section.end:
                return section
        return None

    def readable(self, start: int, end: int) -> str:
        """``text[start:end]`` with the repairs that lie inside it applied."""
        out: list[str] = []
        pos = start
        i = bisect_left([r.start for r in self.repairs], start)
        for r in self.repairs[i:]:
            if r.start >= end:
                break
            if r.end <= end:
                out.append(self.text[pos : r.start])
                out.append(r.text)
                pos = r.end
        out.append(self.text[pos:end])
        return "".join(out)


class _HasReadable:
    """``readable``: the display form when there is one (table cells separated, lost dashes
    restored), else the verbatim text."""

    text: str
    display: str

    @property
    def readable(self) -> str:
        return self.display or self.text


@dataclass(frozen=True)
class Sentence(_HasReadable):
    sentence_id: int  # global id in the index
    doc_id: str
    section: str
    start: int
    end: int
    text: str  # verbatim slice of Document.text
    kind: SentenceKind = SentenceKind.TEXT
    display: str = ""  # readable form (table cells separated, lost dashes restored); "" = text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sentence:
        return cls(**{**data, "kind": SentenceKind(data.get("kind", "text"))})


@dataclass(frozen=True)
class Chunk(_HasReadable):
    chunk_id: int
    doc_id: str
    section: str
    section_kind: SectionKind
    start: int
    end: int
    text: str
    sentence_ids: tuple[int, ...]
    n_tokens: int  # tiktoken cl100k_base
    n_model_tokens: int  # the embedding model's own word pieces (of the embedded text)
    display: str = ""  # readable form (table rows with their column names, lost dashes restored); "" = text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section_kind"] = self.section_kind.value
        data["sentence_ids"] = list(self.sentence_ids)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(
            **{**data, "section_kind": SectionKind(data["section_kind"]), "sentence_ids": tuple(data["sentence_ids"])}
        )


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its score and rank."""

    rank: int
    chunk: Chunk
    score: float
    meta: DocumentMeta
    evidence: str
    citation: str


@dataclass(frozen=True)
class Answer(_HasReadable):
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
class Alternative(_HasReadable):
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
        return Turn(self.question, self.answer.text, p.chunk.doc_id, p.chunk.section, self.standalone_question)

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
