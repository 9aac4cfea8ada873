"""The training wizard's worker: one QObject on its own QThread that reads corpora,
measures a model, has it trained and saves it.

One module, longer than most: every request the wizard makes of its thread (read, map,
measure, train, pause, stop, save) shares the worker's state and its one TensorFlow
import; the checkpoint files are read by :mod:`.checkpoints`.

The wizard asks through signals connected to the slots below (queued: the worker lives
on its own thread) and hears back through the worker's signals, which carry plain data.
``keras_attn`` (and so TensorFlow) is imported by :meth:`TrainingWorker.start`, on the
worker's thread.

Training runs in a process of its own (:mod:`.training_process`, which says why): for
each run :meth:`TrainingWorker.train` starts that process, sends it the request and the
pairs, and emits what it hears back as this worker's signals, with the payloads they
always had, until the run is over; then it reads back the trained model the process left
in the checkpoint folder, so that :meth:`TrainingWorker.save_model` saves it, and the
process, with the memory TensorFlow kept for the run, is gone. A process that ends
without finishing (killed, crashed) is a ``failed`` signal that says so and what the
checkpoint holds; the worker never waits for it forever.

While :meth:`TrainingWorker.train` runs, the thread is busy relaying, so the wizard steers
the run with three methods that are safe to call from any thread and never wait: they set
flags the training process reads after every batch (:class:`.training_process.Controls`).

* :meth:`~TrainingWorker.pause` holds training after the current batch, in the training
  process, until :meth:`~TrainingWorker.resume` (the window never waits);
* :meth:`~TrainingWorker.stop` asks training to end after the current batch;
  ``train`` then returns the best weights seen so far, and the last finished epoch stays
  in the checkpoint folder.

The configuration is chosen from the training pairs by :func:`keras_attn.sizing.choose`
(the same rule as ``keras-attn train``): the wizard sends the preset asked for (None:
automatic) and only the fields the person set (:func:`.config_choice.choose_config`). An
estimate, here on the worker's thread, first reports that choice, then the parameter
count, then the timing; training uses the same choice (sent to the training process when
the estimate has made it, else made there).

After each finished epoch the training process translates a few fixed validation
sentences, scores BLEU on up to 200 validation pairs and decodes one fixed sentence with a
:class:`~keras_attn.session.DecodingSession` for its attention, and sends all of it with
the epoch's numbers (:attr:`TrainingWorker.epoch_done`).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import multiprocessing
import signal
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from keras_attn.errors import DataError

from ..messages import describe
from ..worker_tasks import freeze_survivors
from . import training_process
from .checkpoints import interrupted_run, start_over
from .config_choice import automatic_tokenizers, choose_config, describe_choice
from .data import chosen_languages, read_corpus, sample, word_lengths
from .training_process import Controls, device_scope, send_request

log = logging.getLogger(__name__)

MEASURED_STEPS = 8  # training steps timed for the estimate (the first one compiles)
VOCAB_SAMPLE = 50000  # training pairs the estimate learns vocabularies from, at most
POLL_SECONDS = 0.2  # how long the worker waits for an event before it looks at the process
JOIN_SECONDS = 10.0  # how long an ended run's process may take to exit before it is killed


class TrainingWorker(QObject):
    """Reads data, estimates, trains and saves, on its own thread (see the module doc)."""

    ready = Signal(object)  # {"device", "gpus", "datasets", "presets", "attentions", ...}
    data_read = Signal(object)  # {"id", "format", "pairs", "report", "columns", ...}
    data_failed = Signal(object)  # {"id", "message", "report" (or None), "format", ...}
    estimated = Signal(object)  # {"id", "params", ...}; then again with the timing
    training_started = Signal(object)  # {"train_pairs", "validation_pairs", "history", ...}
    progress = Signal(object)  # a batch report (see keras_attn.callbacks), ETA corrected
    epoch_done = Signal(object)  # an epoch report with "bleu", "samples", "attention"
    paused = Signal(bool)  # True once training waits, False when it goes on
    training_done = Signal(object)  # {"stop_reason", "epochs_done", "history", ...}
    saved = Signal(str)
    failed = Signal(str, str)  # what ("start", "estimate", "train", "save"), message

    def __init__(self, parent=None):
        super().__init__(parent)
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._estimate_wanted = 0
        self._model = None
        self._chosen: tuple | None = None  # (pairs, request, result) of the last choice
        self._controls: Controls | None = None  # the running training process's flags
        self._lock = threading.Lock()  # the flags here and the process's change together

    #: What the training process runs (:func:`.training_process.main`); a subclass may
    #: name another function that calls it (bench/wizard_worker.py does).
    process_main = staticmethod(training_process.main)

    # -- steering (any thread) -----------------------------------------------------------
    def pause(self) -> None:
        """Hold training after the current batch until :meth:`resume`."""
        with self._lock:
            self._running.clear()
            if self._controls is not None:
                self._controls.pause()

    def resume(self) -> None:
        with self._lock:
            self._running.set()
            if self._controls is not None:
                self._controls.resume()

    def stop(self) -> None:
        """End training (or an estimate) after the current batch (a paused run is released
        first)."""
        with self._lock:
            self._stop.set()
            self._running.set()
            if self._controls is not None:
                self._controls.stop()

    def want_estimate(self, request_id: int) -> None:
        """Only estimate request `request_id` matters now: older ones are dropped."""
        self._estimate_wanted = int(request_id)

    # -- start -------------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        """Import keras_attn (and TensorFlow), then tell what this machine offers."""
        try:
            # TensorFlow by an import of its own, not under Python's import lock (see
            # .worker.Worker.start): the window's imports go on meanwhile.
            importlib.import_module("keras_attn").import_tensorflow()
            from keras_attn import device
            from keras_attn.config import ATTENTIONS, PRESETS, STYLES, TOKENIZERS, Config, preset
            from keras_attn.datasets import DATASETS

            datasets = [
                {
                    "name": d.name,
                    "title": d.title,
                    "description": d.description,
                    "source_language": d.source_language,
                    "target_language": d.target_language,
                    "source_tokenizer": d.source_tokenizer,
                    "target_tokenizer": d.target_tokenizer,
                }
                for d in DATASETS.values()
            ]
            self.ready.emit(
                {
                    "device": device.describe(),
                    "gpus": device.gpus(),
                    "datasets": datasets,
                    "presets": {name: preset(name).to_dict() for name in PRESETS},
                    "defaults": Config().to_dict(),
                    "attentions": list(ATTENTIONS),
                    "styles": list(STYLES),
                    "tokenizers": list(TOKENIZERS),
                }
            )
        except Exception as error:
            log.error("TensorFlow could not be loaded", exc_info=True)
            self.failed.emit("start", describe(error))

    # -- data --------------------------------------------------------------------------
    @Slot(object)
    def read_data(self, request: dict) -> None:
        """Read the corpus `request` describes; answers `data_read` or `data_failed`."""
        found = {"id": request["id"], "format": None, "columns": [], "languages": []}
        try:
            path, data = read_corpus(request, found)
        except Exception as error:  # a bad file is a message, never a crash
            log.info("cannot read %s", request.get("path"), exc_info=True)
            self.data_failed.emit(
                {
                    **found,
                    "message": describe(error),
                    "report": error.report if isinstance(error, DataError) else None,
                }
            )
            return
        pairs = data.pairs
        if request.get("reverse"):
            pairs = [(target, source) for source, target in pairs]
        measured = sample(pairs)
        self.data_read.emit(
            {
                **found,
                "path": path,
                "pairs": pairs,
                "lines": data.lines,
                "report": data.report,
                "chosen_languages": chosen_languages(data.report),
                "auto_tokenizers": automatic_tokenizers(pairs),
                "source_lengths": word_lengths(s for s, _ in measured),
                "target_lengths": word_lengths(t for _, t in measured),
            }
        )

    # -- estimate ------------------------------------------------------------------------
    @Slot(object)
    def estimate(self, request: dict) -> None:
        """Count the parameters of the configured model built on the data, then time a few
        training steps and extrapolate to an epoch."""
        request_id = request["id"]
        if request_id != self._estimate_wanted:
            return  # a newer request is waiting
        try:
            self._estimate(request)
        except Exception as error:
            log.info("estimate failed", exc_info=True)
            if request_id == self._estimate_wanted:
                self.failed.emit("estimate", describe(error))

    def _estimate(self, request):
        from keras_attn.training import build_model, estimate_steps_per_epoch, train

        request_id = request["id"]
        choice, train_pairs, _ = self._choose(request)
        if request_id != self._estimate_wanted:
            return
        self.estimated.emit({"id": request_id, "choice": describe_choice(choice)})
        # A copy: the model keeps the configuration it is built with, and training a given
        # model sets its training part (the kept choice must stay as chosen).
        config = choice.config.replace()
        tr = config.train
        with device_scope(request.get("device")):
            model = build_model(config, sample(train_pairs, VOCAB_SAMPLE, tr.seed))
        base = {
            "id": request_id,
            "params": int(model.count_params()),
            "exact": len(train_pairs) <= VOCAB_SAMPLE,
            "source_vocab": int(model.source_text.vocab_size),
            "target_vocab": int(model.target_text.vocab_size),
            "train_pairs": len(train_pairs),
        }
        self.estimated.emit(base)
        times: list[float] = []

        def on_progress(event):
            if event["kind"] == "batch":
                times.append(time.perf_counter())

        def should_stop():
            return (
                len(times) >= MEASURED_STEPS
                or request_id != self._estimate_wanted
                or self._stop.is_set()
            )

        measured = sample(train_pairs, tr.batch_size * MEASURED_STEPS, tr.seed)
        quick = config.replace(**{"train.epochs": 1, "train.time_limit": 0.0, "train.patience": 0})
        began = time.perf_counter()
        with device_scope(request.get("device")):
            train(
                measured,
                quick,
                model=model,
                on_progress=on_progress,
                should_stop=should_stop,
                progress_every=1,
            )
        if request_id != self._estimate_wanted:
            return
        steps = estimate_steps_per_epoch(model, train_pairs)
        seconds_per_step = None
        if len(times) >= 3:  # the first step includes compiling: time the ones after it
            seconds_per_step = (times[-1] - times[0]) / (len(times) - 1)
        elif len(times) == 2:
            seconds_per_step = times[1] - times[0]
        seconds = None
        if seconds_per_step is not None:
            # Validation reads the held-out pairs forwards only: about a third of a step.
            share = tr.validation_split / max(1e-9, 1 - tr.validation_split)
            seconds = seconds_per_step * steps * (1 + share / 3)
        self.estimated.emit(
            {
                **base,
                "seconds_per_step": seconds_per_step,
                "steps_per_epoch": steps,
                "seconds_per_epoch": seconds,
                "measured_steps": max(0, len(times) - 1),
                "startup_seconds": times[0] - began if times else None,
            }
        )

    def _choose(self, request):
        """:func:`choose_config` for the request's pairs; the last answer is kept, since
        reading a large corpus's statistics takes seconds and estimates repeat."""
        found = self._chosen_for(request)
        if found is None:
            found = choose_config(request["choose"], request["pairs"])
            # Holding the pairs keeps their identity unique.
            self._chosen = (request["pairs"], json.dumps(request["choose"], sort_keys=True), found)
        return found

    def _chosen_for(self, request):
        """The choice already made for this request's pairs and settings, or None."""
        last = self._chosen
        if last is None or last[0] is not request["pairs"]:
            return None
        if last[1] != json.dumps(request["choose"], sort_keys=True):
            return None
        return last[2]

    # -- training ------------------------------------------------------------------------
    @Slot(object)
    def train(self, request: dict) -> None:
        """Train as `request` says (see :meth:`.train_wizard.TrainWizard.start_training`),
        in a process of its own (see the module doc); returns when that process has ended."""
        self._stop.clear()
        self._running.set()
        self._model = None
        try:
            self._train(request)
        except TrainingProcessEnded as error:
            log.warning("%s", error)
            self.failed.emit("train", str(error))
        except Exception as error:
            log.warning("training failed", exc_info=True)
            self.failed.emit("train", describe(error))

    def _train(self, request):
        context = multiprocessing.get_context("spawn")
        controls = Controls(context)
        mine, theirs = context.Pipe()
        process = context.Process(
            target=self.process_main,
            args=(theirs, controls, logging.getLogger().getEffectiveLevel()),
            name="keras-attn training",
            daemon=True,  # ended with this process, should it ever end first
        )
        process.start()
        theirs.close()  # so that the end of the pipe comes when the process ends
        with self._lock:
            self._controls = controls
            if not self._running.is_set():
                controls.pause()
            if self._stop.is_set():
                controls.stop()
        try:
            with contextlib.suppress(OSError):  # a process that died at once: see below
                send_request(mine, request, self._chosen_for(request))
            self._relay(mine, process, request)
        finally:
            with self._lock:
                self._controls = None
            mine.close()
            _end(process)

    def _relay(self, connection, process, request) -> None:
        """Emit the training process's events as this worker's signals until it has
        trained (``training_done``: the model is read back first) or failed; a process
        that ends without saying so is a failure with a clear message."""
        signals = {
            "training_started": self.training_started,
            "progress": self.progress,
            "epoch_done": self.epoch_done,
            "paused": self.paused,
        }
        while True:
            try:
                if not connection.poll(POLL_SECONDS):
                    if process.is_alive():
                        continue
                    raise EOFError  # ended, and nothing more to read
                kind, payload = connection.recv()
            except (EOFError, OSError):
                raise TrainingProcessEnded(ended_message(process, request)) from None
            if kind == "log":
                logging.getLogger(payload.name).handle(payload)
            elif kind == "training_done":
                self._read_trained(payload, request)
                self.training_done.emit(payload)
                return
            elif kind == "failed":
                self.failed.emit("train", payload)
                return
            else:
                signals[kind].emit(payload)

    def _read_trained(self, outcome: dict, request: dict) -> None:
        """Load the model the training process saved (as it was trained: same device, same
        precision, its optimizer too), then delete its file."""
        from keras_attn.device import dtype_policy
        from keras_attn.saving import load_model

        path = Path(outcome.pop("model_file"))
        try:
            with device_scope(request.get("device")), dtype_policy(outcome.pop("dtype_policy")):
                self._model = load_model(path, compile=True)
        finally:
            path.unlink(missing_ok=True)
        freeze_survivors()

    # -- saving --------------------------------------------------------------------------
    @Slot(object)
    def save_model(self, request: dict) -> None:
        """Save the trained model to ``request["path"]``; with ``remove_checkpoint``, delete
        that checkpoint folder afterwards (the run is over and kept)."""
        try:
            if self._model is None:
                raise RuntimeError("Nothing to save yet: train a model first.")
            from keras_attn.saving import save_model

            path = Path(request["path"])
            path.parent.mkdir(parents=True, exist_ok=True)
            written = save_model(self._model, path)
        except Exception as error:
            log.warning("cannot save", exc_info=True)
            self.failed.emit("save", describe(error))
            return
        if request.get("remove_checkpoint"):
            start_over(request["remove_checkpoint"])
        self.saved.emit(str(written))


