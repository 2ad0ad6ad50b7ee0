"""Extractive answers: which sentence of the retrieved passages answers the question, scored
by a small learned model, quoted verbatim.

Every sentence of the top passages (never a reference list, never a table header) is a
candidate, described by ``answer_features.FEATURES``. A candidate that does not state the typed
fact the question asks for (a percentage, a dose, a cost...) keeps only a small part of its
probability (``answer_features.gate``), so it cannot be the answer.

The model (``AnswerModel``) averages, in log-odds, a linear ranker (trained to rank each
question's answering candidates first, then scaled to probabilities) and gradient-boosted trees
over the same features; both are trained by ``make train-answers`` (``assistant train-answers``
with the QA files the Makefile names) and shipped as plain JSON
(``assistant/data/answer_model.json``), and applied here with numpy only. The question-level abstention
model (``abstention.QUESTION_FEATURES``; gradient-boosted trees, ``trees.TreeModel``) turns the
best candidate into the answer's confidence, which the abstention policy compares with the
calibrated threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .abstention import QUESTION_FEATURES, question_row
from .answer_features import FEATURES, AnswerQuery, FeatureBuilder, gate
from .index import Index
from .jsonfile import package_json
from .trees import LogOdds, TreeModel, sigmoid

__all__ = [
    "FEATURES",
    "QUESTION_FEATURES",
    "AnswerModel",
    "AnswerModels",
    "AnswerQuery",
    "Answerer",
    "Candidate",
    "LinearModel",
    "alternatives",
    "question_row",
    "shipped_abstainer",
    "shipped_model",
    "TreeModel",
]


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages
    sentence_ids: tuple[int, ...]
    start: int  # document offsets
    end: int
    score: float  # the model's probability that it answers
    confidence: float  # the same probability, compared with the abstention threshold


@dataclass(frozen=True)
class LinearModel(LogOdds):
    """Standardise, then logistic regression: p = sigmoid(((x - mean) / scale) @ weights + bias)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    @classmethod
    def from_dict(cls, data: dict, features: tuple[str, ...] = FEATURES) -> LinearModel:
        names = tuple(data["features"])
        if names != features:
            raise ValueError(
                "the shipped model was trained on other features; retrain it with "
                "`make train-answers` (assistant train-answers with the files the Makefile names)"
            )

        def arr(key: str) -> np.ndarray:
            return np.asarray(data[key], dtype=np.float64)

        return cls(names, arr("mean"), arr("scale"), arr("weights"), float(data["bias"]))


@dataclass(frozen=True)
class AnswerModel:
    """The answer model: the linear ranker and, once trained, LambdaMART trees over the same
    features; the trees' score plus half the ranker's log-odds, as a probability (the trees alone
    order the candidates about as well; the ranker keeps the scale of a probability)."""

    linear: LinearModel
    trees: TreeModel | None = None

    def probability(self, x: np.ndarray) -> np.ndarray:
        if self.trees is None:
            return self.linear.probability(x)
        return sigmoid(0.5 * self.linear.logit(x) + self.trees.logit(x))

    @classmethod
    def from_dict(cls, data: dict) -> AnswerModel:
        trees = data.get("trees")
        return cls(LinearModel.from_dict(data), TreeModel.from_dict(trees, FEATURES) if trees else None)


def untrained_model() -> AnswerModel:
    """A hand-set fallback used only before a model was trained (cosine and coverage)."""
    w = np.zeros(len(FEATURES))
    for name, value in (("cos", 3.0), ("chunk_cos", 1.0), ("local_own", 1.5), ("cover", 1.0), ("novelty", 1.0)):
        w[FEATURES.index(name)] = value
    return AnswerModel(LinearModel(FEATURES, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), w, -3.0))


def _read_shipped(file: str, parse, fallback):
    """``parse`` of a model file in the package data; ``fallback()`` when it is missing, and with a
    warning when it does not fit (other features, or a damaged file: usable only to train anew)."""
    try:
        return parse(package_json(file))
    except FileNotFoundError:
        return fallback()
    except (ValueError, KeyError, TypeError) as exc:
        import warnings

        warnings.warn(f"{file} not used: {exc}", stacklevel=3)
        return fallback()


@lru_cache(maxsize=1)
def shipped_model() -> AnswerModel:
    """The answer model (``answer_model.json``); the hand-set ``untrained_model`` before it was trained."""
    return _read_shipped("answer_model.json", AnswerModel.from_dict, untrained_model)


@lru_cache(maxsize=1)
def shipped_abstainer() -> TreeModel | None:
    """The question-level abstention model (``abstention_model.json``); None before it was trained."""
    return _read_shipped(
        "abstention_model.json", lambda data: TreeModel.from_dict(data, QUESTION_FEATURES), lambda: None
    )


@dataclass(frozen=True)
class AnswerModels:
    """The answer model and the question-level abstention model (None: the best candidate's own
    probability is the confidence)."""

    model: AnswerModel
    abstainer: TreeModel | None = None

    @classmethod
    def shipped(cls) -> AnswerModels:
        return cls(shipped_model(), shipped_abstainer())


class Answerer:
    def __init__(self, index: Index, models: AnswerModels | None = None) -> None:
        models = models or AnswerModels.shipped()
        self.index = index
        self.model = models.model
        self.abstainer = models.abstainer
        self.sentences = index.sentences
        self.builder = FeatureBuilder(index)

    def features(self, asked: AnswerQuery) -> tuple[list[tuple[int, int]], np.ndarray]:
        """(passage index, sentence id) per candidate, and their feature rows (``FEATURES`` order)."""
        return self.builder.features(asked)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """The model's probability per candidate, after the answer-type gate."""
        return gate(self.model.probability(x), x) if len(x) else np.zeros(0)

    def _ranked(self, pairs: list[tuple[int, int]], prob: np.ndarray) -> list[Candidate]:
        out = (
            Candidate(i, (sid,), self.sentences[sid].start, self.sentences[sid].end, float(pr), float(pr))
            for (i, sid), pr in zip(pairs, prob, strict=True)
        )
        return sorted(out, key=lambda c: -c.score)

    def candidates(self, asked: AnswerQuery) -> list[Candidate]:
        """All answer candidates, most probable first."""
        pairs, x = self.features(asked)
        return self._ranked(pairs, self.probability(x)) if pairs else []

    def choose(
        self, asked: AnswerQuery, top_bm25: float = 0.0, top_dense: float = 0.0
    ) -> tuple[list[Candidate], float | None]:
        """The candidates (most probable first) and the confidence that the best one answers:
        the abstention model's probability (the best candidate's own before that was trained);
        None without candidates."""
        pairs, x = self.features(asked)
        if not pairs:
            return [], None
        prob = self.probability(x)
        out = self._ranked(pairs, prob)
        if self.abstainer is None:
            return out, out[0].score
        row = question_row(x, prob, top_bm25, top_dense)
        return out, float(self.abstainer.probability(row[None, :])[0])


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
