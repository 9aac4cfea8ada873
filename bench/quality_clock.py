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
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from common import machine, report  # noqa: E402

NAMES = ("tutorial", "keras-attn")
METRICS = ("bleu_tutorial_space", "bleu_cased")
NOT_REACHED = "not reached"


# --- the controller -------------------------------------------------------------------


def add_arguments(parser) -> None:
    """The options of the quality mode (`bench/versus_tutorial.py --quality`)."""
    group = parser.add_argument_group("time to quality (--quality)")
    group.add_argument("--quality", action="store_true",
                       help="train both models in turns on CORPUS_DIR (train.tsv, test.tsv) "
                            "and score them every --every seconds")
    group.add_argument("--time-limit", type=float, default=600.0,
                       help="training seconds for each model")
    group.add_argument("--every", type=float, default=60.0,
                       help="training seconds between scorings (a slice)")
    group.add_argument("--max-pairs", type=int, default=0,
                       help="use the first N training pairs only (0: all; for quick checks)")
    group.add_argument("--test-pairs", type=int, default=0,
                       help="score on the first N test pairs only (0: all; for quick checks)")
    group.add_argument("--figure", metavar="PNG", default="versus_tutorial_quality.png",
                       help="where to save the figure of BLEU against training seconds")
    group.add_argument("--tutorial-early-stopping", action="store_true",
                       help="let the tutorial's model stop after 3 epochs without a better "
                            "validation loss, as the tutorial does")


def check_arguments(args) -> tuple[Path, Path]:
    """The corpus's `(train.tsv, test.tsv)`; exits with a message saying what is wrong."""
    corpus = Path(args.data)
    problems = []
    if not corpus.is_dir():
        problems.append(f"{corpus}: not a folder (--quality needs a folder holding "
                        "train.tsv and test.tsv)")
    else:
        problems += [f"{corpus / name}: no such file" for name in ("train.tsv", "test.tsv")
                     if not (corpus / name).is_file()]
    if not args.time_limit > 0:
        problems.append(f"--time-limit: {args.time_limit:g} is not a positive number of seconds")
    if not args.every > 0:
        problems.append(f"--every: {args.every:g} is not a positive number of seconds")
    for option in ("max_pairs", "test_pairs"):
        if getattr(args, option) < 0:
            problems.append(f"--{option.replace('_', '-')}: {getattr(args, option)} is "
                            "negative")
    if problems:
        raise SystemExit("versus_tutorial.py: error: " + "; ".join(problems))
    return corpus / "train.tsv", corpus / "test.tsv"


def marks(time_limit: float, every: float) -> list[float]:
    """The training seconds at which both models are scored: 0, every, 2 every, ... and
    the time limit itself."""
    points = [0.0]
    k = 1
    while k * every < time_limit - 1e-9:
        points.append(round(k * every, 6))
        k += 1
    points.append(float(time_limit))
    return points


def seconds_to_reach(curve, target: float, key: str):
    """The training seconds at which `curve` (points with ``train_seconds`` and `key`)
    first reaches `target`, interpolated linearly between the two scoring points around
    it; None when it never does."""
    previous = None
    for point in curve:
        if point[key] >= target:
            if previous is None:
                return point["train_seconds"]
            t0, s0 = previous["train_seconds"], previous[key]
            t1, s1 = point["train_seconds"], point[key]
            return t0 + (target - s0) / (s1 - s0) * (t1 - t0)
        previous = point
    return None


def reach_table(curves: dict) -> dict:
    """For each metric: the tutorial's best score (and the training seconds of the point
    where it scored it), both models' scores at the time limit, and the training
    seconds each model needs to reach the tutorial's best score and the tutorial's
    score at the time limit ("not reached" when it never does)."""
    table = {}
    tutorial = curves["tutorial"]
    for key in METRICS:
        best = max(tutorial, key=lambda point: point[key])
        targets = {"tutorial_best": best[key], "tutorial_at_time_limit": tutorial[-1][key]}
        entry = {"tutorial_best": best[key], "tutorial_best_at": best["train_seconds"],
                 "at_time_limit": {model: curves[model][-1][key] for model in NAMES}}
        for name, value in targets.items():
            seconds = {model: seconds_to_reach(curves[model], value, key) for model in NAMES}
            entry[f"seconds_to_{name}"] = {
                model: NOT_REACHED if value is None else round(value, 1)
                for model, value in seconds.items()}
        table[key] = entry
    return table


