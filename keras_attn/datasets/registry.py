"""The bundled sample datasets: what they are, making them, writing them, finding them.

Each dataset is a TSV file of ``source<TAB>target`` lines (UTF-8, no header, no repeated
source), made by a seeded generator in this package from nothing but its seed, so the
same seed always gives byte-identical files. The generators also know which source word
each target word comes from, and write that gold word alignment on request: a Pharaoh
file (``<name>.align``, one line per pair, ``i-j`` sure and ``i?j`` possible links). The
bundled copies live in ``assets/datasets/`` next to a card (``<name>.md``), some with a
held-out test set (``<name>.test.tsv`` and its ``<name>.test.align``), and are
regenerated with::

    python scripts/make_datasets.py

or ``python -m keras_attn.datasets`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import importlib.resources
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from keras_attn.datasets import dates, numbers, toy_language
from keras_attn.datasets._sampling import AlignedPair, Pair, check_count

REGENERATE = "python scripts/make_datasets.py"
EXAMPLES_IN_CARD = 10


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
        default=None, repr=False, compare=False)
    test_count: int = 0  # pairs of the bundled test set (0: none)
    test_seed: int = 0

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
`keras_attn/datasets/toy_language.py`.""",
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
    count = dataset.default_count if count is None else check_count(count)
    seed = dataset.default_seed if seed is None else seed
    return dataset.generator(count, seed)


def generate_aligned(
    name: str, count: int | None = None, seed: int | None = None, exclude=()
) -> list[AlignedPair]:
    """The pairs of :func:`generate` with their gold word alignments: a list of
    ``(source, target, alignment)``, the alignment a Pharaoh line (``i-j`` sure, ``i?j``
    possible; word indices from 0, whitespace-separated words). Sources in ``exclude``
    are skipped (the pairs then differ from :func:`generate`'s)."""
    dataset = info(name)
    count = dataset.default_count if count is None else check_count(count)
    seed = dataset.default_seed if seed is None else seed
    return dataset.aligned(count, seed, exclude)


def generate_test(name: str) -> list[AlignedPair]:
    """The bundled test set of dataset ``name`` with its gold alignments: ``test_count``
    pairs made with ``test_seed``, none of whose sources is in the default training set.

    Raises KeyError for an unknown name and ValueError when the dataset has no test set.
    """
    dataset = info(name)
    if not dataset.test_count:
        raise ValueError(f"dataset {name!r} has no bundled test set")
    training = {source for source, _ in generate(name)}
    return generate_aligned(name, dataset.test_count, dataset.test_seed, exclude=training)


def alignment_path(path: str | Path) -> Path:
    """Where the gold alignment of a pairs file goes: ``x.tsv`` -> ``x.align``."""
    return Path(path).with_suffix(".align")


def to_alignments(aligned: Sequence[AlignedPair]) -> str:
    """The Pharaoh file text of aligned pairs: one alignment line per pair."""
    return "".join(f"{alignment}\n" for _, _, alignment in aligned)


def to_tsv(pairs: Sequence[Pair]) -> str:
    """The TSV text of ``pairs``: ``source<TAB>target`` lines, each ending in a newline."""
    for source, target in pairs:
        for text in (source, target):
            if any(mark in text for mark in "\t\r\n"):
                raise ValueError(f"tab or line break inside {text!r}")
    return "".join(f"{source}\t{target}\n" for source, target in pairs)


def bundled_dir() -> Path:
    """The directory holding the bundled datasets: ``assets/datasets`` of the package."""
    return Path(str(importlib.resources.files("keras_attn.assets") / "datasets"))


def dataset_path(name: str) -> Path:
    """The bundled TSV file of dataset ``name``.

    Raises KeyError for an unknown name and FileNotFoundError when the file is missing.
    """
    path = bundled_dir() / info(name).filename
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; make it with `{REGENERATE}`")
    return path


def dataset_test_path(name: str) -> Path:
    """The bundled test set of dataset ``name`` (``<name>.test.tsv``); its gold
    alignments are at ``alignment_path(dataset_test_path(name))``.

    Raises KeyError for an unknown name, ValueError when the dataset has no test set and
    FileNotFoundError when the file is missing.
    """
    dataset = info(name)
    if not dataset.test_count:
        raise ValueError(f"dataset {name!r} has no bundled test set")
    path = bundled_dir() / dataset.test_filename
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; make it with `{REGENERATE}`")
    return path


