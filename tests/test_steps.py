"""assistant/steps.py: the values handed between ``ask``'s steps; here, the passages put in answer
order (``Choice.by_answer``), on hand-made passages and candidates."""

from __future__ import annotations

from assistant.answering import Candidate
from assistant.documents import Chunk, DocumentMeta
from assistant.schema import Passage, SectionKind
from assistant.steps import Choice


def passage(rank: int) -> Passage:
    chunk = Chunk(rank, "doc", "Results", SectionKind.BODY, 0, 10, f"passage {rank}", (rank,), 2, 2)
    return Passage(rank, chunk, 1.0 / rank, DocumentMeta(title="A document"), "case report", "A document")


def candidate(at: int, score: float) -> Candidate:
    return Candidate(at, (at,), 0, 10, score, score)


def test_passages_follow_their_best_sentence_then_retrieval_order():
    passages = tuple(passage(r) for r in range(1, 6))
    # best first: passage 3's sentence, then passage 1's, another of passage 3's, passage 4's
    ranked = (candidate(2, 0.9), candidate(0, 0.6), candidate(2, 0.5), candidate(3, 0.2))
    ordered = Choice(passages, ranked, 0.9).by_answer()

    assert [p.chunk.chunk_id for p in ordered.passages] == [3, 1, 4, 2, 5]  # 2 and 5: no candidate
    assert [p.rank for p in ordered.passages] == [1, 2, 3, 4, 5]
    assert [p.answer_score for p in ordered.passages] == [0.9, 0.6, 0.2, None, None]
    assert [p.score for p in ordered.passages] == [1 / 3, 1.0, 1 / 4, 1 / 2, 1 / 5]  # retrieval scores kept
    # every candidate still points at its own passage, and the best one at the first
    assert [ordered.passages[c.passage].chunk.chunk_id for c in ordered.ranked] == [3, 1, 3, 4]
    assert ordered.best.passage == 0 and ordered.confidence == 0.9


def test_without_candidates_the_retrieval_order_stays():
    passages = tuple(passage(r) for r in range(1, 4))
    ordered = Choice(passages, (), None).by_answer()
    assert ordered.passages == passages and ordered.best is None
