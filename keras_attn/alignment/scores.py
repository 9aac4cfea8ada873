"""Alignment error rate (Och and Ney 2003) and the link counts behind it.

For predicted links A, sure links S and possible links P (S is a part of P):
``AER = 1 - (|A∩S| + |A∩P|) / (|A| + |S|)``, summed over the corpus; 0 is perfect, lower
is better. Precision is |A∩P|/|A|, recall |A∩S|/|S|.
"""

from __future__ import annotations

import math


def _is_one(alignment) -> bool:
    return isinstance(alignment, set | frozenset)


def _as_corpus(predicted, sure, possible):
    if _is_one(predicted):
        return [set(predicted)], [set(sure)], [set(possible)]
    predicted, sure, possible = list(predicted), list(sure), list(possible)
    if not len(predicted) == len(sure) == len(possible):
        raise ValueError(
            f"Received {len(predicted)} predicted, {len(sure)} sure and "
            f"{len(possible)} possible alignments; expected one of each per "
            f"sentence."
        )
    return (
        [set(a) for a in predicted],
        [set(s) for s in sure],
        [set(p) | set(s) for p, s in zip(possible, sure, strict=True)],
    )


def alignment_counts(predicted, sure, possible) -> dict:
    """Link counts of a sentence (sets of links) or a corpus (lists of sets, one each).

    Returns:
        dict with `predicted` |A|, `sure` |S|, `possible` |P| (P ⊇ S: sure links count as
        possible), `sure_found` |A∩S| and `possible_found` |A∩P|.
    """
    predicted, sure, possible = _as_corpus(predicted, sure, possible)
    counts = dict(predicted=0, sure=0, possible=0, sure_found=0, possible_found=0)
    for a, s, p in zip(predicted, sure, possible, strict=True):
        p = p | s
        counts["predicted"] += len(a)
        counts["sure"] += len(s)
        counts["possible"] += len(p)
        counts["sure_found"] += len(a & s)
        counts["possible_found"] += len(a & p)
    return counts


def _aer(counts) -> float:
    denominator = counts["predicted"] + counts["sure"]
    if denominator == 0:
        return math.nan
    return 1.0 - (counts["sure_found"] + counts["possible_found"]) / denominator


def alignment_error_rate(predicted, sure, possible) -> float:
    """Alignment error rate (Och and Ney 2003): ``1 - (|A∩S| + |A∩P|) / (|A| + |S|)``.

    Args:
        predicted: the links A of one sentence (a set of `(source, target)` pairs), or a
            list of such sets, one per sentence (the corpus AER sums the counts).
        sure: S, the same shape as `predicted`.
        possible: P, the same shape; sure links count as possible whether listed or not.

    Returns:
        the AER, 0 (perfect) to 1; NaN when there is neither a predicted nor a sure link.
    """
    return _aer(alignment_counts(predicted, sure, possible))


def _ratio(numerator, denominator) -> float:
    return numerator / denominator if denominator else math.nan


def aer_precision_recall(counts: dict) -> tuple[float, float, float]:
    """`(aer, precision, recall)` of link counts from :func:`alignment_counts`: precision
    |A∩P|/|A|, recall |A∩S|/|S|, each NaN where its denominator is 0."""
    return (
        _aer(counts),
        _ratio(counts["possible_found"], counts["predicted"]),
        _ratio(counts["sure_found"], counts["sure"]),
    )