def _in_bundled_dir(path: Path) -> bool:
    return path.resolve().parent == bundled_dir().resolve()


def write_dataset(
    name: str,
    path: str | Path,
    count: int | None = None,
    seed: int | None = None,
    *,
    card: bool | None = None,
    alignments: bool = False,
) -> Path:
    """Writes dataset ``name`` as a TSV file to ``path`` and returns the file's path.

    ``path`` may be a directory, and the file is then ``<name>.tsv`` inside it. The card
    ``<name>.md`` is written next to the file when ``card`` is true; ``None`` means: only
    when writing into the bundled ``assets/datasets`` directory. With ``alignments``, the
    gold word alignment is written beside it too (:func:`alignment_path`: ``<stem>.align``,
    one Pharaoh line per pair, in the same order).
    """
    dataset = info(name)
    path = Path(path)
    if path.is_dir():
        path = path / dataset.filename
    count = dataset.default_count if count is None else check_count(count)
    seed = dataset.default_seed if seed is None else seed
    if alignments:
        aligned = dataset.aligned(count, seed)
        pairs = [(source, target) for source, target, _ in aligned]
    else:
        pairs = dataset.generator(count, seed)
    data = to_tsv(pairs).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if alignments:
        alignment_path(path).write_bytes(to_alignments(aligned).encode("utf-8"))
    if card if card is not None else _in_bundled_dir(path):
        text = render_card(name, pairs, seed=seed, size_bytes=len(data))
        path.with_suffix(".md").write_bytes(text.encode("utf-8"))
    return path


def _size(size_bytes: int) -> str:
    if size_bytes >= 1_000_000:
        return f"{size_bytes / 1_000_000:.2f} MB"
    return f"{size_bytes / 1000:.0f} kB"


