"""Training speed and time to quality of keras-attn against the tutorial's model.

    python bench/versus_tutorial.py ../shared/data/tatoeba_deu_eng/train.tsv \
        [--steps 100] [--rounds 2] [--settings 64:float32 256:mixed_bfloat16] [--json FILE]
    python bench/versus_tutorial.py ../shared/data/tatoeba_deu_eng --quality \
        --time-limit 600 --every 60 [--json FILE] [--figure FILE.png]

Runs `bench/tutorial_reference.py` and `bench/train_speed.py` (the `base` preset with a
5,000-token vocabulary on both sides: the tutorial's size) one after the other, each in
its own process, for batch 64 and 256, float32 and mixed_bfloat16, alternating the two
models for `--rounds` rounds; prints the median target tokens/s of each setting and its
ratio to the tutorial's model at batch 64, float32 (the reference setting).

With `--quality`, DATA is a corpus folder (train.tsv, test.tsv): the tutorial's model
and keras-attn's defaults train in turns, slices of `--every` training seconds each, up
to `--time-limit`, and both are scored on the test pairs after every slice; the JSON
holds both curves and the training seconds each model needs to reach the tutorial's
best score, and a figure of BLEU against training seconds is saved (see
`bench/quality_clock.py`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import quality_clock
from common import add_json_argument, machine, report, run_json

HERE = Path(__file__).resolve().parent
SETTINGS = [(64, "float32"), (64, "mixed_bfloat16"), (256, "float32"), (256, "mixed_bfloat16")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "data", help="the training file (with --quality: a folder holding train.tsv and test.tsv)"
    )
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--settings",
        nargs="+",
        default=[f"{batch}:{precision}" for batch, precision in SETTINGS],
        metavar="BATCH:PRECISION",
        help="the settings to measure (default: all four); 64:float32, the reference, "
        "is always measured",
    )
    add_json_argument(parser)
    quality_clock.add_arguments(parser)
    args = parser.parse_args()
    if args.quality:
        quality_clock.run(args)
        return

    settings = [(64, "float32")]
    for item in args.settings:
        batch, _, precision = item.partition(":")
        if (int(batch), precision) not in settings:
            settings.append((int(batch), precision))
    results = {}
    for _ in range(args.rounds):
        for batch, precision in settings:
            tutorial = [
                sys.executable,
                str(HERE / "tutorial_reference.py"),
                args.data,
                "--steps",
                str(args.steps),
                "--batch-size",
                str(batch),
                "--precision",
                precision,
            ]
            ours = [
                sys.executable,
                str(HERE / "train_speed.py"),
                args.data,
                "--preset",
                "base",
                "--steps",
                str(args.steps),
                "--batch-size",
                str(batch),
                "--precision",
                precision,
                "--set",
                "source.vocab_size=5000",
                "--set",
                "target.vocab_size=5000",
            ]
            for name, command in (("tutorial", tutorial), ("keras-attn", ours)):
                value = run_json(command)["target_tokens_per_second"]
                results.setdefault(f"{name} batch {batch} {precision}", []).append(value)
                print(f"{name:<11} batch {batch:<4} {precision:<15} {value:8.0f} tok/s", flush=True)
    reference = statistics.median(results["tutorial batch 64 float32"])
    table = {
        key: {
            "tokens_per_second": round(statistics.median(values)),
            "runs": [round(v) for v in values],
            "ratio": round(statistics.median(values) / reference, 2),
        }
        for key, values in results.items()
    }
    print(f"\n{'setting':<40}{'tok/s':>8}{'ratio':>8}")
    for key, row in table.items():
        print(f"{key:<40}{row['tokens_per_second']:>8}{row['ratio']:>8.2f}")
    report(
        {"machine": machine(), "data": args.data, "steps": args.steps, "results": table},
        args.json,
        echo=False,
    )


if __name__ == "__main__":
    main()
