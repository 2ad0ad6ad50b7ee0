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
