"""The training wizard: from a corpus to a trained, saved model, watching it learn.

    wizard = TrainWizard(parent=window)
    wizard.modelSaved.connect(window.open_model)
    wizard.show()

Six pages, one module each: Data (:mod:`.data_page`), Map and check (:mod:`.map_page`),
Text (:mod:`.text_page`), Model and training (:mod:`.model_page`), Train
(:mod:`.train_page`) and Finish (:mod:`.finish_page`). The wizard owns one
:class:`~.training_worker.TrainingWorker` on its own thread
(:class:`keras_attn_app.worker.WorkerThread`): it reads the corpus, measures the model,
trains (in a process of its own, :mod:`.training_process`) and saves, while the window
only sends requests and draws the answers. Training is paused, resumed and stopped through
the worker's thread-safe methods, since its thread is busy relaying the training.

Closing the wizard (or the main window, :meth:`TrainWizard.close_for_quit`) while it
trains asks first, then stops after the current batch; the last finished epoch stays in
the checkpoint folder (``<app data>/checkpoints/<name>/``, see :mod:`.checkpoints`), and
the Train page offers to resume it the next time (from the model alone when the
checkpoint's state is damaged). Closing with a trained model not saved asks too. The
choices of the last run are remembered in the settings group ``wizard``
(:class:`keras_attn_app.settings.Settings`; the ``KERAS_ATTN_SETTINGS`` variable points it
to another file, and ``KERAS_ATTN_DATA_DIR`` moves the app data folder).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QWizard

from .. import icons
from ..settings import Settings, data_dir
from ..worker import WorkerThread
from .checkpoints import interrupted_run
from .data_page import DataPage
from .finish_page import FinishPage
from .map_page import MapPage
from .model_page import ModelPage
from .text_page import TextPage
from .train_page import TrainPage
from .training_worker import TrainingWorker

GROUP = "wizard"
SIZE = (1100, 820)


class TrainWizard(QWizard):
    """Train a model on a corpus, step by step (see the module doc).

    Args:
        parent: the main window, or None.
        settings: a :class:`~keras_attn_app.settings.Settings` (None: the user's, or the file named by
            ``KERAS_ATTN_SETTINGS``).
        app_data: the folder for checkpoints and saved models (None:
            :func:`keras_attn_app.settings.data_dir`).

    Signals:
        modelSaved(str): the path of the saved ``.keras`` file, once it is written.
    """

    modelSaved = Signal(str)  # noqa: N815 (Qt's naming)
    # Requests to the worker (queued: it lives on its own thread).
    read_requested = Signal(object)
    estimate_requested = Signal(object)
    train_requested = Signal(object)
    save_requested = Signal(object)

    DATA, MAP, TEXT, MODEL, TRAIN, FINISH = range(6)

    def __init__(self, parent=None, settings: Settings | None = None, app_data=None):
        super().__init__(parent)
        self.settings = settings or Settings()
        self.app_data = Path(app_data) if app_data else data_dir()
        self.capabilities: dict | None = None  # what the worker found once TensorFlow loaded
        self.data: dict | None = None  # the corpus as last read (the worker's answer)
        self.closing = False  # stopping the training in order to close
        self._shut_down = True
        self.setWindowTitle("Train a model")
        self.setWindowIcon(icons.app_icon())
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setMinimumSize(880, 640)
        self.resize(*SIZE)

        self.data_page = DataPage(self)
        self.map_page = MapPage(self)
        self.text_page = TextPage(self)
        self.model_page = ModelPage(self)
        self.train_page = TrainPage(self)
        self.finish_page = FinishPage(self)
        for number, page in enumerate(
            (
                self.data_page,
                self.map_page,
                self.text_page,
                self.model_page,
                self.train_page,
                self.finish_page,
            )
        ):
            self.setPage(number, page)
        self.finished.connect(self._finished)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._start_worker()

    # -- the worker --------------------------------------------------------------------------
    def _start_worker(self):
        self._shut_down = False
        self.worker = TrainingWorker()
        self.worker_thread = WorkerThread(self.worker, self)
        self.worker_thread.setObjectName("keras-attn training")
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.finished.connect(self.worker.deleteLater)
        w = self.worker
        self.read_requested.connect(w.read_data)
        self.estimate_requested.connect(w.estimate)
        self.train_requested.connect(w.train)
        self.save_requested.connect(w.save_model)
        w.ready.connect(self._ready)
        w.data_read.connect(self.map_page.show_data)
        w.data_failed.connect(self.map_page.show_failure)
        w.estimated.connect(self.model_page.show_estimate)
        w.training_started.connect(self.train_page.training_started)
        w.progress.connect(self.train_page.show_progress)
        w.epoch_done.connect(self.train_page.epoch_done)
        w.paused.connect(self.train_page.show_paused)
        w.training_done.connect(self._training_done)
        w.saved.connect(self.finish_page.saved)
        w.failed.connect(self._failed)
        self.worker_thread.start()

    def shutdown(self) -> None:
        """Stop the worker and its thread (an estimate or training ends after its current
        step). Safe to call twice; the wizard starts a new worker if shown again."""
        if self._shut_down:
            return
        self._shut_down = True
        self.worker.want_estimate(-1)
        self.worker.stop()
        self.worker_thread.quit()
        self.worker_thread.wait()

    def showEvent(self, event):  # noqa: N802 (Qt's name)
        if self._shut_down:
            self._start_worker()
        super().showEvent(event)

    def _ready(self, capabilities: dict):
        self.capabilities = capabilities
        self.data_page.capabilities_ready(capabilities)
        self.text_page.capabilities_ready(capabilities)
        self.model_page.capabilities_ready(capabilities)
        for page in (self.data_page, self.model_page):
            page.completeChanged.emit()

    def _failed(self, what: str, message: str):
        if what == "start":
            self.data_page.show_problem(f"TensorFlow could not be loaded: {message}")
        elif what == "estimate":
            self.model_page.show_problem(message)
        elif what == "train":
            self.train_page.training_failed(message)
            if self.closing:
                self._close_now()
        elif what == "save":
            self.finish_page.save_failed(message)

    def _training_done(self, outcome: dict):
        self.train_page.training_done(outcome)
        if self.closing:
            self._close_now()

    # -- what the pages share -----------------------------------------------------------------
    def setting(self, key: str, default):
        """The remembered value of `key` in the ``wizard`` group (`default`'s type)."""
        return self.settings.value(f"{GROUP}/{key}", default)

    def remember(self) -> None:
        """Keep the current choices for the next time (the settings of the last run)."""

        def set_value(key, value):
            self.settings.set_value(f"{GROUP}/{key}", value)

        for page in (self.data_page, self.map_page, self.text_page, self.model_page):
            page.save_settings(set_value)
        self.settings.sync()

    def config_request(self) -> dict:
        """What the pages ask for: ``{"preset": name or None (automatic), "settings":
        {dotted field: value}}``; the worker chooses the configuration from it and the
        training pairs with :func:`keras_attn.sizing.choose`."""
        return self.model_page.config_request()

    def config_problem(self) -> str | None:
        """Why the configuration cannot be used, or None when it can."""
        if self.capabilities is None:
            return "TensorFlow is still loading."
        from keras_attn.config import Config, preset  # already imported by the worker
        from keras_attn.errors import ConfigurationError

        request = self.config_request()
        try:
            (preset(request["preset"]) if request["preset"] else Config()).replace(
                **request["settings"]
            )
        except ConfigurationError as error:
            return str(error)
        return None

    def checkpoint_dir(self) -> Path:
        return self.app_data / "checkpoints" / self.model_page.model_name()

    def checkpoint(self) -> dict | None:
        """The interrupted run of this model name, when its checkpoint is there
        (:func:`.checkpoints.interrupted_run`: its ``problem`` says when only resuming from
        the model alone is possible)."""
        return interrupted_run(self.checkpoint_dir())

    def default_model_path(self) -> Path:
        return self.app_data / "models" / f"{self.model_page.model_name()}.keras"

    def run_facts(self) -> dict:
        """What a run was made of, kept beside its checkpoint."""
        data = {k: v for k, v in self.map_page.request().items() if k != "id"}
        return {"name": self.model_page.model_name(), "data": data, "choose": self.config_request()}

    # -- training and saving -------------------------------------------------------------------
    def start_training(self, resume: bool | str = False) -> None:
        """Ask the worker to train: `resume` True continues the checkpoint, ``"model"``
        continues from its model alone (a damaged or edited state), False starts over."""
        self.remember()
        self.worker.want_estimate(-1)  # an estimate still running gives way
        self.train_requested.emit(
            {
                "choose": self.config_request(),
                "pairs": self.data["pairs"],
                "checkpoint_dir": str(self.checkpoint_dir()),
                "resume": resume if resume == "model" else bool(resume),
                "device": self.model_page.device.currentData(),
                "dataset": self.data.get("path"),
                "run": self.run_facts(),
            }
        )

    def save_model(self, path: str) -> None:
        """Ask the worker to save the trained model; a finished run's checkpoint goes."""
        outcome = self.train_page.outcome or {}
        self.save_requested.emit(
            {
                "path": path,
                "remove_checkpoint": str(self.checkpoint_dir())
                if outcome.get("finished")
                else None,
            }
        )

    # -- closing -------------------------------------------------------------------------------
    def confirm(self, question: str, detail: str = "") -> bool:
        """Ask a yes-or-no question."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Train a model",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setInformativeText(detail)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def done(self, result):
        """Closing asks first while training runs, or when a trained model is unsaved."""
        accepted = int(getattr(result, "value", result)) == int(QDialog.DialogCode.Accepted.value)
        if not accepted and not self.may_close():
            return  # told no, or closes once the worker has stopped
        super().done(result)

    def may_close(self, quitting: bool = False) -> bool:
        """Whether the wizard may close now, asking first when something would be lost.

        While training runs: a yes stops it after the current batch (the last finished
        epoch stays in the checkpoint, and the next wizard offers to resume it), and the
        wizard closes once the worker has stopped; False until then. A trained model not
        saved yet: True only when the person agrees to leave it (in its checkpoint).
        `quitting`: the app is quitting, not only the wizard closing (the question says so).
        """
        if self.closing:
            return not self.train_page.running
        what = "quit" if quitting else "close"
        kept = (
            "The last finished epoch stays in a checkpoint; the wizard offers to "
            "resume it the next time."
        )
        if self.train_page.running:
            if self.confirm(f"Stop the training and {what}?", kept):
                self.closing = True
                self.train_page.stop(
                    f"Stopping to {what}; the last finished epoch stays in the checkpoint…"
                )
            return False
        if (
            self.train_page.outcome
            and not self.finish_page.saved_path
            and not self.finish_page.saving
        ):
            return self.confirm(f"{what.capitalize()} without saving the trained model?", kept)
        return True

    def close_for_quit(self, then) -> bool:
        """The main window is closing: True when the wizard has closed (or was not open)
        and nothing is lost; False to keep the window open: the person said no, or the
        training is stopping first, after which `then` is called (once)."""
        if not self.isVisible():
            return True
        was_closing = self.closing
        if self.may_close(quitting=True):
            self.closing = True  # asked already: close without a second question
            self.reject()
            self.closing = False
            return True
        if self.closing and not was_closing:

            def closed(_result):
                self.finished.disconnect(closed)
                then()

            self.finished.connect(closed)
        return False

    def _close_now(self):
        self.done(QDialog.DialogCode.Rejected)
        self.closing = False

    def _finished(self, result):
        self.remember()
        self.shutdown()
