"""When to say "The documents don't answer this.": the one abstention policy.

The answer layer gives each answer a confidence (the question-level abstention model's
probability that the best candidate answers, see ``QUESTION_FEATURES``); below the
threshold the assistant abstains.
The threshold comes from the settings (``abstain_threshold``, e.g. from a settings file that
``assistant calibrate QA --write PATH`` wrote), else from the calibration shipped in the package
data (chosen on evals/train.jsonl), else DEFAULT_THRESHOLD. Calibration never writes into the
installed package.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .answer_features import ANSWER_TYPES, FEATURES
from .jsonfile import package_json

DEFAULT_THRESHOLD = 0.45
MAX_FALSE_ABSTENTION = 0.05  # calibration keeps false abstention on answerable questions below this


@lru_cache(maxsize=1)
def _shipped_calibration() -> dict:
    """The package data's calibration.json (written by `make train-answers`); {} when missing or unreadable."""
    try:
        data = package_json("calibration.json")
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _calibrated(*keys: str) -> float:
    """The first of ``keys`` the shipped calibration holds as a number, else DEFAULT_THRESHOLD."""
    data = _shipped_calibration()
    for key in keys:
        try:
            return float(data[key])
        except (KeyError, ValueError, TypeError):
            continue
    return DEFAULT_THRESHOLD


def shipped_threshold() -> float:
    """The threshold calibrated on the training questions and shipped in the package data."""
    return _calibrated("threshold")


def candidate_threshold() -> float:
    """The sentence model's own threshold: alternatives below it are not shown."""
    return _calibrated("candidate_threshold", "threshold")


def threshold(configured: float | None) -> float:
    return shipped_threshold() if configured is None else float(configured)


def should_abstain(confidence: float | None, limit: float) -> bool:
    """No candidate at all, or one whose confidence is under the threshold."""
    return confidence is None or confidence < limit


def choose_threshold(rows: list[tuple[bool, bool, float]], max_false: float = MAX_FALSE_ABSTENTION) -> float:
    """The highest threshold at which at most ``max_false`` of the answerable questions abstain.

    ``rows`` are (answerable, answered correctly, confidence) per question; the threshold
    abstains on as many unanswerable questions as that budget allows.
    """
    answerable = sorted(c for a, _, c in rows if a)
    if not answerable:
        return DEFAULT_THRESHOLD
    allowed = int(max_false * len(answerable))  # questions allowed under the threshold
    # just above the confidence of the `allowed`-th weakest answerable question
    return float(answerable[allowed]) - 1e-9


# What the abstention model (one row per question) sees: how sure and how clear-cut the best
# candidate is, whether it covers the asked aspect and gives the asked kind of fact, whether the
# question has words the documents never use, how well retrieval matched at all, and how the
# probability is spread over the candidates (one clear answer, or several half-likely ones).
QUESTION_FEATURES = tuple(
    """
    best margin best_cos best_focus_cos best_focus_cover best_cover_title best_all_covered
    unknown_terms unknown_any asks_any type_missing top_bm25_log top_dense focus_split followup
    parent candidates_log typed_asked eligible_any unsupported unsupported_any unmapped_unknown
    best_doc_cover second top3_sum spread close_log best_local_own best_corpus_own best_chunk_cos
    best_novelty best_typed_agrees best_match_any best_rel_cover best_before_cover unknown_near
    best_doc_cos best_section_cos top_section_cos
    """.split()
)


def spread(prob: np.ndarray) -> float:
    """Normalised entropy of the candidates' probabilities: 0 one clear answer, 1 all alike."""
    if len(prob) < 2 or prob.sum() <= 0:
        return 0.0
    q = prob / prob.sum()
    return float(-(q * np.log(q + 1e-12)).sum() / math.log(len(q)))


def question_row(x: np.ndarray, prob: np.ndarray, top_bm25: float, top_dense: float) -> np.ndarray:
    """QUESTION_FEATURES for one question from its candidates' feature rows and probabilities."""
    col = {name: i for i, name in enumerate(FEATURES)}
    agrees = x[:, col["typed_agrees"]]
    order = np.argsort(-prob)
    b = x[order[0]]
    p = prob[order]
    second = float(p[1]) if len(p) > 1 else 0.0
    asks_any = float(any(b[col[f"asks_{t}"]] for t in ANSWER_TYPES))
    return np.array(
        [
            float(p[0]),
            float(p[0]) - second,
            b[col["cos"]],
            b[col["focus_cos"]],
            b[col["focus_cover"]],
            b[col["cover_title"]],
            b[col["all_covered"]],
            b[col["unknown_terms"]],
            b[col["unknown_any"]],
            asks_any,
            b[col["type_missing"]],
            math.log1p(max(0.0, top_bm25)),
            top_dense,
            b[col["focus_split"]],
            b[col["followup"]],
            b[col["parent"]],
            math.log(1 + len(prob)),
            b[col["typed_asked"]],
            float(agrees.max() > 0),
            b[col["unsupported"]],
            b[col["unsupported_any"]],
            b[col["unmapped_unknown"]],
            b[col["doc_cover"]],
            second,
            float(p[:3].sum()),
            spread(prob),
            math.log1p(int((p >= 0.5 * p[0]).sum())),
            b[col["local_own"]],
            b[col["corpus_own"]],
            b[col["chunk_cos"]],
            b[col["novelty"]],
            b[col["typed_agrees"]],
            float(max(b[col[f"match_{t}"]] for t in ANSWER_TYPES)),
            b[col["rel_cover"]],
            b[col["before_cover"]],
            b[col["unknown_near"]],
            b[col["doc_cos"]],
            b[col["section_cos"]],
            float(x[:, col["section_cos"]].max()),
        ]
    )
