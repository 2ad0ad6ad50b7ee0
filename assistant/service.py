"""The Python API: ``Assistant(settings).ask(question, history=[...], audience=...)``.

The index is loaded (built when missing or stale) and the model warmed on first use, not
at import. ``ask`` never raises for a bad question: it returns a Response whose message
says what was wrong. Index and model problems raise AssistantError with a clear message.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from .citations import citation
from .schema import Answer, Audience, Passage, Response, Retriever, Status

NOT_ANSWERED = "The documents don't answer this."
NOT_MEDICAL_ADVICE = "This is information from the documents, not medical advice. Talk to your child's doctor."
EMPTY_QUESTION = "Please type a question."


class AssistantError(RuntimeError):
    """The assistant cannot work (no index and no documents, model missing); says what to do."""


def sanitize(text: str) -> str:
    """Drop control and zero-width characters (keeping newlines as spaces), fold whitespace."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\r\t":
            kept.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # controls, zero-width/bidi formatting, surrogates, private use, unassigned
        else:
            kept.append(ch)
    return re.sub(r"\s+", " ", "".join(kept)).strip()


@dataclass(frozen=True)
class Context:
    """A quote shown in its whole section."""

    doc_id: str
    title: str
    section: str
    text: str  # the section text
    mark_start: int  # the quote's span inside text
    mark_end: int
    citation: str


class Assistant:
    def __init__(self, settings=None, embedder=None, log=None) -> None:
        from .settings import Settings

        self.settings = settings or Settings()
        self._embedder = embedder
        self._log = log
        self._index = None
        self._searcher = None
        self._answerer = None
        self._lock = threading.Lock()

    # -- loading -------------------------------------------------------------------------
    @property
    def embedder(self):
        if self._embedder is None:
            from .embedding import Embedder

            self._embedder = Embedder(self.settings.model, self.settings.batch_size)
        return self._embedder

    @property
    def index(self):
        if self._index is None:
            with self._lock:
                if self._index is None:
                    from .embedding import ModelUnavailable
                    from .indexer import ensure_index
                    from .store import IndexError_
                    from .tokens import TokenizerUnavailable

                    kwargs = {"log": self._log} if self._log else {}
                    try:
                        index = ensure_index(self.settings, embedder=self.embedder, **kwargs)
                    except (IndexError_, ModelUnavailable, TokenizerUnavailable, FileNotFoundError) as exc:
                        raise AssistantError(str(exc)) from exc
                    if index.model != self.settings.model:
                        raise AssistantError(f"index was built with {index.model}, not {self.settings.model}")
                    from .answering import Answerer
                    from .retrieval import Searcher

                    self._searcher = Searcher(index, self.settings.rrf_k, self.settings.candidates, self.settings.dense_weight)
                    self._answerer = Answerer(index)
                    self._index = index
        return self._index

    def warm_up(self) -> "Assistant":
        """Load the index and model and run one query, so the next answer is fast."""
        self.ask("warm up the cerebellum index")
        return self

    @property
    def threshold(self) -> float:
        from .answering import calibrated_threshold

        t = self.settings.abstain_threshold
        return calibrated_threshold() if t is None else t

    # -- asking --------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[str] = (), audience: Audience | str = Audience.PARENT,
            k: int | None = None, retriever: Retriever | str = Retriever.HYBRID) -> Response:
        t0 = time.perf_counter()
        audience = Audience.parse(audience)
        retriever = Retriever.parse(retriever)
        k = self.settings.k if k is None else int(k)
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        original = question if isinstance(question, str) else str(question or "")
        original = original.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be printed
        clean_q = sanitize(original)
        notice = ""
        if not re.search(r"\w", clean_q):
            return Response(question=original, standalone_question="", audience=audience, retriever=retriever,
                            abstained=True, answer=None, passages=(), message=EMPTY_QUESTION, status=Status.EMPTY_QUESTION,
                            latency_ms=(time.perf_counter() - t0) * 1000)
        limit = self.settings.max_question_chars
        if len(clean_q) > limit:
            clean_q = clean_q[:limit].rsplit(" ", 1)[0] or clean_q[:limit]
            notice = f"Your question was longer than {limit} characters; only the first {len(clean_q)} were used."
        history_clean = [h for h in (sanitize(str(x))[:limit] for x in history or ()) if re.search(r"\w", h)]
        from .conversation import standalone

        from .lay_terms import expand

        # loading the index and the model (first question only) is not part of the latency
        loading_started = time.perf_counter()
        _ = self.index
        self.embedder.warm_up()
        t0 += time.perf_counter() - loading_started
        query = standalone(clean_q, history_clean)
        search_text = expand(query)
        q_vec = self.embedder.encode_query(search_text)
        index = self.index
        hits = self._searcher.search(search_text, q_vec, k, retriever)
        passages = []
        for rank, hit in enumerate(hits, start=1):
            chunk = index.chunks[hit.row]
            meta = index.documents[chunk.doc_id].meta
            passages.append(Passage(rank=rank, chunk=chunk, score=hit.score, meta=meta,
                                    evidence=meta.evidence_label, citation=citation(meta, chunk.section)))
        best = self._answerer.best(search_text, q_vec, passages[: self.settings.answer_depth], audience)
        confidence = best.confidence if best else 0.0
        abstained = best is None or confidence < self.threshold
        answer = None
        if not abstained:
            p = passages[best.passage]
            text = index.documents[p.chunk.doc_id].text[best.start:best.end]
            answer = Answer(text=text, passage=best.passage, start=best.start - p.chunk.start,
                            end=best.end - p.chunk.start, doc_start=best.start, doc_end=best.end, score=best.score)
        from .glossary import find_terms

        glossary = tuple(find_terms(answer.text)) if answer else ()
        message = NOT_ANSWERED if abstained else ""
        notice = " ".join(x for x in (notice, NOT_MEDICAL_ADVICE if audience is Audience.PARENT else "") if x)
        return Response(question=original, standalone_question=query, audience=audience, retriever=retriever,
                        abstained=abstained, answer=answer, passages=tuple(passages), glossary=glossary,
                        message=message, notice=notice, confidence=confidence, search_text=search_text,
                        latency_ms=(time.perf_counter() - t0) * 1000)

    # -- context -------------------------------------------------------------------------
    def show(self, doc_id: str, at: int, end: int | None = None) -> Context:
        """The section of doc_id that contains offset ``at``, with the sentence there marked."""
        index = self.index
        doc = index.documents.get(doc_id)
        if doc is None:
            known = ", ".join(sorted(index.documents))
            raise KeyError(f"no document {doc_id!r}; known: {known}")
        if not 0 <= at < len(doc.text):
            raise ValueError(f"offset {at} is outside {doc_id} (0..{len(doc.text) - 1})")
        section = doc.section_at(at)
        if section is None:  # between sections (a heading): take the next one
            section = next((s for s in doc.sections if s.start >= at), doc.sections[-1])
        if end is None:
            sentence = next((s for s in index.sentences if s.doc_id == doc_id and s.start <= at < s.end), None)
            start, end = (sentence.start, sentence.end) if sentence else (at, min(at + 1, len(doc.text)))
        else:
            start = at
        start, end = max(start, section.start), min(end, section.end)
        return Context(doc_id=doc_id, title=doc.meta.title, section=section.title,
                       text=doc.text[section.start:section.end], mark_start=start - section.start,
                       mark_end=end - section.start, citation=citation(doc.meta, section.title))
