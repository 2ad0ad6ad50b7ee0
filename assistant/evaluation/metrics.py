"""QA matching and metrics.

An answer or passage is right when it contains one of the question's phrases after
normalising both (``contains_any``). Passage metrics (hit@k, MRR@k) and BEIR's nDCG, recall
and MRR come from trec_eval through ir-measures (``trec_measures``); latency percentiles are
numpy's linear interpolation.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


# -- QA matching -----------------------------------------------------------------------------
def normalize(text: str) -> str:
    """Matching form of a text: Unicode NFKD, folded to ASCII (accents and other marks
    dropped), lower-cased, everything but a-z and 0-9 removed.

    ``normalize("Post-infective\\ncerebellar  necrosis") == "postinfectivecerebellarnecrosis"``,
    so line breaks, hyphenation and dashes never decide a match."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("", folded.lower())


def contains_any(text: str, phrases: Iterable[str]) -> bool:
    """True when normalize(text) contains normalize(p) for some phrase p (empty phrases never match)."""
    hay = normalize(text)
    return any(needle and needle in hay for needle in (normalize(p) for p in phrases))


# -- binary relevance over a ranked list ----------------------------------------------------
def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """The rank (from 1) of the first relevant item, or None when there is none."""
    for rank, hit in enumerate(hits, start=1):
        if hit:
            return rank
    return None


def passage_metrics(
    all_hits: Sequence[Sequence[bool]], cutoffs: Iterable[int], mrr_depth: int = 10
) -> dict[str, float | None]:
    """hit@k for each cutoff and MRR@mrr_depth over questions, by ir-measures (trec_eval): each
    question is a query whose retrieved passages are ranked p0, p1, ... and whose relevant ones
    are those flagged (plus one never retrieved, so a question without a relevant passage scores
    0, not an error)."""
    cutoffs = list(cutoffs)
    if not all_hits:
        return {**{f"hit@{k}": None for k in cutoffs}, "mrr": None}
    qrels = {
        f"q{i}": {"never-retrieved": 1, **{f"p{j}": 1 for j, h in enumerate(hits) if h}}
        for i, hits in enumerate(all_hits)
    }
    run = {
        f"q{i}": {f"p{j}": float(len(hits) - j) for j in range(len(hits))} or {"none": 0.0}
        for i, hits in enumerate(all_hits)
    }
    values = trec_measures(qrels, run, [f"Success@{k}" for k in cutoffs] + [f"RR@{mrr_depth}"])
    out: dict[str, float | None] = {f"hit@{k}": values[f"Success@{k}"] for k in cutoffs}
    out["mrr"] = values[f"RR@{mrr_depth}"]
    return out


def trec_measures(
    qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, Mapping[str, float]], names: Sequence[str]
) -> dict[str, float]:
    """Mean of each trec_eval measure (ir-measures names: "nDCG@10", "R@100", "RR@10",
    "Success@1") over the queries of ``qrels``; a query the run has nothing for scores 0."""
    import ir_measures

    measures = [ir_measures.parse_measure(name) for name in names]
    full_run = {q: dict(run.get(q) or {"__none__": 0.0}) for q in qrels}
    values = ir_measures.calc_aggregate(measures, {q: dict(r) for q, r in qrels.items()}, full_run)
    return {name: float(values[m]) for name, m in zip(names, measures)}


# -- latency ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between closest ranks
    (numpy's default): position = (n - 1) * p / 100 in the sorted values; NaN for none."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    xs = sorted(float(v) for v in values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * p / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
