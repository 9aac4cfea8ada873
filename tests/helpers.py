"""Small seeded data shared by the model tests."""

import random

WORDS = "a b c d e f g h i j k l".split()


def reverse_pairs(count, seed=0, min_len=2, max_len=7):
    """Pairs of a toy task: the target is the source's words in reverse order."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(min_len, max_len))]
        pairs.append((" ".join(words), " ".join(reversed(words))))
    return pairs


def write_tsv(path, pairs):
    path.write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    return path
