"""Answer-candidate features: what the answer model sees of each sentence of the top passages.

``FEATURES`` carry to any document: how close a sentence is to the question (dense cosines of
the sentence and of its chunk), how much of the question's content it covers (IDF-weighted
among the candidates and over the corpus, on the question's own words and on its plain-word
expansion; with and without the section title), what it adds (novelty), where retrieval put
it, whether it states the kind of fact the question asks for (soft ``ASKS``/``STATES`` matches,
and the answer-type gate ``TYPED``: a number for "what percentage", a measure for "how many
centimetres", a cost, a dose, a duration, an age, a person, a place), whether the question has
a content word found nowhere in the documents, whether the asked aspect (or, without a
topic/focus split, a content stem) occurs in none of the candidates nor their section titles
(``unsupported``: the documents likely don't answer), the asked aspect (``focus.py``), the earlier
turn's document and section, and the audience. The abstention model describes a question by
its best candidate's features (``abstention.QUESTION_FEATURES``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .answer_types import ASKS, CITE_RE, GATE, STATES, TYPED_STATES, asked_types, typed_asks
from .focus import Focus
from .index import Index
from .lexical import FUNCTION_WORDS, tokenize
from .schema import Audience, SectionKind, SentenceKind

ANSWER_TYPES = tuple(ASKS)
STOP = FUNCTION_WORDS | {"all", "also", "got", "many", "more", "most", "much", "one", "than", "then", "very"}

FEATURES = tuple(
    """
    cos chunk_cos local_own local_exp corpus_own corpus_exp cover cover_title novelty inv_rank
    retrieval_rel len_log focus all_covered asks_number asks_person asks_gene asks_place asks_time
    asks_dose asks_treatment match_number match_person match_gene match_place match_time match_dose
    match_treatment type_missing
    typed_asked typed_agrees unsupported unsupported_any row_key unknown_terms unknown_any table_row
    plain_doc plain_parent parent followup same_doc same_section focus_split focus_cover
    focus_cover_title focus_local topic_only focus_cos rel_cos rel_chunk_cos rel_local_own
    rel_local_exp rel_corpus_own rel_corpus_exp rel_cover rel_focus_cover rel_focus_local
    rel_focus_cos
    """.split()
)
RELATIVE = tuple(
    """
    cos chunk_cos local_own local_exp corpus_own corpus_exp cover focus_cover focus_local focus_cos
    """.split()
)


# The typed facts a question can ask for (by its form), and what a sentence must state to give
# one: the answer-type gate. A candidate that states none of an asked type cannot be the answer.
def gate(prob: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The answer-type gate: a candidate that does not state the asked type of fact keeps only a
    small part of its probability, so an agreeing candidate wins and none agreeing abstains;
    likewise every other candidate when a table row's key cell is named by the question."""
    if not len(prob):
        return prob
    keep = x[:, FEATURES.index("typed_agrees")] > 0
    named = x[:, FEATURES.index("row_key")] > 0
    if named.any():  # a table row whose key cell the question names wins over prose that lists the key
        keep &= named
    return np.where(keep, prob, prob * GATE)


@dataclass(frozen=True)
class AnswerContext:
    """What the conversation says about where the answer should be (empty for a first question)."""

    followup: bool = False
    doc_id: str = ""  # the previous answer's document
    section: str = ""


@dataclass(frozen=True)
class AnswerQuery:
    """What the answer model is asked about: the question, how it was searched, the passages to
    answer from, who asks, and the conversation's and the question's own context."""

    question: str
    search_text: str  # with the plain-word expansion
    vector: np.ndarray
    passages: tuple  # the top passages, in retrieval order
    audience: Audience
    context: AnswerContext = field(default_factory=AnswerContext)
    focus: Focus | None = None  # topic vs asked aspect
    focus_vec: np.ndarray | None = None  # the aspect's vector (the question without its topic words)


def row_key(readable: str) -> set[str]:
    """The words of a table row's first (key) cell, from its readable form "Col: value; ..."."""
    first = readable.split(";", 1)[0]
    return set(re.findall(r"[a-z0-9]+", first.split(":", 1)[-1].lower()))


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1]


