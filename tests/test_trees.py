"""Gradient-boosted trees applied with numpy (``assistant.trees``), as ``train-answers`` exports them
(scikit-learn's for abstention, LightGBM's LambdaMART for the answer model)."""

import json

import numpy as np
import pytest

from assistant.abstention import QUESTION_FEATURES
from assistant.answer_features import FEATURES
from assistant.answering import AnswerModel, LinearModel, shipped_abstainer, shipped_model
from assistant.evaluation.model_fitting import (
    ABSTENTION_TREES,
    RANK_TREES,
    TREE_OPTIONS,
    fit_abstainer,
    fit_answer_trees,
    flat_tree,
)
from assistant.trees import TreeModel

STUMP = {
    "features": ["a", "b"],
    "baseline": 0.5,
    "depth": 1,
    # one split on b at 2.0: left leaf value -0.3, right leaf value +0.4
    "trees": [
        {
            "feature": [1, -1, -1],
            "threshold": [2.0, 0, 0],
            "left": [1, -1, -1],
            "right": [2, -1, -1],
            "value": [0, -0.3, 0.4],
        }
    ],
}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_a_row_goes_left_when_its_feature_is_at_most_the_threshold():
    model = TreeModel.from_dict(STUMP, ("a", "b"))
    p = model.probability(np.array([[9.0, 2.0], [-9.0, 2.0001], [0.0, -5.0]]))
    np.testing.assert_allclose(p, sigmoid(np.array([0.5 - 0.3, 0.5 + 0.4, 0.5 - 0.3])))


def test_trees_for_other_features_or_pointing_outside_themselves_are_refused():
    with pytest.raises(ValueError, match="other features"):
        TreeModel.from_dict(STUMP, ("a", "c"))
    broken = json.loads(json.dumps(STUMP))
    broken["trees"][0]["right"][0] = 7
    with pytest.raises(ValueError, match="outside"):
        TreeModel.from_dict(broken, ("a", "b"))
    deeper = json.loads(json.dumps(STUMP))
    deeper["depth"] = 0
    with pytest.raises(ValueError, match="depth"):
        TreeModel.from_dict(deeper, ("a", "b"))


def test_trees_of_uneven_depth_score_each_row_by_its_own_leaf():
    """A leaf above the deepest level (the stump's left side, and a second tree that is one leaf)
    scores as it is, beside a tree two levels deep: the complete-tree layout pads it down."""
    two_levels = {
        "feature": [0, -1, 1, -1, -1],  # a <= 1: -1.0; else b <= 0: 2.0, else 3.0
        "threshold": [1.0, 0, 0.0, 0, 0],
        "left": [1, -1, 3, -1, -1],
        "right": [2, -1, 4, -1, -1],
        "value": [0, -1.0, 0, 2.0, 3.0],
    }
    leaf = {"feature": [-1], "threshold": [0], "left": [-1], "right": [-1], "value": [0.25]}
    data = {**STUMP, "depth": 2, "trees": [*STUMP["trees"], two_levels, leaf]}
    model = TreeModel.from_dict(data, ("a", "b"))
    x = np.array([[0.0, 5.0], [2.0, -1.0], [2.0, 0.5], [1.0, 2.0]])
    stump = np.where(x[:, 1] <= 2.0, -0.3, 0.4)
    deep = np.where(x[:, 0] <= 1.0, -1.0, np.where(x[:, 1] <= 0.0, 2.0, 3.0))
    np.testing.assert_allclose(model.logit(x), 0.5 + stump + deep + 0.25)
    with pytest.raises(ValueError, match="deeper"):
        TreeModel.from_dict({**data, "depth": 1}, ("a", "b"))


def test_exported_trees_give_scikit_learns_probabilities():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(QUESTION_FEATURES)))
    y = (x[:, 0] + 0.5 * x[:, 3] * x[:, 4] + rng.normal(scale=0.5, size=400)) > 0
    data = json.loads(json.dumps(fit_abstainer(x, y)))  # through JSON, as shipped
    ours = TreeModel.from_dict(data, QUESTION_FEATURES)
    theirs = HistGradientBoostingClassifier(**ABSTENTION_TREES, **TREE_OPTIONS).fit(x, y)
    fresh = rng.normal(size=(300, len(QUESTION_FEATURES)))
    np.testing.assert_allclose(ours.probability(fresh), theirs.predict_proba(fresh)[:, 1], atol=1e-9)
    assert len(data["trees"]) == ABSTENTION_TREES["max_iter"] and data["depth"] <= ABSTENTION_TREES["max_depth"]


