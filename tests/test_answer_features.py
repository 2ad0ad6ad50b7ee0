"""Answer-candidate features on the real index."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

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
    asked = assistant.answer_query(query, found, Audience.CLINICIAN)
    assert asked.context.doc_id == turn.doc_id and asked.context.doc_start == turn.doc_start
    col = {name: FEATURES.index(name) for name in ("prev_near", "prev_next", "prev_same")}

    def check(asked, previous) -> list[int]:
        """Every row as the previous sentence places it; the ids of the candidates just after it."""
        pairs, rows = FeatureBuilder(assistant.index).features(asked)
        following = []
        for (_, sid), row in zip(pairs, rows, strict=True):
            s, d = sentences[sid], sid - previous.sentence_id
            if s.doc_id != previous.doc_id:
                assert row[col["prev_near"]] == row[col["prev_next"]] == row[col["prev_same"]] == 0
            else:
                assert row[col["prev_near"]] == 1.0 / (1 + abs(d))
                assert row[col["prev_next"]] == float(d in (1, 2)) and row[col["prev_same"]] == float(d == 0)
                following += [sid] if d in (1, 2) else []
        return following

    check(asked, quoted)
    # the same question with the previous answer placed just before one of its candidates
    pairs, _ = FeatureBuilder(assistant.index).features(asked)
    sid = next(sid for _, sid in pairs if sid > 0 and sentences[sid - 1].doc_id == sentences[sid].doc_id)
    before = sentences[sid - 1]
    moved = replace(asked, context=replace(asked.context, doc_id=before.doc_id, doc_start=before.start))
    assert sid in check(moved, before)  # the sentence after the previous answer is marked as next
    alone = assistant.query("What was done next?")
    _, rows = FeatureBuilder(assistant.index).features(
        assistant.answer_query(alone, assistant._search(alone, 10, "hybrid"), Audience.CLINICIAN)
    )
    assert not rows[:, list(col.values())].any()


def _rows(assistant, question: str, audience=Audience.PARENT):
    query = assistant.query(question)
    found = assistant._search(query, 10, "hybrid")
    return FeatureBuilder(assistant.index).features(assistant.answer_query(query, found, audience))


def test_each_candidate_sees_the_sentences_beside_it_in_its_section(assistant):
    """before_* / after_*: the cosine and own-term cover of the sentence just before and just
    after each candidate in its section (zeros at a section's edge)."""
    sentences = assistant.index.sentences
    question = "How is the hydrocephalus handled?"
    pairs, rows = _rows(assistant, question, Audience.CLINICIAN)
    q_vec = assistant.query(question).vector
    col = {n: FEATURES.index(n) for n in ("before_cos", "before_cover", "after_cos", "after_cover")}
    edges = 0
    for (_, sid), row in zip(pairs, rows, strict=True):
        for side, other in (("before", sid - 1), ("after", sid + 1)):
            beside = 0 <= other < len(sentences) and (sentences[other].doc_id, sentences[other].section) == (
                sentences[sid].doc_id,
                sentences[sid].section,
            )
            if beside:
                want = float(assistant.index.sentence_vectors[other] @ q_vec)
                assert abs(row[col[f"{side}_cos"]] - want) < 1e-5
            else:
                edges += 1
                assert row[col[f"{side}_cos"]] == row[col[f"{side}_cover"]] == 0
    assert edges and 0 < edges < 2 * len(pairs)
    # the shunt sentence follows the one naming hydrocephalus: its "before" covers the question
    shunt = [row for (_, sid), row in zip(pairs, rows, strict=True) if "shunt to relieve" in sentences[sid].text]
    assert shunt and shunt[0][col["before_cover"]] > 0 and shunt[0][col["after_cover"]] == 0


def test_unknown_words_the_plain_word_lexicon_does_not_translate_mark_every_candidate(assistant):
    pairs, rows = _rows(assistant, "Does melatonin help children with OMS sleep?")
    assert rows[:, FEATURES.index("unmapped_unknown")].min() > 0
    pairs, rows = _rows(assistant, "What is the cerebellum?")
    assert not rows[:, FEATURES.index("unmapped_unknown")].any()


def test_a_question_naming_one_case_covers_that_cases_document_best(assistant):
    sentences, documents = assistant.index.sentences, assistant.index.documents
    pairs, rows = _rows(assistant, "Did the girl with cerebellar necrosis after gastroenteritis need a tracheostomy?")
    cover = rows[:, FEATURES.index("doc_cover")]
    by_doc = {sentences[sid].doc_id: c for (_, sid), c in zip(pairs, cover, strict=True)}
    assert len(by_doc) >= 2  # candidates from more than one document
    best = max(by_doc, key=by_doc.get)
    assert "necrosis" in documents[best].meta.title.lower() and by_doc[best] == 1.0
    assert all(c < 1.0 for d, c in by_doc.items() if d != best)
    rel = rows[:, FEATURES.index("rel_doc_cover")]
    assert np.allclose(rel, cover - cover.max())
