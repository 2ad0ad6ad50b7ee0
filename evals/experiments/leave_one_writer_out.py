"""Rounds 5 to 8's comparison (evals/HISTORY.md, "Round 5" to "Round 8"): the answer models trained on
more writers, and as trees.

    .venv/bin/python evals/experiments/leave_one_writer_out.py           # eleven writers, ~35 minutes on 2 cores
    .venv/bin/python evals/experiments/leave_one_writer_out.py --round5  # rounds 5-6: seven writers, round 4 too
    .venv/bin/python evals/experiments/leave_one_writer_out.py --extra train-writer14,train-writer15
        # round 9: those files always in training, never scored (what more writers add)
    .venv/bin/python evals/experiments/leave_one_writer_out.py --extra ... --held test-holdout,test-fresh \
        --rank-trees n_estimators=800,num_leaves=63,max_depth=7
        # round 10: only those files left out and scored; the answer trees in another shape

Each spent test file (holdout, fresh, test, blind4-11; rounds 5-6: up to blind7) is scored by models
trained without it: on evals/train.jsonl alone, or on train.jsonl plus the other spent files
(evals/test.jsonl never among them, as in `make train-answers`). Two kinds of models:
- round 4: the linear ranker, and a standardised logistic regression (C 0.5) for abstention;
- "round 5": whatever ``train_answers`` fits, exactly as `make train-answers` does: in round 5 the
  ranker averaged with pointwise trees, since round 6 LambdaMART trees plus half the ranker
  (``answering.AnswerModel``); trees for abstention.
Each question's candidate rows are computed once, with the shipped models answering a
conversation's earlier turns; the threshold is chosen on each training set's out-of-fold
confidences (false abstention <= 5 %). Questions about the documents themselves are left out
(answered from metadata). Prints answer@1 (answered and right), the share whose best candidate
answers, abstention on unanswerable questions, false abstention, parents and follow-ups.
"""

from __future__ import annotations

import sys

import numpy as np

from assistant.abstention import choose_threshold, question_row
from assistant.answer_features import FEATURES, gate
from assistant.answering import AnswerModel, LinearModel
from assistant.evaluation import train_answers as T
from assistant.evaluation.qa import load_qa
from assistant.service import Assistant

ROUND5 = ["test-holdout", "test-fresh", "test", "test-blind4", "test-blind5", "test-blind6", "test-blind7"]
# round 10's figures were measured before blind13 joined this list (it is in TRAIN_QA since round 10)
SPENT = [
    *ROUND5,
    "test-blind8",
    "test-blind9",
    "test-blind10",
    "test-blind11",
    "test-blind12",
    "test-blind13",
    "test-blind14",
]
NEVER_TRAINED_ON = {"test"}


def logistic(x, y):
    from sklearn.linear_model import LogisticRegression

    mean, std = x.mean(axis=0), x.std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    model = LogisticRegression(C=0.5, max_iter=2000).fit((x - mean) / scale, y)
    return LinearModel(tuple(map(str, range(x.shape[1]))), mean, scale, model.coef_[0], float(model.intercept_[0]))


def linear_oof(rows):
    from sklearn.model_selection import GroupKFold

    groups = [T.conversation_of(item) for item, *_ in rows]
    oof = [np.zeros(0)] * len(rows)
    for tr, te in GroupKFold(n_splits=T.FOLDS).split(np.zeros(len(rows)), groups=groups):
        model = AnswerModel(LinearModel(FEATURES, *T.fit_ranker([rows[i] for i in tr])))
        for i in te:
            if len(rows[i][1]):
                oof[i] = gate(model.probability(rows[i][2]), rows[i][2])
    return oof


def logistic_oof(rows, qrows):
    from sklearn.model_selection import GroupKFold

    conf = np.zeros(len(rows))
    xs = np.vstack([r for _, r, _ in qrows])
    groups = [T.conversation_of(rows[i][0]) for i, _, _ in qrows]
    for tr, te in GroupKFold(n_splits=T.FOLDS).split(xs, groups=groups):
        keep = [j for j in tr if qrows[j][2] is not None]
        model = logistic(xs[keep], np.array([qrows[j][2] for j in keep]))
        for j, c in zip(te, model.probability(xs[te]), strict=True):
            conf[qrows[j][0]] = c
    return conf


