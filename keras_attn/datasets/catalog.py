"""What the bundled sample datasets are, and making their pairs.

A declarative table: one :class:`DatasetInfo` per dataset (its generator, tokenizers,
default size and seed, and the Markdown of its card: how the sources are written and
what a trained model's attention should show), :data:`DATASETS` by name, and
:func:`generate` and its kin, which make a dataset's pairs from a seed. The long entries
are card text, not logic; writing and finding the files is in
:mod:`keras_attn.datasets.files`, the cards in :mod:`keras_attn.datasets.cards`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from keras_attn.datasets import dates, numbers, toy_language
from keras_attn.datasets._sampling import AlignedPair, Pair, check_count

#: The command that regenerates every bundled file.
REGENERATE = "python scripts/make_datasets.py"


@dataclass(frozen=True)
class DatasetInfo:
    """What a bundled dataset is and how to train on it."""

    name: str
    title: str
    description: str  # one sentence
    source_language: str
    target_language: str
    source_tokenizer: str  # word | subword | char, as in keras_attn.config.TextConfig
    target_tokenizer: str
    default_count: int
    default_seed: int
    generator: Callable[[int, int], list[Pair]] = field(repr=False, compare=False)
    conventions: str = ""  # Markdown: how sources are written
    attention: str = ""  # Markdown: what the attention heatmap of a trained model shows
    #: ``(count, seed, exclude)`` -> aligned pairs; the same pairs as ``generator``.
    aligned_generator: Callable[..., list[AlignedPair]] | None = field(
        default=None, repr=False, compare=False
    )
    test_count: int = 0  # pairs of the bundled test set (0: none)
    test_seed: int = 0

    def count_and_seed(self, count: int | None = None, seed: int | None = None) -> tuple[int, int]:
        """``(count, seed)`` with None read as the dataset's default (the bundled file's);
        ValueError for a count that is not a positive whole number."""
        return (
            self.default_count if count is None else check_count(count),
            self.default_seed if seed is None else seed,
        )

    def check_test_set(self) -> None:
        """ValueError when the dataset has no bundled test set."""
        if not self.test_count:
            raise ValueError(f"dataset {self.name!r} has no bundled test set")

    def aligned(self, count: int, seed: int, exclude=()) -> list[AlignedPair]:
        """``aligned_generator(count, seed, exclude)``, or a clear error for a dataset
        without gold alignments."""
        if self.aligned_generator is None:
            raise ValueError(f"dataset {self.name!r} has no gold word alignments")
        return self.aligned_generator(count, seed, exclude)

    @property
    def filename(self) -> str:
        """The TSV file name: ``<name>.tsv``."""
        return f"{self.name}.tsv"

    @property
    def test_filename(self) -> str:
        """The bundled test set's file name: ``<name>.test.tsv``."""
        return f"{self.name}.test.tsv"


DATES = DatasetInfo(
    name="dates",
    title="Dates to ISO 8601",
    description="Dates written in 16 human formats, to their ISO 8601 form (YYYY-MM-DD).",
    source_language="written date",
    target_language="ISO 8601 date",
    source_tokenizer="char",
    target_tokenizer="char",
    default_count=20_000,
    default_seed=1126,
    generator=dates.generate,
    aligned_generator=dates.generate_aligned,
    conventions="""\
Dates from 1900-01-01 to 2099-12-31, one of 16 formats chosen uniformly per line:

| format | example (2026-11-26) |
|---|---|
| weekday, day month year | `Thursday, 26 November 2026` |
| upper case, abbreviated | `THU 26 NOV 2026` |
| day month year | `26 November 2026` |
| day. month year | `26. November 2026` |
| lower case, abbreviated | `26 nov 2026` |
| dashes, abbreviated month | `26-Nov-2026` |
| US, abbreviated, ordinal | `Nov 26th, 2026` |
| US, lower case | `november 26, 2026` |
| US with weekday | `Thursday, November 26, 2026` |
| ordinal of month | `the 26th of November 2026` |
| year first, slashes | `2026/11/26` |
| dots | `26.11.2026` |
| day first, slashes | `26/11/2026` |
| day first, slashes, no zero padding | `26/11/2026`, `3/4/2026` (3 April) |
| day first, slashes, two-digit year | `26/11/26` |
| US, slashes | `11/26/2026` |

Every source names exactly one date:

* All-numeric dates are **day first**. The one month-first format (US, slashes) is only
  written when the day is 13 or more, so its first number can never be read as a day:
  `11/26/2026` is 26 November, `03/04/2026` is always 3 April.
* Two-digit years are only written for 1950-2049: `50`-`99` are 1950-1999, `00`-`49` are
  2000-2049.
* Weekday names are the true weekday of the date. Names are English.""",
    attention="""\
Each target character looks at the source characters it comes from, wherever the format
puts them. For `26 November 2026` -> `2026-11-26` the year digits, first in the target,
attend to the year at the end of the source, and the day digits, last in the target, to
the day at its start: the bright blocks run against the diagonal. For `2026/11/26` they
run along it. The month digits attend to the month
name or number, and a weekday name gets almost no attention, since the date already
says everything it does. The upper-case format reads `THU 26 NOV 2026` only with
`lowercase` off; with it on, the model sees `thu 26 nov 2026`.""",
)

