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


MAX_DEPTH = 12  # complete trees of this depth hold 8,191 inner nodes each


@dataclass(frozen=True)
class TreeModel(LogOdds):
    """Every tree as a complete binary tree of ``depth`` levels, in flat arrays: tree t's inner
    node h (heap order: children of h at 2h + 1 and 2h + 2) at t * (2**depth - 1) + h in
    ``feature`` and ``threshold``, its leaf j at t * 2**depth + j in ``value``. A leaf above the
    last level is padded down with threshold +inf (every row goes left) and its value at the
    bottom. Each of ``depth`` steps moves every (row, tree) pair one level down at once; a child's
    place is arithmetic, not a look-up (a quarter faster than following child pointers)."""

    features: tuple[str, ...]
    baseline: float
    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray
    trees: int
    depth: int

    def logit(self, x: np.ndarray) -> np.ndarray:
        """The log-odds per row of ``x``: the baseline plus each tree's leaf value."""
        x = np.ascontiguousarray(np.atleast_2d(np.asarray(x, dtype=np.float64)))
        n, width = x.shape
        flat = x.ravel()  # feature f of row r at r * width + f
        rows = (np.arange(n, dtype=np.intp) * width)[:, None]
        inner = 2**self.depth - 1
        first = (np.arange(self.trees, dtype=np.intp) * inner)[None, :]
        h = np.zeros((n, self.trees), dtype=np.intp)
        for _ in range(self.depth):  # flat np.take, in place where it can
            node = h + first
            at = np.take(self.feature, node)
            at += rows
            h *= 2
            h += 1
            h += np.take(flat, at) > np.take(self.threshold, node)  # right when above the threshold
        h += (np.arange(self.trees, dtype=np.intp) * (inner + 1) - inner)[None, :]
        return self.baseline + np.take(self.value, h).sum(axis=1)

    @classmethod
    def from_dict(cls, data: dict, features: tuple[str, ...]) -> TreeModel:
        """From the JSON ``train-answers`` writes (per tree, nodes with their feature, threshold,
        left and right child and value; feature -1 at a leaf); ValueError when it does not fit
        ``features``."""
        if tuple(data["features"]) != features:
            raise ValueError("the shipped trees were trained on other features; retrain them")
        trees = data["trees"]
        if not trees:
            raise ValueError("no trees")
        depth = int(data["depth"])
        if not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"tree depth {depth} outside 1..{MAX_DEPTH}")
        sizes = [len(t["feature"]) for t in trees]
        if min(sizes) < 1:
            raise ValueError("an empty tree")

        def flat(key: str, dtype) -> np.ndarray:  # one array from all trees' lists (not one per tree: 3x faster)
            return np.fromiter(chain.from_iterable(t[key] for t in trees), dtype=dtype, count=sum(sizes))

        f, thr, val = flat("feature", np.intp), flat("threshold", np.float64), flat("value", np.float64)
        left, right = flat("left", np.intp), flat("right", np.intp)
        roots = np.cumsum([0, *sizes[:-1]]).astype(np.intp)
        tree_of = np.repeat(np.arange(len(trees)), sizes)
        size = np.asarray(sizes)[tree_of]
        inner = f >= 0
        if (f >= len(features)).any() or any(((c[inner] < 0) | (c[inner] >= size[inner])).any() for c in (left, right)):
            raise ValueError("a tree points outside itself")
        n_inner = 2**depth - 1
        feature = np.zeros(len(trees) * n_inner, dtype=np.intp)
        threshold = np.full(len(trees) * n_inner, np.inf)
        # level by level, all trees at once: (node, its tree, its heap place)
        node, tree, h = roots, np.arange(len(trees)), np.zeros(len(trees), dtype=np.intp)
        for _ in range(depth):
            split = f[node] >= 0
            at = tree * n_inner + h
            feature[at[split]], threshold[at[split]] = f[node[split]], thr[node[split]]
            # children of a split; a leaf above the last level is padded down its left side
            node = np.concatenate([np.where(split, left[node] + roots[tree], node), (right[node] + roots[tree])[split]])
            h = np.concatenate([2 * h + 1, (2 * h + 2)[split]])
            tree = np.concatenate([tree, tree[split]])
        if (f[node] >= 0).any():
            raise ValueError(f"a tree is deeper than its depth {depth}")
        value = np.zeros(len(trees) * (n_inner + 1))
        value[tree * (n_inner + 1) + h - n_inner] = val[node]
        return cls(tuple(features), float(data["baseline"]), feature, threshold, value, len(trees), depth)
