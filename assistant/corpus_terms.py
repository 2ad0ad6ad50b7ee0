"""What the index's sentences say, worked out once per index for the answer features: each
sentence's stems, the documents' words and stem frequencies, the kinds of fact each sentence
states (``answer_types``), the table rows' naming cells and each sentence's neighbours and reading
order (``sentence_layout``). ``answer_features.FeatureBuilder`` builds it on first use and
describes each question's candidates with it; it also finds a question's words that the documents
never use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .answer_types import ASKS, CITE_RE, STATES, TYPED_STATES
from .index import Index
from .lay_terms import matches as lay_matches
from .lexical import FUNCTION_WORDS, tokenize
from .sentence_layout import identifying_cells, neighbours, reading_order

if TYPE_CHECKING:
    from .sentence_pipeline import QueryEncoding

ANSWER_TYPES = tuple(ASKS)
TYPED_KEYS = tuple(TYPED_STATES)
STOP = FUNCTION_WORDS | {"all", "also", "got", "many", "more", "most", "much", "one", "than", "then", "very"}


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1]


def nearest_meaning(
    question: str, words: Sequence[str], encoding: QueryEncoding | None, vectors: np.ndarray | None
) -> float:
    """How near in meaning the documents come to the least familiar of ``words`` (question words
    the documents never use): each word's vector in the question's context, pooled from the
    question's own pass through the model (``QueryEncoding.part``, no second pass), against every
    sentence vector; the lowest of the words' best cosines. A parent's "daughter" lies near the
    case reports' girl (0.41 here), an off-topic "diabetes" near nothing (0.17). 1.0 without such
    words."""
    if not words or encoding is None or vectors is None or not len(vectors):
        return 1.0
    best = []
    for word in dict.fromkeys(words):  # a word asked twice: its spans are found once, together
        spans = [m.span() for m in re.finditer(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", question, re.I)]
        if spans:
            best.append(float((vectors @ encoding.part(spans)).max()))
    return min(best, default=1.0)


@dataclass(frozen=True)
class Centroids:
    """The unit-length mean of the sentence vectors of each group of sentences (a document, a
    section): what the whole document or section is about, for a question that names it by its
    story ("the necrosis case") rather than by the sentence's words. One row per group, not per
    sentence, so a BEIR-scale index holds a few thousand rows, not a second copy of its vectors."""

    group: np.ndarray  # sentence id -> its group's row of ``means``
    means: np.ndarray  # group x dimension, float32 (no columns: the index has no sentence vectors)

    @classmethod
    def of(cls, vectors: np.ndarray | None, groups: Sequence[object]) -> Centroids:
        """``groups[i]``: the group of sentence i, ``vectors[i]`` its vector (None: an index built
        without sentence vectors)."""
        keys = {g: k for k, g in enumerate(dict.fromkeys(groups))}
        group = np.fromiter((keys[g] for g in groups), dtype=np.intp, count=len(groups))
        if vectors is None or not len(groups):
            return cls(group, np.zeros((len(keys), 0), dtype=np.float32))
        order = np.argsort(group, kind="stable")
        starts = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=len(keys)))[:-1]])
        sums = np.add.reduceat(vectors[order].astype(np.float64), starts, axis=0)  # one float64 copy, not two
        sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        return cls(group, sums.astype(np.float32))

    def cosine(self, sids: Sequence[int], q_vec: np.ndarray) -> np.ndarray | float:
        """Per sentence of ``sids``, its group's cosine to ``q_vec``; 0.0 without vectors."""
        return self.means[self.group[np.asarray(sids, dtype=np.intp)]] @ q_vec if self.means.shape[1] else 0.0


@dataclass(frozen=True)
class CorpusTerms:
    """Per sentence (by sentence id) and per document, what the answer features look up."""

    tokens: list[set[str]]  # each sentence's stems
    title_tokens: dict[str, set[str]]  # section title -> its stems
    corpus_df: dict[str, int]  # stem -> how many sentences use it
    words: set[str]  # every word of the documents' texts and titles
    states: np.ndarray  # sentence x ANSWER_TYPES: states that kind of fact
    typed_states: np.ndarray  # sentence x TYPED_KEYS
    row_names: dict[int, list[frozenset[str]]]  # table row sentence id -> the cells that name it
    neighbours: np.ndarray  # sentence x (the one before, the one after) in its section, -1 at an edge
    doc_starts: dict[str, tuple[np.ndarray, np.ndarray]]  # doc -> (sentence starts, ids), by start
    doc_tokens: dict[str, set[str]]  # doc -> every stem of its sentences and section titles
    documents: Centroids  # each document's mean sentence vector
    sections: Centroids  # each section's (a document's section titles are its own)

    @classmethod
    def of(cls, index: Index) -> CorpusTerms:
        sentences = index.sentences
        texts = [s.text for s in sentences]
        tokens = [set(t) for t in tokenize(texts)] if texts else []
        titles = sorted({s.section for s in sentences})
        title_tokens = dict(zip(titles, (set(t) for t in tokenize(titles)))) if titles else {}
        corpus_df: dict[str, int] = {}
        for toks in tokens:
            for t in toks:
                corpus_df[t] = corpus_df.get(t, 0) + 1
        words: set[str] = set()
        for doc in index.documents.values():
            words.update(re.findall(r"[a-z0-9]+", doc.text.lower()))
            words.update(re.findall(r"[a-z0-9]+", doc.meta.title.lower()))
        plain = [CITE_RE.sub(" ", s.text) for s in sentences]
        states = np.array([[bool(STATES[t].search(x)) for t in ANSWER_TYPES] for x in plain], dtype=bool)
        typed = np.array([[bool(TYPED_STATES[t].search(x)) for t in TYPED_KEYS] for x in plain], dtype=bool)
        doc_tokens: dict[str, set[str]] = {}
        for sent, toks in zip(sentences, tokens, strict=True):
            doc_tokens.setdefault(sent.doc_id, set()).update(toks, title_tokens.get(sent.section, ()))
        return cls(
            tokens=tokens,
            title_tokens=title_tokens,
            corpus_df=corpus_df,
            words=words,
            states=states.reshape(len(plain), len(ANSWER_TYPES)),
            typed_states=typed.reshape(len(plain), len(TYPED_KEYS)),
            row_names=identifying_cells(sentences),
            neighbours=neighbours(sentences),
            doc_starts=reading_order(sentences),
            doc_tokens=doc_tokens,
            documents=Centroids.of(index.sentence_vectors, [s.doc_id for s in sentences]),
            sections=Centroids.of(index.sentence_vectors, [(s.doc_id, s.section) for s in sentences]),
        )

    def unknown_terms(self, question: str) -> list[str]:
        """The question's content words found nowhere in the documents (nor as a known stem)."""
        words = content_words(question)
        stems = tokenize(words) if words else []
        return [w for w, st in zip(words, stems) if w not in self.words and not any(t in self.corpus_df for t in st)]

    def unmapped_terms(self, question: str, unknown: list[str] | None = None) -> list[str]:
        """The unknown terms (``unknown_terms``, when not given) that no plain phrase of the
        lexicon covers: words the documents never use and that the plain-word expansion does not
        translate ("melatonin", not "tummy")."""
        unknown = self.unknown_terms(question) if unknown is None else unknown
        if not unknown:
            return []
        lower = question.lower()
        covered = [lower[s:e] for s, e, _ in lay_matches(question)]
        return [w for w in unknown if not any(w in phrase for phrase in covered)]
