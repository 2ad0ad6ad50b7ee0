"""Train the answer models: ``assistant train-answers QA_FILE [QA_FILE ...]`` (or
``python -m assistant.evaluation.train_answers ...``; the shipped models name their files in
``trained_by``).

Every question is asked as a user would (earlier turns of its conversation first, passed as
Responses; those are asked with models fitted here, never the shipped ones, so retraining gives
the same model), its top passages retrieved, and every candidate sentence described by
``answer_features.FEATURES``. A candidate is positive when it contains one of the question's answer
phrases; unanswerable questions give only negatives. The answer model (``answering.AnswerModel``)
is a linear ranker (conditional logit over each question's candidates, then Platt-scaled to
probabilities) whose log-odds, halved, are added to LambdaMART trees over the same features
(LightGBM's lambdarank, which ranks each question's candidates), fitted
with 5-fold cross-validation grouped by conversation (its probabilities passed through the
answer-type gate, as at runtime). The abstention model (gradient-boosted trees over
``abstention.QUESTION_FEATURES``) learns from the answer model's out-of-fold probabilities, the abstention
threshold is chosen on its own out-of-fold confidences by ``abstention.choose_threshold``, and all
are written as plain JSON: ``assistant/data/answer_model.json``, ``abstention_model.json`` and
``calibration.json``; the runtime applies them with numpy (``trees.TreeModel`` for the trees),
scipy, scikit-learn and LightGBM are needed for training only (``model_fitting`` fits and exports
the models; this module collects the rows, cross-validates and writes the files). Questions about the documents themselves
(``fact_questions``, ``document_facts``) are answered from metadata, not by these models.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from .model_fitting import (
    ABSTENTION_TREES,
    RANK_L2,
    RANK_TREES,
    TREE_OPTIONS,
    abstainer_of,
    answer_model,
    candidate_labels,
    fit_abstainer,
    fit_answer_trees,
    fit_ranker,
)

FOLDS = 5
# abstention labels: True: only questions whose best candidate answers are positives; False: every
# answerable question is (what the false-abstention budget counts)
STRICT_LABELS = os.environ.get("ASSISTANT_STRICT_ABSTENTION_LABELS", "0") == "1"
DATA = Path(__file__).resolve().parent.parent / "data"


def conversation_of(item) -> str:
    return item.history[0] if item.history else item.question


def collect(assistant, items, asker=None):
    """Per question: (item, candidate sentence ids, feature rows, labels, (top BM25, top cosine)).
    A follow-up's earlier turns are asked with ``asker`` (an ``Assistant.answering_with``; default
    the assistant itself), as a user would, so that the follow-up gets their Responses."""
    from ..fact_questions import document_question
    from ..schema import Audience, Retriever
    from ..service import prepare_question
    from .metrics import contains_any
    from .qa import ChainRunner

    runner = ChainRunner(asker or assistant)
    sentences = assistant.index.sentences
    rows = []
    for item in items:
        turns = [r.as_turn() for r in runner.history(item)]
        if document_question(item.question, turns, assistant.index.documents):
            continue
        text = prepare_question(item.question, assistant.settings.max_question_chars).text
        query = assistant._standalone(text, turns)
        found = assistant._search(query, 10, Retriever.HYBRID)
        pairs, x = assistant._answerer.features(assistant.answer_query(query, found, Audience.parse(item.audience)))
        labels = np.array([item.answerable and contains_any(sentences[sid].text, item.answer) for _, sid in pairs])
        rows.append((item, pairs, x, labels, (found.top_bm25, found.top_dense)))
    return rows


def best_candidates(rows, probs) -> list[tuple[bool, bool, float]]:
    """Per question: (answerable, its most probable candidate answers, that probability)."""
    return [
        (item.answerable, bool(len(p) and labels[int(np.argmax(p))]), float(p.max()) if len(p) else 0.0)
        for (item, _, _, labels, _), p in zip(rows, probs, strict=True)
    ]


def collect_independently(assistant, items):
    """``collect``, with the earlier turns of conversations asked without the shipped models, so
    that training gives the same model whatever was shipped before it: first with the hand-set
    fallback model (never abstaining), then with a model fitted on those rows (abstaining at its
    own out-of-fold threshold)."""
    from ..abstention import choose_threshold
    from ..answering import AnswerModels, untrained_model

    asker = assistant.answering_with(AnswerModels(untrained_model()), threshold=0.0)
    rows = collect(assistant, items, asker)
    first = answer_model(rows)
    threshold = choose_threshold(best_candidates(rows, cross_validate(rows)))
    return collect(assistant, items, assistant.answering_with(AnswerModels(first), threshold))


def question_rows(rows, probs):
    """Per question with candidates: (index, QUESTION_FEATURES row, label or None), the label being
    1 when the best candidate answers, 0 when the question is unanswerable, None otherwise."""
    from ..abstention import question_row

    out = []
    for i, ((item, pairs, x, labels, tops), p) in enumerate(zip(rows, probs, strict=True)):
        if not len(pairs):
            continue
        right = bool(labels[int(np.argmax(p))])
        label = 0 if not item.answerable else (1 if right or not STRICT_LABELS else None)
        out.append((i, question_row(x, p, *tops), label))
    return out


def cross_validate_abstention(rows, qrows):
    """Out-of-fold abstention confidences per question (0 without candidates)."""
    from sklearn.model_selection import GroupKFold

    conf = np.zeros(len(rows))
    groups = [conversation_of(rows[i][0]) for i, _, _ in qrows]
    xs = np.vstack([r for _, r, _ in qrows])
    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(xs, groups=groups):
        keep = [j for j in train_idx if qrows[j][2] is not None]
        model = abstainer_of(fit_abstainer(xs[keep], np.array([qrows[j][2] for j in keep])))
        for j, c in zip(test_idx, model.probability(xs[test_idx]), strict=True):
            conf[qrows[j][0]] = c
    return conf


def cross_validate(rows):
    """Out-of-fold probabilities per question (grouped by conversation)."""
    from sklearn.model_selection import GroupKFold

    from ..answer_features import gate

    groups = [conversation_of(item) for item, *_ in rows]
    oof: list[np.ndarray | None] = [None] * len(rows)
    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(np.zeros(len(rows)), groups=groups):
        model = answer_model([rows[i] for i in train_idx])
        for i in test_idx:
            oof[i] = gate(model.probability(rows[i][2]), rows[i][2]) if len(rows[i][1]) else np.zeros(0)
    return oof


def main(args=None, settings=None) -> int:
    from ..abstention import choose_threshold
    from ..answer_features import FEATURES
    from ..service import Assistant
    from ..settings import Settings
    from .answer_figures import figures
    from .qa import load_qa

    if not isinstance(args, argparse.Namespace):
        parser = argparse.ArgumentParser(prog="python -m assistant.evaluation.train_answers", description=__doc__)
        parser.add_argument("qa_files", nargs="+", metavar="qa_file")
        args = parser.parse_args(args)
    items = [item for path in args.qa_files for item in load_qa(path)]
    trained_by = "assistant train-answers " + " ".join(args.qa_files)
    assistant = Assistant(settings or Settings()).warm_up()
    rows = collect_independently(assistant, items)
    sentences = assistant.index.sentences
    probs = cross_validate(rows)
    best = best_candidates(rows, probs)
    candidate_threshold = choose_threshold(best)
    before = figures(rows, probs, candidate_threshold, sentences)
    qrows = question_rows(rows, probs)
    qconf = cross_validate_abstention(rows, qrows)
    q_threshold = choose_threshold([(a, r, float(c)) for (a, r, _), c in zip(best, qconf, strict=True)])
    with_model = figures(rows, probs, q_threshold, sentences, qconf, candidate_threshold)
    # the question-level model is shipped only when it abstains more on CV within the same budget
    use_model = (with_model["all"]["abstention_unanswerable"] or 0) > (before["all"]["abstention_unanswerable"] or 0)
    threshold, cv = (q_threshold, with_model) if use_model else (candidate_threshold, before)
    ys = candidate_labels(rows)
    mean, scale, w, b = fit_ranker(rows)
    trees = fit_answer_trees(rows)
    # the abstention model is trained on the sentence model's out-of-fold probabilities, as it meets them
    qx = np.vstack([r for _, r, label in qrows if label is not None])
    qy = np.array([label for _, _, label in qrows if label is not None])
    abstainer = {
        "model": "gradient-boosted trees (scikit-learn HistGradientBoostingClassifier: "
        + ", ".join(f"{k} {v}" for k, v in {**ABSTENTION_TREES, **TREE_OPTIONS}.items())
        + "), applied by assistant.trees.TreeModel",
        "trained_by": trained_by,
        "labels": "1: answerable; 0: unanswerable",
        "questions": len(qy),
        **fit_abstainer(qx, qy),
    }
    if use_model:
        (DATA / "abstention_model.json").write_text(json.dumps(abstainer) + "\n", encoding="utf-8")
    else:  # the best candidate's probability stays the confidence
        (DATA / "abstention_model.json").unlink(missing_ok=True)
    model = {
        "model": f"standardised linear ranker: conditional logit over each question's candidates (L2 {RANK_L2}), "
        "Platt-scaled to probabilities; half its log-odds added to LambdaMART trees over the same features "
        "(LightGBM LGBMRanker: "
        + ", ".join(f"{k} {v}" for k, v in RANK_TREES.items() if k != "verbose")
        + "; 'trees', applied by assistant.trees.TreeModel)",
        "trained_by": trained_by,
        "questions": len(rows),
        "candidates": len(ys),
        "positives": int(ys.sum()),
        "features": list(FEATURES),
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "weights": w.round(6).tolist(),
        "bias": round(b, 6),
        "trees": trees,
        "cross_validation": {
            "folds": FOLDS,
            "grouped_by": "conversation",
            "threshold": round(threshold, 6),
            "candidate_threshold": round(candidate_threshold, 6),
            "confidence": "abstention model" if use_model else "best candidate",
            "figures": cv,
            "figures_with_best_candidate_confidence": before,
            "figures_with_abstention_model": with_model,
        },
    }
    text = json.dumps({**model, "trees": "TREES"}, indent=1).replace('"TREES"', json.dumps(trees), 1)
    (DATA / "answer_model.json").write_text(text + "\n", encoding="utf-8")
    calibration = {
        "threshold": round(threshold, 6),
        "candidate_threshold": round(candidate_threshold, 6),
        "method": "abstention.choose_threshold on out-of-fold abstention-model confidences "
        "(candidate_threshold: on the answer model's, for alternatives)",
        "trained_by": model["trained_by"],
        "questions": len(rows),
    }
    (DATA / "calibration.json").write_text(json.dumps(calibration, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model["cross_validation"], indent=1))
    print(
        "weights:",
        ", ".join(f"{n}={v:+.2f}" for n, v in sorted(zip(FEATURES, w), key=lambda t: -abs(t[1]))[:15]),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
