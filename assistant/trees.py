"""Gradient-boosted trees applied with numpy: the abstention model, and the answer model's trees.

``assistant train-answers`` fits scikit-learn's ``HistGradientBoostingClassifier`` (log loss) for
abstention and LightGBM's LambdaMART ranker for the answer model, and writes their trees as plain
JSON (per tree the nodes' feature, threshold, children and value); this module reads them back
and gives the same scores without either library: baseline + the sum of the leaf values each
tree sends x to (log-odds for the classifier, a ranking score for LambdaMART), a row going left
when its feature is <= the node's threshold, as both libraries' trees do. Rows must be finite
(the features are).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Log-odds to probabilities (every model of the answer layer ends in it)."""
    return 1.0 / (1.0 + np.exp(-z))


class LogOdds:
    """A model that gives log-odds per row (``logit``), and so probabilities."""

    def logit(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(class 1) per row of ``x`` (rows x features)."""
        return sigmoid(self.logit(x))


@dataclass(frozen=True)
class TreeModel(LogOdds):
    """All trees' nodes in flat arrays: ``feature`` (0 at a leaf), ``threshold``, ``value``, and
    ``children``: node n's right child at 2n and left child at 2n + 1 (global node numbers; a leaf
    points to itself); ``roots`` the first node of each tree. Each of ``depth`` steps moves every
    (row, tree) pair one level down at once."""

    features: tuple[str, ...]
    baseline: float
    feature: np.ndarray
    threshold: np.ndarray
    children: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    depth: int

    def logit(self, x: np.ndarray) -> np.ndarray:
        """The log-odds per row of ``x``: the baseline plus each tree's leaf value."""
        x = np.ascontiguousarray(np.atleast_2d(np.asarray(x, dtype=np.float64)))
        n, width = x.shape
        flat = x.ravel()  # feature f of row r at r * width + f
        rows = (np.arange(n, dtype=np.intp) * width)[:, None]
        node = np.repeat(self.roots[None, :], n, axis=0)
        for _ in range(self.depth):  # flat np.take, in place where it can: a quarter faster than 2-D indexing
            at = np.take(self.feature, node)
            at += rows
            go_left = np.take(flat, at) <= np.take(self.threshold, node)
            node *= 2
            node += go_left
            node = np.take(self.children, node)
        return self.baseline + np.take(self.value, node).sum(axis=1)

    @classmethod
    def from_dict(cls, data: dict, features: tuple[str, ...]) -> TreeModel:
        """From the JSON ``train-answers`` writes; ValueError when it does not fit ``features``."""
        if tuple(data["features"]) != features:
            raise ValueError("the shipped trees were trained on other features; retrain them")
        trees = data["trees"]
        if not trees:
            raise ValueError("no trees")
        sizes = [len(t["feature"]) for t in trees]
        roots = np.cumsum([0, *sizes[:-1]]).astype(np.intp)

        def flat(key: str, dtype) -> np.ndarray:  # one array from all trees' lists (not one per tree: 3x faster)
            return np.fromiter(chain.from_iterable(t[key] for t in trees), dtype=dtype, count=sum(sizes))

        feature = flat("feature", np.intp)
        leaf = feature < 0
        local_left, local_right = flat("left", np.intp), flat("right", np.intp)
        tree_of = np.repeat(np.arange(len(trees)), sizes)
        size = np.asarray(sizes)[tree_of]
        inner = ~leaf
        if (feature >= len(features)).any() or any(
            ((side[inner] < 0) | (side[inner] >= size[inner])).any() for side in (local_left, local_right)
        ):
            raise ValueError("a tree points outside itself")
        here = np.arange(len(feature))
        left = np.where(leaf, here, local_left + roots[tree_of])
        right = np.where(leaf, here, local_right + roots[tree_of])
        return cls(
            tuple(features),
            float(data["baseline"]),
            np.where(leaf, 0, feature),
            flat("threshold", np.float64),
            np.stack([right, left], axis=1).ravel(),
            flat("value", np.float64),
            roots,
            int(data["depth"]),
        )
