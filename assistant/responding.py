"""The last step of ``Assistant.ask``: the ``Response`` from the chosen sentences. A question about
a document itself is answered from its details (``document_facts``); otherwise the best sentence
is quoted unless the abstention policy (``abstention``) says the documents don't answer, with up to
two alternative quotes, the passages shown, the words explained and the notices.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .questions import PreparedQuestion
from .schema import Audience, Response, Retriever, Status
from .steps import Choice, Query

if TYPE_CHECKING:
    from .index import Index

NOT_ANSWERED = "The documents don't answer this."
NOT_MEDICAL_ADVICE = "This is information from the documents, not medical advice. Talk to your child's doctor."
EMPTY_QUESTION = "Please type a question."


def empty_question(prepared: PreparedQuestion, audience: Audience, retriever: Retriever, latency_ms: float) -> Response:
    """The answer to a question with nothing in it: a request to type one."""
    return Response(
        question=prepared.original,
        standalone_question="",
        audience=audience,
        retriever=retriever,
        abstained=True,
        answer=None,
        passages=(),
        message=EMPTY_QUESTION,
        status=Status.EMPTY_QUESTION,
        latency_ms=latency_ms,
    )


def respond(
    index: Index,
    threshold: float,
    prepared: PreparedQuestion,
    query: Query,
    choice: Choice,
    audience: Audience,
    retriever: Retriever,
    k: int,
    started: float,
) -> Response:
    """The answer (a document detail, the best sentence, or an abstention below ``threshold``),
    its alternatives, the first ``k`` passages and the words explained; the latency counts from
    ``started`` (``time.perf_counter``)."""
    from .abstention import should_abstain
    from .document_facts import answer_fact
    from .glossary import cited, find_terms
    from .quotes import alternative_quotes, answer_quote, shown_passages

    passages = choice.passages
    fact = answer_fact(query.text, query.turns, index, passages)  # about a document itself, or None
    if fact is not None:
        passages, answer = fact
        confidence, abstained, alternatives = (1.0, False, ()) if answer else (0.0, True, ())
    else:
        confidence = choice.confidence or 0.0
        abstained = should_abstain(choice.confidence, threshold)
        answer = None if abstained else answer_quote(index, choice.best, passages)
        alternatives = () if abstained else alternative_quotes(index, choice.ranked, passages)
    passages, answer, alternatives = shown_passages(passages, k, answer, alternatives)
    notice = " ".join(x for x in (prepared.notice, NOT_MEDICAL_ADVICE if audience is Audience.PARENT else "") if x)
    return Response(
        question=prepared.original,
        standalone_question=query.text,
        audience=audience,
        retriever=retriever,
        abstained=abstained,
        answer=answer,
        passages=passages,
        glossary=tuple(cited(g, index.documents) for g in find_terms(answer.text)) if answer else (),
        message=NOT_ANSWERED if abstained else "",
        notice=notice,
        confidence=confidence,
        search_text=query.search_text,
        alternatives=alternatives,
        latency_ms=(time.perf_counter() - started) * 1000,
    )
