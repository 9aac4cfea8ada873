"""Subcommands of ``keras-attn``, one module each, and the argument types they share."""

from __future__ import annotations

import argparse


def whole_number(value: str) -> int:
    """An argparse type: an integer >= 0."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is negative")
    return number


def positive_number(value: str) -> int:
    """An argparse type: an integer >= 1."""
    number = whole_number(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not 1 or more")
    return number


def non_negative(value: str) -> float:
    """An argparse type: a number >= 0."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is negative")
    return number
