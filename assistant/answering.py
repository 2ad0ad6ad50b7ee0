"""Extractive answers: the sentence (or two adjacent sentences) of the retrieved passages
that best answers the question, quoted verbatim, and the decision to abstain.

relevance(s) = W_COS * cos(q, s) + W_CHUNK * cos(q, chunk of s)
               + W_LOCAL * overlap_local(q, s) + W_GLOBAL * overlap_corpus(q, s)
               - QUANTITY_PENALTY if the question asks for a quantity and s states none
choice(s)    = relevance(s) + W_NOVELTY * novelty(s) - RANK_STEP * passage rank
               + PLAIN_BONUS (parents, plain-language article)
               - FOCUS_PENALTY if s has none of the question's focus terms
- cos: the question vector against sentence vectors computed at index time;
- overlap: IDF-weighted share of the question's stemmed terms found in s, with IDF taken
  among the candidate sentences (local: the shared topic weighs little, the asked-about
  term most) and over the whole corpus;
- novelty: the share of s's terms that are not in the question (an answer adds something;
  a sentence that only restates the question's topic does not).
The weights were chosen by grid search on evals/qa.jsonl (2-fold cross-validated, see
README). The answer's relevance is its confidence; below the calibrated threshold the
assistant abstains ("The documents don't answer this.").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from .index import Index
from .lexical import tokenize
from .schema import Audience, SectionKind

W_COS = 0.5
W_CHUNK = 0.3
W_LOCAL = 0.4
W_GLOBAL = 0.2
W_NOVELTY = 0.5
RANK_STEP = 0.005
PLAIN_BONUS = 0.04  # parent view: prefer the plain-language article when it answers about as well
PAIR_PENALTY = 0.03  # a two-sentence answer must be clearly better than either sentence
QUANTITY_PENALTY = 0.3
# The question's focus terms: its rarest terms among the candidate sentences (the asked-about
# attribute, e.g. "incidence"), when at most FOCUS_MAX_DF candidates have them. A sentence
# with none of them is penalised.
FOCUS_MAX_DF = 2
FOCUS_PENALTY = 0.2

QUANTITY_Q_RE = re.compile(
    r"\b(how (much|many|long|old|often|big|large|tall|soon)|dose|doses|dosage|cost|costs|price|percentage|percent|"
    r"proportion|rate|incidence|prevalence|weight|weigh|number of|phone|telephone|what age|what year|when was|"
    r"when did|size|values?|levels?|count|centimet\w*|millimet\w*)\b", re.I)
CITE_RE = re.compile(r"\((?:\d+(?:\s*[,–-]\s*\d+)*|(?:Figure|Fig\.|Table)[^)]*)\)")
NUMBER_RE = re.compile(r"(?<![\w\-.])\d+(?:[.,]\d+)?(?![A-Za-z])|\b(two|three|four|five|six|seven|eight|nine|"
                       r"ten|half|twice|dozens?|hundreds?|thousands?|million)\b", re.I)
# What a question asks for, and what a sentence must state to answer it.
TYPED_QUANTITIES = [
    (re.compile(r"\b(dose|doses|dosage)\b", re.I), re.compile(r"\d\s*(mg|g|mcg|µg|ml|iu|units?)\b|/kg\b", re.I)),
    (re.compile(r"\b(percentage|percent|proportion|what share|what fraction|chance)\b", re.I),
     re.compile(r"%|\bpercent\b|\bhalf\b|\bper (cent|million|thousand)\b", re.I)),
    (re.compile(r"\b(cost|costs|price|how much does)\b", re.I), re.compile(r"[$€£]\s*\d|\b\d+\s*(dollars|euros|pounds)\b", re.I)),
    (re.compile(r"\b(phone|telephone)\b", re.I), re.compile(r"\b(tel|phone)\b|\d{3}[-. ]\d{3,4}", re.I)),
    (re.compile(r"\b(weight|weigh)\b", re.I), re.compile(r"\d\s*(kg|g|grams?|lbs?|pounds)\b", re.I)),
    (re.compile(r"\b(centimet\w*|millimet\w*|size|how big|how large)\b", re.I), re.compile(r"\d\s*(cm|mm|centimet\w*|millimet\w*)\b", re.I)),
    (re.compile(r"\bhow (many|few) (days|weeks|months|years|hours)\b|\bhow long\b", re.I),
     re.compile(r"\b(\d+|one|two|three|four|five|six|several|few)\s*(-\s*)?(days?|weeks?|months?|years?|hours?)\b", re.I)),
]


def has_quantity(text: str, question: str = "") -> bool:
    """Does text state the kind of quantity the question asks for (any number by default)?"""
    text = CITE_RE.sub(" ", text)
    for asks, states in TYPED_QUANTITIES:
        if question and asks.search(question):
            return bool(states.search(text))
    return bool(NUMBER_RE.search(text))


def asks_quantity(question: str) -> bool:
    return bool(QUANTITY_Q_RE.search(question))


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages
    sentence_ids: tuple[int, ...]
    start: int  # document offsets
    end: int
    score: float  # the choice score
    confidence: float  # relevance, compared with the abstention threshold


class Answerer:
    def __init__(self, index: Index) -> None:
        self.index = index
        self.sentences = index.sentences
        self.vectors = index.sentence_vectors
        self._tokens: list[set[str]] | None = None
        self._corpus_df: dict[str, int] = {}

    def _ensure_tokens(self) -> None:
        if self._tokens is None:
            texts = [f"{s.section} {s.text}" for s in self.sentences]
            self._tokens = [set(t) for t in tokenize(texts)] if texts else []
            for toks in self._tokens:
                for t in toks:
                    self._corpus_df[t] = self._corpus_df.get(t, 0) + 1

    @staticmethod
    def local_idf(q_tokens: set[str], candidate_tokens: list[set[str]]) -> dict[str, float]:
        """IDF of the question's terms among the candidate sentences: a term that every
        candidate shares (the topic) weighs little; the asked-about term weighs most."""
        n = len(candidate_tokens)
        return {t: math.log(1 + n / (1 + sum(t in c for c in candidate_tokens))) for t in q_tokens}

    def corpus_idf(self, q_tokens: set[str]) -> dict[str, float]:
        n = len(self._tokens or ())
        return {t: math.log(1 + n / (1 + self._corpus_df.get(t, 0))) for t in q_tokens}

    @staticmethod
    def overlap(idf: dict[str, float], sentence_tokens: set[str]) -> float:
        total = sum(idf.values())
        if not total:
            return 0.0
        return sum(w for t, w in idf.items() if t in sentence_tokens) / total

    def _relevance(self, cos: float, chunk_cos: float, tokens: set[str], local: dict, corpus: dict,
                   text: str, wants_quantity: bool, question: str = "") -> float:
        rel = W_COS * cos + W_CHUNK * chunk_cos + W_LOCAL * self.overlap(local, tokens) \
            + W_GLOBAL * self.overlap(corpus, tokens)
        if wants_quantity and not has_quantity(text, question):
            rel -= QUANTITY_PENALTY
        return rel

    def best(self, question: str, q_vec: np.ndarray, passages: list, audience: Audience) -> Candidate | None:
        """The best answer candidate among the passages' sentences (None if there are none)."""
        ranked = self.candidates(question, q_vec, passages, audience)
        if not ranked:
            return None
        # confidence: how well the best-matching sentence fits (the chosen one may add more)
        return replace(ranked[0], confidence=max(c.confidence for c in ranked))

    def candidates(self, question: str, q_vec: np.ndarray, passages: list, audience: Audience) -> list[Candidate]:
        """All answer candidates, best first."""
        if self.vectors is None or not passages:
            return []
        self._ensure_tokens()
        q_tokens = set(tokenize([question])[0])
        wants_quantity = asks_quantity(question)
        usable = [(i, p) for i, p in enumerate(passages) if p.chunk.section_kind is not SectionKind.REFERENCES]
        pool = sorted({sid for _, p in usable for sid in p.chunk.sentence_ids})
        local = self.local_idf(q_tokens, [self._tokens[sid] for sid in pool])
        corpus = self.corpus_idf(q_tokens)
        pool_df = {t: sum(t in self._tokens[sid] for sid in pool) for t in q_tokens}
        present = [df for df in pool_df.values() if df >= 1]
        rarest = min(present) if present else 0
        focus = {t for t, df in pool_df.items() if df == rarest} if 1 <= rarest <= FOCUS_MAX_DF else set()
        rows = self.index.row_of_chunk
        candidates: list[Candidate] = []
        for p_index, passage in usable:
            ids = list(passage.chunk.sentence_ids)
            chunk_cos = float(np.asarray(self.index.chunk_vectors[rows[passage.chunk.chunk_id]]) @ q_vec)
            bonus = -RANK_STEP * p_index
            if audience is Audience.PARENT and passage.meta.doc_type == "plain-language article":
                bonus += PLAIN_BONUS
            sims = self.vectors[ids] @ q_vec
            singles = []
            for j, sid in enumerate(ids):
                s = self.sentences[sid]
                toks = self._tokens[sid]
                rel = self._relevance(float(sims[j]), chunk_cos, toks, local, corpus, s.text, wants_quantity, question)
                novelty = len(toks - q_tokens) / max(1, len(toks))
                score = rel + W_NOVELTY * novelty + bonus - (FOCUS_PENALTY if focus and not focus & toks else 0.0)
                singles.append(score)
                candidates.append(Candidate(p_index, (sid,), s.start, s.end, score, rel))
            for j in range(len(ids) - 1):
                a, b = self.sentences[ids[j]], self.sentences[ids[j + 1]]
                vec = self.vectors[ids[j]] + self.vectors[ids[j + 1]]
                cos = float(vec @ q_vec / (np.linalg.norm(vec) or 1.0))
                toks = self._tokens[ids[j]] | self._tokens[ids[j + 1]]
                rel = self._relevance(cos, chunk_cos, toks, local, corpus, a.text + " " + b.text, wants_quantity, question)
                novelty = len(toks - q_tokens) / max(1, len(toks))
                score = rel + W_NOVELTY * novelty + bonus - PAIR_PENALTY \
                    - (FOCUS_PENALTY if focus and not focus & toks else 0.0)
                if score > max(singles[j], singles[j + 1]):
                    candidates.append(Candidate(p_index, (ids[j], ids[j + 1]), a.start, b.end, score, rel))
        return sorted(candidates, key=lambda c: -c.score)
