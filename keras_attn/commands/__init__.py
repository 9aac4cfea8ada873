"""Subcommands of ``keras-attn``, one module each, and the argument types they share."""

from __future__ import annotations

import argparse


def _parsed(value: str, kind: type, what: str):
    """`kind(value)`, or an ArgumentTypeError saying `value` is not `what`."""
    try:
        return kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not {what}") from None


def whole_number(value: str) -> int:
    """An argparse type: an integer >= 0."""
    number = _parsed(value, int, "a whole number")
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is negative")
    return number


def positive_number(value: str) -> int:
    """An argparse type: an integer >= 1."""
    number = whole_number(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not 1 or more")
    return number


def column_number(value: str) -> int:
    """An argparse type: a column number, counted from 1."""
    column = _parsed(value, int, "a column number")
    if column < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: columns are numbered from 1")
    return column


def non_negative(value: str) -> float:
    """An argparse type: a number >= 0."""
    number = _parsed(value, float, "a number")
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is negative")
    return number


def fraction(value: str) -> float:
    """An argparse type: a number in (0, 1]."""
    number = _parsed(value, float, "a number")
    if not 0.0 < number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not in (0, 1]")
    return number


def add_beam_arguments(group) -> None:
    """Add ``--beam K`` and ``--alpha A`` (beam search instead of greedy decoding) to an
    argparse parser or argument group."""
    group.add_argument(
        "--beam",
        type=positive_number,
        metavar="K",
        help="beam search with K beams (default: greedy decoding)",
    )
    group.add_argument(
        "--alpha",
        type=non_negative,
        metavar="A",
        help="beam search length-penalty exponent (default: the model's own, "
        "decode.length_alpha in its configuration)",
    )


def add_test_set_arguments(group) -> None:
    """Add how a command that translates a test set decodes it: ``--beam``, ``--alpha``
    (:func:`add_beam_arguments`), ``--batch-size N`` and ``--limit N``."""
    add_beam_arguments(group)
    group.add_argument("--batch-size", type=positive_number, default=64, metavar="N")
    group.add_argument(
        "--limit", type=positive_number, metavar="N", help="use the first N pairs only"
    )
