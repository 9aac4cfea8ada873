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

This module gathers the names of :mod:`~keras_attn.datasets.catalog` (the table of
datasets and making their pairs), :mod:`~keras_attn.datasets.files` (paths and writing),
:mod:`~keras_attn.datasets.cards` (the Markdown cards) and
:mod:`~keras_attn.datasets.command` (the command line), so that
``keras_attn.datasets.registry.<name>`` keeps working.
"""

from __future__ import annotations

from keras_attn.datasets.cards import EXAMPLES_IN_CARD, render_card, render_index
from keras_attn.datasets.catalog import (
    DATASETS,
    DATES,
    NUMBERS,
    REGENERATE,
    TOY_LANGUAGE,
    TOY_LANGUAGE_LONG,
    DatasetInfo,
    generate,
    generate_aligned,
    generate_test,
    info,
)
from keras_attn.datasets.command import main
from keras_attn.datasets.files import (
    alignment_path,
    bundled_dir,
    dataset_path,
    dataset_test_path,
    to_alignments,
    to_tsv,
    write_bundled,
    write_dataset,
)

__all__ = [
    "DATASETS",
    "DATES",
    "EXAMPLES_IN_CARD",
    "NUMBERS",
    "REGENERATE",
    "TOY_LANGUAGE",
    "TOY_LANGUAGE_LONG",
    "DatasetInfo",
    "alignment_path",
    "bundled_dir",
    "dataset_path",
    "dataset_test_path",
    "generate",
    "generate_aligned",
    "generate_test",
    "info",
    "main",
    "render_card",
    "render_index",
    "to_alignments",
    "to_tsv",
    "write_bundled",
    "write_dataset",
]
