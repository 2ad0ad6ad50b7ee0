"""Extractive answers: which sentence of the retrieved passages answers the question, scored
by a small learned model, quoted verbatim.

Every sentence of the top passages (never a reference list, never a table header) is a
candidate. Its features (``FEATURES``) carry to any document: how close it is to the question
(dense cosines of the sentence and of its chunk), how much of the question's content it covers
(IDF-weighted among the candidates and over the corpus, on the question's own words and on its
plain-word expansion; with and without the section title), what it adds (novelty), where
retrieval put it, whether it states the kind of fact the question asks for (a number for "how
many", a person for "who", gene symbols for "which gene", a place or body part for "where", a
time or age for "when"/"how old", units for a dose), whether the question has a content word
found nowhere in the documents, the earlier turn's document and section, and the audience.

The model is a logistic regression trained by ``python -m assistant.evaluation.train_answers
evals/train.jsonl`` and shipped as plain JSON (``assistant/data/answer_model.json``); it is
applied here with numpy only. Its probability for the best candidate is the answer's
confidence, which the abstention policy compares with the calibrated threshold.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .focus import Focus
from .index import Index
from .lexical import tokenize
from .schema import Audience, SectionKind, SentenceKind

CITE_RE = re.compile(r"\((?:\d+(?:\s*[,–-]\s*\d+)*|(?:Figure|Fig\.|Table)[^)]*)\)")
NUMBER_RE = re.compile(r"(?<![\w\-.])\d+(?:[.,]\d+)?(?![A-Za-z])|\b(one|two|three|four|five|six|seven|eight|nine|"
                       r"ten|half|twice|dozens?|hundreds?|thousands?|million|most|many|few|several)\b", re.IGNORECASE)

# What a question asks for (by its form) and what a sentence must state to give it.
ASKS = {
    "number": re.compile(r"\b(how (much|many|often|common|rare|likely)|what (proportion|percentage|fraction|share|"
                         r"rate)|percent\w*|proportion|number of|incidence|prevalence|chance)\b", re.IGNORECASE),
    "person": re.compile(r"\b(who|whom|whose|(what|which) (doctor|specialist|person|name))\b", re.IGNORECASE),
    "gene": re.compile(r"\b(which|what) genes?\b|\bgenes? (is|are)\b", re.IGNORECASE),
    "place": re.compile(r"\b(where|which (part|area|region|side|structure|organ)s?|what (part|area|region)s?)\b", re.IGNORECASE),
    "time": re.compile(r"\b(when|how old|what age|at what age|how long|how soon|what year|which year|how many "
                       r"(days|weeks|months|years|hours))\b", re.IGNORECASE),
    "dose": re.compile(r"\b(dose|doses|dosage)\b", re.IGNORECASE),
}
STATES = {
    "number": re.compile(r"\d|%|\b(one|two|three|four|five|six|seven|eight|nine|ten|half|twice|most|many|few|"
                         r"several|rare|rarely|common|commonly|often|percent|majority|minority)\b", re.IGNORECASE),
    "person": re.compile(r"\b(Dr|Prof|Mr|Mrs|Ms)\b\.?|\b[A-Z][a-z]+ [A-Z]\.? ?[A-Z][a-z]+\b|\b(doctor|neurologist|"
                         r"specialist|physician|paediatrician|pediatrician|therapist|counsel+or|geneticist|surgeon|"
                         r"team|parents?|mother|father|family)\b"),
    "gene": re.compile(r"\b[A-Z][A-Z0-9]{2,}\b|\bgenes?\b"),
    "place": re.compile(r"\b(in|at|into|behind|within|inside|of) the [a-z]+|\b(brain|cerebell\w+|vermis|hemispheres?|"
                        r"brainstem|pons|cortex|lobes?|nerves?|spine|spinal|eyes?|abdomen|adrenal|chest|neck|"
                        r"hospital|clinic|country|region|side|area|part)\b", re.IGNORECASE),
    "time": re.compile(r"\b\d+\s*-?\s*(year|month|week|day|hour|minute)s?\b|\b(age[sd]?|old|birth|born|infan\w+|"
                       r"childhood|before|after|during|later|until|since|years?|months?|weeks?|days?|\d{4})\b", re.IGNORECASE),
    "dose": re.compile(r"\d\s*(mg|g|mcg|µg|ml|iu|units?)\b|/kg\b", re.IGNORECASE),
}
ANSWER_TYPES = tuple(ASKS)
STOP = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "the", "a", "an", "of", "in", "on",
        "for", "to", "with", "and", "or", "is", "are", "was", "were", "do", "does", "did", "can", "could", "it", "its",
        "be", "been", "my", "our", "your", "i", "we", "you", "this", "that", "these", "those", "they", "them", "their",
        "she", "her", "he", "his", "at", "by", "from", "as", "any", "some", "there", "about", "has", "have", "had",
        "if", "so", "not", "no", "will", "would", "should", "may", "might", "than", "then", "also", "much", "many",
        "very", "more", "most", "get", "got", "one", "all"}

FEATURES = (
    "cos", "chunk_cos", "local_own", "local_exp", "corpus_own", "corpus_exp", "cover", "cover_title", "novelty",
    "inv_rank", "retrieval_rel", "len_log", "focus", "all_covered",
    *[f"asks_{t}" for t in ANSWER_TYPES], *[f"match_{t}" for t in ANSWER_TYPES], "type_missing",
    "unknown_terms", "unknown_any", "table_row", "plain_doc", "plain_parent", "parent", "followup", "same_doc",
    "same_section",
    # the asked aspect (focus.py): the question without its topic words
    "focus_split", "focus_cover", "focus_cover_title", "focus_local", "topic_only", "focus_cos",
    # the same closeness measures against the best candidate of the question (0 for the best)
    "rel_cos", "rel_chunk_cos", "rel_local_own", "rel_local_exp", "rel_corpus_own", "rel_corpus_exp", "rel_cover",
    "rel_focus_cover", "rel_focus_local", "rel_focus_cos",
)
# What the abstention model (one row per question) sees: how sure and how clear-cut the best
# candidate is, whether it covers the asked aspect and gives the asked kind of fact, whether the
# question has words the documents never use, and how well retrieval matched at all.
QUESTION_FEATURES = (
    "best", "margin", "best_cos", "best_focus_cos", "best_focus_cover", "best_cover_title", "best_all_covered",
    "unknown_terms", "unknown_any", "asks_any", "type_missing", "top_bm25_log", "top_dense", "focus_split",
    "followup", "parent", "candidates_log",
)
RELATIVE = ("cos", "chunk_cos", "local_own", "local_exp", "corpus_own", "corpus_exp", "cover", "focus_cover",
            "focus_local", "focus_cos")


@dataclass(frozen=True)
class AnswerContext:
    """What the conversation says about where the answer should be (empty for a first question)."""

    followup: bool = False
    doc_id: str = ""  # the previous answer's document
    section: str = ""
    answer: str = ""  # the previous answer's text: a follow-up is not answered by repeating it


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages
    sentence_ids: tuple[int, ...]
    start: int  # document offsets
    end: int
    score: float  # the model's probability that it answers
    confidence: float  # the same probability, compared with the abstention threshold


@dataclass(frozen=True)
class LinearModel:
    """Standardise, then logistic regression: p = sigmoid(((x - mean) / scale) @ weights + bias)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_dict(cls, data: dict, features: tuple[str, ...] = FEATURES) -> LinearModel:
        names = tuple(data["features"])
        if names != features:
            raise ValueError("the shipped model was trained on other features; retrain it with "
                             "`python -m assistant.evaluation.train_answers evals/train.jsonl`")

        def arr(key: str) -> np.ndarray:
            return np.asarray(data[key], dtype=np.float64)

        return cls(names, arr("mean"), arr("scale"), arr("weights"), float(data["bias"]))


