"""The wizard's training run, in a process of its own.

What runs where. The wizard's worker (:class:`.training_worker.TrainingWorker`, on its
thread in the app's process) starts this process for each run, with ``multiprocessing``'s
"spawn" start (a fresh Python, the same on Linux, macOS and Windows), sends it the request
and the sentence pairs (:func:`send_request`), and turns what it hears back into the
worker's signals. This process (:func:`main`, then :class:`Training`) chooses the
configuration (:func:`.config_choice.choose_config`, unless the worker sends the choice it
already made for this request), builds the model or resumes the checkpoint, trains with
:func:`keras_attn.training.train` into the checkpoint folder, reports each finished epoch
(samples, BLEU, attention), saves the trained model as :data:`.checkpoints.TRAINED_FILE`
beside the checkpoint, says so, and ends.

Why. Training is Python work as well as TensorFlow's: Keras's loop, writing each
checkpoint, checking the weights for NaN, the epoch reports. Inside the app's process it
held the interpreter lock the window needs (docs/RELIABILITY.md, "The window while
working"); here it holds a lock of its own. And TensorFlow keeps part of what each run
traces (about 50 MB a run, "Still not handled" there); the memory goes back when the
process ends.

The channel is one ``multiprocessing`` pipe: first the request, then the pairs in chunks
(so that the worker's thread never holds the interpreter lock long while they are
pickled), then this process's events back, ``(kind, payload)`` pairs: ``training_started``,
``progress``, ``epoch_done``, ``paused``, ``training_done``, ``failed`` (the message for
people) and ``log`` (a record of this process's logging, for the app's loggers). A pipe
rather than a queue: when this process dies in the middle of a message, the worker reads
the end of the pipe instead of waiting for the rest of it.

Steering (:class:`Controls`): a stop flag and a running flag in shared memory, set by the
worker from any thread and read here after every batch (:meth:`Training.should_stop`); a
pause waits here, never in the app. When the app's process ends, killed too, a thread here
sees it (:func:`multiprocessing.parent_process`) and ends this process at once. What a
run writes while it trains is replaced in one rename each time (the checkpoint, the epoch
reports, the trained model), so ending anywhere loses at most the epoch in progress, as
killing the app did when training ran inside it.

Nothing here imports Qt; TensorFlow is imported in this process only.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import multiprocessing
import multiprocessing.connection
import os
import sys
import threading
import time
from pathlib import Path

from ..messages import describe
from ..worker_tasks import freeze_survivors, leave_a_core_to_the_window
from .checkpoints import TRAINED_FILE, read_epochs, start_over, write_epochs, write_run
from .config_choice import choose_config, describe_choice

log = logging.getLogger(__name__)

SAMPLE_SENTENCES = 8  # validation sentences translated after each epoch
BLEU_PAIRS = 200  # validation pairs scored with BLEU after each epoch
PROGRESS_INTERVAL = 0.1  # seconds between two progress reports, at least
PAIRS_CHUNK = 2000  # pairs a message when the pairs are sent (a few ms of pickling)
PAUSE_POLL = 0.05  # seconds between two looks at the running flag while paused
EXIT_PARENT_GONE = 3  # this process's exit code when the app's process has ended
#: The training process's niceness above the app's: when the window and the training want
#: the same core, the window gets it first; alone on the machine, training runs as fast.
NICENESS = 5


class Controls:
    """The stop and running flags the worker sets and the training process reads.

    Plain shared memory without a lock: setting a flag never waits for the other process.
    (A ``multiprocessing.Event`` takes a lock shared by both processes; a training process
    killed while holding it, or while waiting on it paused, would make the window wait
    forever at its next pause, resume or stop.) Made before the process starts, and given
    to it as an argument.
    """

    def __init__(self, context=None):
        context = context or multiprocessing.get_context("spawn")
        self._stop = context.RawValue("b", 0)
        self._running = context.RawValue("b", 1)

    def pause(self) -> None:
        self._running.value = 0

    def resume(self) -> None:
        self._running.value = 1

    def stop(self) -> None:
        """End after the current batch (a paused run is released first)."""
        self._stop.value = 1
        self._running.value = 1

    @property
    def stopped(self) -> bool:
        return bool(self._stop.value)

    @property
    def running(self) -> bool:
        return bool(self._running.value)


# -- the request, sent by the worker ------------------------------------------------------------
def send_request(connection, request: dict, chosen: tuple | None = None) -> None:
    """Send a training request to the training process: the request without its pairs,
    then the pairs in chunks of :data:`PAIRS_CHUNK`.

    Args:
        connection: the worker's end of the pipe.
        request: as :meth:`.train_wizard.TrainWizard.start_training` sends it.
        chosen: ``(choice, train_pairs, validation_pairs)`` when the worker has already
            chosen the configuration for this request (an estimate did), else None.
    """
    head = {key: value for key, value in request.items() if key != "pairs"}
    if chosen is None:
        lists = {"pairs": request["pairs"]}
    else:
        lists = {"train": chosen[1], "validation": chosen[2]}
    connection.send(("request", head, None if chosen is None else chosen[0]))
    for name, pairs in lists.items():
        for start in range(0, len(pairs), PAIRS_CHUNK):
            connection.send((name, pairs[start : start + PAIRS_CHUNK]))
    connection.send(("end", None))


def receive_request(connection) -> tuple[dict, object, dict]:
    """What :func:`send_request` sent: ``(request, choice or None, {"pairs", "train",
    "validation"})``, the request's pairs under ``"pairs"`` when no choice came with them."""
    _, request, choice = connection.recv()
    lists: dict[str, list] = {"pairs": [], "train": [], "validation": []}
    while True:
        name, chunk = connection.recv()
        if name == "end":
            return request, choice, lists
        lists[name].extend(chunk)


