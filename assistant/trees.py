"""Gradient-boosted trees applied with numpy: the abstention model, and half of the answer model.

``assistant train-answers`` fits scikit-learn's ``HistGradientBoostingClassifier`` (log loss)
and writes its trees as plain JSON (per tree the nodes' feature, threshold, children and value);
this module reads them back and gives the same probabilities without scikit-learn:
p = sigmoid(baseline + the sum of the leaf values each tree sends x to), a row going left when
its feature is <= the node's threshold, as scikit-learn's trees do. Rows must be finite (the
features are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TreeModel:
    """Trees as padded arrays (tree x node): ``feature`` (-1 at a leaf), ``threshold``, ``left``,
    ``right`` (a leaf points to itself) and ``value``."""

    features: tuple[str, ...]
    baseline: float
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    depth: int

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(class 1) per row of ``x`` (rows x features)."""
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def logit(self, x: np.ndarray) -> np.ndarray:
        """The log-odds per row of ``x``: the baseline plus each tree's leaf value."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        trees = np.arange(self.feature.shape[0])[None, :]
        node = np.zeros((x.shape[0], self.feature.shape[0]), dtype=np.int64)
        rows = np.arange(x.shape[0])[:, None]
        for _ in range(self.depth):
            feat = self.feature[trees, node]
            go_left = x[rows, np.maximum(feat, 0)] <= self.threshold[trees, node]
            node = np.where(go_left, self.left[trees, node], self.right[trees, node])
        return self.baseline + self.value[trees, node].sum(axis=1)

    @classmethod
    def from_dict(cls, data: dict, features: tuple[str, ...]) -> TreeModel:
        """From the JSON ``train-answers`` writes; ValueError when it does not fit ``features``."""
        if tuple(data["features"]) != features:
            raise ValueError("the shipped trees were trained on other features; retrain them")
        trees = data["trees"]
        if not trees:
            raise ValueError("no trees")
        width = max(len(t["feature"]) for t in trees)
        n = len(features)

        def padded(key: str, fill: float, dtype) -> np.ndarray:
            out = np.full((len(trees), width), fill, dtype=dtype)
            for i, t in enumerate(trees):
                out[i, : len(t[key])] = t[key]
            return out

        feature = padded("feature", -1, np.int64)
        left, right = padded("left", 0, np.int64), padded("right", 0, np.int64)
        leaf = feature < 0
        self_index = np.broadcast_to(np.arange(width), feature.shape)
        left, right = np.where(leaf, self_index, left), np.where(leaf, self_index, right)
        if feature.max() >= n or left.max() >= width or right.max() >= width or left.min() < 0 or right.min() < 0:
            raise ValueError("a tree points outside itself")
        return cls(
            tuple(features),
            float(data["baseline"]),
            feature,
            padded("threshold", 0.0, np.float64),
            left,
            right,
            padded("value", 0.0, np.float64),
            int(data["depth"]),
        )
