"""Round 9: more question-level features for the abstention model, left one writer out.

    .venv/bin/python evals/experiments/abstention_features.py [--extra train-writer14,...]

Same folds, rows and answer models as ``leave_one_writer_out.py``; per held-out file the
abstention model is fitted twice on the same out-of-fold answer probabilities: with
``abstention.QUESTION_FEATURES`` (A), and with those plus how the probability is spread over the
candidates and more of the best candidate's own features (B: ``EXTRA`` below). Only abstention and
false abstention can differ (the answer model is the same).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np

from assistant import abstention
from assistant.abstention import choose_threshold
from assistant.answer_features import ANSWER_TYPES, FEATURES
from assistant.evaluation import train_answers as T
from assistant.evaluation.qa import load_qa
from assistant.service import Assistant

spec = importlib.util.spec_from_file_location("lowo", Path(__file__).with_name("leave_one_writer_out.py"))
lowo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lowo)

BASE_FEATURES, BASE_ROW = abstention.QUESTION_FEATURES, abstention.question_row
EXTRA = (
    "second",
    "top3_sum",
    "spread",
    "close_log",
    "best_local_own",
    "best_corpus_own",
    "best_chunk_cos",
    "best_novelty",
    "best_typed_agrees",
    "best_match_any",
    "best_rel_cover",
    "best_before_cover",
)
COL = {name: i for i, name in enumerate(FEATURES)}


def extended_row(x: np.ndarray, prob: np.ndarray, top_bm25: float, top_dense: float) -> np.ndarray:
    base = BASE_ROW(x, prob, top_bm25, top_dense)
    order = np.argsort(-prob)
    p = prob[order]
    b = x[order[0]]
    q = p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p))
    spread = float(-(q * np.log(q + 1e-12)).sum() / math.log(len(q))) if len(q) > 1 else 0.0
    extra = [
        float(p[1]) if len(p) > 1 else 0.0,
        float(p[:3].sum()),
        spread,
        math.log1p(int((p >= 0.5 * p[0]).sum())),
        b[COL["local_own"]],
        b[COL["corpus_own"]],
        b[COL["chunk_cos"]],
        b[COL["novelty"]],
        b[COL["typed_agrees"]],
        float(max(b[COL[f"match_{t}"]] for t in ANSWER_TYPES)),
        b[COL["rel_cover"]],
        b[COL["before_cover"]],
    ]
    return np.concatenate([base, extra])


def use(variant: str) -> None:
    """The abstention features of ``variant`` wherever they are read (training and ``lowo.score``)."""
    row = extended_row if variant == "B" else BASE_ROW
    abstention.QUESTION_FEATURES = (*BASE_FEATURES, *EXTRA) if variant == "B" else BASE_FEATURES
    abstention.question_row = lowo.question_row = row


def fit_and_score(training, oof, model, held):
    qrows = T.question_rows(training, oof)
    qconf = T.cross_validate_abstention(training, qrows)
    best = T.best_candidates(training, oof)
    threshold = choose_threshold([(a, r, float(c)) for (a, r, _), c in zip(best, qconf, strict=True)])
    qx = np.vstack([r for _, r, label in qrows if label is not None])
    qy = np.array([label for _, _, label in qrows if label is not None])
    return lowo.score((model, T.abstainer_of(T.fit_abstainer(qx, qy)), threshold), held)


def main():
    args = sys.argv[1:]
    extra = args[args.index("--extra") + 1].split(",") if "--extra" in args else []
    assistant = Assistant().warm_up()
    rows = {name: T.collect(assistant, load_qa(f"evals/{name}.jsonl")) for name in ["train", *extra, *lowo.SPENT]}
    always = [r for name in ["train", *extra] for r in rows[name]]
    pooled = {"A": [], "B": []}
    for held in lowo.SPENT:
        others = [r for f in lowo.SPENT if f != held and f not in lowo.NEVER_TRAINED_ON for r in rows[f]]
        training = always + others
        oof, model = T.cross_validate(training), T.answer_model(training)
        for variant in ("A", "B"):
            use(variant)
            res = fit_and_score(training, oof, model, rows[held])
            lowo.summary(f"  {variant}, {held}", res)
            pooled[variant] += res
    for variant in ("A", "B"):
        lowo.summary(f"{variant}, each file left out", pooled[variant])


if __name__ == "__main__":
    main()