class Worker:
    """One model's worker process: JSON lines in on its stdin, out on its stdout."""

    def __init__(self, name: str, command: list[str]):
        self.name = name
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env)
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
            raise SystemExit(f"versus_tutorial.py: the {self.name} worker ended (exit status "
                             f"{status}) without answering; its messages are above.")
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
    command = [sys.executable, str(Path(__file__).resolve()), "worker", name, str(train),
               str(test), "--time-limit", repr(args.time_limit),
               "--max-pairs", str(args.max_pairs), "--test-pairs", str(args.test_pairs)]
    if args.tutorial_early_stopping:
        command.append("--early-stopping")
    return command


def run(args) -> dict:
    """Run the benchmark described by `args` (see :func:`add_arguments`); print progress,
    save the figure, report the JSON (`--json`) and return it."""
    train, test = check_arguments(args)
    points = marks(args.time_limit, args.every)
    workers: dict[str, Worker] = {}
    result = {"machine": machine(processor=True), "corpus": str(Path(args.data)),
              "time_limit": args.time_limit, "every": args.every,
              "max_pairs": args.max_pairs, "test_pairs": args.test_pairs, "models": {}}
    try:
        # One after the other: setting up (vocabularies, model) also runs alone.
        for name in NAMES:
            workers[name] = Worker(name, worker_command(name, train, test, args))
            ready = workers[name].receive()
            workers[name].pause()
            result["models"][name] = {**ready["info"], "setup_seconds": ready["setup_seconds"],
                                      "points": []}
            print(f"{name:<11} ready: {ready['setup_seconds']:.1f} s of setup; "
                  f"{ready['info']['summary']}", flush=True)
        for mark in points:
            for name in NAMES:
                worker = workers[name]
                if not worker.active:
                    continue
                worker.send({"train_until": mark})
                message = worker.receive()
                entry = result["models"][name]
                entry["points"].append(message["score"])
                line = _point_line(name, message["score"])
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
                    print(_point_line(f"{name} (model returned by train)",
                                      message["info"]["final_model"]), flush=True)
    finally:
        for worker in workers.values():
            worker.close()

    curves = {name: result["models"][name]["points"] for name in NAMES}
    for name in NAMES:
        result["models"][name]["curve"] = [
            [p["train_seconds"], p["bleu_cased"], p["bleu_tutorial_space"]]
            for p in curves[name]]
    result["curve_columns"] = ["train_seconds", "bleu_cased", "bleu_tutorial_space"]
    result["reach"] = reach_table(curves)
    result["figure"] = str(args.figure)
    draw(result, args.figure)
    _print_reach(result["reach"])
    report(result, args.json, echo=False)
    return result


def _point_line(name, point) -> str:
    return (f"{name:<11} {point['train_seconds']:7.1f} s trained  BLEU cased "
            f"{point['bleu_cased']:6.2f}  tutorial space {point['bleu_tutorial_space']:6.2f}  "
            f"chrF {point['chrf']:6.2f}  (scored in {point['score_seconds']:.1f} s)")


def _print_reach(reach) -> None:
    for key, entry in reach.items():
        print(f"\n{key}: the tutorial's best {entry['tutorial_best']:.2f} (at "
              f"{entry['tutorial_best_at']:.1f} s)")
        for model in NAMES:
            best = entry["seconds_to_tutorial_best"][model]
            limit = entry["seconds_to_tutorial_at_time_limit"][model]
            print(f"  {model:<11} {entry['at_time_limit'][model]:6.2f} at the time limit; "
                  f"reaches the tutorial's best after {_seconds(best)}, the tutorial's score "
                  f"at the time limit after {_seconds(limit)}")


def _seconds(value) -> str:
    return value if isinstance(value, str) else f"{value:.1f} s"


