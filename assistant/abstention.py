"""When to say "The documents don't answer this.": the one abstention policy.

The answer layer gives each answer a confidence (the question-level abstention model's
probability that the best candidate answers, see ``answering.QUESTION_FEATURES``); below the
threshold the assistant abstains.
The threshold comes from the settings (``abstain_threshold``, e.g. from a settings file that
``assistant calibrate QA --write PATH`` wrote), else from the calibration shipped in the package
data (chosen on evals/train.jsonl), else DEFAULT_THRESHOLD. Calibration never writes into the
installed package.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

DEFAULT_THRESHOLD = 0.45
MAX_FALSE_ABSTENTION = 0.05  # calibration keeps false abstention on answerable questions below this


@lru_cache(maxsize=1)
def shipped_threshold() -> float:
    """The threshold calibrated on the training questions and shipped in the package data."""
    try:
        text = resources.files("assistant.data").joinpath("calibration.json").read_text(encoding="utf-8")
        return float(json.loads(text)["threshold"])
    except (FileNotFoundError, KeyError, ValueError, TypeError):
        return DEFAULT_THRESHOLD


@lru_cache(maxsize=1)
def candidate_threshold() -> float:
    """The sentence model's own threshold: alternatives below it are not shown."""
    try:
        text = resources.files("assistant.data").joinpath("calibration.json").read_text(encoding="utf-8")
        data = json.loads(text)
        return float(data.get("candidate_threshold", data["threshold"]))
    except (FileNotFoundError, KeyError, ValueError, TypeError):
        return DEFAULT_THRESHOLD


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
