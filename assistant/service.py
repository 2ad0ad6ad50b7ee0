"""The Python API: ``Assistant(settings).ask(question, history=[...], audience=...)``.

The index is loaded (built when missing or stale) and the model warmed on first use, not
at import. ``ask`` never raises for a bad question: it returns a Response whose message
says what was wrong. Index and model problems raise AssistantError with a clear message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .context import Context, section_context
from .questions import prepare_history, prepare_question
from .responding import empty_question, respond
from .schema import Audience, Passage, Response, Retriever, Turn
from .steps import Choice, Query, Retrieved

if TYPE_CHECKING:
    from .answer_features import AnswerQuery
    from .answering import AnswerModels
    from .focus import Focus
    from .retrieval import Searcher
    from .settings import Settings


def settle() -> None:
    """For a long-running process, once it has loaded what it keeps (the index, the encoder, the
    answer models): compile every plain-word and glossary pattern (a one-shot question compiles
    only the few it needs; all 285, with reading their two tables, take about 0.1 s), collect
    the garbage of loading and building, then freeze every object alive now (``gc.freeze``), so
    that the collector never traverses those again while questions are asked. ``serve`` calls it
    after its warm-up; ``assistant bench`` measures asking before and after it (the README's
    Speed section)."""
    import gc

    from . import glossary, lay_terms

    lay_terms.compile_patterns()
    glossary.compile_patterns()
    gc.collect()
    gc.freeze()


class AssistantError(RuntimeError):
    """The assistant cannot work (no index and no documents, model missing); says what to do."""


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
            self._embedder = self.settings.embedder()
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

                    self._searcher = Searcher.from_settings(index, self.settings)
                    self._answerer = Answerer(index)
                    self._index = index
        return self._index

    def answering_with(self, models: AnswerModels, threshold: float) -> Assistant:
        """This assistant with other answer models and abstention threshold, sharing its index,
        searcher and encoder (how ``train-answers`` asks a conversation's earlier turns with the
        model it is fitting rather than with the one shipped before it)."""
        from dataclasses import replace

        from .answering import Answerer

        other = self.sharing(replace(self.settings, abstain_threshold=threshold))
        other._answerer = Answerer(other.index, models)
        return other

    def sharing(self, settings: Settings) -> Assistant:
        """An assistant with other retrieval and answering settings over this one's index and
        encoder (the same model and documents), searching by the new settings."""
        if any(getattr(settings, f) != getattr(self.settings, f) for f in ("model", "docs_dir", "index_dir")):
            raise ValueError("sharing keeps the model, documents and index; build another Assistant for others")
        from .retrieval import Searcher

        index = self.index
        other = Assistant(settings, self.embedder, self._log)
        other._index, other._searcher, other._answerer = index, Searcher.from_settings(index, settings), self._answerer
        return other

    def warm_up(self) -> Assistant:
        """Load the index and model and run one query, so the next answer is fast."""
        self.ask("warm up the cerebellum index")
        return self

    @property
    def threshold(self) -> float:
        from .abstention import threshold

        return threshold(self.settings.abstain_threshold)

    # -- asking --------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: Sequence[str | Turn | Response] = (),
        audience: Audience | str = Audience.PARENT,
        k: int | None = None,
        retriever: Retriever | str = Retriever.HYBRID,
    ) -> Response:
        """Answer one question, given the earlier turns of the conversation (questions, or
        Turns / Responses that also say what was answered)."""
        t0 = time.perf_counter()
        audience, retriever = Audience.parse(audience), Retriever.parse(retriever)
        k = self.settings.k if k is None else int(k)
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        prepared = prepare_question(question, self.settings.max_question_chars)
        if not prepared.text:
            return empty_question(prepared, audience, retriever, (time.perf_counter() - t0) * 1000)
        t0 += self._load()  # loading the index and model (first question only) is not latency
        turns = prepare_history(history, self.settings.max_question_chars)
        query = self._standalone(prepared.text, turns)
        found = self._search(query, k, retriever)
        choice = self._choose(query, found, audience)
        return respond(self.index, self.threshold, prepared, query, choice, audience, retriever, k, t0)

    def retrieve(
        self,
        question: str,
        history: Sequence[str | Turn | Response] = (),
        k: int | None = None,
        retriever: Retriever | str = Retriever.HYBRID,
        audience: Audience | str = Audience.PARENT,
    ) -> tuple[Passage, ...]:
        """The first ``k`` passages of ``ask``, in its order, by the same steps, without the
        answer and the abstention (what ``assistant beir`` ranks documents by). With
        ``answer_order`` the top ``answer_depth`` are ordered by their best sentence, which needs
        the index's sentence vectors; an index built without them keeps retrieval order, in
        ``ask`` too."""
        prepared = prepare_question(question, self.settings.max_question_chars)
        if not prepared.text:
            return ()
        self._load()
        query = self._standalone(prepared.text, prepare_history(history, self.settings.max_question_chars))
        k = self.settings.k if k is None else int(k)
        found = self._search(query, k, Retriever.parse(retriever))
        if not self.settings.answer_order:  # the answer model would only be run to be ignored
            return found.passages[:k]
        return self._choose(query, found, Audience.parse(audience)).passages[:k]

    def query(self, question: str, history: Sequence[str | Turn | Response] = ()) -> Query:
        """The question as ``ask`` searches it: standalone, expanded, with its vector."""
        self._load()
        prepared = prepare_question(question, self.settings.max_question_chars)
        return self._standalone(prepared.text, prepare_history(history, self.settings.max_question_chars))

    @property
    def searcher(self) -> Searcher:
        _ = self.index
        return self._searcher

    def _load(self) -> float:
        """Load the index and warm the model; returns the seconds it took."""
        started = time.perf_counter()
        _ = self.index
        self.embedder.warm_up()
        return time.perf_counter() - started

    def _standalone(self, question: str, turns: Sequence[Turn]) -> Query:
        """The question made standalone from the earlier turns, expanded with the documents'
        terms for plain words (for BM25; unless the ``plain_words`` setting is off), and its vector
        (of the standalone question itself: the expansion made it longer and no better on
        evals/train.jsonl). Only the new turn's own words
        are expanded: the topic carried over from earlier turns is added once, unexpanded, so that
        its synonyms do not drown the new aspect (which also leads the focus-only BM25 list)."""
        from .conversation import answer_context, carried_topic, standalone
        from .lay_terms import expand

        text = standalone(question, turns)
        carried = carried_topic(question, turns)
        grow = expand if self.settings.plain_words else str
        search_text = f"{grow(question)} ({carried})" if carried else grow(text)
        return Query(
            text=text,
            search_text=search_text,
            encoding=self.embedder.encode_parts(text),
            context=answer_context(question, turns),
            turns=tuple(turns),
            carried=carried,
        )

    def _search(self, query: Query, k: int, retriever: Retriever) -> Retrieved:
        """At least ``k`` passages, and as many as the answer is chosen from (``answer_depth``)."""
        hits, found = self._searcher.found(query.search, max(k, self.settings.answer_depth), retriever)
        return Retrieved.of(self.index, hits, found)

    def focus_vector(self, query: Query, focus: Focus):
        """The asked aspect's query vector: the question's word pieces outside its topic words,
        pooled from the question's own pass through the model (its vector when it has no
        topic/focus split)."""
        if not focus.split or not focus.spans:
            return query.vector
        return query.encoding.part(focus.spans)

    def answer_query(self, query: Query, found: Retrieved, audience: Audience) -> AnswerQuery:
        """What the answer model is asked for this question (the top ``answer_depth`` passages)."""
        from .answer_features import AnswerContext, AnswerQuery

        return AnswerQuery(
            query.text,
            query.search_text,
            query.vector,
            tuple(found.passages[: self.settings.answer_depth]),
            audience,
            query.context or AnswerContext(),
            found.focus,
            self.focus_vector(query, found.focus),
            query.encoding,
        )

    def _choose(self, query: Query, found: Retrieved, audience: Audience) -> Choice:
        """Score every sentence of the top passages with the answer model, and (``answer_order``)
        order the passages by their best sentence: the passage quoted comes first, and on the
        validation set the first passage holds the evidence for 0.654 of the answerable
        questions instead of 0.533 in retrieval order (README, "Passages in answer order")."""
        ranked, confidence = self._answerer.choose(
            self.answer_query(query, found, audience), found.top_bm25, found.top_dense
        )
        choice = Choice(found.passages, tuple(ranked), confidence)
        return choice.by_answer() if self.settings.answer_order else choice

    # -- context -------------------------------------------------------------------------
    def show(self, doc_id: str, at: int, end: int | None = None) -> Context:
        """The section of doc_id that contains offset ``at``, with the sentence there marked."""
        return section_context(self.index, doc_id, at, end)