def untrained_model() -> LinearModel:
    """A hand-set fallback used only before a model was trained (cosine and coverage)."""
    w = np.zeros(len(FEATURES))
    for name, value in (("cos", 3.0), ("chunk_cos", 1.0), ("local_own", 1.5), ("cover", 1.0), ("novelty", 1.0)):
        w[FEATURES.index(name)] = value
    return LinearModel(FEATURES, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), w, -3.0)


@lru_cache(maxsize=1)
def shipped_model() -> LinearModel:
    try:
        text = resources.files("assistant.data").joinpath("answer_model.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        return untrained_model()
    try:
        return LinearModel.from_dict(json.loads(text))
    except ValueError as exc:  # features changed since it was trained: usable only to train anew
        import warnings

        warnings.warn(str(exc), stacklevel=2)
        return untrained_model()


@lru_cache(maxsize=1)
def shipped_abstainer() -> LinearModel | None:
    """The question-level abstention model (``abstention_model.json``); None before it was trained."""
    try:
        text = resources.files("assistant.data").joinpath("abstention_model.json").read_text(encoding="utf-8")
        return LinearModel.from_dict(json.loads(text), QUESTION_FEATURES)
    except (FileNotFoundError, ValueError, KeyError):
        return None


def question_row(x: np.ndarray, prob: np.ndarray, top_bm25: float, top_dense: float) -> np.ndarray:
    """QUESTION_FEATURES for one question from its candidates' feature rows and probabilities."""
    col = {name: i for i, name in enumerate(FEATURES)}
    order = np.argsort(-prob)
    b = x[order[0]]
    second = float(prob[order[1]]) if len(prob) > 1 else 0.0
    asks_any = float(any(b[col[f"asks_{t}"]] for t in ANSWER_TYPES))
    return np.array([
        float(prob[order[0]]), float(prob[order[0]]) - second, b[col["cos"]], b[col["focus_cos"]],
        b[col["focus_cover"]], b[col["cover_title"]], b[col["all_covered"]], b[col["unknown_terms"]],
        b[col["unknown_any"]], asks_any, b[col["type_missing"]], math.log1p(max(0.0, top_bm25)), top_dense,
        b[col["focus_split"]], b[col["followup"]], b[col["parent"]], math.log(1 + len(prob)),
    ])


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1]


