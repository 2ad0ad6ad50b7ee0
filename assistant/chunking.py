"""Section-aware, sentence-aligned chunks sized in tiktoken tokens, with overlap.

A chunk never cuts a sentence (or a table line) and never spans two sections. Its text is a
verbatim slice of Document.text; its display is the readable form (table lines with their
column names, lost dashes put back). What is embedded and BM25-indexed is ``search_text``: the
section title plus the readable form; its length in the model's own word pieces is checked
against the model's maximum, so nothing is silently truncated. A single sentence longer than
the model allows is the one exception: it is split at word boundaries, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .documents import Chunk, Document, Sentence
from .sentences import Unit, document_units, text_unit
from .settings import ChunkingSettings

Counter = Callable[[str], int]
BatchCounter = Callable[[list[str]], list[int]]


class Readable(Protocol):
    @property
    def readable(self) -> str: ...


def embed_text(section: str, text: str) -> str:
    """Section title plus text: the form the embedding model and BM25 read."""
    return f"{section}: {text}" if section else text


def search_text(section: str, unit: Readable) -> str:
    """The text embedded and BM25-indexed for a chunk or a sentence: title plus readable form."""
    return embed_text(section, unit.readable)


def _readable(doc: Document, units: list[Unit]) -> str:
    """The span from the first unit to the last, each unit read in its readable form."""
    return doc.read_units(units, units[0].start, units[-1].end)[0]


@dataclass
class ChunkResult:
    chunks: list[Chunk] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Chunker:
    def __init__(
        self, settings: ChunkingSettings, count_tokens: Counter, count_model_tokens: BatchCounter, model_max_tokens: int
    ) -> None:
        if model_max_tokens < 8:
            raise ValueError(f"model_max_tokens must be at least 8, got {model_max_tokens}")
        self.settings = settings
        self.count_tokens = count_tokens
        self.count_model_tokens = count_model_tokens
        self.model_max = model_max_tokens

    def chunk_documents(self, docs: list[Document], first_chunk_id: int = 0, first_sentence_id: int = 0) -> ChunkResult:
        result = ChunkResult()
        for doc in docs:
            self._chunk_document(
                doc, result, first_chunk_id + len(result.chunks), first_sentence_id + len(result.sentences)
            )
        return result

    def _model_tokens(self, section: str, doc: Document, units: list[Unit]) -> int:
        return self.count_model_tokens([embed_text(section, _readable(doc, units))])[0]

    def _split_long(self, doc: Document, section: str, unit: Unit, result: ChunkResult) -> list[Unit]:
        """Word-boundary pieces of one over-long sentence, each within the model limit."""
        text = doc.text[unit.start : unit.end]
        pieces: list[Unit] = []
        words = [(unit.start + m.start(), unit.start + m.end()) for m in re.finditer(r"\S+", text)]

        def fits(i: int, j: int) -> bool:  # words i..j (inclusive) as one piece
            return (
                self.count_tokens(doc.text[words[i][0] : words[j][1]]) <= self.settings.max_tokens
                and self._model_tokens(section, doc, [text_unit(doc, words[i][0], words[j][1])]) <= self.model_max
            )

        i = 0
        while i < len(words):
            lo, hi = i, len(words) - 1  # the longest piece from word i that fits, by bisection
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if fits(i, mid) else (lo, mid - 1)
            pieces.append(text_unit(doc, words[i][0], words[lo][1]))
            i = lo + 1
        result.warnings.append(
            f"{doc.doc_id}: a sentence of {len(text)} characters in {section!r} is longer than "
            f"the model reads; split into {len(pieces)} pieces at word boundaries"
        )
        return pieces

    def _chunk_document(self, doc: Document, result: ChunkResult, chunk_id: int, sentence_id: int) -> None:
        limit = self.settings.max_tokens
        for section in document_units(doc):
            title = section.title
            # units of this section, with their token counts
            units: list[Unit] = []
            sizes: list[int] = []
            for unit in section.units:
                n = self.count_tokens(doc.text[unit.start : unit.end])
                if n > limit or self._model_tokens(title, doc, [unit]) > self.model_max:
                    for piece in self._split_long(doc, title, unit, result):
                        units.append(piece)
                        sizes.append(self.count_tokens(doc.text[piece.start : piece.end]))
                else:
                    units.append(unit)
                    sizes.append(n)
            ids = []
            for unit in units:
                result.sentences.append(
                    Sentence(
                        sentence_id,
                        doc.doc_id,
                        title,
                        unit.start,
                        unit.end,
                        doc.text[unit.start : unit.end],
                        unit.kind,
                        unit.display,
                    )
                )
                ids.append(sentence_id)
                sentence_id += 1
            i = 0
            while i < len(units):
                j = i
                while j < len(units) and self._fits(doc, title, units[i : j + 1], limit):
                    j += 1
                j = max(j, i + 1)
                start, end = units[i].start, units[j - 1].end
                text = doc.text[start:end]
                display = _readable(doc, units[i:j]) if any(u.display for u in units[i:j]) else ""
                result.chunks.append(
                    Chunk(
                        chunk_id=chunk_id,
                        doc_id=doc.doc_id,
                        section=title,
                        section_kind=section.kind,
                        start=start,
                        end=end,
                        text=text,
                        sentence_ids=tuple(ids[i:j]),
                        n_tokens=self.count_tokens(text),
                        n_model_tokens=self.count_model_tokens([embed_text(title, display or text)])[0],
                        display=display,
                    )
                )
                chunk_id += 1
                if j >= len(units):
                    break
                # overlap: carry trailing whole sentences worth at most overlap_tokens
                back, carried = j, 0
                while back - 1 > i and carried + sizes[back - 1] <= self.settings.overlap_tokens:
                    back -= 1
                    carried += sizes[back]
                i = min(j, back)

    def _fits(self, doc: Document, title: str, units: list[Unit], limit: int) -> bool:
        return (
            self.count_tokens(doc.text[units[0].start : units[-1].end]) <= limit
            and self._model_tokens(title, doc, units) <= self.model_max
        )
