"""Time to quality: the TensorFlow tutorial's model and keras-attn's defaults trained in
turns on one corpus, both scored on the held-back pairs every N seconds of training.

    python bench/versus_tutorial.py CORPUS_DIR --quality --time-limit 600 --every 60 \
        [--json F] [--figure F.png]

Two worker processes, one per model, live for the whole run; this module's controller
lets one train for a slice of `--every` seconds of training time, then the other, while
the paused one waits (blocked between two batches, and stopped with SIGSTOP), so both see
the same machine conditions. At the end of each slice the working model scores its
current weights greedily on the test pairs; scoring is not counted as training time. The
curves start with both untrained models scored at 0 s.

* The tutorial's model: `bench/tutorial_reference.py`'s port, built, trained (`fit`:
  epochs of 100 steps, 20 validation batches) and translated (`make_translate`) as the
  tutorial does, on 95% of the training pairs (5% for its validation, seed 0), float32,
  early stopping off unless `--tutorial-early-stopping`.
* keras-attn: the settings `keras-attn train TRAIN --time-limit T` chooses
  (`keras_attn.sizing.choose` through the CLI's own functions), trained by
  `keras_attn.training.train` with its checkpoints; the time limit is kept by this
  module's clock, which leaves out the pauses and the scoring (the configuration's own
  `train.time_limit` would count them). After the last slice, the model `train` returns
  (the best weights by validation accuracy, as the CLI saves it) is scored too.

The clock of each model starts when its training starts: vocabularies and model building
come before it and are reported as `setup_seconds`. keras-attn's clock includes turning
the corpus into token ids, which the tutorial's pipeline does during training.

Scores (`score` in `bench/defaults_quality.py`, the same for both): cased sacreBLEU of
the output as the model writes it against the raw references, chrF, and BLEU in the
tutorial's normalized text space (`bench/quality.py`'s `tutorial_space` applied to both
sides). The report gives, for each metric, the tutorial's best score and its score at the
time limit, and the training seconds each model needs to reach them (interpolated
linearly between scoring points, or "not reached").

This module is the controller and the command line; the parts, one concept a module, are
in `bench/clock/`: `reach` (the scoring points, the seconds to reach a score), `report`
(the printed lines, the figure), `pacer` (a worker's clock and pacing), `tutorial_side`
and `keras_attn_side` (the two workers). Their names are importable from here too.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from clock.keras_attn_side import keras_attn_worker  # noqa: E402
from clock.pacer import Clock, Pacer, open_channel, quiet_sacrebleu  # noqa: E402
from clock.reach import METRICS, NAMES, NOT_REACHED, marks, reach_table, seconds_to_reach  # noqa: E402
from clock.report import draw, point_line, print_reach  # noqa: E402
from clock.tutorial_side import tutorial_worker  # noqa: E402
from common import machine, report  # noqa: E402

__all__ = [
    "METRICS",
    "NAMES",
    "NOT_REACHED",
    "Clock",
    "Pacer",
    "Worker",
    "add_arguments",
    "check_arguments",
    "draw",
    "keras_attn_worker",
    "marks",
    "reach_table",
    "run",
    "seconds_to_reach",
    "tutorial_worker",
    "worker_command",
    "worker_main",
]


# --- the controller -------------------------------------------------------------------


def add_arguments(parser) -> None:
    """The options of the quality mode (`bench/versus_tutorial.py --quality`)."""
    group = parser.add_argument_group("time to quality (--quality)")
    group.add_argument(
        "--quality",
        action="store_true",
        help="train both models in turns on CORPUS_DIR (train.tsv, test.tsv) "
        "and score them every --every seconds",
    )
    group.add_argument(
        "--time-limit", type=float, default=600.0, help="training seconds for each model"
    )
    group.add_argument(
        "--every", type=float, default=60.0, help="training seconds between scorings (a slice)"
    )
    group.add_argument(
        "--max-pairs",
        type=int,
        default=0,
        help="use the first N training pairs only (0: all; for quick checks)",
    )
    group.add_argument(
        "--test-pairs",
        type=int,
        default=0,
        help="score on the first N test pairs only (0: all; for quick checks)",
    )
    group.add_argument(
        "--figure",
        metavar="PNG",
        default="versus_tutorial_quality.png",
        help="where to save the figure of BLEU against training seconds",
    )
    group.add_argument(
        "--tutorial-early-stopping",
        action="store_true",
        help="let the tutorial's model stop after 3 epochs without a better "
        "validation loss, as the tutorial does",
    )


def check_arguments(args) -> tuple[Path, Path]:
    """The corpus's `(train.tsv, test.tsv)`; exits with a message saying what is wrong."""
    corpus = Path(args.data)
    problems = []
    if not corpus.is_dir():
        problems.append(
            f"{corpus}: not a folder (--quality needs a folder holding train.tsv and test.tsv)"
        )
    else:
        problems += [
            f"{corpus / name}: no such file"
            for name in ("train.tsv", "test.tsv")
            if not (corpus / name).is_file()
        ]
    if not args.time_limit > 0:
        problems.append(f"--time-limit: {args.time_limit:g} is not a positive number of seconds")
    if not args.every > 0:
        problems.append(f"--every: {args.every:g} is not a positive number of seconds")
    for option in ("max_pairs", "test_pairs"):
        if getattr(args, option) < 0:
            problems.append(f"--{option.replace('_', '-')}: {getattr(args, option)} is negative")
    if problems:
        raise SystemExit("versus_tutorial.py: error: " + "; ".join(problems))
    return corpus / "train.tsv", corpus / "test.tsv"


