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
turn's document and section, and the audience. ``QUESTION_FEATURES`` describe a question by
its best candidate, for the abstention model.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .focus import Focus
from .index import Index
from .lexical import tokenize
from .schema import Audience, SectionKind, SentenceKind

CITE_RE = re.compile(r"\((?:\d+(?:\s*[,–-]\s*\d+)*|(?:Figure|Fig\.|Table)[^)]*)\)")

# What a question asks for (by its form) and what a sentence must state to give it.
ASKS = {
    "number": re.compile(
        r"\b(how (much|many|often|common|rare|likely)|what (proportion|percentage|fraction|share|"
        r"rate)|percent\w*|proportion|number of|incidence|prevalence|chance)\b",
        re.IGNORECASE,
    ),
    "person": re.compile(r"\b(who|whom|whose|(what|which) (doctor|specialist|person|name))\b", re.IGNORECASE),
    "gene": re.compile(r"\b(which|what) genes?\b|\bgenes? (is|are)\b", re.IGNORECASE),
    "place": re.compile(
        r"\b(where|which (part|area|region|side|structure|organ)s?|what (part|area|region)s?)\b", re.IGNORECASE
    ),
    "time": re.compile(
        r"\b(when|how old|what age|at what age|how long|how soon|what year|which year|how many "
        r"(days|weeks|months|years|hours))\b",
        re.IGNORECASE,
    ),
    "dose": re.compile(r"\b(dose|doses|dosage)\b", re.IGNORECASE),
}
STATES = {
    "number": re.compile(
        r"\d|%|\b(one|two|three|four|five|six|seven|eight|nine|ten|half|twice|most|many|few|"
        r"several|rare|rarely|common|commonly|often|percent|majority|minority)\b",
        re.IGNORECASE,
    ),
    "person": re.compile(
        r"\b(Dr|Prof|Mr|Mrs|Ms)\b\.?|\b[A-Z][a-z]+ [A-Z]\.? ?[A-Z][a-z]+\b|\b(doctor|neurologist|"
        r"specialist|physician|paediatrician|pediatrician|therapist|counsel+or|geneticist|surgeon|"
        r"team|parents?|mother|father|family)\b"
    ),
    "gene": re.compile(r"\b[A-Z][A-Z0-9]{2,}\b|\bgenes?\b"),
    "place": re.compile(
        r"\b(in|at|into|behind|within|inside|of) the [a-z]+|\b(brain|cerebell\w+|vermis|hemispheres?|"
        r"brainstem|pons|cortex|lobes?|nerves?|spine|spinal|eyes?|abdomen|adrenal|chest|neck|"
        r"hospital|clinic|country|region|side|area|part)\b",
        re.IGNORECASE,
    ),
    "time": re.compile(
        r"\b\d+\s*-?\s*(year|month|week|day|hour|minute)s?\b|\b(age[sd]?|old|birth|born|infan\w+|"
        r"childhood|before|after|during|later|until|since|years?|months?|weeks?|days?|\d{4})\b",
        re.IGNORECASE,
    ),
    "dose": re.compile(r"\d\s*(mg|g|mcg|µg|ml|iu|units?)\b|/kg\b", re.IGNORECASE),
}
ANSWER_TYPES = tuple(ASKS)
STOP = {
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "when",
    "where",
    "why",
    "how",
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "for",
    "to",
    "with",
    "and",
    "or",
    "is",
    "are",
    "was",
    "were",
    "do",
    "does",
    "did",
    "can",
    "could",
    "it",
    "its",
    "be",
    "been",
    "my",
    "our",
    "your",
    "i",
    "we",
    "you",
    "this",
    "that",
    "these",
    "those",
    "they",
    "them",
    "their",
    "she",
    "her",
    "he",
    "his",
    "at",
    "by",
    "from",
    "as",
    "any",
    "some",
    "there",
    "about",
    "has",
    "have",
    "had",
    "if",
    "so",
    "not",
    "no",
    "will",
    "would",
    "should",
    "may",
    "might",
    "than",
    "then",
    "also",
    "much",
    "many",
    "very",
    "more",
    "most",
    "get",
    "got",
    "one",
    "all",
}

