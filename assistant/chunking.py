"""Section-aware, sentence-aligned chunks sized in tiktoken tokens, with overlap.

A chunk never cuts a sentence and never spans two sections. What is embedded is the
section title plus the chunk text; its length in the model's own word pieces is checked
against the model's maximum, so nothing is silently truncated. A single sentence longer
than the model allows is the one exception: it is split at word boundaries, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .schema import Chunk, Document, Sentence, Span
from .sentences import document_sentences
from .settings import ChunkingSettings

Counter = Callable[[str], int]
BatchCounter = Callable[[list[str]], list[int]]


def embed_text(section: str, text: str) -> str:
    """The text the embedding model reads for a chunk."""
    return f"{section}: {text}" if section else text


def search_text(section: str, unit: Chunk | Sentence) -> str:
    """The text embedded and BM25-indexed for a chunk or a sentence: section title + its text."""
    return embed_text(section, getattr(unit, "readable", unit.text))


@dataclass
class ChunkResult:
    chunks: list[Chunk] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Chunker:
    def __init__(self, settings: ChunkingSettings, count_tokens: Counter, count_model_tokens: BatchCounter,
                 model_max_tokens: int) -> None:
        if model_max_tokens < 8:
            raise ValueError(f"model_max_tokens must be at least 8, got {model_max_tokens}")
        self.settings = settings
        self.count_tokens = count_tokens
        self.count_model_tokens = count_model_tokens
        self.model_max = model_max_tokens

    def chunk_documents(self, docs: list[Document], first_chunk_id: int = 0, first_sentence_id: int = 0) -> ChunkResult:
        result = ChunkResult()
        for doc in docs:
            self._chunk_document(doc, result, first_chunk_id + len(result.chunks), first_sentence_id + len(result.sentences))
        return result

    def _split_long(self, doc: Document, section: str, span: Span, result: ChunkResult) -> list[Span]:
        """Word-boundary pieces of one over-long sentence, each within the model limit."""
        text = doc.text[span.start:span.end]
        pieces: list[Span] = []
        words = [(m.start(), m.end()) for m in __import__("re").finditer(r"\S+", text)]
        i = 0
        while i < len(words):
            j = i + 1
            while j < len(words) and self.count_model_tokens([embed_text(section, text[words[i][0]:words[j][1]])])[0] <= self.model_max \
                    and self.count_tokens(text[words[i][0]:words[j][1]]) <= self.settings.max_tokens:
                j += 1
            pieces.append(Span(span.start + words[i][0], span.start + words[j - 1][1]))
            i = j
        result.warnings.append(f"{doc.doc_id}: a sentence of {len(text)} characters in {section!r} is longer than "
                               f"the model reads; split into {len(pieces)} pieces at word boundaries")
        return pieces

    def _chunk_document(self, doc: Document, result: ChunkResult, chunk_id: int, sentence_id: int) -> None:
        limit = self.settings.max_tokens
        for title, kind, spans in document_sentences(doc):
            # sentences of this section, with their token counts
            units: list[tuple[Span, int]] = []
            for span in spans:
                n = self.count_tokens(doc.text[span.start:span.end])
                fits_model = self.count_model_tokens([embed_text(title, doc.text[span.start:span.end])])[0] <= self.model_max
                if n > limit or not fits_model:
                    for piece in self._split_long(doc, title, span, result):
                        units.append((piece, self.count_tokens(doc.text[piece.start:piece.end])))
                else:
                    units.append((span, n))
            ids = []
            for span, _ in units:
                result.sentences.append(Sentence(sentence_id, doc.doc_id, title, span.start, span.end,
                                                 doc.text[span.start:span.end]))
                ids.append(sentence_id)
                sentence_id += 1
            i = 0
            while i < len(units):
                j = i
                while j < len(units) and self._fits(doc, title, units[i][0].start, units[j][0].end, limit):
                    j += 1
                j = max(j, i + 1)
                start, end = units[i][0].start, units[j - 1][0].end
                text = doc.text[start:end]
                result.chunks.append(Chunk(
                    chunk_id=chunk_id, doc_id=doc.doc_id, section=title, section_kind=kind, start=start, end=end,
                    text=text, sentence_ids=tuple(ids[i:j]), n_tokens=self.count_tokens(text),
                    n_model_tokens=self.count_model_tokens([embed_text(title, text)])[0]))
                chunk_id += 1
                if j >= len(units):
                    break
                # overlap: carry trailing whole sentences worth at most overlap_tokens
                back, carried = j, 0
                while back - 1 > i and carried + units[back - 1][1] <= self.settings.overlap_tokens:
                    back -= 1
                    carried += units[back][1]
                i = back if back < j else j

    def _fits(self, doc: Document, title: str, start: int, end: int, limit: int) -> bool:
        text = doc.text[start:end]
        return self.count_tokens(text) <= limit and \
            self.count_model_tokens([embed_text(title, text)])[0] <= self.model_max
