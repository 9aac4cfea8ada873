"""Drawing a given number of distinct pairs from a seeded random source."""

from __future__ import annotations

import random
from collections.abc import Callable

Pair = tuple[str, str]


def check_count(count: int) -> int:
    """``count`` as a positive int, or ValueError naming the bad value."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive whole number, got {count!r}")
    return count


def distinct_pairs(draw: Callable[[random.Random], Pair], count: int, seed: int) -> list[Pair]:
    """``count`` pairs from ``draw(rng)`` with pairwise different sources, in drawing order.

    A source drawn a second time is skipped. When far more draws repeat than the pairs
    asked for, the space of pairs is taken to be too small and ValueError is raised.
    """
    check_count(count)
    rng = random.Random(seed)
    pairs: list[Pair] = []
    seen: set[str] = set()
    misses = 0
    patience = max(10_000, 20 * count)
    while len(pairs) < count:
        source, target = draw(rng)
        if source in seen:
            misses += 1
            if misses > patience:
                raise ValueError(
                    f"could only make {len(pairs):,} distinct pairs, fewer than count={count:,}"
                )
            continue
        seen.add(source)
        pairs.append((source, target))
    return pairs