def train(rows, kind):
    """(answer model, abstention model, threshold) fitted on rows as `train-answers` would."""
    oof = linear_oof(rows) if kind == "round 4" else T.cross_validate(rows)
    qrows = T.question_rows(rows, oof)
    qconf = logistic_oof(rows, qrows) if kind == "round 4" else T.cross_validate_abstention(rows, qrows)
    best = T.best_candidates(rows, oof)
    threshold = choose_threshold([(a, r, float(c)) for (a, r, _), c in zip(best, qconf, strict=True)])
    qx = np.vstack([r for _, r, label in qrows if label is not None])
    qy = np.array([label for _, _, label in qrows if label is not None])
    if kind == "round 4":
        return AnswerModel(LinearModel(FEATURES, *T.fit_ranker(rows))), logistic(qx, qy), threshold
    return T.answer_model(rows), T.abstainer_of(T.fit_abstainer(qx, qy)), threshold


def score(models, rows):
    model, abstainer, threshold = models
    out = []
    for item, pairs, x, labels, tops in rows:
        if not len(pairs):
            out.append((item, False, False))
            continue
        p = gate(model.probability(x), x)
        right = bool(labels[int(np.argmax(p))])
        conf = float(abstainer.probability(question_row(x, p, *tops)[None, :])[0])
        out.append((item, right, conf >= threshold))
    return out


def summary(name, res):
    ans = [(i, r, a) for i, r, a in res if i.answerable]
    un = [a for i, _, a in res if not i.answerable]
    parents = [r and a for i, r, a in ans if i.audience == "parent"]
    follow = [r and a for i, r, a in ans if i.history]
    print(
        f"{name:44s} answer@1 {np.mean([r and a for _, r, a in ans]):.3f}"
        f"  best right {np.mean([r for _, r, _ in ans]):.3f}  abstention {1 - np.mean(un):.3f}"
        f"  false {1 - np.mean([a for _, _, a in ans]):.3f}  parents {np.mean(parents):.3f}"
        f"  follow-ups {np.mean(follow):.3f}",
        flush=True,
    )


def main():
    args = sys.argv[1:]
    round5 = "--round5" in args
    extra = args[args.index("--extra") + 1].split(",") if "--extra" in args else []
    spent, kinds = (ROUND5, ("round 4", "round 5")) if round5 else (SPENT, ("round 5",))
    held_out = args[args.index("--held") + 1].split(",") if "--held" in args else spent
    if "--rank-trees" in args:  # e.g. n_estimators=800,num_leaves=63: the answer trees' shape for this run
        from assistant.evaluation.model_fitting import RANK_TREES

        for pair in args[args.index("--rank-trees") + 1].split(","):
            key, value = pair.split("=")
            RANK_TREES[key] = type(RANK_TREES[key])(value)
    writers = f"{len(spent)} writers" + (f" + {len(extra)} always trained on" if extra else "")
    assistant = Assistant().warm_up()
    rows = {name: T.collect(assistant, load_qa(f"evals/{name}.jsonl")) for name in ["train", *extra, *spent]}
    always = [r for name in ["train", *extra] for r in rows[name]]
    for kind in kinds:
        if round5:
            alone = train(always, kind)
            summary(f"{kind}, trained on train.jsonl", [r for f in spent for r in score(alone, rows[f])])
        pooled = []
        for held in held_out:
            others = [r for f in spent if f != held and f not in NEVER_TRAINED_ON for r in rows[f]]
            res = score(train(always + others, kind), rows[held])
            summary(f"  {kind}, {writers}, {held}", res)
            pooled += res
        summary(f"{kind}, {writers} (each file left out)", pooled)


if __name__ == "__main__":
    main()
