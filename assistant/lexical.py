"""BM25 over chunks with bm25s (sparse matrices, saved as .npy + JSON, no pickle)."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# Question words and auxiliaries carry no topic; bm25s's English list lacks most of them.
QUESTION_STOPWORDS = (
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "when",
    "where",
    "why",
    "how",
    "does",
    "did",
    "do",
    "can",
    "could",
    "would",
    "should",
    "may",
    "might",
    "will",
    "shall",
    "must",
    "is",
    "are",
    "was",
    "were",
    "am",
    "been",
    "being",
    "has",
    "have",
    "had",
    "my",
    "our",
    "your",
    "me",
    "we",
    "i",
    "you",
    "its",
    "her",
    "his",
    "him",
    "she",
    "he",
    "it",
    "us",
    "any",
    "some",
    "about",
    "there",
)


# Function words of a question (question words, auxiliaries, pronouns, articles, prepositions):
# they carry no topic. The answer features and the follow-up rewriting each add a few of their own.
FUNCTION_WORDS = frozenset(
    """
    a about an and any are as at be been by can could did do does for from get had has have he
    her his how i if in is it its may might my no not of on or our she should so some that the
    their them there these they this those to was we were what when where which who whom whose
    why will with would you your
    """.split()
)


@lru_cache(maxsize=1)
def stopwords() -> tuple[str, ...]:
    STOPWORDS_EN = import_bm25s().stopwords.STOPWORDS_EN  # noqa: N806
    return tuple(dict.fromkeys([*STOPWORDS_EN, *QUESTION_STOPWORDS]))


TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")  # bm25s's token pattern


@lru_cache(maxsize=1)
def _stopword_set() -> frozenset[str]:
    return frozenset(stopwords())


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokenize(texts: list[str], show_progress: bool = False) -> list[list[str]]:
    """BM25 terms per text, as ``bm25s.tokenize`` makes them (lower case, words of two or more
    characters, English and question stop words removed, Snowball-stemmed), without its per-call
    progress bars and vocabulary: a question is tokenised several times per answer."""
    stop = _stopword_set()
    if show_progress:
        from tqdm import tqdm

        texts = tqdm(texts, desc="tokenizing", unit="text", file=sys.stderr)
    return [[stem(w) for w in TOKEN_RE.findall(text.lower()) if w not in stop] for text in texts]


def import_bm25s():
    """bm25s, imported without scipy. bm25s imports scipy whenever it is installed (scikit-learn,
    which trains the answer model, brings it) though it needs it only for its scipy backend, which
    this index does not use; in a process that has not imported scipy, hiding it saves ~0.14 s of
    a one-shot ``assistant ask`` (``python -X importtime``). Import this before starting threads:
    for the moment of the import, ``import scipy`` fails in the whole process."""
    if "bm25s" in sys.modules or "scipy" in sys.modules:
        import bm25s

        return bm25s
    sys.modules["scipy"] = None  # type: ignore[assignment]  # ImportError, which bm25s handles
    try:
        import bm25s
    finally:
        del sys.modules["scipy"]
    return bm25s


class BM25Index:
    def __init__(self, retriever) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, texts: list[str], show_progress: bool = False) -> BM25Index:
        bm25s = import_bm25s()
        # Lucene variant, k1=1.5, b=0.75; the score matrix made with numpy (the same arrays as
        # with scipy, as fast on SciFact), so that bm25s never needs scipy (see import_bm25s)
        retriever = bm25s.BM25(csc_backend="numpy")
        tokens = tokenize(texts, show_progress=show_progress)
        # bm25s cannot index a corpus whose every text is empty of terms
        retriever.index([t or ["__empty__"] for t in tokens], show_progress=show_progress)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        return cls(import_bm25s().BM25.load(str(folder), show_progress=False, allow_pickle=False))

    @property
    def vocabulary(self) -> Collection[str]:
        """The indexed stems."""
        return self._retriever.vocab_dict.keys()

    @property
    def size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row, score) for rows whose score is above zero, best first."""
        tokens = tokenize([query])
        vocab = self._retriever.vocab_dict
        tokens = [[t for t in tokens[0] if t in vocab]]
        if not tokens[0]:
            return []
        # bm25s's own scoring; its ``retrieve`` adds a thread pool and progress bars per call
        scores = self._retriever.get_scores(tokens[0])
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # best first, ties by row
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]

    def search_many(self, queries: list[str], k: int) -> list[list[tuple[int, float]]]:
        return [self.search(q, k) for q in queries]