class Worker:
    """One model's worker process: JSON lines in on its stdin, out on its stdout."""

    def __init__(self, name: str, command: list[str]):
        self.name = name
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self.stopped = False
        self.active = True

    def send(self, message: dict) -> None:
        self.resume()
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            status = self.process.wait()
            raise SystemExit(
                f"versus_tutorial.py: the {self.name} worker ended (exit status "
                f"{status}) without answering; its messages are above."
            )
        return json.loads(line)

    def pause(self) -> None:
        """Stop the process entirely while the other model trains (it is already blocked
        between two batches, waiting for its next order)."""
        if hasattr(signal, "SIGSTOP") and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGSTOP)
            self.stopped = True

    def resume(self) -> None:
        if self.stopped and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
        self.stopped = False

    def close(self) -> None:
        """End the process if it is still running (after an error)."""
        if self.process.poll() is None:
            self.resume()
            self.process.kill()
            self.process.wait()


def worker_command(name, train, test, args) -> list[str]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "worker",
        name,
        str(train),
        str(test),
        "--time-limit",
        repr(args.time_limit),
        "--max-pairs",
        str(args.max_pairs),
        "--test-pairs",
        str(args.test_pairs),
    ]
    if args.tutorial_early_stopping:
        command.append("--early-stopping")
    return command


def run(args) -> dict:
    """Run the benchmark described by `args` (see :func:`add_arguments`); print progress,
    save the figure, report the JSON (`--json`) and return it."""
    train, test = check_arguments(args)
    points = marks(args.time_limit, args.every)
    workers: dict[str, Worker] = {}
    result = {
        "machine": machine(processor=True),
        "corpus": str(Path(args.data)),
        "time_limit": args.time_limit,
        "every": args.every,
        "max_pairs": args.max_pairs,
        "test_pairs": args.test_pairs,
        "models": {},
    }
    try:
        # One after the other: setting up (vocabularies, model) also runs alone.
        for name in NAMES:
            workers[name] = Worker(name, worker_command(name, train, test, args))
            ready = workers[name].receive()
            workers[name].pause()
            result["models"][name] = {
                **ready["info"],
                "setup_seconds": ready["setup_seconds"],
                "points": [],
            }
            print(
                f"{name:<11} ready: {ready['setup_seconds']:.1f} s of setup; "
                f"{ready['info']['summary']}",
                flush=True,
            )
        for mark in points:
            for name in NAMES:
                worker = workers[name]
                if not worker.active:
                    continue
                worker.send({"train_until": mark})
                message = worker.receive()
                entry = result["models"][name]
                entry["points"].append(message["score"])
                line = point_line(name, message["score"])
                if message["event"] == "done":  # stopped by itself (early stopping)
                    worker.active = False
                    worker.process.wait()
                    entry.update(message["info"])
                    line += f"  (stopped: {message['info']['stop_reason']})"
                else:
                    worker.pause()
                print(line, flush=True)
        for name in NAMES:
            worker = workers[name]
            if worker.active:
                worker.send({"finish": True})
                message = worker.receive()
                result["models"][name].update(message["info"])
                worker.process.wait()
                if "final_model" in message["info"]:
                    print(
                        point_line(
                            f"{name} (model returned by train)", message["info"]["final_model"]
                        ),
                        flush=True,
                    )
    finally:
        for worker in workers.values():
            worker.close()

    curves = {name: result["models"][name]["points"] for name in NAMES}
    for name in NAMES:
        result["models"][name]["curve"] = [
            [p["train_seconds"], p["bleu_cased"], p["bleu_tutorial_space"]] for p in curves[name]
        ]
    result["curve_columns"] = ["train_seconds", "bleu_cased", "bleu_tutorial_space"]
    result["reach"] = reach_table(curves)
    result["figure"] = str(args.figure)
    draw(result, args.figure)
    print_reach(result["reach"])
    report(result, args.json, echo=False)
    return result


def worker_main(argv) -> None:
    parser = argparse.ArgumentParser(description="one model's worker (started by run)")
    parser.add_argument("name", choices=NAMES)
    parser.add_argument("train", type=Path)
    parser.add_argument("test", type=Path)
    parser.add_argument("--time-limit", type=float, required=True)
    parser.add_argument("--max-pairs", type=int, default=0)
    parser.add_argument("--test-pairs", type=int, default=0)
    parser.add_argument("--early-stopping", action="store_true")
    args = parser.parse_args(argv)
    channel = open_channel()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    quiet_sacrebleu()
    if args.name == "tutorial":
        tutorial_worker(args, channel)
    else:
        keras_attn_worker(args, channel)


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker_main(sys.argv[2:])
    else:
        raise SystemExit(
            "usage: python bench/versus_tutorial.py CORPUS_DIR --quality ... "
            "(this module's own entry point runs one model's worker)"
        )