FEATURES = (
    "cos",
    "chunk_cos",
    "local_own",
    "local_exp",
    "corpus_own",
    "corpus_exp",
    "cover",
    "cover_title",
    "novelty",
    "inv_rank",
    "retrieval_rel",
    "len_log",
    "focus",
    "all_covered",
    *[f"asks_{t}" for t in ANSWER_TYPES],
    *[f"match_{t}" for t in ANSWER_TYPES],
    "type_missing",
    "typed_asked",
    "typed_agrees",
    "unsupported",
    "unsupported_any",
    "row_key",
    "unknown_terms",
    "unknown_any",
    "table_row",
    "plain_doc",
    "plain_parent",
    "parent",
    "followup",
    "same_doc",
    "same_section",
    # the asked aspect (focus.py): the question without its topic words
    "focus_split",
    "focus_cover",
    "focus_cover_title",
    "focus_local",
    "topic_only",
    "focus_cos",
    # the same closeness measures against the best candidate of the question (0 for the best)
    "rel_cos",
    "rel_chunk_cos",
    "rel_local_own",
    "rel_local_exp",
    "rel_corpus_own",
    "rel_corpus_exp",
    "rel_cover",
    "rel_focus_cover",
    "rel_focus_local",
    "rel_focus_cos",
)
# What the abstention model (one row per question) sees: how sure and how clear-cut the best
# candidate is, whether it covers the asked aspect and gives the asked kind of fact, whether the
# question has words the documents never use, and how well retrieval matched at all.
QUESTION_FEATURES = (
    "best",
    "margin",
    "best_cos",
    "best_focus_cos",
    "best_focus_cover",
    "best_cover_title",
    "best_all_covered",
    "unknown_terms",
    "unknown_any",
    "asks_any",
    "type_missing",
    "top_bm25_log",
    "top_dense",
    "focus_split",
    "followup",
    "parent",
    "candidates_log",
    "typed_asked",
    "eligible_any",
    "unsupported",
    "unsupported_any",
)
RELATIVE = (
    "cos",
    "chunk_cos",
    "local_own",
    "local_exp",
    "corpus_own",
    "corpus_exp",
    "cover",
    "focus_cover",
    "focus_local",
    "focus_cos",
)

# The typed facts a question can ask for (by its form), and what a sentence must state to give
# one: the answer-type gate. A candidate that states none of an asked type cannot be the answer.
NUM = r"(?<![A-Za-z\d])\d"  # a number, not the digit of a symbol ("CACNA1A", "T2")
_COUNT = (
    NUM + r"|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundreds?|"
    r"thousands?|millions?|dozens?|both|single|twice|once|several|few|couple)\b"
)
WH = r"(^|[,;:]\s*|\b(and|but|so|then)\s+)((to|by|with|from|for|in|at) )?"
TYPED = {
    "percent": (
        r"\b(percent\w*|what (proportion|fraction|share)|(what|which) (are|is|were|was) the (chances?|odds))\b",
        NUM
        + r"\d*\s*%|\bpercent|\d+\s*(of|in|out of)\s*\d+|\b(half|third|quarter|majority|minority|most|all|none)\b|"
        + _COUNT,
    ),
    "count": (r"\bhow many\b|\bnumber of\b|\bcount\b", _COUNT),
    "measure": (
        r"\b(weigh(s|ed|ing|t)?|height|length|size|diameter|circumference|temperature|centimet\w*|millimet\w*|"
        r"kilogram\w*|grams?|cm|mm|kg|count|how (big|large|tall|heavy|small|wide|deep))\b",
        NUM,
    ),
    "cost": (
        r"\b(cost\w*|price\w*|expensive|afford\w*)\b|\bhow much\b.*\b(pay|charge)\b",
        r"[$£€¥]|\b(costs?|price\w*|pay\w*|paid|charg\w*|insur\w*|fund\w*|expens\w*|afford\w*|dollars?|euros?)\b",
    ),
    "dose": (
        r"\b(dose[sd]?|dosage|dosing)\b|\bhow much\b.*\b(give|given|take|taken)\b",
        r"\d\s*(mg|g|mcg|µg|ug|ml|iu|units?|mmol)\b|/kg\b|/m2\b|/m²",
    ),
    "duration": (
        r"\b(how long|for how many|duration|how soon)\b|\bhow many (seconds|minutes|hours|days|nights|weeks|"
        r"months|years)\b",
        r"\b(seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|lifelong|life-long|"
        r"lifetime|permanent\w*|overnight)\b|\d\s*(h|d|wk|mo|yr)s?\b",
    ),
    "age": (
        r"\b(how old|(what|which) (age|year|date)|at what age|age at)\b",
        NUM + r"|\b(age[ds]?|old|years?|months?|weeks?|days?|infan\w*|newborn|neonat\w*|birth|born|child\w*|"
        r"adolescen\w*|teen\w*|adult\w*|toddlers?|bab(y|ies)|school)\b",
    ),
    "person": (
        WH + r"who(m|se)?\b",
        r"\b(Dr|Prof|Mr|Mrs|Ms)\b\.?|\b[A-Z][a-z]+ [A-Z]\.? ?[A-Z][a-z]+\b|(?i:\b(doctors?|neurologists?|"
        r"specialists?|physicians?|paediatricians?|pediatricians?|therapists?|counsel+ors?|geneticists?|"
        r"surgeons?|nurses?|teams?|parents?|mothers?|fathers?|family|families|child(ren)?|patients?|people|"
        r"infants?|girls?|boys?|adults?|bab(y|ies)|toddlers?|women|men|siblings?|authors?|researchers?)\b)",
    ),
    "place": (
        WH + r"where\b|\b(which|what) (country|countries|city|cities|hospital|clinic|centre|center|place|"
        r"region|part|area|organ|side)s?\b",
        r"\b(in|at|into|behind|within|inside|near|below|above|under|beneath|on|from|to) (the|a|an|his|her|"
        r"their|its) [a-z]+|(?i:\b(brain|cerebell\w+|vermis|hemispheres?|brainstem|pons|cortex|lobes?|nerves?|"
        r"spine|spinal|eyes?|abdomen|adrenal|chest|neck|hospital|clinic|country|region|side|area|part)\b)",
    ),
}
TYPED_ASKS = {t: re.compile(q, re.IGNORECASE) for t, (q, _) in TYPED.items()}
TYPED_STATES = {t: re.compile(s, 0 if t == "person" else re.IGNORECASE) for t, (_, s) in TYPED.items()}
GATE = 0.05  # an ineligible candidate's probability is scaled by this


