"""The training wizard's worker: one QObject on its own QThread that reads corpora,
measures a model, trains it and saves it.

One module, longer than most: every request the wizard makes of its thread (read, map,
measure, train, pause, stop, save) shares the worker's state and its one TensorFlow
import; the checkpoint files are read by :mod:`.checkpoints`.

The wizard asks through signals connected to the slots below (queued: the worker lives
on its own thread) and hears back through the worker's signals, which carry plain data.
``keras_attn`` (and so TensorFlow) is imported by :meth:`TrainingWorker.start`, on the
worker's thread.

While :meth:`TrainingWorker.train` runs, the thread is busy inside ``keras_attn.training.
train``, so the wizard steers it with three methods that are safe to call from any thread:

* :meth:`~TrainingWorker.pause` clears a ``threading.Event``; the stop check that training
  makes after every batch then waits on that event, in the worker's thread, until
  :meth:`~TrainingWorker.resume` sets it again (the window never waits);
* :meth:`~TrainingWorker.stop` asks training to end after the current batch;
  ``train`` then returns the best weights seen so far, and the last finished epoch stays
  in the checkpoint folder.

The configuration is chosen here, from the training pairs, by
:func:`keras_attn.sizing.choose` (the same rule as ``keras-attn train``): the wizard sends
the preset asked for (None: automatic) and only the fields the person set
(:func:`.config_choice.choose_config`). An estimate first reports that choice, then the parameter count,
then the timing; training uses the same choice.

After each finished epoch the worker translates a few fixed validation sentences, scores
BLEU on up to 200 validation pairs and decodes one fixed sentence with a
:class:`~keras_attn.session.DecodingSession` for its attention, and sends all of it with
the epoch's numbers (:attr:`TrainingWorker.epoch_done`).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from keras_attn.errors import DataError

from ..worker import describe
from ..worker_tasks import freeze_survivors
from .checkpoints import read_epochs, start_over, write_epochs, write_run
from .config_choice import automatic_tokenizers, choose_config, describe_choice
from .data import chosen_languages, read_corpus, sample, word_lengths

log = logging.getLogger(__name__)

SAMPLE_SENTENCES = 8  # validation sentences translated after each epoch
BLEU_PAIRS = 200  # validation pairs scored with BLEU after each epoch
MEASURED_STEPS = 8  # training steps timed for the estimate (the first one compiles)
VOCAB_SAMPLE = 50000  # training pairs the estimate learns vocabularies from, at most
PROGRESS_INTERVAL = 0.1  # seconds between two progress reports, at least


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
        self._paused_seconds = 0.0
        self._last_report = 0.0
        self._eta_base = None
        self._run: dict = {}
        self._chosen: tuple | None = None  # (pairs, request, result) of the last choice

    # -- steering (any thread) -----------------------------------------------------------
    def pause(self) -> None:
        """Hold training after the current batch until :meth:`resume`."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        """End training after the current batch (a paused run is released first)."""
        self._stop.set()
        self._running.set()

    def want_estimate(self, request_id: int) -> None:
        """Only estimate request `request_id` matters now: older ones are dropped."""
        self._estimate_wanted = int(request_id)

    # -- start -------------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        """Import keras_attn (and TensorFlow), then tell what this machine offers."""
        try:
            importlib.import_module("keras_attn")
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
        with _device_scope(request.get("device")):
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
        with _device_scope(request.get("device")):
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
        pairs, asked = request["pairs"], json.dumps(request["choose"], sort_keys=True)
        last = self._chosen
        if last is not None and last[0] is pairs and last[1] == asked:
            return last[2]
        found = choose_config(request["choose"], pairs)
        self._chosen = (pairs, asked, found)  # holding `pairs` keeps their identity unique
        return found

    # -- training ------------------------------------------------------------------------
    @Slot(object)
    def train(self, request: dict) -> None:
        """Train as `request` says (see :meth:`.train_wizard.TrainWizard.start_training`)."""
        self._stop.clear()
        self._running.set()
        self._model = None
        try:
            self._train(request)
        except Exception as error:
            log.warning("training failed", exc_info=True)
            self.failed.emit("train", describe(error))

    def _train(self, request):
        from keras_attn.saving import load_model
        from keras_attn.training import build_model, train

        choice, train_pairs, val_pairs = self._choose(request)
        config = choice.config.replace()  # a copy (see _estimate)
        tr = config.train
        chosen = describe_choice(choice)
        log.info("training with %s", choice.explain())
        from keras_attn.checkpoint import read_checkpoint_state

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
        run = self._run = {
            "samples": shown[:SAMPLE_SENTENCES],
            "bleu_pairs": val_pairs[:BLEU_PAIRS],
            "sentence": _attention_sentence(shown),
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
        self._paused_seconds, self._last_report, self._eta_base = 0.0, 0.0, None
        with _device_scope(request.get("device")):
            model = None
            if state is None:
                model = run["model"] = build_model(config, train_pairs)
            else:
                # train() continues the model it loads from the checkpoint; the epoch
                # reports read each new checkpoint into this copy, once it is written.
                run["model"] = load_model(folder / "last.keras")
                self._report_missing_epoch(state["epochs_done"])
            self.training_started.emit(
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
                }
            )
            result = train(
                train_pairs,
                config,
                validation_pairs=val_pairs or None,
                on_progress=self._on_progress,
                should_stop=self._should_stop,
                checkpoint_dir=folder,
                resume=resume,
                model=model,
                progress_every=1,
            )
            self._flush_pending()
            partial = run["partial"]
            kept = partial is not None and len(result.history.get("loss", [])) >= partial["epoch"]
            if kept:
                # Stopped part-way through an epoch that was validated and the best so far:
                # the model keeps its weights, so it is shown like the others.
                run["model"], run["session"] = result.model, None
                self._report_epoch(partial)
        model = self._model = result.model
        training = model.info.setdefault("training", {})
        if request.get("dataset"):
            training["dataset"] = str(request["dataset"])
        self.training_done.emit(
            {
                "stop_reason": result.stop_reason,
                "epochs_done": result.epochs_done,
                "epochs": tr.epochs,
                "best_epoch": result.best_epoch,
                "history": result.history,
                "seconds": result.seconds,
                "tokens_per_second": result.tokens_per_second,
                "params": int(model.count_params()),
                "stopped": self._stop.is_set(),
                "last_partial": kept,
                "finished": result.epochs_done >= tr.epochs
                or result.stop_reason == "early stopping",
            }
        )

    def _should_stop(self) -> bool:
        """Called by training after every batch, in this thread: waits while paused."""
        self._flush_pending()
        if not self._running.is_set():
            began = time.perf_counter()
            self.paused.emit(True)
            self._running.wait()
            self._paused_seconds += time.perf_counter() - began
            self.paused.emit(False)
        return self._stop.is_set()

    def _on_progress(self, event: dict) -> None:
        if event["kind"] == "batch":
            if not self._run.get("traced"):  # the first step traced the training step
                self._run["traced"] = True
                freeze_survivors()
            self._report_batch(event)
            return
        if not event.get("complete", True):
            # Cut short by a stop or the time limit: shown once training has ended, if it
            # was kept as the best (see _train).
            self._run["partial"] = event
            return
        if self._run["deferred"]:
            self._run["pending"] = event  # its checkpoint is written after this call
            return
        self._report_epoch(event)

    def _report_batch(self, event):
        now = time.perf_counter()
        done = (event["epoch"] - 1) * event["steps"] + event["step"]
        total = event["epochs"] * event["steps"]
        eta = event.get("eta_seconds")
        if self._eta_base is None:
            self._eta_base = (done, now, self._paused_seconds)
        elif done > self._eta_base[0]:  # from the first report on: no compiling, no pauses
            first, began, paused = self._eta_base
            active = now - began - (self._paused_seconds - paused)
            eta = max(0.0, (total - done) * active / (done - first))
        if now - self._last_report < PROGRESS_INTERVAL and event["step"] != event["steps"]:
            return
        self._last_report = now
        self.progress.emit({**event, "eta_seconds": eta, "done": done, "total": total})

    def _flush_pending(self):
        run = self._run
        event = run.get("pending")
        if event is None:
            return
        run["pending"] = None
        try:
            run["model"].load_weights(str(run["folder"] / "last.keras"))
        except Exception:
            log.info("cannot read the checkpoint of epoch %s", event["epoch"], exc_info=True)
        self._report_epoch(event)

    def _report_epoch(self, event):
        """Samples, BLEU and attention of the model as it is after this epoch."""
        run = self._run
        report = {**event, **self._look_at_model()}
        run["epochs"].append(
            {key: report[key] for key in ("epoch", "bleu", "samples", "attention")}
        )
        write_epochs(run["folder"], run["epochs"])
        self.epoch_done.emit(report)
        freeze_survivors()  # the model and its traces, so full collections stay short

    def _report_missing_epoch(self, epochs_done: int) -> None:
        """On resuming: the report of the checkpoint's epoch, when the run was stopped
        after the checkpoint was written and before its report was (only that epoch's
        model is at hand, so only that report can be made again)."""
        run = self._run
        if not epochs_done or any(e.get("epoch") == epochs_done for e in run["epochs"]):
            return
        run["epochs"].append({"epoch": epochs_done, **self._look_at_model()})
        write_epochs(run["folder"], run["epochs"])

    def _look_at_model(self) -> dict:
        """Samples, BLEU and attention of the run's model as it is now."""
        run = self._run
        model = run["model"]
        extras = {"bleu": None, "samples": [], "attention": None}
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


def _device_scope(device):
    """Place TensorFlow's work on `device` ("/CPU:0", "/GPU:1"); None: TensorFlow decides."""
    if not device:
        return contextlib.nullcontext()
    import tensorflow as tf

    return tf.device(device)


def _attention_sentence(pairs) -> str | None:
    """The sentence whose attention is shown: the longest of the first 50 with at most 12
    words (a long sentence makes an unreadable heatmap)."""
    candidates = [source for source, _ in pairs[:50] if source.strip()]
    if not candidates:
        return None
    short = [s for s in candidates if len(s.split()) <= 12] or candidates[:1]
    return max(short, key=lambda s: (len(s.split()), len(s)))
