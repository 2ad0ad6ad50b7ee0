"""BM25 over chunks with bm25s (sparse matrices, saved as .npy + JSON, no pickle)."""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from pathlib import Path


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
    from bm25s.stopwords import STOPWORDS_EN

    return tuple(dict.fromkeys([*STOPWORDS_EN, *QUESTION_STOPWORDS]))


def tokenize(texts: list[str], show_progress: bool = False) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords=list(stopwords()), stemmer=_stemmer(), return_ids=False, show_progress=show_progress
    )


class BM25Index:
    def __init__(self, retriever) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, texts: list[str], show_progress: bool = False) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25()  # Lucene variant, k1=1.5, b=0.75
        tokens = tokenize(texts, show_progress=show_progress)
        # bm25s cannot index a corpus whose every text is empty of terms
        retriever.index([t or ["__empty__"] for t in tokens], show_progress=show_progress)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), show_progress=False, allow_pickle=False))

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
        k = min(k, self.size)
        rows, scores = self._retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if s > 0]

    def search_many(self, queries: list[str], k: int) -> list[list[tuple[int, float]]]:
        return [self.search(q, k) for q in queries]
