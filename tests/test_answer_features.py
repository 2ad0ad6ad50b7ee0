"""Answer-candidate features on the real index."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from assistant.answer_features import FEATURES, FeatureBuilder
from assistant.schema import Audience


def test_a_fresh_builder_used_by_many_threads_at_once_gives_the_same_rows(assistant):
    # a server's first questions arrive together: the lazily built token tables must be whole
    queries = []
    for question in ("What causes cerebellar hypoplasia?", "How is OMS treated?", "Which gene is X-linked?"):
        query = assistant.query(question)
        found = assistant._search(query, 20, "hybrid")
        queries.append(assistant.answer_query(query, found, Audience.PARENT))
    expected = [FeatureBuilder(assistant.index).features(q) for q in queries]
    for _ in range(5):
        builder = FeatureBuilder(assistant.index)
        start = threading.Barrier(8)

        def run(i: int, builder=builder, start=start):
            start.wait()
            return builder.features(queries[i % len(queries)])

        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(run, range(8)))
        for i, (pairs, rows) in enumerate(got):
            want_pairs, want_rows = expected[i % len(queries)]
            assert pairs == want_pairs and rows.shape == (len(pairs), len(FEATURES))
            assert np.array_equal(rows, want_rows)


def test_candidates_are_placed_from_the_previous_answers_sentence(assistant):
    """prev_near / prev_next / prev_same: where each candidate stands from the sentence the
    previous answer quoted (same document only; zeros on a first question)."""
    first = assistant.ask("What did the MRI show in the girl with opsoclonus-myoclonus syndrome?", audience="clinician")
    turn = first.as_turn()
    sentences = assistant.index.sentences
    quoted = max((s for s in sentences if s.doc_id == turn.doc_id and s.start <= turn.doc_start), key=lambda s: s.start)
    assert turn.doc_start >= 0 and quoted.text[:40] in first.answer.text
    query = assistant.query("What was done next?", [first])
    found = assistant._search(query, 10, "hybrid")
    pairs, rows = FeatureBuilder(assistant.index).features(assistant.answer_query(query, found, Audience.CLINICIAN))
    col = {name: FEATURES.index(name) for name in ("prev_near", "prev_next", "prev_same")}
    for (_, sid), row in zip(pairs, rows, strict=True):
        s, d = sentences[sid], sid - quoted.sentence_id
        if s.doc_id != turn.doc_id:
            assert row[col["prev_near"]] == row[col["prev_next"]] == row[col["prev_same"]] == 0
        else:
            assert row[col["prev_near"]] == 1.0 / (1 + abs(d))
            assert row[col["prev_next"]] == float(d in (1, 2)) and row[col["prev_same"]] == float(d == 0)
    assert any(row[col["prev_next"]] for row in rows)  # the next sentences were candidates
    alone = assistant.query("What was done next?")
    _, rows = FeatureBuilder(assistant.index).features(
        assistant.answer_query(alone, assistant._search(alone, 10, "hybrid"), Audience.CLINICIAN)
    )
    assert not rows[:, list(col.values())].any()
