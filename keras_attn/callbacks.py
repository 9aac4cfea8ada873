"""Keras callbacks used by training: progress reports, cooperative stop, checkpoints."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import keras
import numpy as np

from keras_attn.checkpoint import (  # noqa: F401  (read_checkpoint_state: also from here)
    BEST_ENTRY,
    STATE_KEY,
    pack_weights,
    read_checkpoint_state,
    unpack_weights,
)


class ProgressCallback(keras.callbacks.Callback):
    """Reports training progress to a plain function, for the CLI and the GUI alike.

    `on_progress(event)` receives dicts:

    * ``{"kind": "batch", "epoch", "epochs", "step", "steps", "loss", "accuracy",
      "tokens_per_second", "eta_seconds"}`` after every `every` batches;
    * ``{"kind": "epoch", "epoch", "epochs", "loss", "accuracy", "val_loss",
      "val_accuracy", "tokens_per_second", "seconds", "complete"}`` after each epoch
      (`complete` is False for an epoch cut short by a stop request or the time limit).

    Epochs and steps count from 1.
    """

    def __init__(self, on_progress, steps_per_epoch, epochs, every=1):
        super().__init__()
        self.on_progress = on_progress
        self.steps = max(int(steps_per_epoch), 1)
        self.epochs = epochs
        self.every = max(int(every), 1)
        self._epoch_start = 0.0
        self._tokens = 0.0
        self._train_start = None
        self._steps_done = 0
        self._epoch = 0
        self._batches = 0

    def on_train_begin(self, logs=None):
        self._train_start = time.perf_counter()
        self._steps_done = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start = time.perf_counter()
        self._tokens = 0.0
        self._batches = 0

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self._steps_done += 1
        self._batches = batch + 1
        self._tokens = float(logs.get("tokens", 0.0))
        if (batch + 1) % self.every and batch + 1 != self.steps:
            return
        elapsed = time.perf_counter() - self._epoch_start
        total_elapsed = time.perf_counter() - self._train_start
        remaining = (self.epochs - self._epoch) * self.steps - (batch + 1)
        rate = self._steps_done / total_elapsed if total_elapsed > 0 else 0.0
        self.on_progress(
            {
                "kind": "batch",
                "epoch": self._epoch + 1,
                "epochs": self.epochs,
                "step": batch + 1,
                "steps": self.steps,
                "loss": float(logs.get("loss", math.nan)),
                "accuracy": float(logs.get("accuracy", math.nan)),
                "tokens_per_second": self._tokens / elapsed if elapsed > 0 else 0.0,
                "eta_seconds": max(remaining, 0) / rate if rate > 0 else None,
            }
        )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        seconds = time.perf_counter() - self._epoch_start
        self.on_progress(
            {
                "kind": "epoch",
                "epoch": epoch + 1,
                "epochs": self.epochs,
                "loss": float(logs.get("loss", math.nan)),
                "accuracy": float(logs.get("accuracy", math.nan)),
                "val_loss": float(logs["val_loss"]) if "val_loss" in logs else None,
                "val_accuracy": float(logs["val_accuracy"]) if "val_accuracy" in logs else None,
                "tokens_per_second": float(logs.get("tokens", 0.0)) / seconds if seconds else 0.0,
                "seconds": seconds,
                "complete": self._batches >= self.steps,
            }
        )


class StopCallback(keras.callbacks.Callback):
    """Stops training cleanly, after the current batch, when asked or when time is up.

    Args:
        should_stop: a function returning True when training should stop (for example
            `threading.Event().is_set`), or None.
        time_limit: seconds of training allowed, 0 for no limit.
        clock: a function giving the seconds of training so far, or None for the wall
            clock since training began.
    """

    def __init__(self, should_stop=None, time_limit=0.0, clock=None):
        super().__init__()
        self.should_stop = should_stop
        self.time_limit = time_limit
        self.clock = clock
        self.reason = None
        self._start = None

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds of training so far."""
        if self.clock is not None:
            return float(self.clock())
        return 0.0 if self._start is None else time.perf_counter() - self._start

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            self.reason = "the loss became NaN or infinite"
        elif self.should_stop is not None and self.should_stop():
            self.reason = "stopped on request"
        elif self.time_limit and self.elapsed() >= self.time_limit:
            self.reason = f"time limit of {self.time_limit:g} s reached"
        if self.reason:
            self.model.stop_training = True


