"""The bundled datasets as files: where they are, writing them (pairs, gold alignments).

A dataset is written as a TSV file of ``source<TAB>target`` lines (UTF-8, no header), its
gold word alignment beside it on request (``<stem>.align``, one Pharaoh line per pair),
and, in the bundled folder, its card (:mod:`keras_attn.datasets.cards`).
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence
from pathlib import Path

from keras_attn.datasets._sampling import AlignedPair, Pair
from keras_attn.datasets.cards import render_card, render_index
from keras_attn.datasets.catalog import DATASETS, REGENERATE, generate_test, info


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


def _bundled_file(filename: str) -> Path:
    path = bundled_dir() / filename
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; make it with `{REGENERATE}`")
    return path


def dataset_path(name: str) -> Path:
    """The bundled TSV file of dataset ``name``.

    Raises KeyError for an unknown name and FileNotFoundError when the file is missing.
    """
    return _bundled_file(info(name).filename)


def dataset_test_path(name: str) -> Path:
    """The bundled test set of dataset ``name`` (``<name>.test.tsv``); its gold
    alignments are at ``alignment_path(dataset_test_path(name))``.

    Raises KeyError for an unknown name, ValueError when the dataset has no test set and
    FileNotFoundError when the file is missing.
    """
    dataset = info(name)
    dataset.check_test_set()
    return _bundled_file(dataset.test_filename)


def _in_bundled_dir(path: Path) -> bool:
    return path.resolve().parent == bundled_dir().resolve()


def _write_aligned(path: Path, aligned: Sequence[AlignedPair]) -> bytes:
    """Write the pairs of ``aligned`` to ``path`` and their alignments beside it;
    returns the TSV bytes."""
    data = to_tsv([(source, target) for source, target, _ in aligned]).encode("utf-8")
    path.write_bytes(data)
    alignment_path(path).write_bytes(to_alignments(aligned).encode("utf-8"))
    return data


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
    count, seed = dataset.count_and_seed(count, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    if alignments:
        aligned = dataset.aligned(count, seed)
        pairs = [(source, target) for source, target, _ in aligned]
        data = _write_aligned(path, aligned)
    else:
        pairs = dataset.generator(count, seed)
        data = to_tsv(pairs).encode("utf-8")
        path.write_bytes(data)
    if card if card is not None else _in_bundled_dir(path):
        text = render_card(name, pairs, seed=seed, size_bytes=len(data))
        path.with_suffix(".md").write_bytes(text.encode("utf-8"))
    return path


def write_bundled(
    directory: str | Path | None = None, *, alignments: bool = False
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
        path = write_dataset(name, directory / dataset.filename, card=True, alignments=alignments)
        written[name] = path
        sizes[name] = (dataset.default_count, path.stat().st_size)
        if dataset.test_count:
            _write_aligned(directory / dataset.test_filename, generate_test(name))
    (directory / "README.md").write_bytes(render_index(sizes).encode("utf-8"))
    return written
