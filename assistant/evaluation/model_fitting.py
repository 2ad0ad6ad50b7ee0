"""Fitting the answer layer's models from collected candidate rows (``train_answers.collect``):
the linear ranker (conditional logit, Platt-scaled), the answer model's LambdaMART trees
(LightGBM) and the abstention trees (scikit-learn), each exported as the plain JSON the runtime
reads (``answering``, ``trees.TreeModel``) and checked against the training library's own scores.
scipy, scikit-learn and LightGBM are imported here only, when a model is fitted.
"""

from __future__ import annotations

import numpy as np

# Gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier; early stopping as its
# default leaves it: on for the ~100,000 candidate rows, off for the ~1,500 question rows):
# shallow, many rows per leaf, a slow learning rate. On the spent test files, each scored by
# models trained without it (evals/experiments/leave_one_writer_out.py): with the trees averaged
# in, the best candidate answers for 0.628 of the answerable questions (the ranker alone 0.613);
# the abstention trees abstain on 0.572 of the unanswerable at false abstention 0.039 (a logistic
# model on the same rows: 0.503 at 0.048; on evals/train.jsonl alone: 0.419 at 0.041).
# The answer model's trees rank each question's candidates (LightGBM's LambdaMART, "lambdarank",
# gains on the first five places): on the same comparison, scored on the best candidate only
# (scratch, round 6), 0.621 with the pointwise trees above against 0.631 with these. Round 8, eleven
# writers: 600 trees of 31 leaves and depth 6 against round 6's 300 of 15 leaves and depth 4,
# answer@1 0.667 against 0.630, better on each of the eleven files (evals/HISTORY.md, "Round 8").
# Round 11: 800 trees of 63 leaves and depth 7 (evals/HISTORY.md, "Round 11").
RANK_TREES = {
    "objective": "lambdarank",
    "n_estimators": 800,
    "learning_rate": 0.05,
    "num_leaves": 63,
    "max_depth": 7,
    "min_child_samples": 30,
    "reg_lambda": 1.0,
    "lambdarank_truncation_level": 5,
    "random_state": 0,
    "n_jobs": 1,
    "deterministic": True,
    "verbose": -1,
}
ABSTENTION_TREES = {"max_depth": 3, "learning_rate": 0.05, "max_iter": 200, "min_samples_leaf": 30}
TREE_OPTIONS = {"l2_regularization": 1.0, "random_state": 0}
RANK_L2 = 0.1  # conditional-logit penalty; on evals/train.jsonl CV answer@1 0.548 (0.03: 0.548, 1.0: 0.536)


def candidate_labels(rows) -> np.ndarray:
    return np.concatenate([r[3] for r in rows if len(r[1])])


def fit_trees(x: np.ndarray, y: np.ndarray, params: dict, features: tuple[str, ...]) -> dict:
    """Gradient-boosted trees as the JSON ``trees.TreeModel`` reads (per tree its nodes' feature,
    -1 at a leaf, threshold, children and value), checked against scikit-learn's own
    probabilities on up to 2,000 of the rows before it is returned."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from ..trees import TreeModel

    clf = HistGradientBoostingClassifier(**params, **TREE_OPTIONS).fit(x, y)
    trees = []
    for (predictor,) in clf._predictors:  # one tree per iteration (two classes)
        nodes = predictor.nodes
        trees.append(
            {
                "feature": np.where(nodes["is_leaf"], -1, nodes["feature_idx"]).tolist(),
                "threshold": nodes["num_threshold"].tolist(),
                "left": nodes["left"].tolist(),
                "right": nodes["right"].tolist(),
                "value": nodes["value"].tolist(),
            }
        )
    data = {
        "features": list(features),
        "baseline": float(np.ravel(clf._baseline_prediction)[0]),
        "depth": max(int(p.nodes["depth"].max()) for (p,) in clf._predictors),
        "trees": trees,
    }
    sample = _sample(x)
    _check_export(
        TreeModel.from_dict(data, features).probability(sample), clf.predict_proba(sample)[:, 1], "scikit-learn"
    )
    return data


def _sample(x: np.ndarray) -> np.ndarray:
    """Up to 2,000 rows spread over ``x``: what an export is checked on."""
    return x[np.linspace(0, len(x) - 1, min(len(x), 2000)).astype(int)]


def _check_export(ours: np.ndarray, theirs: np.ndarray, library: str) -> None:
    """The exported trees must give the training library's own scores on the same rows."""
    if not np.allclose(ours, theirs, rtol=0, atol=1e-9):
        raise RuntimeError(f"the exported trees do not give {library}'s scores; check its version")


