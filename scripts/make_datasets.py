"""Regenerate every bundled sample dataset in assets/datasets, byte for byte.

    python scripts/make_datasets.py [--alignments] [--out DIR]

Writes <name>.tsv and its card <name>.md for each dataset, the held-out test sets
(<name>.test.tsv with their gold word alignments <name>.test.align) of the datasets that
have one, and the README.md index. The files depend only on the generators in
keras_attn/datasets and their default seeds, and tests/test_datasets.py checks that the
bundled files equal what those generators make. With --alignments, every <name>.tsv also
gets its gold word alignment <name>.align (Pharaoh format, one line per pair).
Other sizes or seeds: ``python -m keras_attn.datasets NAME --count N --seed S --out FILE
[--alignments]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keras_attn.datasets.registry import DATASETS, alignment_path, write_bundled  # noqa: E402


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv=None) -> int:
    """Writes all bundled datasets, their cards, test sets and the index; prints what it
    wrote."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--alignments",
        action="store_true",
        help="also write <name>.align, the gold word alignment of each file",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "assets" / "datasets",
        help="directory to write (default: assets/datasets)",
    )
    args = parser.parse_args(argv)
    directory = args.out
    for name, path in write_bundled(directory, alignments=args.alignments).items():
        print(f"wrote {_shown(path)} ({path.stat().st_size:,} bytes)")
        if args.alignments:
            print(f"wrote {_shown(alignment_path(path))}")
        dataset = DATASETS[name]
        if dataset.test_count:
            test = directory / dataset.test_filename
            print(
                f"wrote {_shown(test)} and {alignment_path(test).name} "
                f"({dataset.test_count:,} test pairs)"
            )
    print(f"wrote {_shown(directory / 'README.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