# -- the training process ----------------------------------------------------------------------
def main(connection, controls: Controls, log_level: int = logging.WARNING, training=None):
    """The training process's entry point: :func:`run`, then end at once.

    Ending with ``os._exit`` once the last event is written skips the interpreter's
    clean-up, where TensorFlow's threads can hold a process up; nothing is left to save.
    `training`: the class that trains (:class:`Training` or a subclass).
    """
    _end_with_parent()
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(NICENESS)
    try:
        run(connection, controls, log_level, training)
    finally:
        with contextlib.suppress(Exception):
            connection.close()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(0)


def run(connection, controls: Controls, log_level: int = logging.WARNING, training=None):
    """Receive a request on `connection`, train as it says and send the events back (see
    the module doc). Every failure becomes a ``failed`` event with its message."""
    channel = Channel(connection)
    handler = _SendLog(channel)
    root = logging.getLogger()
    root.setLevel(log_level)
    root.addHandler(handler)
    try:
        request, choice, lists = receive_request(connection)
        (training or Training)(channel, controls).train(request, choice, lists)
    except Exception as error:  # the person gets a message; the log gets the traceback
        log.warning("training failed", exc_info=True)
        channel.send("failed", describe(error))
    finally:
        root.removeHandler(handler)


def _end_with_parent() -> None:
    """Watch the process that started this one, and end this one as soon as it ends."""
    parent = multiprocessing.parent_process()
    if parent is None:  # not started by multiprocessing (a test calling run())
        return

    def watch():
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(EXIT_PARENT_GONE)  # as if killed with it: every file is renamed into place

    threading.Thread(target=watch, name="keras-attn parent watch", daemon=True).start()


class Channel:
    """Sends events to the worker, from any thread of this process."""

    def __init__(self, connection):
        self.connection = connection
        self._lock = threading.Lock()

    def send(self, kind: str, payload) -> None:
        with self._lock:
            try:
                self.connection.send((kind, payload))
            except OSError:  # the worker's end is closed: the app's process has ended
                os._exit(EXIT_PARENT_GONE)


class _SendLog(logging.handlers.QueueHandler):
    """Sends this process's log records to the worker, which hands them to the app's
    loggers (the app writes warnings to its log file)."""

    def __init__(self, channel: Channel):
        super().__init__(None)
        self.channel = channel

    def enqueue(self, record):
        self.channel.send("log", record)


def device_scope(device):
    """Place TensorFlow's work on `device` ("/CPU:0", "/GPU:1"); None: TensorFlow decides."""
    if not device:
        return contextlib.nullcontext()
    import tensorflow as tf

    return tf.device(device)


