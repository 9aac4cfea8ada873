"""Training throughput of every preset with every tokenizer, one process each.

    python bench/train_speed_matrix.py ../shared/data/tatoeba_deu_eng/train.tsv \
        [--steps 60] [--presets tiny small base] [--tokenizers word subword char] [--json F]

Runs `bench/train_speed.py` for each combination (the same tokenizer on both sides,
the preset's own vocabulary size and batch) and prints target tokens/s, steps/s,
parameters and peak resident memory as a table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common import add_json_argument, machine, report, run_json

from keras_attn.config import TOKENIZER_KINDS

HERE = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--presets", nargs="+", default=["tiny", "small", "base"])
    parser.add_argument("--tokenizers", nargs="+", default=list(TOKENIZER_KINDS))
    add_json_argument(parser)
    args = parser.parse_args()
    rows = []
    print(f"{'preset':<8}{'tokenizer':<10}{'params':>11}{'tok/s':>9}{'steps/s':>9}{'peak MB':>9}")
    for preset in args.presets:
        for tokenizer in args.tokenizers:
            command = [
                sys.executable,
                str(HERE / "train_speed.py"),
                args.data,
                "--preset",
                preset,
                "--steps",
                str(args.steps),
                "--set",
                f"source.tokenizer={tokenizer}",
                "--set",
                f"target.tokenizer={tokenizer}",
            ]
            result = run_json(command)
            row = {
                "preset": preset,
                "tokenizer": tokenizer,
                "params": result["params"],
                "tokens_per_second": result["target_tokens_per_second"],
                "steps_per_second": result["steps_per_second"],
                "peak_memory_mb": result["peak_memory_mb"],
            }
            rows.append(row)
            print(
                f"{preset:<8}{tokenizer:<10}{row['params']:>11,}{row['tokens_per_second']:>9,.0f}"
                f"{row['steps_per_second']:>9.2f}{row['peak_memory_mb']:>9,}",
                flush=True,
            )
    report(
        {"machine": machine(), "data": args.data, "steps": args.steps, "rows": rows},
        args.json,
        echo=False,
    )


if __name__ == "__main__":
    main()