def asked_types(question: str) -> dict[str, bool]:
    return {t: bool(p.search(question)) for t, p in ASKS.items()}


class Answerer:
    def __init__(self, index: Index, model: LinearModel | None = None, abstainer: LinearModel | None = None) -> None:
        self.index = index
        self.model = model or shipped_model()
        self.abstainer = abstainer or shipped_abstainer()
        self.sentences = index.sentences
        self.vectors = index.sentence_vectors
        self._tokens: list[set[str]] | None = None
        self._title_tokens: dict[str, set[str]] = {}
        self._corpus_df: dict[str, int] = {}
        self._words: set[str] = set()
        self._types: list[dict[str, bool]] = []

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
        self._types = [{t: bool(p.search(CITE_RE.sub(" ", s.text))) for t, p in STATES.items()}
                       for s in self.sentences]

    def unknown_terms(self, question: str) -> list[str]:
        """The question's content words found nowhere in the documents (nor as a known stem)."""
        self._ensure_tokens()
        words = content_words(question)
        stems = tokenize(words) if words else []
        return [w for w, st in zip(words, stems)
                if w not in self._words and not any(t in self._corpus_df for t in st)]

    @staticmethod
    def _idf_overlap(idf: dict[str, float], toks: set[str]) -> float:
        total = sum(idf.values())
        return sum(w for t, w in idf.items() if t in toks) / total if total else 0.0

    def features(self, question: str, search_text: str, q_vec: np.ndarray, passages: list, audience: Audience,
                 context: AnswerContext | None = None, focus: Focus | None = None,
                 focus_vec: np.ndarray | None = None) -> tuple[list[tuple[int, int]], np.ndarray]:
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
        pairs = [(i, sid) for i, p in usable for sid in p.chunk.sentence_ids
                 if self.sentences[sid].kind is not SentenceKind.TABLE_HEADER
                 and not (said and self.sentences[sid].text.strip() in said)]
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
        unknown = self.unknown_terms(question)
        n_content = max(1, len(content_words(question)))
        rows = self.index.row_of_chunk
        p_ids = [i for i, _ in usable]
        chunk_cos = {i: float(np.asarray(self.index.chunk_vectors[rows[passages[i].chunk.chunk_id]]) @ q_vec)
                     for i in p_ids}
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
                float(sims[j]), chunk_cos[i],
                self._idf_overlap(local_own, toks), self._idf_overlap(local, toks),
                self._idf_overlap(corpus_own, toks), self._idf_overlap(corpus, toks),
                len(own_t & toks) / own_n, len(own_t & (toks | title)) / own_n,
                len(toks - exp_t) / max(1, len(toks)),
                1.0 / (1 + i), float(p.score) / top_score, math.log(1 + len(toks)),
                float(bool(rare & toks)), float(bool(own_t) and own_t <= (toks | title)),
                *[float(asks[t]) for t in ANSWER_TYPES], *[float(asks[t] and types[t]) for t in ANSWER_TYPES],
                float(any(asks[t] and not types[t] for t in ANSWER_TYPES)),
                len(unknown) / n_content, float(bool(unknown)),
                float(s.kind is SentenceKind.TABLE_ROW), float(plain), float(plain and audience is Audience.PARENT),
                float(audience is Audience.PARENT), float(context.followup),
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
        out[:, len(FEATURES) - len(RELATIVE):] = out[:, base] - out[:, base].max(axis=0)
        return pairs, out

    def candidates(self, question: str, search_text: str, q_vec: np.ndarray, passages: list, audience: Audience,
                   context: AnswerContext | None = None, focus: Focus | None = None,
                   focus_vec: np.ndarray | None = None) -> list[Candidate]:
        """All answer candidates, most probable first."""
        pairs, x = self.features(question, search_text, q_vec, passages, audience, context, focus, focus_vec)
        if not pairs:
            return []
        prob = self.model.probability(x)
        out = [Candidate(i, (sid,), self.sentences[sid].start, self.sentences[sid].end, float(pr), float(pr))
               for (i, sid), pr in zip(pairs, prob)]
        return sorted(out, key=lambda c: -c.score)

    def choose(self, question: str, search_text: str, q_vec: np.ndarray, passages: list, audience: Audience,
               context: AnswerContext | None = None, focus: Focus | None = None, focus_vec: np.ndarray | None = None,
               top_bm25: float = 0.0, top_dense: float = 0.0) -> tuple[list[Candidate], float | None]:
        """The candidates (most probable first) and the confidence that the best one answers:
        the abstention model's probability (the best candidate's own before that was trained);
        None without candidates."""
        pairs, x = self.features(question, search_text, q_vec, passages, audience, context, focus, focus_vec)
        if not pairs:
            return [], None
        prob = self.model.probability(x)
        out = sorted((Candidate(i, (sid,), self.sentences[sid].start, self.sentences[sid].end, float(pr), float(pr))
                      for (i, sid), pr in zip(pairs, prob, strict=True)), key=lambda c: -c.score)
        if self.abstainer is None:
            return out, out[0].score
        row = question_row(x, prob, top_bm25, top_dense)
        return out, float(self.abstainer.probability(row[None, :])[0])

    def best(self, question: str, search_text: str, q_vec: np.ndarray, passages: list, audience: Audience,
             context: AnswerContext | None = None, focus: Focus | None = None,
             focus_vec: np.ndarray | None = None) -> Candidate | None:
        ranked = self.candidates(question, search_text, q_vec, passages, audience, context, focus, focus_vec)
        return ranked[0] if ranked else None


def alternatives(ranked: list[Candidate], sentences, limit: int = 2, threshold: float = 0.0) -> list[Candidate]:
    """Up to ``limit`` further candidates above threshold, each from another section than the
    answer and the ones already taken, none overlapping them or repeating their text."""
    if not ranked:
        return []
    chosen = [ranked[0]]
    places = {(sentences[ranked[0].sentence_ids[0]].doc_id, sentences[ranked[0].sentence_ids[0]].section)}
    texts = {sentences[ranked[0].sentence_ids[0]].text.strip().lower()}
    out = []
    for c in ranked[1:]:
        if len(out) >= limit or c.confidence < threshold:
            break
        s = sentences[c.sentence_ids[0]]
        place = (s.doc_id, s.section)
        if place in places or s.text.strip().lower() in texts:
            continue
        if any(s.doc_id == sentences[o.sentence_ids[0]].doc_id and c.start < o.end and o.start < c.end for o in chosen):
            continue
        chosen.append(c)
        out.append(c)
        places.add(place)
        texts.add(s.text.strip().lower())
    return out