NUMBERS = DatasetInfo(
    name="numbers",
    title="Number words to digits",
    description="English number words from zero to 999,999, to their digits.",
    source_language="English number words",
    target_language="digits",
    source_tokenizer="word",
    target_tokenizer="char",
    default_count=20_000,
    default_seed=312005,
    generator=numbers.generate,
    aligned_generator=numbers.generate_aligned,
    conventions="""\
* Hundreds and thousands are counted with "one" (`one hundred`, never `a hundred`).
* Tens and units are joined by a hyphen: `forty-two` is one word.
* British "and" after `hundred` when tens or units follow (`one hundred and ten`) and
  after `thousand` when the rest is below one hundred (`one thousand and five`). Each
  number is written either in this style or, the other half of the time, with every
  "and" left out (`three hundred twelve thousand five`); both give the same digits.
* Zero is `zero`. Digit counts (1 to 6) are equally likely, so small numbers are as
  common as large ones; every number below 100 is in the file.

Number words are long next to their digits: a data-quality report will mark many pairs
with a large length ratio. That is expected here and those pairs are kept.""",
    attention="""\
Each digit attends to the word that produces it, left to right, so the heatmap is
roughly diagonal but with telling exceptions: a zero digit attends to `hundred` or
`thousand` (or to the word after the gap), the digits of `forty-two` both attend to that
one word, and the three digits after the thousands attend to the words after
`thousand`. The `and` words get little attention.""",
)

TOY_LANGUAGE = DatasetInfo(
    name="toy_language",
    title="English to Zelan, a made-up language",
    description=(
        "Simple English sentences translated by rule into Zelan, a made-up language "
        "with subject-object-verb order, postpositions and adjectives after the noun."
    ),
    source_language="English",
    target_language="Zelan",
    source_tokenizer="word",
    target_tokenizer="word",
    default_count=20_000,
    default_seed=7,
    generator=toy_language.generate,
    aligned_generator=toy_language.generate_aligned,
    conventions="""\
Zelan, from English, by rule:

* Word order **subject, place, object, verb**: `the dog eats an apple in the garden.` ->
  `wuna ta gaju ta ba ova en mika.` ("dog the garden the in apple a eat").
* Noun phrases run **backwards**: noun, adjective, determiner (`the red dog` ->
  `wuna reki ta`); prepositions are **postpositions** (`in the house` -> `dom ta ba`).
* **Plural** is the noun suffix `-li` (`wuna` dog, `wunali` dogs).
* **Tense** is a verb suffix: none for the present, `-ti` past, `-ro` future (`mika`
  eats, `mikati` ate, `mikaro` will eat). **Negation** is the particle `na` before the
  verb (`he does not eat` -> `sul na mika`). Verbs do not agree with the subject.
* Pronouns have one form (`sul` is "he" and "him").
* Every English noun, verb, adjective, pronoun, determiner and preposition has its own
  Zelan word (`a`, `an` and plural `some` are one word, `en`); a few Zelan words are two
  tokens (`teacher` -> `sefo dani`, `school` -> `lerna kasa`, `beautiful` ->
  `bela suna`). The English helpers `will`, `did` and `do`/`does` have no word of their
  own: they become the tense suffix.

The vocabulary: 32 nouns (people, animals, food, books and letters, things, places),
28 verbs in the present, past and future, 13 adjectives, 6 determiners, 6 pronouns,
6 prepositions and `not`. Both sides are lower case (`i` too) and end in a period, which
the word tokenizer makes a token of its own. The whole lexicon is in
`keras_attn/datasets/zelan_lexicon.py`.""",
    attention="""\
The heatmap is far from diagonal. The Zelan verb, last in the sentence, attends to the
English verb near the start (and to `will`, `did` or `does` for its tense suffix); `na`
attends to `not`. The place phrase comes before the object in Zelan but after it in
English, so the two blocks cross. Inside each noun phrase the order is reversed: the
noun attends to the last English word of the phrase, the adjective to the one before,
the determiner to the first, a small anti-diagonal.""",
)

