"""Memory over a long training run: the process's resident memory after every epoch.

    python bench/memory_growth.py ../shared/data/tatoeba_deu_eng/train.tsv \
        [--preset small] [--pairs 5000] [--epochs 20] [--json FILE]

Trains through `keras_attn.training.train` as the CLI does (validation every epoch,
checkpoints every epoch, best weights kept), reads the resident set size (VmRSS) at the
end of every epoch, and reports the growth per epoch: the least-squares slope over the
epochs after the second (the first epochs trace graphs and fill caches), in MB per epoch.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from common import add_json_argument, machine, report, rss_mb, slope


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=20)
    add_json_argument(parser)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import keras_attn  # noqa: F401
    from keras_attn.config import preset
    from keras_attn.data import read_parallel, split_pairs
    from keras_attn.training import train

    pairs = read_parallel(args.data).pairs[: args.pairs]
    train_pairs, valid_pairs, _ = split_pairs(pairs, validation=0.1, seed=0)
    config = preset(args.preset).replace(
        **{"train.epochs": args.epochs, "train.patience": args.epochs}
    )
    memory = []

    def on_progress(event):
        if event["kind"] == "epoch":
            memory.append(round(rss_mb(), 1))
            print(
                f"epoch {event['epoch']:>3}: {memory[-1]:8.1f} MB "
                f"(val_loss {event.get('val_loss', float('nan')):.3f})",
                flush=True,
            )

    before = rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        result = train(
            train_pairs,
            config,
            validation_pairs=valid_pairs,
            on_progress=on_progress,
            checkpoint_dir=folder,
        )
    growth = slope(memory[2:])
    summary = {
        "machine": machine(),
        "data": args.data,
        "preset": args.preset,
        "pairs": len(pairs),
        "epochs": result.epochs_done,
        "rss_before_mb": round(before, 1),
        "rss_per_epoch_mb": memory,
        "growth_mb_per_epoch_after_epoch_2": round(growth, 2),
        "rss_last_minus_epoch_3_mb": round(memory[-1] - memory[2], 1) if len(memory) > 2 else None,
    }
    report(summary, args.json)


if __name__ == "__main__":
    main()