def _cell(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def render_card(name: str, pairs: Sequence[Pair], *, seed: int, size_bytes: int) -> str:
    """The Markdown card describing a generated file of dataset ``name``."""
    dataset = info(name)
    examples = "\n".join(
        f"| {_cell(source)} | {_cell(target)} |" for source, target in pairs[:EXAMPLES_IN_CARD]
    )
    default = seed == dataset.default_seed and len(pairs) == dataset.default_count
    module = "keras_attn/datasets/" + dataset.generator.__module__.rsplit(".", 1)[-1] + ".py"
    return f"""\
# {dataset.title} (`{dataset.filename}`)

{dataset.description}

* **Pairs:** {len(pairs):,} ({_size(size_bytes)}), one `source<TAB>target` line each,
  UTF-8, no header, no source repeated.
* **Source:** {dataset.source_language}. **Target:** {dataset.target_language}.
* **Tokenizers:** source `{dataset.source_tokenizer}`, target `{dataset.target_tokenizer}`.
* **Made by:** `{module}` with seed {seed}{" (the default)" if default else ""}; every
  line comes from that seeded code, no outside data. The same seed gives the same bytes.
* **Regenerate:** `{REGENERATE}` (all bundled datasets), or in Python
  `keras_attn.datasets.generate("{name}", count=..., seed=...)`.

## Examples

| source | target |
|---|---|
{examples}

## How the sources are written

{dataset.conventions}

## What the attention heatmap should show

{dataset.attention}
"""


def render_index(sizes: dict[str, tuple[int, int]]) -> str:
    """The README of the bundled datasets; ``sizes`` maps name -> (pairs, bytes)."""
    rows = "\n".join(
        f"| [`{dataset.filename}`]({dataset.name}.md) | {dataset.description} "
        f"| {sizes[name][0]:,} | {_size(sizes[name][1])} "
        f"| `{dataset.source_tokenizer}` / `{dataset.target_tokenizer}` |"
        for name, dataset in DATASETS.items()
    )
    tests = "".join(
        f"`{dataset.test_filename}` holds {dataset.test_count:,} test pairs for "
        f"`{dataset.filename}` (seed {dataset.test_seed}, no source of the training file), "
        f"`{dataset.name}.test.align` their gold word alignments.\n\n"
        for dataset in DATASETS.values() if dataset.test_count
    )
    return f"""\
# Bundled sample datasets

Small translation tasks made by our own seeded code (no outside data), chosen so that a
model trains in minutes and its attention heatmap shows something worth seeing. Each
file has one `source<TAB>target` pair a line (UTF-8, no header, no source repeated) and a
card saying how it was made, which tokenizers suit it and what the attention should show.

| file | what | pairs | size | tokenizers (source / target) |
|---|---|---|---|---|
{rows}

{tests}Regenerate every file here, byte for byte, with:

    {REGENERATE}

The generators know which source word each target word comes from and write that gold
word alignment beside the pairs on request: `<name>.align`, one line per pair in the
same order, Pharaoh format (`i-j` sure and `i?j` possible links between source word `i`
and target word `j`, whitespace-separated words counted from 0).
`keras-attn evaluate MODEL TEST.tsv --alignments TEST.align` scores how well a model's
attention finds them (alignment error rate).

Other sizes or seeds, in Python:

    from keras_attn.datasets import generate, write_dataset, dataset_path
    pairs = generate("dates", count=5000, seed=1)
    write_dataset("numbers", "numbers-small.tsv", count=2000)
    write_dataset("toy_language", "toy.tsv", count=1000, seed=3, alignments=True)  # + toy.align
    dataset_path("toy_language")  # the bundled file

or from the command line: `python -m keras_attn.datasets --help`.
"""


def write_bundled(directory: str | Path | None = None, *, alignments: bool = False
                  ) -> dict[str, Path]:
    """Writes every dataset with its defaults, its card and the README index.

    Datasets with a test set get ``<name>.test.tsv`` and its gold alignments
    ``<name>.test.align`` too; with ``alignments`` every ``<name>.tsv`` gets its
    ``<name>.align``. ``directory`` defaults to the bundled ``assets/datasets``.
    Returns name -> TSV path.
    """
    directory = bundled_dir() if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for name, dataset in DATASETS.items():
        path = write_dataset(name, directory / dataset.filename, card=True,
                             alignments=alignments)
        written[name] = path
        sizes[name] = (dataset.default_count, path.stat().st_size)
        if dataset.test_count:
            test = generate_test(name)
            test_file = directory / dataset.test_filename
            test_file.write_bytes(to_tsv([(s, t) for s, t, _ in test]).encode("utf-8"))
            alignment_path(test_file).write_bytes(to_alignments(test).encode("utf-8"))
    (directory / "README.md").write_bytes(render_index(sizes).encode("utf-8"))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write bundled datasets, or one dataset with another size or seed."""
    parser = argparse.ArgumentParser(
        prog="python -m keras_attn.datasets",
        description="Write the bundled sample datasets (all of them, with cards and index, "
        "when no options are given) or one dataset with another size or seed.",
    )
    parser.add_argument("name", nargs="?", choices=list(DATASETS), help="one dataset")
    parser.add_argument("--count", type=int, help="pairs to make (default: the dataset's)")
    parser.add_argument("--seed", type=int, help="random seed (default: the dataset's)")
    parser.add_argument(
        "--alignments",
        action="store_true",
        help="also write the gold word alignment beside the pairs (<file>.align: one "
        "Pharaoh line per pair, i-j sure and i?j possible links, words counted from 0)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="file or directory to write (default: assets/datasets for all datasets, "
        "<name>.tsv in the current directory for one)",
    )
    args = parser.parse_args(argv)
    if args.count is not None and args.count < 1:
        parser.error(f"--count must be at least 1, got {args.count}")
    if args.name is None:
        if args.count is not None or args.seed is not None:
            parser.error("--count and --seed need a dataset name")
        for path in write_bundled(args.out, alignments=args.alignments).values():
            print(f"wrote {path} ({_size(path.stat().st_size)})")
            if args.alignments:
                print(f"wrote {alignment_path(path)} (gold word alignments)")
        return 0
    out = args.out or Path.cwd() / DATASETS[args.name].filename
    path = write_dataset(args.name, out, args.count, args.seed, alignments=args.alignments)
    print(f"wrote {path} ({_size(path.stat().st_size)})")
    if args.alignments:
        print(f"wrote {alignment_path(path)} (gold word alignments)")
    return 0