class TimeDecayCallback(keras.callbacks.Callback):
    """Lowers the learning rate linearly to 0 as a run's time limit approaches.

    Before each batch the schedule's `budget_scale` becomes `1 - elapsed / time_limit`:
    a time-limited run ends on settled weights instead of wherever a constant rate left
    them (the linear schedule of budgeted training, Li et al. 2020). After training the
    scale goes back to 1, so a model trained on keeps its configured rate.

    Args:
        schedule: the :class:`keras_attn.schedules.LearningRateSchedule` to scale.
        time_limit: seconds of training allowed (> 0).
        elapsed: a function giving the seconds of training so far (the clock of the
            run's :class:`StopCallback`).
    """

    def __init__(self, schedule, time_limit, elapsed):
        super().__init__()
        self.schedule = schedule
        self.time_limit = float(time_limit)
        self.elapsed = elapsed

    def scale(self) -> float:
        return min(1.0, max(0.0, 1.0 - self.elapsed() / self.time_limit))

    def on_train_batch_begin(self, batch, logs=None):
        self.schedule.budget_scale.assign(self.scale())

    def on_train_end(self, logs=None):
        self.schedule.budget_scale.assign(1.0)


class CheckpointCallback(keras.callbacks.Callback):
    """Keeps the best weights in memory and saves a resumable checkpoint every epoch.

    After each epoch with a finite loss, the whole model (weights, optimizer state,
    vocabularies) is saved atomically to ``DIR/last.keras`` together with the training
    state (the epochs done, the best value so far, the history) and, when the best epoch
    is an earlier one, its weights (the archive member ``checkpoint_best_weights.npz``)
    inside it: one rename commits all of it, so a kill at any instant leaves the last
    committed epoch whole, and a resumed run ends with the weights of the best epoch
    even when that epoch came before the interruption. A copy
    of the state is then written to ``DIR/state.json`` for people and other programs;
    resuming checks it against the one inside the model (see
    :func:`read_checkpoint_state`). An epoch whose loss
    is not finite is not saved: the last good checkpoint stays. Nor is an epoch that ends
    with weights that are not finite (the update of its last batch went wrong): training
    then stops and `nonfinite_weights` is True.

    "Best" follows `monitor`: ``val_accuracy`` (higher is better; the validation token
    accuracy follows translation quality even when the validation loss turns up as the
    model grows confident), ``val_loss`` or ``loss`` (lower is better). A run counts as
    still improving while the monitored value or the validation loss improves; early
    stopping waits `patience` epochs without either.

    An epoch cut short by a stop request or the time limit is not checkpointed (a resumed
    run repeats it whole), but when Keras validated it and it is the best so far, its
    weights are kept as the best: a run stopped by its time limit ends with the best
    weights it reached, the last part-way epoch included.

    Args:
        directory: checkpoint folder, or None to keep the best weights in memory only.
        monitor: the logged value that decides "best".
        patience: epochs without improvement before stopping (0: never).
        history: history to continue (when resuming).
        initial_best: best value of `monitor` so far (when resuming).
        steps_per_epoch: batches in a full epoch.
    """

    def __init__(
        self,
        directory=None,
        monitor="val_loss",
        patience=0,
        history=None,
        initial_best=None,
        steps_per_epoch=None,
    ):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self._batches = 0
        self.directory = Path(directory) if directory else None
        self.monitor = monitor
        self.higher_is_better = monitor.endswith("accuracy")
        self.patience = patience
        self.history = {k: list(v) for k, v in (history or {}).items()}
        worst = -math.inf if self.higher_is_better else math.inf
        self.best = worst if initial_best is None else initial_best
        losses = [v for v in self.history.get("val_loss") or [] if math.isfinite(v)]
        self.best_loss = min(losses) if losses else math.inf
        self.best_weights = None
        self.best_epoch = None
        self.best_partial = False  # the best weights come from an epoch cut short
        self.wait = 0
        self.early_stopped = False
        self.nonfinite_weights = False

    def on_train_begin(self, logs=None):
        # A model resumed from a checkpoint carries that checkpoint's state: not for the
        # model files saved from it.
        state = getattr(self.model, "info", {}).pop(STATE_KEY, None)
        if self.best_epoch is not None and self.best_weights is None and state:
            # Resumed (the caller gave the state's best epoch): the best weights so far.
            self.best_weights = self._resumed_best(state)
        if self.directory is not None:
            from keras_attn.saving import remove_stale_staging

            remove_stale_staging(self.directory / "last.keras")

    def _resumed_best(self, state):
        """The best epoch's weights of the checkpoint the model was loaded from: the
        model's own when the best epoch is the last one done, else those saved inside
        ``last.keras``; None when the checkpoint does not hold them (older versions)."""
        if state.get("best_epoch") != self.best_epoch:
            return None
        if self.best_epoch == state.get("epochs_done"):
            return self.model.get_weights()
        if self.directory is None:
            return None
        from keras_attn.saving import read_extra

        data = read_extra(self.directory / "last.keras", BEST_ENTRY)
        return unpack_weights(data, self.model.get_weights()) if data else None

    def on_epoch_begin(self, epoch, logs=None):
        self._batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1

    def _better(self, value) -> bool:
        if not math.isfinite(value):
            return False
        return value > self.best if self.higher_is_better else value < self.best

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if not math.isfinite(logs.get("loss", math.nan)):
            return
        if not _finite_weights(self.model):  # the last update broke them: go no further
            self.nonfinite_weights = True
            self.model.stop_training = True
            return
        value = logs.get(self.monitor, logs.get("loss"))
        complete = not (self.steps_per_epoch and self._batches < self.steps_per_epoch)
        if not complete:
            # Cut short: keep its weights if they are the best (validated part-way epochs
            # only), but neither checkpoint it nor count it towards early stopping.
            if self.monitor in logs and self._better(value):
                self.best, self.best_epoch, self.best_partial = value, epoch + 1, True
                self.best_weights = self.model.get_weights()
                for key, item in logs.items():
                    self.history.setdefault(key, []).append(item)
            return
        for key, item in logs.items():
            self.history.setdefault(key, []).append(item)
        val_loss = logs.get("val_loss", math.inf)
        loss_improved = val_loss < self.best_loss
        self.best_loss = min(self.best_loss, val_loss)
        if self._better(value):
            self.best, self.best_epoch, self.wait = value, epoch + 1, 0
            self.best_partial = False
            self.best_weights = self.model.get_weights()
        elif loss_improved:
            self.wait = 0  # still improving, by the other measure
        else:
            self.wait += 1
            if self.patience and self.wait >= self.patience:
                self.early_stopped = True
                self.model.stop_training = True
        if self.directory is not None:
            self.save(epoch + 1)

    def save(self, epochs_done):
        from keras_attn.saving import save_model

        self.directory.mkdir(parents=True, exist_ok=True)
        state = {
            "epochs_done": epochs_done,
            "best": self.best,
            "best_epoch": self.best_epoch,
            "monitor": self.monitor,
            "wait": self.wait,
            "history": self.history,
        }
        # The state goes inside the model file: its rename commits both at once.
        info = self.model.info
        info[STATE_KEY] = json.loads(json.dumps(state))
        extra = None
        if self.best_weights is not None and self.best_epoch != epochs_done:
            extra = {BEST_ENTRY: pack_weights(self.best_weights)}
        try:
            save_model(self.model, self.directory / "last.keras", extra=extra)
        finally:
            info.pop(STATE_KEY, None)
        temporary = self.directory / "state.json.tmp"
        try:
            with open(temporary, "w", encoding="utf-8") as stream:
                stream.write(json.dumps(state, indent=1))
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.directory / "state.json")
        except OSError as error:
            from keras_attn.errors import ModelFileError

            raise ModelFileError(
                f"{self.directory / 'state.json'}: cannot write the "
                f"checkpoint state: {error.strerror or error}."
            ) from error

    def restore_best(self):
        """Put the best weights seen back into the model (no-op if none)."""
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def _finite_weights(model) -> bool:
    """True when every weight of `model` is a finite number."""
    return all(np.isfinite(weights).all() for weights in model.get_weights())
