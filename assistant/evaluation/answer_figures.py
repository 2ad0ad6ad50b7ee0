"""Cross-validated figures of the answer layer, as ``train-answers`` reports them: answer right
(@1, and @3 with the alternatives), abstention on unanswerable and near-miss questions, false
abstention, for everyone, parents, clinicians and follow-up turns."""

from __future__ import annotations

import numpy as np


def figures(rows, probs, threshold: float, sentences, conf=None, alt_threshold: float | None = None) -> dict:
    """Answer right (@1 and @3), abstention and false abstention at the threshold, per group.
    ``conf``: the question-level confidence (else the best candidate's probability)."""
    alt_threshold = threshold if alt_threshold is None else alt_threshold

    def confidence(i):
        if not len(probs[i]):
            return -1.0
        return float(conf[i]) if conf is not None else float(probs[i].max())

    from ..answering import Candidate, alternatives

    def one(idx):
        ans = [i for i in idx if rows[i][0].answerable]
        una = [i for i in idx if not rows[i][0].answerable]
        right1 = right3 = false_abst = 0
        for i in ans:
            p, labels = probs[i], rows[i][3]
            if confidence(i) < threshold:
                false_abst += 1
                continue
            order = np.argsort(-p)
            right1 += bool(labels[order[0]])
            ranked = [
                Candidate(
                    rows[i][1][j][0],
                    (rows[i][1][j][1],),
                    sentences[rows[i][1][j][1]].start,
                    sentences[rows[i][1][j][1]].end,
                    float(p[j]),
                    float(p[j]),
                )
                for j in order
            ]
            shown = [ranked[0], *alternatives(ranked, sentences, 2, alt_threshold)]
            right3 += any(labels[order[[c.sentence_ids[0] for c in ranked].index(s.sentence_ids[0])]] for s in shown)
        abst = sum(1 for i in una if confidence(i) < threshold)
        near = [i for i in una if rows[i][0].kind == "near-miss"]
        near_abst = sum(1 for i in near if confidence(i) < threshold)
        n = max(1, len(ans))
        return {
            "n": len(idx),
            "answer@1": round(right1 / n, 3),
            "answer@3": round(right3 / n, 3),
            "false_abstention": round(false_abst / n, 3),
            "abstention_unanswerable": round(abst / len(una), 3) if una else None,
            "abstention_near_miss": round(near_abst / len(near), 3) if near else None,
        }

    everyone = range(len(rows))
    out = {"all": one(list(everyone))}
    for name, test in (
        ("parent", lambda it: it.audience == "parent"),
        ("clinician", lambda it: it.audience == "clinician"),
        ("followup", lambda it: bool(it.history)),
    ):
        out[name] = one([i for i in everyone if test(rows[i][0])])
    return out
