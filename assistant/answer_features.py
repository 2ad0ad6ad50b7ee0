"""Answer-candidate features: what the answer model sees of each sentence of the top passages.

``FEATURES`` carry to any document: how close a sentence is to the question (dense cosines of
the sentence, of its chunk, and of the mean of its section's and of its document's sentences:
``corpus_terms.Centroids``), how much of the question's content it covers (IDF-weighted
among the candidates and over the corpus, on the question's own words and on its plain-word
expansion; with and without the section title), what it adds (novelty), where retrieval put
it, whether it states the kind of fact the question asks for (soft ``ASKS``/``STATES`` matches,
and the answer-type gate ``TYPED``: a number for "what percentage", a measure for "how many
centimetres", a cost, a dose, a duration, an age, a person, a place), whether the question has
a content word found nowhere in the documents and how near in meaning the documents come to it
(``corpus_terms.nearest_meaning``), whether the asked aspect (or, without a
topic/focus split, a content stem) occurs in none of the candidates nor their section titles
(``unsupported``: the documents likely don't answer), the asked aspect (``focus.py``), the earlier
turn's document and section and how far the candidate is from its quoted sentence, and the
audience. The abstention model describes a question by
its best candidate's features (``abstention.QUESTION_FEATURES``).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .answer_types import GATE, asked_types, typed_asks
from .corpus_terms import ANSWER_TYPES, TYPED_KEYS, CorpusTerms, content_words, nearest_meaning
from .focus import Focus
from .index import Index
from .lexical import tokenize
from .schema import Audience, SectionKind, SentenceKind

if TYPE_CHECKING:
    from .sentence_pipeline import QueryEncoding

FEATURES = tuple(
    """
    cos chunk_cos local_own local_exp corpus_own corpus_exp cover cover_title novelty inv_rank
    retrieval_rel len_log focus all_covered asks_number asks_person asks_gene asks_place asks_time
    asks_dose asks_treatment match_number match_person match_gene match_place match_time match_dose
    match_treatment type_missing
    typed_asked typed_agrees unsupported unsupported_any row_key unknown_terms unknown_any unmapped_unknown
    unknown_near
    table_row doc_cover doc_cos section_cos
    plain_doc plain_parent parent followup same_doc same_section prev_near prev_next prev_same
    before_cos before_cover after_cos after_cover focus_split focus_cover
    focus_cover_title focus_local topic_only focus_cos rel_cos rel_chunk_cos rel_local_own
    rel_local_exp rel_corpus_own rel_corpus_exp rel_cover rel_focus_cover rel_focus_local
    rel_focus_cos rel_doc_cover rel_doc_cos rel_section_cos
    """.split()
)
RELATIVE = tuple(
    """
    cos chunk_cos local_own local_exp corpus_own corpus_exp cover focus_cover focus_local focus_cos doc_cover doc_cos section_cos
    """.split()
)


# The typed facts a question can ask for (by its form), and what a sentence must state to give
# one: the answer-type gate. A candidate that states none of an asked type cannot be the answer.
def gate(prob: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The answer-type gate: a candidate that does not state the asked type of fact keeps only a
    small part of its probability, so an agreeing candidate wins and none agreeing abstains;
    likewise every other candidate when the question names a table row by a cell that
    identifies it (``identifying_cells``)."""
    if not len(prob):
        return prob
    keep = x[:, FEATURES.index("typed_agrees")] > 0
    named = x[:, FEATURES.index("row_key")] > 0
    if named.any():  # a table row the question names wins over prose that lists its key
        keep &= named
    return np.where(keep, prob, prob * GATE)


@dataclass(frozen=True)
class AnswerContext:
    """What the conversation says about where the answer should be (empty for a first question)."""

    followup: bool = False
    doc_id: str = ""  # the previous answer's document
    section: str = ""
    doc_start: int = -1  # where the previous answer's sentence starts in that document (-1: none)


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
    encoding: QueryEncoding | None = None  # the question's token states (for its unknown words' meaning)


