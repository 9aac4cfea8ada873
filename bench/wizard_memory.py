"""The app's memory over many training runs of the wizard.

    python bench/wizard_memory.py PAIRS.tsv [--runs 8] [--epochs 2] [--pairs 2000]
    python bench/wizard_memory.py PAIRS.tsv --in-process   # train() in this process

Each run is what the wizard's Train and Finish pages do: the training worker
(:class:`TrainingWorker`, which trains in a process of its own) trains the tiny preset on
the first ``--pairs`` pairs, then the model is saved and the objects of the run before
are collected, as opening the new model in the window does (``settle_memory``). After
each run the resident memory of this process (the app's) is read from /proc. With
``--in-process`` the same configuration is trained by :func:`keras_attn.training.train`
in this process instead, as the wizard did before it trained in a process of its own.

Prints the memory after each run and the growth per run from the second run on (a
least-squares slope); ``--json`` writes them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import add_json_argument, machine, report, rss_mb, slope  # noqa: E402


def settings(epochs: int) -> dict:
    return {
        "train.epochs": epochs,
        "train.batch_size": 32,
        "train.validation_split": 0.1,
        "train.seed": 7,
    }


def worker_run(worker, pairs, folder: Path, out: Path, epochs: int) -> None:
    """One run as the wizard makes it: train in the training process, save, settle."""
    from keras_attn_app import worker_tasks

    choose = {"preset": "tiny", "settings": settings(epochs)}
    request = {
        "choose": choose,
        "pairs": pairs,
        "checkpoint_dir": str(folder),
        "resume": False,
        "device": None,
        "dataset": "bench",
        "run": {"name": out.stem, "data": {"path": "bench"}, "choose": choose},
    }
    outcome: dict = {}
    failures: list[str] = []
    worker.training_done.connect(outcome.update)
    worker.failed.connect(lambda what, message: failures.append(f"{what}: {message}"))
    try:
        worker.train(request)
        if failures or not outcome:
            raise SystemExit("\n".join(failures) or "training ended without an outcome")
        worker.save_model({"path": str(out), "remove_checkpoint": str(folder)})
    finally:
        worker.training_done.disconnect()
        worker.failed.disconnect()
    worker_tasks.settle_memory()


def in_process_run(pairs, epochs: int) -> None:
    """The same configuration trained by train() in this process."""
    import gc

    from keras_attn.config import preset
    from keras_attn.training import train

    config = preset("tiny").replace(**settings(epochs))
    result = train(pairs, config)
    del result
    gc.collect()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a parallel-data file (TSV)")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--in-process", action="store_true", help="train() in this process")
    add_json_argument(parser)
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs must be at least 3 (the growth is measured from the second run)")

    from keras_attn.data import read_parallel

    pairs = read_parallel(args.data).pairs[: args.pairs]
    worker = None
    if not args.in_process:
        from keras_attn_app.wizard.training_worker import TrainingWorker

        worker = TrainingWorker()
    memory, seconds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(1, args.runs + 1):
            start = time.perf_counter()
            if worker is None:
                in_process_run(pairs, args.epochs)
            else:
                worker_run(
                    worker, pairs, Path(tmp) / f"ck{run}", Path(tmp) / f"m{run}.keras", args.epochs
                )
            seconds.append(time.perf_counter() - start)
            memory.append(rss_mb())
            print(f"run {run}: {memory[-1]:.1f} MB after {seconds[-1]:.1f} s", flush=True)
    growth = slope(memory[1:])
    how = "train() in this process" if args.in_process else "the wizard's training process"
    print(
        f"{how}: {memory[0]:.1f} MB after the first run, {memory[-1]:.1f} MB after run "
        f"{args.runs}; {growth:+.2f} MB a run from the second on"
    )
    report(
        {
            "machine": machine(processor=True),
            "mode": "in-process" if args.in_process else "training process",
            "runs": args.runs,
            "epochs": args.epochs,
            "pairs": len(pairs),
            "resident_mb": [round(m, 1) for m in memory],
            "seconds": [round(s, 1) for s in seconds],
            "mb_per_run": round(growth, 2),
        },
        args.json,
        echo=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
