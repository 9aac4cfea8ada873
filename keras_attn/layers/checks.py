"""Checks of the layers' constructor arguments, with the message every layer gives."""

from __future__ import annotations


def check_positive_integers(**values) -> None:
    """Raise ValueError naming the first of `values` (argument name -> value) that is not
    a positive int (True and False are refused too)."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(
                f"Received an invalid value for argument `{name}`, expected a positive "
                f"integer, got {value}."
            )