class FeatureBuilder:
    """Feature rows for the candidate sentences of one index (``CorpusTerms`` made on first use)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.sentences = index.sentences
        self.vectors = index.sentence_vectors
        self._terms: CorpusTerms | None = None
        self._lock = threading.Lock()

    @property
    def terms(self) -> CorpusTerms:
        """The index's ``CorpusTerms``, made once: a server answers on several threads, so it is
        made under a lock and published whole."""
        if self._terms is None:
            with self._lock:
                if self._terms is None:
                    self._terms = CorpusTerms.of(self.index)
        return self._terms

    def _after_previous(self, context: AnswerContext, sids: list[int]) -> np.ndarray:
        """Per candidate, where it stands from the previous answer's sentence (in the same
        document; zeros otherwise): 1 / (1 + distance in sentences), whether it is one of the two
        sentences after it ("What was done next?"), whether it is that sentence itself."""
        out = np.zeros((len(sids), 3))
        starts, ids = self.terms.doc_starts.get(context.doc_id, (np.zeros(0), np.zeros(0, dtype=np.intp)))
        at = int(np.searchsorted(starts, context.doc_start, side="right")) - 1 if context.doc_start >= 0 else -1
        if at < 0:
            return out
        previous = int(ids[at])
        for row, sid in enumerate(sids):
            if self.sentences[sid].doc_id == context.doc_id:
                d = sid - previous
                out[row] = 1.0 / (1 + abs(d)), float(1 <= d <= 2), float(d == 0)
        return out

    def _doc_cover(self, own: set[str], docs: list[str]) -> np.ndarray:
        """Per candidate, the share of the question's own terms that its document uses anywhere
        (sentences or section titles): a question about one case names words of that case."""
        if not own:
            return np.zeros(len(docs))
        doc_tokens = self.terms.doc_tokens
        share = {d: len(own & doc_tokens.get(d, set())) / len(own) for d in set(docs)}
        return np.array([share[d] for d in docs])

    def _beside(self, sids: list[int], q_vec: np.ndarray, own: set[str]) -> np.ndarray:
        """Per candidate, how well the sentences just before and just after it in its section
        match the question: (cosine before, share of the question's own terms before, the same
        after); zeros at a section's edge. An answer often follows the sentence that restates
        the question ("Some children develop hydrocephalus..." before "A neurosurgeon may place
        a shunt...")."""
        beside = self.terms.neighbours[sids]
        there = beside >= 0
        where = np.where(there, beside, 0)
        cos = np.where(there, self.vectors[where.ravel()].reshape(*where.shape, -1) @ q_vec, 0.0)
        own_n = max(1, len(own))
        tokens = self.terms.tokens
        share = {j: len(own & tokens[j]) / own_n for j in set(beside[there].tolist())}
        cover = np.array([[share.get(j, 0.0) for j in pair] for pair in beside.tolist()]).reshape(len(sids), 2)
        return np.column_stack([cos[:, 0], cover[:, 0], cos[:, 1], cover[:, 1]])

    def features(self, asked: AnswerQuery) -> tuple[list[tuple[int, int]], np.ndarray]:
        """(passage index, sentence id) per candidate, and their feature rows (FEATURES order).

        Word features are computed for all candidates at once: a candidates x question-terms
        matrix of which terms each sentence (and its section title) contains."""
        question, search_text, q_vec, audience = asked.question, asked.search_text, asked.vector, asked.audience
        passages, focus, focus_vec = list(asked.passages), asked.focus, asked.focus_vec
        if self.vectors is None or not passages:
            return [], np.zeros((0, len(FEATURES)))
        context = asked.context
        terms_of = self.terms
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
        aspect = focus or Focus()
        split, groups = aspect.split, aspect.groups
        sids = [sid for _, sid in pairs]
        cands = [self.sentences[sid] for sid in sids]
        toks = [terms_of.tokens[sid] for sid in sids]
        seen = [t | terms_of.title_tokens.get(s.section, set()) for t, s in zip(toks, cands, strict=True)]
        # the question's terms (own, expanded, focus groups), sorted: sums add in one order in every process
        terms = sorted(exp_t.union(*groups))
        has = np.array([[t in tk for t in terms] for tk in toks], dtype=bool).reshape(len(pairs), len(terms))
        has_title = np.array([[t in sk for t in terms] for sk in seen], dtype=bool).reshape(len(pairs), len(terms))
        own_col = np.array([t in own_t for t in terms], dtype=bool)
        exp_col = np.array([t in exp_t for t in terms], dtype=bool)
        first = np.unique(sids, return_index=True)[1]  # one row per distinct sentence
        n = len(first)
        pool_df = dict(zip(terms, has[first].sum(axis=0).tolist(), strict=True))
        local = np.array([math.log(1 + n / (1 + pool_df[t])) for t in terms])
        n_corpus = len(terms_of.tokens)
        corpus = np.array([math.log(1 + n_corpus / (1 + terms_of.corpus_df.get(t, 0))) for t in terms])

        def overlap(idf: np.ndarray, cols: np.ndarray) -> np.ndarray:
            """The IDF-weighted share of the ``cols`` terms each candidate contains."""
            total = float(idf[cols].sum())
            return has[:, cols].astype(float) @ idf[cols] / total if total else np.zeros(len(pairs))

        present = [pool_df[t] for t in terms if pool_df[t] >= 1 and t in own_t]
        rarest = min(present) if present else 0
        rare = np.array([t in own_t and pool_df[t] == rarest for t in terms], dtype=bool) & (1 <= rarest <= 2)
        asks = asked_types(question)
        asks_vec = np.array([asks[t] for t in ANSWER_TYPES], dtype=bool)
        states = terms_of.states[sids]
        typed = typed_asks(question)
        typed_cols = [TYPED_KEYS.index(t) for t in typed]
        q_words = set(re.findall(r"[a-z0-9]+", question.lower()))
        unknown = terms_of.unknown_terms(question)
        unmapped = terms_of.unmapped_terms(question, unknown)
        n_content = max(1, len(content_words(question)))
        rows = self.index.row_of_chunk
        p_ids = [i for i, _ in usable]
        chunk_cos = {
            i: float(np.asarray(self.index.chunk_vectors[rows[passages[i].chunk.chunk_id]]) @ q_vec) for i in p_ids
        }
        top_score = max(float(passages[i].score) for i in p_ids) or 1.0
        cand_vecs = self.vectors[sids]
        sims = cand_vecs @ q_vec
        focus_sims = cand_vecs @ focus_vec if split and focus_vec is not None else sims
        seen_any = set().union(*seen)
        asked_groups = groups if split else tuple(frozenset([t]) for t in own_t)
        unsupported = sum(not (g & seen_any) for g in asked_groups) / max(1, len(asked_groups))
        own_n = max(1, len(own_t))
        lens = np.array([len(tk) for tk in toks], dtype=float)
        own_hits, own_seen = has[:, own_col].sum(axis=1), has_title[:, own_col].sum(axis=1)
        plain = np.array([passages[i].meta.doc_type == "plain-language article" for i, _ in pairs])
        parent = audience is Audience.PARENT
        same_doc = np.array([bool(context.doc_id) and passages[i].chunk.doc_id == context.doc_id for i, _ in pairs])
        table = np.array([s.kind is SentenceKind.TABLE_ROW for s in cands])
        col: dict[str, np.ndarray | float] = {
            "cos": sims,
            "chunk_cos": np.array([chunk_cos[i] for i, _ in pairs]),
            "local_own": overlap(local, own_col),
            "local_exp": overlap(local, exp_col),
            "corpus_own": overlap(corpus, own_col),
            "corpus_exp": overlap(corpus, exp_col),
            "cover": own_hits / own_n,
            "cover_title": own_seen / own_n,
            "novelty": (lens - has[:, exp_col].sum(axis=1)) / np.maximum(1, lens),
            "inv_rank": np.array([1.0 / (1 + i) for i, _ in pairs]),
            "retrieval_rel": np.array([float(passages[i].score) / top_score for i, _ in pairs]),
            "len_log": np.log1p(lens),
            "focus": has[:, rare].any(axis=1),
            "all_covered": float(bool(own_t)) * (own_seen == len(own_t)),
            "type_missing": (asks_vec & ~states).any(axis=1),
            "typed_asked": float(bool(typed)),
            "typed_agrees": terms_of.typed_states[sids][:, typed_cols].all(axis=1),
            "unsupported": unsupported,
            "unsupported_any": float(unsupported > 0),
            "row_key": np.array([any(cell <= q_words for cell in terms_of.row_names.get(sid, ())) for sid in sids]),
            "unknown_terms": len(unknown) / n_content,
            "unknown_any": float(bool(unknown)),
            "unmapped_unknown": len(unmapped) / n_content,
            "unknown_near": nearest_meaning(question, unmapped, asked.encoding, self.vectors),
            "doc_cover": self._doc_cover(own_t, [passages[i].chunk.doc_id for i, _ in pairs]),
            "doc_cos": terms_of.documents.cosine(sids, q_vec),
            "section_cos": terms_of.sections.cosine(sids, q_vec),
            "table_row": table,
            "plain_doc": plain,
            "plain_parent": plain & parent,
            "parent": float(parent),
            "followup": float(context.followup),
            "same_doc": same_doc,
            "same_section": same_doc
            & np.array([bool(context.section) and s.section == context.section for s in cands]),
            **dict(zip(("prev_near", "prev_next", "prev_same"), self._after_previous(context, sids).T, strict=True)),
            **dict(
                zip(
                    ("before_cos", "before_cover", "after_cos", "after_cover"),
                    self._beside(sids, q_vec, own_t).T,
                    strict=True,
                )
            ),
            "focus_split": float(split),
            "focus_cos": focus_sims,
        }
        for k, t in enumerate(ANSWER_TYPES):
            col[f"asks_{t}"] = float(asks[t])
            col[f"match_{t}"] = asks[t] & states[:, k]
        if split:
            index_of = {t: k for k, t in enumerate(terms)}
            members = [[index_of[t] for t in g] for g in groups]
            hit = np.column_stack([has[:, m].any(axis=1) for m in members])
            hit_title = np.column_stack([has_title[:, m].any(axis=1) for m in members])
            group_w = np.array([max(local[m]) for m in members])
            col["focus_cover"] = hit.mean(axis=1)
            col["focus_cover_title"] = hit_title.mean(axis=1)
            col["focus_local"] = hit.astype(float) @ group_w / (float(group_w.sum()) or 1.0)
            topic = np.array([not aspect.topic.isdisjoint(tk) for tk in toks])
            col["topic_only"] = topic & ~hit_title.any(axis=1)
        else:
            col["focus_cover"], col["focus_cover_title"] = col["cover"], col["cover_title"]
            col["focus_local"], col["topic_only"] = col["local_exp"], 0.0
        out = np.zeros((len(pairs), len(FEATURES)))
        for k, name in enumerate(FEATURES[: len(FEATURES) - len(RELATIVE)]):
            out[:, k] = col[name]
        base = [FEATURES.index(f) for f in RELATIVE]
        out[:, len(FEATURES) - len(RELATIVE) :] = out[:, base] - out[:, base].max(axis=0)
        return pairs, out
