"""The Python API: ask's named steps, retrieve (the same passages ask answers from), query,
and history given as Responses."""

from assistant.schema import AnswerKind, Status, Turn


def test_retrieve_gives_the_passages_ask_answers_from(assistant):
    for question in ("Which genes cause cerebellar hypoplasia?", "What did the MRI show after the infection?"):
        asked = assistant.ask(question, k=5)
        assert [p.chunk.chunk_id for p in assistant.retrieve(question, k=5)] == [
            p.chunk.chunk_id for p in asked.passages
        ]


def test_query_is_the_standalone_expanded_question(assistant):
    q = assistant.query("How is it treated?", ["What is opsoclonus-myoclonus syndrome?"])
    assert "opsoclonus" in q.text.lower() and "opsoclonus" in q.search_text.lower() and q.vector.shape == (384,)


def test_a_response_is_history_with_its_answer(assistant):
    first = assistant.ask("What is opsoclonus-myoclonus syndrome?", audience="clinician")
    turn = first.as_turn()
    assert isinstance(turn, Turn) and turn.question == first.question
    if first.answer is not None:
        assert turn.answer == first.answer.text and turn.doc_id == first.passages[first.answer.passage].chunk.doc_id
    follow = assistant.ask("How is it treated?", history=[first], audience="clinician")
    assert "opsoclonus" in follow.standalone_question.lower()
    assert turn.doc_start == first.answer.doc_start >= 0  # where the quoted sentence starts
    detail = assistant.ask("Who wrote the OMS case report?", audience="clinician")
    assert detail.answer.kind is AnswerKind.METADATA and detail.as_turn().doc_start == -1  # no sentence quoted


def test_status_is_typed(assistant):
    assert assistant.ask("   ").status is Status.EMPTY_QUESTION
    r = assistant.ask("Which genes cause cerebellar hypoplasia?")
    assert r.status is (Status.NOT_ANSWERED if r.abstained else Status.ANSWERED)
    assert r.to_json()["status"] == r.status.value


def test_serve_settles_the_process_after_a_warm_up_and_not_after_a_failed_one(assistant, settings, tmp_path):
    """After serve's warm-up, the phrase patterns are compiled and every object then alive is
    frozen out of the collector's reach (service.settle); a warm-up that failed leaves the
    process as it was."""
    import gc
    from dataclasses import replace

    from assistant import glossary, lay_terms
    from assistant.service import Assistant
    from assistant.ui.server import _warm_up

    gc.unfreeze()
    try:
        failed: list[Exception] = []
        empty = tmp_path / "empty"
        empty.mkdir()
        _warm_up(Assistant(replace(settings, docs_dir=empty, index_dir=tmp_path / "index")), failed)
        assert failed and gc.get_freeze_count() == 0
        _warm_up(assistant, failed)
        assert len(failed) == 1 and gc.get_freeze_count() > 1000
        # every plain-word and glossary pattern was compiled then, none is left for a question
        assert lay_terms.compile_patterns() == 0 and glossary.compile_patterns() == 0
    finally:
        gc.unfreeze()