class Training:
    """One training run in the training process: the model, its epoch reports and the
    events sent to the worker (see the module doc)."""

    def __init__(self, channel: Channel, controls: Controls):
        self.channel = channel
        self.controls = controls
        self.run: dict = {}
        self.paused_seconds = 0.0
        self.last_report = 0.0
        self.eta_base: tuple | None = None

    def send(self, kind: str, payload) -> None:
        self.channel.send(kind, payload)

    def train(self, request: dict, choice, lists: dict) -> None:
        """Train as `request` says (see :meth:`.train_wizard.TrainWizard.start_training`),
        with `choice` when the worker sent one, else the one made here from the pairs."""
        leave_a_core_to_the_window()  # as in the app: TensorFlow on one thread
        from keras_attn.checkpoint import read_checkpoint_state
        from keras_attn.saving import load_model, save_model
        from keras_attn.training import build_model, train

        if choice is None:
            choice, train_pairs, val_pairs = choose_config(request["choose"], lists["pairs"])
        else:
            train_pairs, val_pairs = lists["train"], lists["validation"]
        # A copy: the model keeps the configuration it is built with, and training a given
        # model sets its training part (the choice stays as chosen).
        config = choice.config.replace()
        tr = config.train
        chosen = describe_choice(choice)
        log.info("training with %s", choice.explain())

        folder = Path(request["checkpoint_dir"])
        resume = request.get("resume") or False  # False, True, or "model" (see train())
        state = read_checkpoint_state(folder, from_model=resume == "model") if resume else None
        if state is None:
            resume = False
            start_over(folder)  # the old run's checkpoint goes
        folder.mkdir(parents=True, exist_ok=True)
        if state is None:
            facts = {
                **request.get("run", {}),
                "config": chosen["config"],
                "choice": {key: chosen[key] for key in ("preset", "summary", "reasons")},
            }
            write_run(folder, facts)
        shown = val_pairs or train_pairs
        run = self.run = {
            "samples": shown[:SAMPLE_SENTENCES],
            "bleu_pairs": val_pairs[:BLEU_PAIRS],
            "sentence": attention_sentence(shown),
            "folder": folder,
            "deferred": state is not None,
            "pending": None,
            "session": None,
            "partial": None,
            "epochs": read_epochs(folder, state["epochs_done"]) if state else [],
        }
        if state is not None and state["epochs_done"] is None:
            # A checkpoint of an older version resumed from its model: train() counts the
            # epochs done; the reports beside it are all there is.
            state = {**state, "epochs_done": len(run["epochs"])}
        self.paused_seconds, self.last_report, self.eta_base = 0.0, 0.0, None
        with device_scope(request.get("device")):
            model = None
            if state is None:
                model = run["model"] = build_model(config, train_pairs)
            else:
                # train() continues the model it loads from the checkpoint; the epoch
                # reports read each new checkpoint into this copy, once it is written.
                run["model"] = load_model(folder / "last.keras")
                self.report_missing_epoch(state["epochs_done"])
            self.send(
                "training_started",
                {
                    "train_pairs": len(train_pairs),
                    "validation_pairs": len(val_pairs),
                    "epochs": tr.epochs,
                    "resumed_from": state["epochs_done"] if state else 0,
                    "history": state["history"] if state else {},
                    "earlier": run["epochs"],
                    "samples": run["samples"],
                    "sentence": run["sentence"],
                    "bleu_pairs": len(run["bleu_pairs"]),
                    "choice": chosen,
                    "process_id": os.getpid(),
                },
            )
            result = train(
                train_pairs,
                config,
                validation_pairs=val_pairs or None,
                on_progress=self.on_progress,
                should_stop=self.should_stop,
                checkpoint_dir=folder,
                resume=resume,
                model=model,
                progress_every=1,
            )
            self.flush_pending()
            partial = run["partial"]
            kept = partial is not None and len(result.history.get("loss", [])) >= partial["epoch"]
            if kept:
                # Stopped part-way through an epoch that was validated and the best so far:
                # the model keeps its weights, so it is shown like the others.
                run["model"], run["session"] = result.model, None
                self.report_epoch(partial)
        model = result.model
        training = model.info.setdefault("training", {})
        if request.get("dataset"):
            training["dataset"] = str(request["dataset"])
        # The whole model, its optimizer's state included: what the worker saves later.
        trained = save_model(model, folder / TRAINED_FILE)
        self.send(
            "training_done",
            {
                "stop_reason": result.stop_reason,
                "epochs_done": result.epochs_done,
                "epochs": tr.epochs,
                "best_epoch": result.best_epoch,
                "history": result.history,
                "seconds": result.seconds,
                "tokens_per_second": result.tokens_per_second,
                "params": int(model.count_params()),
                "stopped": self.controls.stopped,
                "last_partial": kept,
                "finished": result.epochs_done >= tr.epochs
                or result.stop_reason == "early stopping",
                "process_id": os.getpid(),
                "model_file": str(trained),
                "dtype_policy": model.dtype_policy.name,
            },
        )

    # -- during training (called by keras_attn.training.train) ----------------------------
    def should_stop(self) -> bool:
        """Called by training after every batch: waits while paused."""
        self.flush_pending()
        if not self.controls.running:
            began = time.perf_counter()
            self.send("paused", True)
            while not self.controls.running:
                time.sleep(PAUSE_POLL)
            self.paused_seconds += time.perf_counter() - began
            self.send("paused", False)
        return self.controls.stopped

    def on_progress(self, event: dict) -> None:
        if event["kind"] == "batch":
            if not self.run.get("traced"):  # the first step traced the training step
                self.run["traced"] = True
                freeze_survivors()
            self.report_batch(event)
            return
        if not event.get("complete", True):
            # Cut short by a stop or the time limit: shown once training has ended, if it
            # was kept as the best (see train).
            self.run["partial"] = event
            return
        if self.run["deferred"]:
            self.run["pending"] = event  # its checkpoint is written after this call
            return
        self.report_epoch(event)

    def report_batch(self, event: dict) -> None:
        """Send a batch's progress, at most every :data:`PROGRESS_INTERVAL` seconds (and
        an epoch's last batch), with the time left measured from the first report on: no
        compiling, no pauses."""
        now = time.perf_counter()
        done = (event["epoch"] - 1) * event["steps"] + event["step"]
        total = event["epochs"] * event["steps"]
        eta = event.get("eta_seconds")
        if self.eta_base is None:
            self.eta_base = (done, now, self.paused_seconds)
        elif done > self.eta_base[0]:
            first, began, paused = self.eta_base
            active = now - began - (self.paused_seconds - paused)
            eta = max(0.0, (total - done) * active / (done - first))
        if now - self.last_report < PROGRESS_INTERVAL and event["step"] != event["steps"]:
            return
        self.last_report = now
        self.send("progress", {**event, "eta_seconds": eta, "done": done, "total": total})

    def flush_pending(self) -> None:
        run = self.run
        event = run.get("pending")
        if event is None:
            return
        run["pending"] = None
        try:
            run["model"].load_weights(str(run["folder"] / "last.keras"))
        except Exception:
            log.info("cannot read the checkpoint of epoch %s", event["epoch"], exc_info=True)
        self.report_epoch(event)

    def report_epoch(self, event: dict) -> None:
        """Samples, BLEU and attention of the model as it is after this epoch."""
        run = self.run
        report = {**event, **self.look_at_model()}
        run["epochs"].append(
            {key: report[key] for key in ("epoch", "bleu", "samples", "attention")}
        )
        write_epochs(run["folder"], run["epochs"])
        self.send("epoch_done", report)
        freeze_survivors()  # the model and its traces, so full collections stay short

    def report_missing_epoch(self, epochs_done: int) -> None:
        """On resuming: the report of the checkpoint's epoch, when the run was stopped
        after the checkpoint was written and before its report was (only that epoch's
        model is at hand, so only that report can be made again)."""
        run = self.run
        if not epochs_done or any(e.get("epoch") == epochs_done for e in run["epochs"]):
            return
        run["epochs"].append({"epoch": epochs_done, **self.look_at_model()})
        write_epochs(run["folder"], run["epochs"])

    def look_at_model(self) -> dict:
        """Samples, BLEU and attention of the run's model as it is now."""
        run = self.run
        model = run["model"]
        extras: dict = {"bleu": None, "samples": [], "attention": None}
        try:
            from keras_attn.evaluation import evaluate
            from keras_attn.session import DecodingSession

            samples = run["samples"]
            outputs = model.translate([source for source, _ in samples]) if samples else []
            extras["samples"] = [[s, r, o] for (s, r), o in zip(samples, outputs, strict=True)]
            if run["bleu_pairs"]:
                extras["bleu"] = float(evaluate(model, run["bleu_pairs"]).bleu)
            if run["sentence"]:
                if run["session"] is None:
                    run["session"] = DecodingSession(model)
                session = run["session"]
                session.start(run["sentence"])
                session.run_to_end()
                extras["attention"] = {
                    "weights": session.attention.tolist(),
                    "source_tokens": list(session.source_tokens),
                    "target_tokens": list(session.target_tokens),
                    "translation": session.translation,
                }
        except Exception:  # a failing look at the model never ends the training
            log.info("epoch report failed", exc_info=True)
        return extras


def attention_sentence(pairs) -> str | None:
    """The sentence whose attention is shown: the longest of the first 50 with at most 12
    words (a long sentence makes an unreadable heatmap)."""
    candidates = [source for source, _ in pairs[:50] if source.strip()]
    if not candidates:
        return None
    short = [s for s in candidates if len(s.split()) <= 12] or candidates[:1]
    return max(short, key=lambda s: (len(s.split()), len(s)))
