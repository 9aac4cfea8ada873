"""Generated sentences: any script, random code points of every plane (unassigned ones and
lone surrogates too), control and format characters, combining marks by the thousand,
zero-width and direction marks, emoji sequences, words the models know; empty to 100,000
characters. And the toy pairs of those known words the fuzzed models are trained on."""

from __future__ import annotations

import random

#: (first, last code point, words are separated by spaces) of scripts and symbol blocks.
SCRIPTS = [
    (0x0041, 0x024F, True),
    (0x0370, 0x03FF, True),
    (0x0400, 0x052F, True),
    (0x0530, 0x058F, True),
    (0x0590, 0x05FF, True),
    (0x0600, 0x06FF, True),
    (0x0700, 0x074F, True),
    (0x0780, 0x07BF, True),
    (0x0900, 0x097F, True),
    (0x0980, 0x09FF, True),
    (0x0A00, 0x0A7F, True),
    (0x0B80, 0x0BFF, True),
    (0x0C00, 0x0C7F, True),
    (0x0D00, 0x0D7F, True),
    (0x0E00, 0x0E7F, False),
    (0x0E80, 0x0EFF, False),
    (0x0F00, 0x0FFF, True),
    (0x1000, 0x109F, False),
    (0x10A0, 0x10FF, True),
    (0x1100, 0x11FF, False),
    (0x1200, 0x139F, True),
    (0x13A0, 0x13FF, True),
    (0x1400, 0x167F, True),
    (0x1680, 0x169F, True),
    (0x16A0, 0x16FF, True),
    (0x1780, 0x17FF, False),
    (0x1800, 0x18AF, True),
    (0x1E00, 0x1FFF, True),
    (0x2000, 0x2BFF, True),
    (0x3040, 0x30FF, False),
    (0x3100, 0x31FF, False),
    (0x3400, 0x4DBF, False),
    (0x4E00, 0x9FFF, False),
    (0xA000, 0xA4CF, False),
    (0xA500, 0xA63F, True),
    (0xAC00, 0xD7A3, True),
    (0xE000, 0xF8FF, True),
    (0xF900, 0xFAFF, False),
    (0xFB00, 0xFDFF, True),
    (0xFE00, 0xFE0F, True),
    (0xFE70, 0xFEFF, True),
    (0xFF00, 0xFFEF, False),
    (0xFFF0, 0xFFFF, True),
    (0x10000, 0x100FF, True),
    (0x10330, 0x1034F, True),
    (0x10400, 0x1044F, True),
    (0x12000, 0x123FF, True),
    (0x13000, 0x1342F, True),
    (0x1D400, 0x1D7FF, True),
    (0x1F000, 0x1FAFF, True),
    (0x20000, 0x2A6DF, False),
    (0xE0000, 0xE007F, True),
    (0xF0000, 0xF00FF, True),
    (0x10FF00, 0x10FFFF, True),
]
CONTROLS = [chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]]
FORMAT = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u2028",
    "\u2029",
    "\u180e",
    "\ufff9",
    "\ufffa",
    "\ufffb",
]
SPACES = [
    " ",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\x0c",
    "\u00a0",
    "\u1680",
    "\u2000",
    "\u2003",
    "\u2009",
    "\u200a",
    "\u202f",
    "\u205f",
    "\u3000",
    "\x85",
]
COMBINING = [
    *range(0x0300, 0x0370),
    *range(0x1AB0, 0x1AC0),
    *range(0x20D0, 0x20F1),
    *range(0xFE20, 0xFE30),
]
EMOJI = [
    "\U0001f600",
    "\U0001f44d\U0001f3fd",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1e9\U0001f1ea",
    "\u2764\ufe0f",
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "#\ufe0f\u20e3",
    "\U0001fae0",
]
#: Words of the toy corpus the models are trained on (several scripts): sentences made of
#: them reach real decoding paths, not only unknown tokens.
KNOWN = [
    "haus",
    "katze",
    "ball",
    "wasser",
    "feuer",
    "дом",
    "кот",
    "мяч",
    "بيت",
    "قطة",
    "家",
    "猫",
    "水",
    "火",
    "σπίτι",
    "γάτα",
    "בית",
    "חתול",
    "घर",
    "बिल्ली",
    "🐱",
    "🏠",
]


def _chars(rng, first, last, count) -> str:
    return "".join(chr(rng.randint(first, last)) for _ in range(count))


def _words(rng, length) -> str:
    first, last, spaced = rng.choice(SCRIPTS)
    parts, size = [], 0
    while size < length:
        word = _chars(rng, first, last, rng.randint(1, 12))
        parts.append(word)
        size += len(word) + spaced
    return (" " if spaced else "").join(parts)[:length]


def make_sentence(seed: int, longest: int = 100_000) -> str:
    """The sentence of `seed` (the same for the same seed, on any machine), cut to
    `longest` characters."""
    rng = random.Random(seed)
    draw = rng.random()
    if draw < 0.005:
        length = min(rng.randint(10_000, 100_000), longest)
    elif draw < 0.025:
        length = min(rng.randint(1_000, 10_000), longest)
    elif draw < 0.03:
        return ""
    elif draw < 0.04:
        return "".join(rng.choice(SPACES + FORMAT) for _ in range(rng.randint(1, 20)))
    else:
        length = min(rng.randint(1, 120), longest)
    kind = rng.choices(
        ["script", "known", "any", "mixed", "emoji", "controls", "combining"],
        [40, 15, 10, 20, 5, 5, 5],
    )[0]
    if kind == "script":
        text = _words(rng, length)
    elif kind == "known":
        text = " ".join(rng.choice(KNOWN) for _ in range(max(1, length // 6)))
    elif kind == "any":  # every plane, unassigned code points and surrogates included
        text = _chars(rng, 0, 0x10FFFF, length)
    elif kind == "mixed":
        pieces = []
        while sum(map(len, pieces)) < length:
            pieces.append(
                rng.choice(
                    [
                        _words(rng, rng.randint(1, 30)),
                        rng.choice(KNOWN),
                        rng.choice(EMOJI),
                        rng.choice(SPACES),
                    ]
                )
            )
        text = " ".join(pieces)
    elif kind == "emoji":
        text = " ".join(rng.choice(EMOJI) for _ in range(max(1, length // 3)))
    elif kind == "controls":
        text = "".join(rng.choice(CONTROLS + FORMAT + SPACES) for _ in range(length))
    else:  # a base letter under a heap of combining marks
        text = rng.choice(KNOWN)[:1] + "".join(
            chr(rng.choice(COMBINING)) for _ in range(min(length * rng.randint(1, 50), longest))
        )
    for _ in range(rng.choice([0, 0, 0, 1, 2, 5])):  # salt: one rare character at a time
        where = rng.randint(0, len(text))
        extra = rng.choice(
            [
                lambda: rng.choice(CONTROLS),
                lambda: rng.choice(FORMAT),
                lambda: "".join(chr(rng.choice(COMBINING)) for _ in range(rng.randint(1, 300))),
                lambda: chr(rng.randint(0xD800, 0xDFFF)),  # a lone surrogate
                lambda: "\x00",
                lambda: rng.choice(SPACES),
                lambda: rng.choice(EMOJI),
                lambda: rng.choice(KNOWN),
            ]
        )()
        text = text[:where] + extra + text[where:]
    return text[:longest]


def toy_pairs(count=600, seed=0):
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        words = [rng.choice(KNOWN) for _ in range(rng.randint(1, 6))]
        pairs.append((" ".join(words), " ".join(reversed(words))))
    return pairs
