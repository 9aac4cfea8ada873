"""Dates written the way people write them, paired with their ISO 8601 form.

``"Thursday, 26 November 2026"`` -> ``"2026-11-26"``. Every source string names exactly
one date; the conventions that make that true:

* All-numeric dates are day first (``26/11/2026``, ``26.11.2026``, ``3/4/2026`` is the
  3rd of April), except that ``11/26/2026`` (US style, month first) is written only when
  the day is greater than 12, so the first number cannot be read as a day.
* Two-digit years (``26/11/26``) are written only for the years 1950-2049: 50-99 mean
  1950-1999 and 00-49 mean 2000-2049.
* Year first (``2026/11/26``) is always year, month, day.
* Weekday names are the true weekday of the date.

Dates are drawn uniformly from 1900-01-01 to 2099-12-31. Month and weekday names are
English and do not depend on the locale.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from keras_attn.datasets._sampling import (
    AlignedPair,
    Pair,
    distinct_pairs,
    pharaoh_line,
    with_alignment,
)

FIRST = datetime.date(1900, 1, 1)
LAST = datetime.date(2099, 12, 31)
#: The years a two-digit year can stand for (see the module docstring).
TWO_DIGIT_YEARS = (1950, 2049)

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def iso(date: datetime.date) -> str:
    """The ISO 8601 form of ``date``, the target side: ``2026-11-26``."""
    return date.isoformat()


def ordinal(day: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``12th``, ``13th``, ``21st``, ..."""
    if 11 <= day % 100 <= 13:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _month(d: datetime.date) -> str:
    return MONTHS[d.month - 1]


def _weekday(d: datetime.date) -> str:
    return WEEKDAYS[d.weekday()]


def _short_year(d: datetime.date) -> str:
    low, high = TWO_DIGIT_YEARS
    if not low <= d.year <= high:
        raise ValueError(f"two-digit years are only written for {low}-{high}, got {d.year}")
    return f"{d.year % 100:02d}"


#: Format name -> function writing a date in that format. Examples are for 2026-11-26.
FORMATS: dict[str, Callable[[datetime.date], str]] = {
    # Thursday, 26 November 2026
    "weekday_day_month_year": lambda d: f"{_weekday(d)}, {d.day} {_month(d)} {d.year}",
    # THU 26 NOV 2026
    "upper_abbreviated": lambda d: f"{_weekday(d)[:3]} {d.day} {_month(d)[:3]} {d.year}".upper(),
    # 26 November 2026
    "day_month_year": lambda d: f"{d.day} {_month(d)} {d.year}",
    # 26. November 2026
    "day_dot_month_year": lambda d: f"{d.day}. {_month(d)} {d.year}",
    # 26 nov 2026
    "lower_abbreviated": lambda d: f"{d.day} {_month(d)[:3].lower()} {d.year}",
    # 26-Nov-2026
    "dashed_abbreviated": lambda d: f"{d.day:02d}-{_month(d)[:3]}-{d.year}",
    # Nov 26th, 2026
    "us_abbreviated_ordinal": lambda d: f"{_month(d)[:3]} {ordinal(d.day)}, {d.year}",
    # november 26, 2026
    "us_lower": lambda d: f"{_month(d).lower()} {d.day}, {d.year}",
    # Thursday, November 26, 2026
    "us_weekday": lambda d: f"{_weekday(d)}, {_month(d)} {d.day}, {d.year}",
    # the 26th of November 2026
    "ordinal_of_month": lambda d: f"the {ordinal(d.day)} of {_month(d)} {d.year}",
    # 2026/11/26
    "year_first_slashes": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    # 26.11.2026
    "dots": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    # 26/11/2026
    "day_first_slashes": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    # 3/4/2026 (the 3rd of April)
    "day_first_slashes_unpadded": lambda d: f"{d.day}/{d.month}/{d.year}",
    # 26/11/26 (years 1950-2049 only)
    "day_first_slashes_short_year": lambda d: f"{d.day:02d}/{d.month:02d}/{_short_year(d)}",
    # 11/26/2026 (days 13-31 only)
    "us_slashes": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
}  # fmt: skip


def allowed(fmt: str, date: datetime.date) -> bool:
    """Whether format ``fmt`` may write ``date`` without making the string ambiguous."""
    if fmt not in FORMATS:
        raise KeyError(f"unknown date format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == "us_slashes":
        return date.day > 12
    if fmt == "day_first_slashes_short_year":
        return TWO_DIGIT_YEARS[0] <= date.year <= TWO_DIGIT_YEARS[1]
    return FIRST <= date <= LAST


def render(date: datetime.date, fmt: str) -> str:
    """``date`` written in format ``fmt`` (a key of :data:`FORMATS`)."""
    if not allowed(fmt, date):
        raise ValueError(f"format {fmt!r} does not write {date.isoformat()} unambiguously")
    return FORMATS[fmt](date)


def random_date(rng: random.Random, fmt: str) -> datetime.date:
    """A uniformly drawn date that format ``fmt`` may write."""
    low, high = FIRST, LAST
    if fmt == "day_first_slashes_short_year":
        low = datetime.date(TWO_DIGIT_YEARS[0], 1, 1)
        high = datetime.date(TWO_DIGIT_YEARS[1], 12, 31)
    while True:
        date = datetime.date.fromordinal(rng.randint(low.toordinal(), high.toordinal()))
        if allowed(fmt, date):
            return date


def sample(rng: random.Random) -> Pair:
    """One pair: a format chosen uniformly, a date it may write, and the ISO target."""
    fmt = rng.choice(tuple(FORMATS))
    date = random_date(rng, fmt)
    return render(date, fmt), iso(date)


def generate(count: int = 20_000, seed: int = 1126) -> list[Pair]:
    """``count`` distinct ``(written date, ISO date)`` pairs drawn with ``seed``."""
    return distinct_pairs(sample, count, seed)


_WEEKDAY_WORDS = frozenset(name.lower() for day in WEEKDAYS for name in (day, day[:3]))


def alignment(source: str) -> str:
    """The gold word alignment of a written date with its ISO date (one target word), as a
    Pharaoh line: every source word is linked to it, sure, except a weekday name (no link:
    the date says it already) and ``the`` and ``of`` (possible)."""
    sure: list[tuple[int, int]] = []
    possible: list[tuple[int, int]] = []
    for i, word in enumerate(source.split()):
        bare = word.strip(",.").lower()
        if bare not in _WEEKDAY_WORDS:
            (possible if bare in ("the", "of") else sure).append((i, 0))
    return pharaoh_line(sure, possible)


#: :func:`sample` with the gold alignment: the same pair for the same random state.
sample_aligned = with_alignment(sample, alignment)


def generate_aligned(count: int = 20_000, seed: int = 1126, exclude=()) -> list[AlignedPair]:
    """The pairs of :func:`generate` with their gold alignments; sources in ``exclude``
    are skipped."""
    return distinct_pairs(sample_aligned, count, seed, exclude)
