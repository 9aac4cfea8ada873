"""The Markdown cards of the bundled datasets and the index of the folder.

A card says how a file was made, which tokenizers suit it, how its sources are written
and what a trained model's attention should show (the text comes from
:mod:`keras_attn.datasets.catalog`); the index lists every file.
"""

from __future__ import annotations

from collections.abc import Sequence

from keras_attn.datasets._sampling import Pair
from keras_attn.datasets.catalog import DATASETS, REGENERATE, info

EXAMPLES_IN_CARD = 10


def size_text(size_bytes: int) -> str:
    """A file size for people: ``"1.23 MB"`` from a million bytes on, ``"456 kB"`` below."""
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

* **Pairs:** {len(pairs):,} ({size_text(size_bytes)}), one `source<TAB>target` line each,
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
        f"| {sizes[name][0]:,} | {size_text(sizes[name][1])} "
        f"| `{dataset.source_tokenizer}` / `{dataset.target_tokenizer}` |"
        for name, dataset in DATASETS.items()
    )
    tests = "".join(
        f"`{dataset.test_filename}` holds {dataset.test_count:,} test pairs for "
        f"`{dataset.filename}` (seed {dataset.test_seed}, no source of the training file), "
        f"`{dataset.name}.test.align` their gold word alignments.\n\n"
        for dataset in DATASETS.values()
        if dataset.test_count
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
