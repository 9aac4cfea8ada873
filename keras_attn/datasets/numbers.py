"""English number words paired with their digits, 0 to 999,999.

``"three hundred and twelve thousand and five"`` -> ``"312005"``. The conventions:

* Hundreds are always "one hundred", never "a hundred"; thousands likewise.
* Tens and units are joined by a hyphen: "forty-two", "ninety-nine".
* British "and": after "hundred" when tens or units follow ("one hundred and ten"), and
  after "thousand" when the rest is below one hundred ("one thousand and five"). Every
  number is written in this style or, as a variant, with every "and" left out
  ("three hundred twelve thousand five"); both variants give the same digits.
* Zero is "zero".

Numbers are drawn by first choosing how many digits they have (1 to 6, uniformly) and
then a number of that length, so small numbers are as well represented as large ones.
"""

from __future__ import annotations

import random

from keras_attn.datasets._sampling import (
    AlignedPair,
    Pair,
    distinct_pairs,
    pharaoh_line,
    with_alignment,
)

LARGEST = 999_999

UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

_UNIT_VALUES = {word: value for value, word in enumerate(UNITS)}
_TEN_VALUES = {word: 10 * value for value, word in enumerate(TENS) if word}


def _below_hundred(n: int) -> str:
    if n < 20:
        return UNITS[n]
    tens, units = divmod(n, 10)
    return TENS[tens] if units == 0 else f"{TENS[tens]}-{UNITS[units]}"


def _below_thousand(n: int, use_and: bool) -> str:
    hundreds, rest = divmod(n, 100)
    if hundreds == 0:
        return _below_hundred(rest)
    words = f"{UNITS[hundreds]} hundred"
    if rest:
        words += (" and " if use_and else " ") + _below_hundred(rest)
    return words


def to_words(n: int, use_and: bool = True) -> str:
    """``n`` (0 to 999,999) in English words; ``use_and=False`` leaves out every "and"."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= LARGEST:
        raise ValueError(f"numbers from 0 to {LARGEST:,} can be written, got {n!r}")
    thousands, rest = divmod(n, 1000)
    if thousands == 0:
        return _below_thousand(rest, use_and)
    words = _below_thousand(thousands, use_and) + " thousand"
    if rest:
        joiner = " and " if use_and and rest < 100 else " "
        words += joiner + _below_thousand(rest, use_and)
    return words


def words_to_int(text: str) -> int:
    """The number that English words such as "forty-two thousand and one" name.

    Accepts the words :func:`to_words` writes, with or without "and". Raises ValueError
    for anything else.
    """
    total = 0  # complete thousands
    current = 0  # the group being read
    seen = False
    for word in text.lower().split():
        if word == "and":
            continue
        if word == "hundred":
            if not 1 <= current <= 9:
                raise ValueError(f"'hundred' must follow a single digit word in {text!r}")
            current *= 100
        elif word == "thousand":
            if not 1 <= current <= 999 or total:
                raise ValueError(f"misplaced 'thousand' in {text!r}")
            total, current = current * 1000, 0
        else:
            current += _small_value(word, text)
        seen = True
    if not seen:
        raise ValueError(f"no number words in {text!r}")
    return total + current


def _small_value(word: str, text: str) -> int:
    if word in _UNIT_VALUES:
        return _UNIT_VALUES[word]
    if word in _TEN_VALUES:
        return _TEN_VALUES[word]
    tens, _, units = word.partition("-")
    if tens in _TEN_VALUES and units in _UNIT_VALUES and 1 <= _UNIT_VALUES[units] <= 9:
        return _TEN_VALUES[tens] + _UNIT_VALUES[units]
    raise ValueError(f"{word!r} is not a number word (in {text!r})")


def random_number(rng: random.Random) -> int:
    """A number whose digit count (1 to 6) is uniform, uniform among numbers of that length."""
    digits = rng.randint(1, 6)
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return rng.randint(low, 10**digits - 1)


def sample(rng: random.Random) -> Pair:
    """One pair: a random number, written with "and" or (half the time) without."""
    n = random_number(rng)
    use_and = rng.random() < 0.5
    return to_words(n, use_and), str(n)


def generate(count: int = 20_000, seed: int = 312005) -> list[Pair]:
    """``count`` distinct ``(number words, digits)`` pairs drawn with ``seed``."""
    return distinct_pairs(sample, count, seed)


def alignment(source: str) -> str:
    """The gold word alignment of number words with their digits (one target word), as a
    Pharaoh line: every word is linked to the digits, sure, except ``and`` (possible)."""
    words = source.split()
    return pharaoh_line(
        [(i, 0) for i, w in enumerate(words) if w != "and"],
        [(i, 0) for i, w in enumerate(words) if w == "and"],
    )


#: :func:`sample` with the gold alignment: the same pair for the same random state.
sample_aligned = with_alignment(sample, alignment)


def generate_aligned(count: int = 20_000, seed: int = 312005, exclude=()) -> list[AlignedPair]:
    """The pairs of :func:`generate` with their gold alignments; sources in ``exclude``
    are skipped."""
    return distinct_pairs(sample_aligned, count, seed, exclude)