def draw(result: dict, path) -> None:
    """BLEU against training seconds, both models and both metrics on one axis, saved
    as a PNG at `path`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    colors = {"tutorial": "tab:orange", "keras-attn": "tab:blue"}
    labels = {"tutorial": "TensorFlow tutorial's model", "keras-attn": "keras-attn defaults"}
    figure = Figure(figsize=(8, 6.5), layout="constrained")
    axes = figure.add_subplot()
    for name in NAMES:
        points = result["models"][name]["points"]
        seconds = [p["train_seconds"] for p in points]
        axes.plot(seconds, [p["bleu_tutorial_space"] for p in points], "o-",
                  color=colors[name], label=f"{labels[name]}: BLEU, tutorial's text space")
        axes.plot(seconds, [p["bleu_cased"] for p in points], "s--", color=colors[name],
                  alpha=0.6, markersize=4, label=f"{labels[name]}: BLEU, cased, raw references")
    reach = result["reach"]["bleu_tutorial_space"]
    axes.axhline(reach["tutorial_best"], color="gray", linestyle=":", linewidth=1,
                 label=f"tutorial's best, its text space ({reach['tutorial_best']:.2f})")
    ours = reach["seconds_to_tutorial_best"]["keras-attn"]
    if not isinstance(ours, str):
        axes.plot([ours], [reach["tutorial_best"]], "*", color=colors["keras-attn"],
                  markersize=14, label=f"keras-attn reaches it at {ours:.0f} s")
    axes.set_xlabel("training seconds (pauses and scoring not counted)")
    axes.set_ylabel(f"greedy BLEU on {result['models']['keras-attn']['test_pairs']} test pairs")
    axes.set_title(f"Time to quality on {Path(result['corpus']).name} "
                   f"({result['models']['keras-attn']['train_pairs']:,} training pairs)")
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    figure.savefig(path, dpi=110)


# --- the workers ----------------------------------------------------------------------


class Clock:
    """Training seconds: time since `start`, less the pauses."""

    def __init__(self):
        self.started = None
        self.paused_at = None
        self.paused_total = 0.0

    def start(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        if self.started is None:
            return 0.0
        now = self.paused_at if self.paused_at is not None else time.perf_counter()
        return now - self.started - self.paused_total

    def pause(self) -> None:
        if self.started is not None:
            self.paused_at = time.perf_counter()

    def resume(self) -> None:
        if self.paused_at is not None:
            self.paused_total += time.perf_counter() - self.paused_at
        self.paused_at = None


class Pacer:
    """Between two batches, keeps a model training until its slice is used up, then
    scores it, reports the score and waits for the controller's next order.

    Orders (one JSON line on stdin): ``{"train_until": SECONDS}`` or ``{"finish": true}``.
    Messages (one JSON line on the channel): ``ready``, ``score`` and ``done`` events.
    """

    def __init__(self, channel, score):
        self.channel = channel
        self.score = score  # () -> dict of scores
        self.clock = Clock()
        self.until = None  # training seconds of the slice's end (None: no order yet)
        self.finished = False

    def send(self, message: dict) -> None:
        self.channel.write(json.dumps(message) + "\n")
        self.channel.flush()

    def scored(self) -> dict:
        """The current weights' scores, at the current training seconds."""
        train_seconds = self.clock.seconds()
        started = time.perf_counter()
        scores = self.score()
        return {"train_seconds": round(train_seconds, 2), **scores,
                "score_seconds": round(time.perf_counter() - started, 1)}

    def between_batches(self) -> bool:
        """True when training should stop (the controller said finish)."""
        if self.finished:
            return True
        while self.until is None or self.clock.seconds() >= self.until:
            if self.until is not None:  # the slice is used up
                self.clock.pause()
                self.send({"event": "score", "score": self.scored()})
            order = json.loads(sys.stdin.readline() or '{"finish": true}')
            self.clock.resume()
            if order.get("finish"):
                self.finished = True
                return True
            self.until = float(order["train_until"])
        return False

    def done(self, info: dict) -> None:
        """Training has ended: report `info`; when it ended by itself (early stopping)
        before the controller said finish, with the final weights' scores as the curve's
        last point."""
        message = {"event": "done", "info": info}
        if not self.finished:
            message["score"] = self.scored()
        self.send(message)


