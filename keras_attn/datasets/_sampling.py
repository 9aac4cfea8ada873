"""Drawing a given number of distinct pairs from a seeded random source; alignment lines."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable

Pair = tuple[str, str]
#: ``(source, target, alignment)``: a pair and its gold word alignment as a Pharaoh line.
AlignedPair = tuple[str, str, str]


def check_count(count: int) -> int:
    """``count`` as a positive int, or ValueError naming the bad value."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive whole number, got {count!r}")
    return count


def distinct_pairs(
    draw: Callable[[random.Random], tuple], count: int, seed: int, exclude: Collection[str] = ()
) -> list:
    """``count`` items from ``draw(rng)`` with pairwise different sources, in drawing order.

    An item is a pair ``(source, target)`` or any longer tuple starting with the source (an
    aligned pair). A source drawn a second time, or found in ``exclude`` (the sources of a
    training set, say), is skipped. When far more draws repeat than the pairs asked for,
    the space of pairs is taken to be too small and ValueError is raised.
    """
    check_count(count)
    rng = random.Random(seed)
    pairs: list = []
    seen: set[str] = set()
    misses = 0
    patience = max(10_000, 20 * count)
    while len(pairs) < count:
        item = draw(rng)
        source = item[0]
        if source in seen or source in exclude:
            misses += 1
            if misses > patience:
                raise ValueError(
                    f"could only make {len(pairs):,} distinct pairs, fewer than count={count:,}"
                )
            continue
        seen.add(source)
        pairs.append(item)
    return pairs


def with_alignment(
    sample: Callable[[random.Random], Pair], alignment: Callable[[str], str]
) -> Callable[[random.Random], AlignedPair]:
    """A draw function for :func:`distinct_pairs`: the pair ``sample(rng)`` gives, with
    the gold alignment ``alignment(source)`` of its source (for datasets whose alignment
    follows from the source alone); the same pair for the same random state."""

    def draw(rng: random.Random) -> AlignedPair:
        source, target = sample(rng)
        return source, target, alignment(source)

    return draw


def pharaoh_line(sure: Iterable[tuple[int, int]], possible: Iterable[tuple[int, int]] = ()) -> str:
    """A word alignment as one Pharaoh/Moses line: ``i-j`` (sure) and ``i?j`` (possible).

    ``i`` counts the source words, ``j`` the target words, both from 0. A link both sure
    and possible is written as sure. Links are sorted by source, then target word.

    >>> pharaoh_line({(1, 0), (0, 1)}, {(1, 0), (2, 2)})
    '0-1 1-0 2?2'
    """
    marks = {(int(i), int(j)): "?" for i, j in possible}
    marks.update({(int(i), int(j)): "-" for i, j in sure})
    return " ".join(f"{i}{mark}{j}" for (i, j), mark in sorted(marks.items()))