class TrainingProcessEnded(RuntimeError):
    """The training process ended without a word (killed, crashed)."""


def ended_message(process, request) -> str:
    """What a person is told when the training process ended without finishing: how it
    ended, and what the checkpoint holds."""
    process.join(JOIN_SECONDS)
    code = process.exitcode
    if code is None:
        how = "stopped answering"
    elif code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "a signal"
        how = f"was killed ({name}, exit code {code})"
    else:
        how = f"ended with exit code {code}"
    try:
        found = interrupted_run(request["checkpoint_dir"])
    except Exception:  # the message matters more than the checkpoint's details
        log.info("cannot read the checkpoint", exc_info=True)
        found = None
    if found is None:
        kept = "No epoch had finished, so there is no checkpoint to resume."
    elif found["epochs_done"]:
        kept = (
            f"The last finished epoch ({found['epochs_done']}) is kept in the checkpoint "
            "and can be resumed."
        )
    else:
        kept = "The last finished epoch is kept in the checkpoint and can be resumed."
    return f"Training stopped unexpectedly: its process {how}. {kept}"


def _end(process) -> None:
    """Wait for the training process to end (it does right after its last event); one that
    hangs is killed."""
    process.join(JOIN_SECONDS)
    if process.exitcode is None:
        log.warning("the training process did not end; killing it")
        process.kill()
        process.join()
    process.close()
