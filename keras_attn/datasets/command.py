"""``python -m keras_attn.datasets``: write the bundled datasets, or one with another
size or seed."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from keras_attn.datasets.cards import size_text
from keras_attn.datasets.catalog import DATASETS
from keras_attn.datasets.files import alignment_path, write_bundled, write_dataset


def _report(path: Path, alignments: bool) -> None:
    print(f"wrote {path} ({size_text(path.stat().st_size)})")
    if alignments:
        print(f"wrote {alignment_path(path)} (gold word alignments)")


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
            _report(path, args.alignments)
        return 0
    out = args.out or Path.cwd() / DATASETS[args.name].filename
    path = write_dataset(args.name, out, args.count, args.seed, alignments=args.alignments)
    _report(path, args.alignments)
    return 0