def _channel():
    """The controller's channel (this process's stdout); anything else written to
    stdout (Keras, TensorFlow) goes to stderr instead."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def _read(path, limit):
    from keras_attn.data import read_parallel

    pairs = read_parallel(path).pairs
    return pairs[:limit] if limit else pairs


def _scorer(translate, test):
    from defaults_quality import score

    sources = [s for s, _ in test]
    references = [t for _, t in test]

    def scores():
        return score(translate(sources), references)

    return scores


def tutorial_worker(args, channel) -> None:
    import keras
    import tutorial_reference as tutorial

    from keras_attn.data import split_pairs

    started = time.perf_counter()
    pairs = _read(args.train, args.max_pairs)
    test = _read(args.test, args.test_pairs)
    train_pairs, valid_pairs, _ = split_pairs(pairs, validation=0.05, seed=0)
    model, source_vec, target_vec, process = tutorial.build(train_pairs)
    ds, valid = tutorial.datasets(train_pairs, valid_pairs, process)
    (context, target_in), _ = next(iter(ds))
    model((context, target_in))  # built, as the tutorial does before training
    pacer = Pacer(channel, _scorer(tutorial.make_translate(model, source_vec, target_vec), test))
    info = {"summary": "bi-GRU 256 summed, single-head attention, word vocabularies of "
                       "5,000, batch 64, float32, Adam" +
                       (", early stopping (patience 3)" if args.early_stopping else ""),
            "train_pairs": len(train_pairs), "validation_pairs": len(valid_pairs),
            "test_pairs": len(test), "params": model.count_params(), "precision": "float32"}
    pacer.send({"event": "ready", "setup_seconds": round(time.perf_counter() - started, 1),
                "info": info})

    class Slices(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if pacer.between_batches():
                self.model.stop_training = True

    if not pacer.between_batches():
        callbacks = [Slices()]
        if args.early_stopping:
            callbacks.append(keras.callbacks.EarlyStopping(patience=3))
        pacer.clock.start()
        history = tutorial.fit(model, ds, valid, callbacks, verbose=0)
        info = {"epochs": len(history.history["loss"]),
                "steps": int(model.optimizer.iterations.numpy()),
                "stop_reason": "time limit" if pacer.finished else "early stopping"}
    else:
        info = {"epochs": 0, "steps": 0, "stop_reason": "time limit"}
    pacer.done(info)


def keras_attn_worker(args, channel) -> None:
    import shutil
    import tempfile

    from keras_attn.commands.train import add_parser, config_from_args, settings_from_args
    from keras_attn.data import split_pairs
    from keras_attn.evaluation import translate_batch

    started = time.perf_counter()
    # The command line `keras-attn train TRAIN --time-limit T [--max-pairs N]`, read by
    # the CLI's own parser and turned into settings by its own functions.
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    line = ["train", str(args.train), "--out", "unused.keras", "--time-limit",
            repr(args.time_limit)]
    if args.max_pairs:
        line += ["--max-pairs", str(args.max_pairs)]
    cli = parser.parse_args(line)
    settings, early = settings_from_args(cli)
    pairs = _read(args.train, early.train.max_pairs)
    test = _read(args.test, args.test_pairs)
    train_pairs, val_pairs, _ = split_pairs(pairs, validation=early.train.validation_split,
                                            test=0.0, seed=early.train.seed)
    choice = config_from_args(cli, train_pairs, settings)
    if choice.config.train.strategy != "none":
        raise SystemExit(f"keras-attn worker: strategy {choice.config.train.strategy!r}: "
                         "the benchmark scores the model it built, which a strategy copies")
    # The time limit is kept by the pacer's clock, which leaves out pauses and scoring.
    config = choice.config.replace(**{"train.time_limit": 0.0})

    from keras_attn import device, training

    model = training.build_model(config, train_pairs)  # what `train` builds first

    def translate(sentences):
        return [options[0].text for options in translate_batch(model, sentences)]

    pacer = Pacer(channel, _scorer(translate, test))
    info = {"summary": choice.summary().removeprefix("using: "),
            "choice": choice.explain().splitlines(), "preset": choice.preset,
            "train_pairs": len(train_pairs), "validation_pairs": len(val_pairs),
            "test_pairs": len(test), "params": model.count_params(),
            "precision": device.resolve_precision(config.train.precision)}
    pacer.send({"event": "ready", "setup_seconds": round(time.perf_counter() - started, 1),
                "info": info})

    epochs = []

    def on_progress(event):
        if event["kind"] == "epoch":
            epochs.append({key: event[key] for key in ("epoch", "loss", "accuracy", "val_loss",
                                                       "val_accuracy", "complete")}
                          | {"train_seconds": round(pacer.clock.seconds(), 1)})

    if pacer.between_batches():
        pacer.done({"epochs": 0, "stop_reason": "time limit"})
        return
    checkpoints = tempfile.mkdtemp(prefix="quality-clock-")
    try:
        pacer.clock.start()
        result = training.train(train_pairs, config, validation_pairs=val_pairs,
                                on_progress=on_progress, should_stop=pacer.between_batches,
                                checkpoint_dir=checkpoints, model=model)
    finally:
        shutil.rmtree(checkpoints, ignore_errors=True)
    if result.model is not model:
        raise SystemExit("keras-attn worker: training returned another model than the one "
                         "scored during training")
    info = {"epochs": result.epochs_done, "best_epoch": result.best_epoch,
            "stop_reason": "time limit" if pacer.finished else result.stop_reason,
            "epoch_log": epochs,
            "steps": int(model.optimizer.iterations.numpy())}
    if pacer.finished:
        # What the CLI would save: the best weights by validation accuracy.
        info["final_model"] = pacer.scored()
    pacer.done(info)


def _quiet() -> None:
    """Silence sacrebleu's warning that the tutorial's output looks tokenized: it is,
    that is how the model writes it, and the cased score measures it as it is."""
    import logging

    logging.getLogger("sacrebleu").setLevel(logging.ERROR)


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
    channel = _channel()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _quiet()
    if args.name == "tutorial":
        tutorial_worker(args, channel)
    else:
        keras_attn_worker(args, channel)


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker_main(sys.argv[2:])
    else:
        raise SystemExit("usage: python bench/versus_tutorial.py CORPUS_DIR --quality ... "
                         "(this module's own entry point runs one model's worker)")
