"""Regenerate every bundled sample dataset in assets/datasets, byte for byte.

    python scripts/make_datasets.py

Writes <name>.tsv and its card <name>.md for each dataset, and the README.md index. The
files depend only on the generators in keras_attn/datasets and their default seeds, and
tests/test_datasets.py checks that the bundled files equal what those generators make.
Other sizes or seeds: ``python -m keras_attn.datasets NAME --count N --seed S --out FILE``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keras_attn.datasets.registry import write_bundled  # noqa: E402


def main() -> int:
    """Writes all bundled datasets, their cards and the index; prints what it wrote."""
    directory = ROOT / "assets" / "datasets"
    for path in write_bundled(directory).values():
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    print(f"wrote {(directory / 'README.md').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