def fit_abstainer(x: np.ndarray, y: np.ndarray) -> dict:
    from ..abstention import QUESTION_FEATURES

    return fit_trees(x, y, ABSTENTION_TREES, QUESTION_FEATURES)


def abstainer_of(data: dict):
    from ..abstention import QUESTION_FEATURES
    from ..trees import TreeModel

    return TreeModel.from_dict(data, QUESTION_FEATURES)


def fit_answer_trees(rows) -> dict:
    """LambdaMART trees over each question's candidates (LightGBM, ``RANK_TREES``) as the JSON
    ``trees.TreeModel`` reads, checked against LightGBM's own scores on up to 2,000 rows."""
    import lightgbm

    from ..answer_features import FEATURES
    from ..trees import TreeModel

    lists = [r for r in rows if len(r[1])]
    x = np.vstack([r[2] for r in lists])
    ranker = lightgbm.LGBMRanker(**RANK_TREES).fit(
        x, candidate_labels(rows).astype(int), group=[len(r[1]) for r in lists]
    )
    trees = [flat_tree(t["tree_structure"]) for t in ranker.booster_.dump_model()["tree_info"]]
    data = {
        "features": list(FEATURES),
        "baseline": 0.0,
        "depth": max(1, *(t.pop("depth") for t in trees)),
        "trees": trees,
    }
    sample = _sample(x)
    _check_export(TreeModel.from_dict(data, FEATURES).logit(sample), ranker.predict(sample, raw_score=True), "LightGBM")
    return data


def flat_tree(root: dict) -> dict:
    """One tree of LightGBM's ``dump_model`` as flat node lists (depth first, the root first)."""
    tree: dict[str, list] = {"feature": [], "threshold": [], "left": [], "right": [], "value": []}
    depth = 0

    def visit(node: dict, level: int) -> int:
        nonlocal depth
        k = len(tree["feature"])
        for key, empty in (("feature", -1), ("threshold", 0.0), ("left", -1), ("right", -1), ("value", 0.0)):
            tree[key].append(empty)
        depth = max(depth, level)
        if "split_feature" not in node:
            tree["value"][k] = float(node["leaf_value"])
        elif node.get("decision_type") != "<=":
            raise ValueError(f"unsupported split {node.get('decision_type')!r}")
        else:
            tree["feature"][k], tree["threshold"][k] = int(node["split_feature"]), float(node["threshold"])
            tree["left"][k] = visit(node["left_child"], level + 1)
            tree["right"][k] = visit(node["right_child"], level + 1)
        return k

    visit(root, 0)
    return {**tree, "depth": depth}


def answer_model(rows):
    """The ``answering.AnswerModel`` fitted on ``rows``."""
    from ..answer_features import FEATURES
    from ..answering import AnswerModel, LinearModel
    from ..trees import TreeModel

    return AnswerModel(
        LinearModel(FEATURES, *fit_ranker(rows)),
        TreeModel.from_dict(fit_answer_trees(rows), FEATURES),
    )


def fit_ranker(rows):
    """The answer model's parameters: a linear score fitted to put, within each question, the
    candidates that answer above the others (conditional logit: a softmax over the question's
    candidates, L2 penalty ``RANK_L2``), then turned into a probability over all candidates by
    Platt scaling, so that the runtime applies it as the same standardised logistic model."""
    from scipy.optimize import minimize
    from sklearn.linear_model import LogisticRegression

    xs, ys = np.vstack([r[2] for r in rows if len(r[1])]), candidate_labels(rows)
    mean = xs.mean(axis=0)
    std = xs.std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    lists = [((r[2] - mean) / scale, r[3] / r[3].sum()) for r in rows if len(r[1]) and r[3].any()]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = RANK_L2 * float(w @ w), 2 * RANK_L2 * w
        for x, target in lists:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            total -= float(target @ np.log(p + 1e-12))
            grad -= x.T @ (target - p)
        return total, grad

    w = minimize(loss, np.zeros(xs.shape[1]), jac=True, method="L-BFGS-B").x
    platt = LogisticRegression(C=1e4, max_iter=2000).fit((((xs - mean) / scale) @ w)[:, None], ys)
    return mean, scale, w * float(platt.coef_[0, 0]), float(platt.intercept_[0])