def typed_asks(question: str) -> tuple[str, ...]:
    """The typed facts the question asks for (percent, count, measure, cost, dose, duration, age,
    person, place); () for an untyped question."""
    return tuple(t for t, p in TYPED_ASKS.items() if p.search(question))


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
    answer: str = ""  # the previous answer's text: a follow-up is not answered by repeating it


def question_row(x: np.ndarray, prob: np.ndarray, top_bm25: float, top_dense: float) -> np.ndarray:
    """QUESTION_FEATURES for one question from its candidates' feature rows and probabilities."""
    col = {name: i for i, name in enumerate(FEATURES)}
    agrees = x[:, col["typed_agrees"]]
    order = np.argsort(-prob)
    b = x[order[0]]
    second = float(prob[order[1]]) if len(prob) > 1 else 0.0
    asks_any = float(any(b[col[f"asks_{t}"]] for t in ANSWER_TYPES))
    return np.array(
        [
            float(prob[order[0]]),
            float(prob[order[0]]) - second,
            b[col["cos"]],
            b[col["focus_cos"]],
            b[col["focus_cover"]],
            b[col["cover_title"]],
            b[col["all_covered"]],
            b[col["unknown_terms"]],
            b[col["unknown_any"]],
            asks_any,
            b[col["type_missing"]],
            math.log1p(max(0.0, top_bm25)),
            top_dense,
            b[col["focus_split"]],
            b[col["followup"]],
            b[col["parent"]],
            math.log(1 + len(prob)),
            b[col["typed_asked"]],
            float(agrees.max() > 0),
            b[col["unsupported"]],
            b[col["unsupported_any"]],
        ]
    )


def row_key(readable: str) -> set[str]:
    """The words of a table row's first (key) cell, from its readable form "Col: value; ..."."""
    first = readable.split(";", 1)[0]
    return set(re.findall(r"[a-z0-9]+", first.split(":", 1)[-1].lower()))


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1]


def asked_types(question: str) -> dict[str, bool]:
    return {t: bool(p.search(question)) for t, p in ASKS.items()}


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

    def features(
        self,
        question: str,
        search_text: str,
        q_vec: np.ndarray,
        passages: list,
        audience: Audience,
        context: AnswerContext | None = None,
        focus: Focus | None = None,
        focus_vec: np.ndarray | None = None,
    ) -> tuple[list[tuple[int, int]], np.ndarray]:
        """(passage index, sentence id) per candidate, and their feature rows (FEATURES order).

        ``focus`` splits the question into topic and asked aspect; ``focus_vec`` is the aspect's
        query vector (the question re-encoded without its topic words)."""
        if self.vectors is None or not passages:
            return [], np.zeros((0, len(FEATURES)))
        context = context or AnswerContext()
        self._ensure_tokens()
        own, expanded = tokenize([question, search_text])
        own_t, exp_t = set(own), set(own) | set(expanded)
        usable = [(i, p) for i, p in enumerate(passages) if p.chunk.section_kind is not SectionKind.REFERENCES]
        said = context.answer.strip()
        pairs = [
            (i, sid)
            for i, p in usable
            for sid in p.chunk.sentence_ids
            if self.sentences[sid].kind is not SentenceKind.TABLE_HEADER
            and not (said and self.sentences[sid].text.strip() in said)
        ]
        if not pairs:
            return [], np.zeros((0, len(FEATURES)))
        pool = sorted({sid for _, sid in pairs})
        n = len(pool)
        pool_df = {t: sum(t in self._tokens[sid] for sid in pool) for t in exp_t}
        local = {t: math.log(1 + n / (1 + pool_df[t])) for t in exp_t}
        n_corpus = len(self._tokens)
        corpus = {t: math.log(1 + n_corpus / (1 + self._corpus_df.get(t, 0))) for t in exp_t}
        local_own = {t: local[t] for t in own_t}
        corpus_own = {t: corpus[t] for t in own_t}
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