def test_the_shipped_abstention_model_is_trees_over_the_question_features():
    model = shipped_abstainer()
    assert isinstance(model, TreeModel) and model.features == QUESTION_FEATURES
    p = model.probability(np.zeros((2, len(QUESTION_FEATURES))))
    assert p.shape == (2,) and ((0 < p) & (p < 1)).all()


def test_exported_lambdamart_trees_give_lightgbms_scores():
    """The answer model's trees: LightGBM's LambdaMART over each question's candidates, exported
    (``fit_answer_trees``) and applied by TreeModel with LightGBM's own raw scores."""
    import lightgbm

    rng = np.random.default_rng(1)
    rows, lists = [], []
    for _ in range(120):  # questions of 15 candidates; the answer is the one highest on x0 + x3 x4
        x = rng.normal(size=(15, len(FEATURES)))
        labels = np.zeros(15, dtype=bool)
        labels[int(np.argmax(x[:, 0] + x[:, 3] * x[:, 4] + rng.normal(scale=0.3, size=15)))] = True
        rows.append((None, list(enumerate(range(15))), x, labels, (0.0, 0.0)))
        lists.append((x, labels))
    data = json.loads(json.dumps(fit_answer_trees(rows)))  # through JSON, as shipped
    ours = TreeModel.from_dict(data, FEATURES)
    theirs = lightgbm.LGBMRanker(**RANK_TREES).fit(
        np.vstack([x for x, _ in lists]), np.concatenate([y for _, y in lists]).astype(int), group=[15] * len(lists)
    )
    fresh = rng.normal(size=(300, len(FEATURES)))
    np.testing.assert_allclose(ours.logit(fresh), theirs.predict(fresh, raw_score=True), atol=1e-9)
    assert len(data["trees"]) == RANK_TREES["n_estimators"] and data["depth"] <= RANK_TREES["max_depth"]
    # it ranks: on fresh questions the top-scored candidate is mostly the answer
    hits = []
    for _ in range(100):
        x = rng.normal(size=(15, len(FEATURES)))
        hits.append(int(np.argmax(ours.logit(x))) == int(np.argmax(x[:, 0] + x[:, 3] * x[:, 4])))
    assert np.mean(hits) > 0.5


def test_a_split_the_runtime_cannot_apply_is_refused():
    leaf = {"leaf_value": 0.1}
    categorical = {
        "split_feature": 0,
        "threshold": "1||2",
        "decision_type": "==",
        "left_child": leaf,
        "right_child": leaf,
    }
    with pytest.raises(ValueError, match="unsupported split"):
        flat_tree(categorical)
    tree = flat_tree(
        {
            "split_feature": 2,
            "threshold": 0.5,
            "decision_type": "<=",
            "left_child": leaf,
            "right_child": {"leaf_value": -0.2},
        }
    )
    assert tree == {
        "feature": [2, -1, -1],
        "threshold": [0.5, 0.0, 0.0],
        "left": [1, -1, -1],
        "right": [2, -1, -1],
        "value": [0.0, 0.1, -0.2],
        "depth": 1,
    }


def test_the_answer_model_adds_half_the_rankers_log_odds_to_the_trees():
    shipped = shipped_model()
    assert shipped.trees is not None and shipped.trees.features == FEATURES
    n = len(FEATURES)
    linear = LinearModel(FEATURES, np.zeros(n), np.ones(n), np.eye(n)[0] * 2.0, -1.0)  # logit 2 x0 - 1
    stump = {**STUMP, "features": list(FEATURES)}  # logit 0.5 -0.3 or +0.4 on FEATURES[1]
    x = np.zeros((2, n))
    x[:, 0] = [1.0, 3.0]
    x[:, 1] = [0.0, 5.0]
    p = AnswerModel(linear, TreeModel.from_dict(stump, FEATURES)).probability(x)
    np.testing.assert_allclose(p, sigmoid(0.5 * np.array([1.0, 5.0]) + np.array([0.2, 0.9])))
    np.testing.assert_allclose(AnswerModel(linear).probability(x), sigmoid(np.array([1.0, 5.0])))
