"""Bundled sample datasets, made by seeded generators in this package (no outside data).

* ``dates``: dates written in many human formats -> ISO 8601 (char / char tokenizers);
* ``numbers``: English number words -> digits (word / char);
* ``toy_language``: English -> Zelan, a made-up subject-object-verb language (word / word);
* ``toy_language_long``: the same with sentences of 2 to 50 words (word / word), and a
  held-out test set.

Each generator also knows its gold word alignment (:func:`generate_aligned`,
``write_dataset(..., alignments=True)``): Pharaoh lines, ``i-j`` sure, ``i?j`` possible.

>>> from keras_attn.datasets import DATASETS, generate, dataset_path
>>> generate("numbers", count=2, seed=0)
[('seven thousand eight hundred and ninety', '7890'), ('seventy-three thousand six hundred and ninety-one', '73691')]

Only the Python standard library is used, so importing this package is cheap.

Modules: :mod:`~keras_attn.datasets.catalog` (what each dataset is, making its pairs),
:mod:`~keras_attn.datasets.files` (paths, writing), :mod:`~keras_attn.datasets.cards`
(the Markdown cards), :mod:`~keras_attn.datasets.command` (``python -m
keras_attn.datasets``), one generator module per dataset (``dates``, ``numbers``,
``toy_language`` with ``zelan_lexicon`` and ``zelan_grammar``);
:mod:`~keras_attn.datasets.registry` gathers the names of the first four.
"""

from keras_attn.datasets.registry import (
    DATASETS,
    DatasetInfo,
    alignment_path,
    bundled_dir,
    dataset_path,
    dataset_test_path,
    generate,
    generate_aligned,
    generate_test,
    info,
    main,
    to_alignments,
    to_tsv,
    write_bundled,
    write_dataset,
)

__all__ = [
    "DATASETS",
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
    "to_alignments",
    "to_tsv",
    "write_bundled",
    "write_dataset",
]
