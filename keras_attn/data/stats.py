"""Length statistics of sentence pairs, in words (whitespace-separated)."""

from __future__ import annotations

import math


def _side(lengths: list[int]) -> dict[str, float | int]:
    if not lengths:
        return {"mean": 0.0, "p95": 0, "max": 0}
    ordered = sorted(lengths)
    rank = max(1, math.ceil(0.95 * len(ordered)))  # nearest-rank 95th percentile
    return {
        "mean": round(sum(ordered) / len(ordered), 2),
        "p95": ordered[rank - 1],
        "max": ordered[-1],
    }


def length_stats(pairs) -> dict[str, dict[str, float | int]]:
    """Mean, 95th percentile and maximum words per sentence, for each side.

    Returns ``{"source": {"mean", "p95", "max"}, "target": {...}}``.
    """
    pairs = getattr(pairs, "pairs", pairs)
    return {
        "source": _side([len(source.split()) for source, _ in pairs]),
        "target": _side([len(target.split()) for _, target in pairs]),
    }