TOY_LANGUAGE_LONG = DatasetInfo(
    name="toy_language_long",
    title="English to Zelan, long sentences",
    description=(
        "The Zelan task with sentences of 2 to 50 words: clauses joined by and, but and "
        "while, for seeing how sentence length affects a model with and without attention."
    ),
    source_language="English",
    target_language="Zelan",
    source_tokenizer="word",
    target_tokenizer="word",
    default_count=8_000,
    default_seed=4050,
    generator=toy_language.generate_long,
    aligned_generator=toy_language.generate_long_aligned,
    test_count=1_000,
    test_seed=20261126,
    conventions="""\
Each sentence is one to several clauses of the [`toy_language`](toy_language.md) task,
joined by a conjunction: `and` -> `ke`, `but` -> `ma`, `while` -> `dun`. Zelan keeps
the clauses in their English order and translates each one by the rules of that task
(subject, place, object, verb; noun phrases backwards; postpositions; tense and plural
suffixes; `na` before the verb).

Lengths are spread evenly: for each sentence a length from 2 to 50 English words is
drawn, and clauses are added until the sentence reaches it (or the next clause would
make it longer than 50 words). Zelan sentences have about as many words as the English
ones (up to 53). With the `word` tokenizer the period is a token of its own, so a model
needs a `max_length` of at least 51 tokens for the English and 54 for the Zelan (64 on
both sides is a good choice) to read and write whole sentences.

A test set of 1,000 further pairs, none of whose sources is in the training file, comes
with it: `toy_language_long.test.tsv` and its gold word alignments
`toy_language_long.test.align` (Pharaoh format, one line per pair: `i-j` sure and `i?j`
possible links between English word `i` and Zelan word `j`, counted from 0).""",
    attention="""\
Within each clause the heatmap shows the crossing pattern of the `toy_language` task
(the verb at the end of the Zelan clause attends to the English verb near its start,
noun phrases attend backwards); from clause to clause the bright blocks move down the
diagonal, each conjunction attending to its conjunction. A model without attention has
to carry the whole sentence in one vector: it does well on short sentences and loses
more and more of the clauses as sentences grow, the bottleneck that attention removes
(`keras-attn compare` draws the curve).""",
)

#: Every bundled dataset, by name.
DATASETS: dict[str, DatasetInfo] = {
    info.name: info for info in (DATES, NUMBERS, TOY_LANGUAGE, TOY_LANGUAGE_LONG)
}


def info(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` of ``name``, or KeyError listing the known names."""
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None


def generate(name: str, count: int | None = None, seed: int | None = None) -> list[Pair]:
    """``count`` distinct ``(source, target)`` pairs of dataset ``name``, made with ``seed``.

    ``None`` means the dataset's default count or seed, which give the bundled file.
    """
    dataset = info(name)
    return dataset.generator(*dataset.count_and_seed(count, seed))


def generate_aligned(
    name: str, count: int | None = None, seed: int | None = None, exclude=()
) -> list[AlignedPair]:
    """The pairs of :func:`generate` with their gold word alignments: a list of
    ``(source, target, alignment)``, the alignment a Pharaoh line (``i-j`` sure, ``i?j``
    possible; word indices from 0, whitespace-separated words). Sources in ``exclude``
    are skipped (the pairs then differ from :func:`generate`'s)."""
    dataset = info(name)
    return dataset.aligned(*dataset.count_and_seed(count, seed), exclude)


def generate_test(name: str) -> list[AlignedPair]:
    """The bundled test set of dataset ``name`` with its gold alignments: ``test_count``
    pairs made with ``test_seed``, none of whose sources is in the default training set.

    Raises KeyError for an unknown name and ValueError when the dataset has no test set.
    """
    dataset = info(name)
    dataset.check_test_set()
    training = {source for source, _ in generate(name)}
    return generate_aligned(name, dataset.test_count, dataset.test_seed, exclude=training)
