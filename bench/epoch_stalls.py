"""Where the time between training steps goes: every step, validation and checkpoint of
a run with the CLI's default settings, and the main thread's stack during any stall.

    python bench/epoch_stalls.py [--data TSV] [--architecture transformer] [--epochs 5]
        [--stall 4] [--no-validation-prefetch] [--autotune-thread] [--json F]

Trains on `--data` (the last 1,000 pairs held out for validation, as a user's run would
validate) with the settings `keras_attn.sizing.choose` makes for a 600-s run, but for
`--epochs` epochs without a time limit. A callback marks every step's end, the
validation's start and end and the epoch's end; the checkpoint's save is timed. A
watchdog thread prints the main thread's Python stack once the time since the last step
passes `--stall` seconds. Reports, per epoch: the steps' median and 99th percentile, the
longest wait after a step and where it fell (before the validation, or within the
epoch), the validation's and the checkpoint's seconds; and the seconds `fit` took to
return after its last callback. `--autotune-thread` gives the datasets back tf.data's
autotuning thread (the pipeline before the fix of the stall between epochs, an
experiment).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import TATOEBA_TRAIN, add_json_argument, machine, report  # noqa: E402


class Marks:
    """Timestamped events of the run, and a watchdog for the waits between steps."""

    def __init__(self, stall_seconds: float):
        self.began = time.perf_counter()
        self.events: list[tuple[float, str, int]] = []  # (seconds, kind, epoch)
        self.epoch = 0
        self.stall_seconds = stall_seconds
        self.stacks: list[dict] = []
        self._main = threading.get_ident()

    def mark(self, kind: str) -> None:
        self.events.append((time.perf_counter() - self.began, kind, self.epoch))

    def watch(self) -> None:
        reported = None
        while True:
            time.sleep(0.5)
            if not self.events:
                continue
            at, kind, epoch = self.events[-1]
            waited = time.perf_counter() - self.began - at
            if kind == "step" and waited > self.stall_seconds and reported != at:
                reported = at
                frame = sys._current_frames().get(self._main)
                stack = "".join(traceback.format_stack(frame)[-12:]) if frame else ""
                self.stacks.append({"epoch": epoch + 1, "after_s": round(at, 2), "stack": stack})
                print(f"stall of {waited:.1f} s after a step of epoch {epoch + 1}:\n{stack}")


def summary(marks: Marks) -> list[dict]:
    import numpy as np

    rows = []
    epochs = sorted({epoch for _, _, epoch in marks.events})
    for epoch in epochs:
        events = [(t, kind) for t, kind, e in marks.events if e == epoch]
        steps = [t for t, kind in events if kind == "step"]
        if len(steps) < 2:
            continue
        gaps = np.diff(steps) * 1000
        times = dict((kind, t) for t, kind in events if kind != "step")
        before_validation = times.get("test_begin", steps[-1]) - steps[-1]
        rows.append(
            {
                "epoch": epoch + 1,
                "steps": len(steps),
                "seconds": round(steps[-1] - steps[0], 1),
                "step_median_ms": round(float(np.median(gaps)), 1),
                "step_p99_ms": round(float(np.percentile(gaps, 99)), 1),
                "longest_wait_between_steps_s": round(float(gaps.max()) / 1000, 2),
                "wait_before_validation_s": round(before_validation, 2),
                "validation_s": round(times.get("test_end", 0) - times.get("test_begin", 0), 2),
                "checkpoint_s": round(times.get("save_end", 0) - times.get("save_begin", 0), 2),
            }
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=TATOEBA_TRAIN, help="a TSV of sentence pairs")
    parser.add_argument("--architecture", default="transformer", help="rnn | transformer")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--stall", type=float, default=4.0, help="seconds that make a stall")
    parser.add_argument(
        "--no-validation-prefetch",
        action="store_true",
        help="drop the validation dataset's final prefetch (an experiment)",
    )
    parser.add_argument(
        "--autotune-thread",
        action="store_true",
        help="keep tf.data's autotuning thread in the datasets (an experiment)",
    )
    add_json_argument(parser)
    args = parser.parse_args()

    import keras

    from keras_attn import callbacks as keras_attn_callbacks
    from keras_attn import training
    from keras_attn.data import read_parallel
    from keras_attn.sizing import choose

    marks = Marks(args.stall)

    class Spy(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            marks.epoch = epoch
            marks.mark("epoch_begin")

        def on_train_batch_end(self, batch, logs=None):
            marks.mark("step")

        def on_test_begin(self, logs=None):
            marks.mark("test_begin")

        def on_test_end(self, logs=None):
            marks.mark("test_end")

        def on_epoch_end(self, epoch, logs=None):
            marks.mark("epoch_end")

        def on_train_end(self, logs=None):
            marks.mark("train_end")

    fit = keras.Model.fit

    def spied_fit(model, *fit_args, **options):
        options["callbacks"] = [*(options.get("callbacks") or []), Spy()]
        try:
            return fit(model, *fit_args, **options)
        finally:
            marks.mark("fit_returned")

    keras.Model.fit = spied_fit
    save = keras_attn_callbacks.CheckpointCallback.save

    def timed_save(callback, epochs_done):
        marks.mark("save_begin")
        try:
            return save(callback, epochs_done)
        finally:
            marks.mark("save_end")

    keras_attn_callbacks.CheckpointCallback.save = timed_save
    if args.no_validation_prefetch:
        make_dataset = training.make_dataset

        def without_prefetch(*dataset_args, **options):
            dataset = make_dataset(*dataset_args, **options)
            return getattr(dataset, "_input_dataset", dataset)

        training.make_dataset = without_prefetch
    if args.autotune_thread:
        from keras_attn.text import pipeline

        pipeline.without_autotune_thread = lambda dataset: dataset

    pairs = read_parallel(args.data).pairs
    train_pairs, validation_pairs = pairs[:-1000], pairs[-1000:]
    choice = choose(train_pairs, time_limit=600, settings={"model.architecture": args.architecture})
    config = choice.config.replace(**{"train.epochs": args.epochs, "train.time_limit": 0.0})
    print(choice.explain())
    threading.Thread(target=marks.watch, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        training.train(
            train_pairs, config, validation_pairs=validation_pairs, checkpoint_dir=folder
        )
    rows = summary(marks)
    times = {kind: t for t, kind, _ in marks.events}
    fit_return_s = round(times.get("fit_returned", 0) - times.get("train_end", 0), 2)
    for row in rows:
        print(
            f"epoch {row['epoch']}: {row['steps']} steps in {row['seconds']} s, median "
            f"{row['step_median_ms']} ms, p99 {row['step_p99_ms']} ms; wait before the "
            f"validation {row['wait_before_validation_s']} s, validation "
            f"{row['validation_s']} s, checkpoint {row['checkpoint_s']} s"
        )
    print(f"fit returned {fit_return_s} s after its last callback")
    report(
        {
            "machine": machine(),
            "data": args.data,
            "architecture": args.architecture,
            "validation_prefetch": not args.no_validation_prefetch,
            "autotune_thread": args.autotune_thread,
            "epochs": rows,
            "fit_return_s": fit_return_s,
            "stalls": marks.stacks,
        },
        args.json,
        echo=False,
    )


if __name__ == "__main__":
    main()