class FeatureBuilder:
    """Feature rows for the candidate sentences of one index (token sets cached on first use)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.sentences = index.sentences
        self.vectors = index.sentence_vectors
        self._tokens: list[set[str]] | None = None
        self._title_tokens: dict[str, set[str]] = {}
        self._corpus_df: dict[str, int] = {}
        self._words: set[str] = set()
        self._types: list[dict[str, bool]] = []
        self._typed: list[dict[str, bool]] = []

    def _ensure_tokens(self) -> None:
        if self._tokens is not None:
            return
        texts = [s.text for s in self.sentences]
        self._tokens = [set(t) for t in tokenize(texts)] if texts else []
        titles = sorted({s.section for s in self.sentences})
        self._title_tokens = dict(zip(titles, (set(t) for t in tokenize(titles)))) if titles else {}
        for toks in self._tokens:
            for t in toks:
                self._corpus_df[t] = self._corpus_df.get(t, 0) + 1
        for doc in self.index.documents.values():
            self._words.update(re.findall(r"[a-z0-9]+", doc.text.lower()))
            self._words.update(re.findall(r"[a-z0-9]+", doc.meta.title.lower()))
        plain = [CITE_RE.sub(" ", s.text) for s in self.sentences]
        self._types = [{t: bool(p.search(text)) for t, p in STATES.items()} for text in plain]
        self._typed = [{t: bool(p.search(text)) for t, p in TYPED_STATES.items()} for text in plain]

    def unknown_terms(self, question: str) -> list[str]:
        """The question's content words found nowhere in the documents (nor as a known stem)."""
        self._ensure_tokens()
        words = content_words(question)
        stems = tokenize(words) if words else []
        return [w for w, st in zip(words, stems) if w not in self._words and not any(t in self._corpus_df for t in st)]

    @staticmethod
    def _idf_overlap(idf: dict[str, float], toks: set[str]) -> float:
        total = sum(idf.values())
        return sum(w for t, w in idf.items() if t in toks) / total if total else 0.0

    def features(self, asked: AnswerQuery) -> tuple[list[tuple[int, int]], np.ndarray]:
        """(passage index, sentence id) per candidate, and their feature rows (FEATURES order)."""
        question, search_text, q_vec, audience = asked.question, asked.search_text, asked.vector, asked.audience
        passages, focus, focus_vec = list(asked.passages), asked.focus, asked.focus_vec
        if self.vectors is None or not passages:
            return [], np.zeros((0, len(FEATURES)))
        context = asked.context
        self._ensure_tokens()
        own, expanded = tokenize([question, search_text])
        own_t, exp_t = set(own), set(own) | set(expanded)
        usable = [(i, p) for i, p in enumerate(passages) if p.chunk.section_kind is not SectionKind.REFERENCES]
        pairs = [
            (i, sid)
            for i, p in usable
            for sid in p.chunk.sentence_ids
            if self.sentences[sid].kind is not SentenceKind.TABLE_HEADER
        ]
        if not pairs:
            return [], np.zeros((0, len(FEATURES)))
        pool = sorted({sid for _, sid in pairs})
        n = len(pool)
        # sorted: the IDF sums below add in one order in every process (string hashing varies)
        pool_df = {t: sum(t in self._tokens[sid] for sid in pool) for t in sorted(exp_t)}
        local = {t: math.log(1 + n / (1 + pool_df[t])) for t in sorted(exp_t)}
        n_corpus = len(self._tokens)
        corpus = {t: math.log(1 + n_corpus / (1 + self._corpus_df.get(t, 0))) for t in sorted(exp_t)}
        local_own = {t: local[t] for t in sorted(own_t)}
        corpus_own = {t: corpus[t] for t in sorted(own_t)}
        present = [df for t, df in pool_df.items() if df >= 1 and t in own_t]
        rarest = min(present) if present else 0
        rare = {t for t in own_t if pool_df.get(t) == rarest} if 1 <= rarest <= 2 else set()
        asks = asked_types(question)
        typed = typed_asks(question)
        q_words = set(re.findall(r"[a-z0-9]+", question.lower()))
        unknown = self.unknown_terms(question)
        n_content = max(1, len(content_words(question)))
        rows = self.index.row_of_chunk
        p_ids = [i for i, _ in usable]
        chunk_cos = {
            i: float(np.asarray(self.index.chunk_vectors[rows[passages[i].chunk.chunk_id]]) @ q_vec) for i in p_ids
        }
        top_score = max(float(passages[i].score) for i in p_ids) or 1.0
        cand_vecs = self.vectors[[sid for _, sid in pairs]]
        sims = cand_vecs @ q_vec
        aspect = focus or Focus()
        split = aspect.split
        focus_sims = cand_vecs @ focus_vec if split and focus_vec is not None else sims
        groups = aspect.groups
        for g in groups:
            for t in g:
                if t not in pool_df:
                    pool_df[t] = sum(t in self._tokens[sid] for sid in pool)
        seen_any = set().union(
            *(self._tokens[sid] | self._title_tokens.get(self.sentences[sid].section, set()) for sid in pool)
        )
        asked = groups if split else tuple(frozenset([t]) for t in own_t)
        unsupported = sum(not (g & seen_any) for g in asked) / max(1, len(asked))
        group_w = [max(math.log(1 + n / (1 + pool_df[t])) for t in g) for g in groups]
        group_total = sum(group_w) or 1.0
        out = np.zeros((len(pairs), len(FEATURES)))
        own_n = max(1, len(own_t))
        for j, (i, sid) in enumerate(pairs):
            s = self.sentences[sid]
            p = passages[i]
            toks = self._tokens[sid]
            title = self._title_tokens.get(s.section, set())
            types = self._types[sid]
            plain = p.meta.doc_type == "plain-language article"
            row = [
                float(sims[j]),
                chunk_cos[i],
                self._idf_overlap(local_own, toks),
                self._idf_overlap(local, toks),
                self._idf_overlap(corpus_own, toks),
                self._idf_overlap(corpus, toks),
                len(own_t & toks) / own_n,
                len(own_t & (toks | title)) / own_n,
                len(toks - exp_t) / max(1, len(toks)),
                1.0 / (1 + i),
                float(p.score) / top_score,
                math.log(1 + len(toks)),
                float(bool(rare & toks)),
                float(bool(own_t) and own_t <= (toks | title)),
                *[float(asks[t]) for t in ANSWER_TYPES],
                *[float(asks[t] and types[t]) for t in ANSWER_TYPES],
                float(any(asks[t] and not types[t] for t in ANSWER_TYPES)),
                float(bool(typed)),
                float(all(self._typed[sid][t] for t in typed)),
                unsupported,
                float(unsupported > 0),
                float(
                    s.kind is SentenceKind.TABLE_ROW and bool(row_key(s.readable)) and row_key(s.readable) <= q_words
                ),
                len(unknown) / n_content,
                float(bool(unknown)),
                float(s.kind is SentenceKind.TABLE_ROW),
                float(plain),
                float(plain and audience is Audience.PARENT),
                float(audience is Audience.PARENT),
                float(context.followup),
                float(bool(context.doc_id) and p.chunk.doc_id == context.doc_id),
                float(bool(context.section) and p.chunk.doc_id == context.doc_id and s.section == context.section),
            ]
            if split:
                seen = toks | title
                hit = [bool(g & toks) for g in groups]
                hit_title = [bool(g & seen) for g in groups]
                f_cover, f_cover_title = sum(hit) / len(groups), sum(hit_title) / len(groups)
                f_local = sum(w for w, h in zip(group_w, hit, strict=True) if h) / group_total
                topic_only = float(bool(aspect.topic & toks) and not any(hit_title))
            else:
                f_cover, f_cover_title, f_local, topic_only = row[6], row[7], row[3], 0.0
            row += [float(split), f_cover, f_cover_title, f_local, topic_only, float(focus_sims[j])]
            out[j, : len(row)] = row
        base = [FEATURES.index(f) for f in RELATIVE]
        out[:, len(FEATURES) - len(RELATIVE) :] = out[:, base] - out[:, base].max(axis=0)
        return pairs, out
