"""Training the answer model: the rows it learns from do not depend on the models shipped before."""

import numpy as np
from conftest import ROOT

from assistant.answering import AnswerModels, untrained_model
from assistant.evaluation.qa import load_qa
from assistant.evaluation.train_answers import collect_independently


def conversations(n: int):
    """The first ``n`` train items whose conversations have earlier turns, and one first question each."""
    items = load_qa(ROOT / "evals" / "train.jsonl")
    chained = [i for i in items if i.history][:n]
    return chained + [i for i in items if not i.history][:n]


def test_rows_do_not_depend_on_the_shipped_models(assistant):
    items = conversations(6)
    shipped = collect_independently(assistant, items)
    other = collect_independently(assistant.answering_with(AnswerModels(untrained_model()), 0.9), items)
    assert len(shipped) == len(other) == len(items)
    for a, b in zip(shipped, other, strict=True):
        assert a[0] == b[0] and a[1] == b[1]
        np.testing.assert_array_equal(a[2], b[2])
        np.testing.assert_array_equal(a[3], b[3])
    assert any(r[3].any() for r in shipped)  # some candidate answers: the labels are not all negative
