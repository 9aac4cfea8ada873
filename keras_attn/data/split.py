"""Splitting sentence pairs into training, validation and test sets, reproducibly."""

from __future__ import annotations

import random

from keras_attn.errors import ConfigurationError


def split_sizes(total: int, validation: float, test: float) -> tuple[int, int, int]:
    """(train, validation, test) sizes for ``total`` pairs.

    Fractions are rounded to the nearest whole pair; a requested validation (or test) set
    gets at least one pair when there are at least 2 (or 3) pairs, and at least one pair
    always stays for training.
    """
    n_test = round(total * test)
    n_validation = round(total * validation)
    if test > 0 and n_test == 0 and total >= 3:
        n_test = 1
    if validation > 0 and n_validation == 0 and total >= 2:
        n_validation = 1
    while total and n_validation + n_test >= total:  # keep one pair for training
        if n_test >= n_validation and n_test > 0:
            n_test -= 1
        else:
            n_validation -= 1
    return total - n_validation - n_test, n_validation, n_test


def split_pairs(pairs, *, validation: float = 0.05, test: float = 0.0, seed: int = 1234):
    """Split ``pairs`` into (train, validation, test) lists by a seeded shuffle.

    The same pairs and seed always give the same split. Each pair goes to exactly one set
    (by position: identical pairs in the input may land in different sets, which
    :func:`~keras_attn.data.read_parallel` avoids by dropping duplicates). Within each set
    the pairs keep their original order. ``pairs`` may also be a ParallelData.

    Raises ConfigurationError when a fraction is outside [0, 1) or they add up to 1 or more.
    """
    pairs = list(getattr(pairs, "pairs", pairs))
    for label, value in (("validation", validation), ("test", test)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
            raise ConfigurationError(f"{label}: {value!r} is not a fraction in [0, 1)")
    if validation + test >= 1:
        raise ConfigurationError(
            f"validation + test: {validation} + {test} leaves nothing for training"
        )
    _, n_validation, n_test = split_sizes(len(pairs), validation, test)
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    test_positions = sorted(order[:n_test])
    validation_positions = sorted(order[n_test : n_test + n_validation])
    train_positions = sorted(order[n_test + n_validation :])
    return (
        [pairs[i] for i in train_positions],
        [pairs[i] for i in validation_positions],
        [pairs[i] for i in test_positions],
    )
