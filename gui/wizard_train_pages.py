"""The training wizard's last pages: training live, then saving the model.

:class:`TrainPage` starts (or resumes) training in the worker and shows it as it goes:
a progress bar with ETA and tokens per second, loss and accuracy curves, validation BLEU,
translations of a few fixed validation sentences, and the attention heatmap of one fixed
sentence after every epoch, with a slider to replay how it sharpened. Pause holds the
training after the current batch; Stop ends it keeping the best epoch so far.
:class:`FinishPage` saves the ``.keras`` file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from gui import icons, theme
from gui.heatmap import HeatmapCanvas
from gui.wizard_data_pages import make_table, show_warning
from gui.wizard_plots import CurvesCanvas
from gui.wizard_setup_pages import duration

HEATMAP_HINT = "The attention of one validation sentence appears after the first epoch."


class TrainPage(QWizardPage):
    """Page 5: training, live."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Train")
        self.setSubTitle("Watch the model learn. Pause holds it after the current batch; "
                         "Stop ends it and keeps the best epoch so far.")
        self.running = False
        self.paused = False
        self.outcome: dict | None = None
        self.epochs: list[dict] = []  # one report per finished epoch (samples, attention)
        self.info: dict = {}

        self.banner = QFrame()
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.resume_button = QPushButton(icons.icon("play"), "Resume")
        self.over_button = QPushButton(icons.icon("restart"), "Start over")
        row = QHBoxLayout(self.banner)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.resume_button)
        row.addWidget(self.over_button)
        self.banner.hide()

        self.start_button = QPushButton(icons.icon("play"), "Start training")
        self.pause_button = QPushButton(icons.icon("pause"), "Pause")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End training now and keep the best epoch so far.")
        self.status = QLabel("Press Start training.")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("not started")
        self.progress.setValue(0)
        self.eta = QLabel("ETA —")
        self.speed = QLabel("— tokens/s")
        self.using = QLabel()  # the settings in use (the worker's choice)
        self.using.setWordWrap(True)
        self.using.hide()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()

        self.curves = CurvesCanvas()
        self.heatmap = HeatmapCanvas()
        self.heatmap.setMinimumSize(260, 200)
        self.heatmap.clear(HEATMAP_HINT)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.slider.setToolTip("Replay the attention epoch by epoch.")
        self.slider_label = QLabel("Epoch —")
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.samples = make_table(("Source", "Reference", "Model output"))
        self.bleu = QLabel("Validation BLEU: —")
        self.bleu.setWordWrap(True)

        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)
        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.eta)
        bar.addWidget(self.speed)
        attention = QGroupBox("Attention of one sentence")
        column = QVBoxLayout(attention)
        column.addWidget(self.heatmap, 1)
        column.addWidget(self.sentence)
        slider_row = QHBoxLayout()
        slider_row.addWidget(self.slider_label)
        slider_row.addWidget(self.slider, 1)
        column.addLayout(slider_row)
        samples = QGroupBox("Sample translations")
        column = QVBoxLayout(samples)
        column.addWidget(self.samples, 1)
        column.addWidget(self.bleu)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(attention)
        lower.addWidget(samples)
        lower.setSizes([420, 520])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.curves)
        split.addWidget(lower)
        split.setSizes([200, 320])
        self.split = split
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        layout.addLayout(bar)
        layout.addWidget(self.using)
        layout.addWidget(self.problem)
        layout.addWidget(split, 1)

        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.over_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.pause_button.clicked.connect(lambda: self.toggle_pause())
        self.stop_button.clicked.connect(lambda: self.stop())
        self.slider.valueChanged.connect(self._show_epoch)
        self._set_buttons()

    # -- entering -------------------------------------------------------------------------------
    def initializePage(self):  # noqa: N802 (Qt's name)
        if self.running:
            return
        self.reset()
        found = self.owner.checkpoint()
        if found:
            run = found["run"]
            epochs = (run.get("config") or {}).get("train", {}).get("epochs")
            of = f" of {epochs}" if epochs else ""
            text = (f"<b>Resume the interrupted run?</b> A checkpoint of “"
                    f"{self.owner.model_page.model_name()}” holds {found['epochs_done']}"
                    f"{of} epochs.")
            if run and run.get("data") != self.owner.run_facts()["data"]:
                text += " It was trained on other data; resuming keeps its vocabularies."
            self.banner_text.setText(text)
        self.banner.setVisible(bool(found))
        self.start_button.setVisible(not found)

    def reset(self):
        self.outcome = None
        self.epochs = []
        self.info = {}
        self.curves.clear()
        self.heatmap.clear(HEATMAP_HINT)
        self.samples.setRowCount(0)
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(False)
        self.slider_label.setText("Epoch —")
        self.sentence.setText("")
        self.bleu.setText("Validation BLEU: —")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("not started")
        self.eta.setText("ETA —")
        self.speed.setText("— tokens/s")
        self.using.hide()
        self.status.setText("Press Start training.")
        show_warning(self.problem, "")
        self._set_buttons()

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return self.outcome is not None and not self.running

    # -- steering --------------------------------------------------------------------------------
    def start(self, resume: bool = False) -> None:
        if self.running:
            return
        self.reset()
        self.banner.hide()
        self.start_button.show()
        self.running, self.paused = True, False
        self.status.setText("Resuming from the checkpoint…" if resume
                            else "Building the model…")
        self.progress.setRange(0, 0)  # busy until the first batch
        self._set_buttons()
        self.completeChanged.emit()
        self.owner.start_training(resume)
        self._update_back()

    def toggle_pause(self) -> None:
        if not self.running:
            return
        if self.paused:
            self.paused = False
            self.owner.worker.resume()
            self.status.setText("Training…")
        else:
            self.paused = True
            self.owner.worker.pause()
            self.status.setText("Pausing after this batch…")
        self._set_buttons()

    def stop(self, reason: str = "Stopping after this batch; the best epoch so far is kept…"):
        if not self.running:
            return
        self.owner.worker.stop()
        self.paused = False
        self.status.setText(reason)
        self.stop_button.setEnabled(False)
        self.pause_button.setEnabled(False)

    def _set_buttons(self):
        self.start_button.setEnabled(not self.running)
        self.start_button.setText("Train again" if self.outcome else "Start training")
        self.pause_button.setEnabled(self.running)
        self.pause_button.setText("Resume" if self.paused else "Pause")
        self.pause_button.setIcon(icons.icon("play" if self.paused else "pause"))
        self.stop_button.setEnabled(self.running)

    def _update_back(self):
        button = self.owner.button(QWizard.WizardButton.BackButton)
        if button is not None:
            button.setEnabled(not self.running)

    # -- worker news -----------------------------------------------------------------------------
    def training_started(self, info: dict) -> None:
        self.info = info
        self.epochs = list(info.get("earlier") or [])
        choice = info.get("choice")
        if choice:
            self.using.setText(choice["summary"][:1].upper() + choice["summary"][1:])
            self.using.setToolTip("\n".join(["Why:", *choice["reasons"]]))
            self.using.show()
        history = info.get("history") or {}
        if history.get("loss"):
            bleu = {e["epoch"]: e.get("bleu") for e in self.epochs}
            self.curves.set_history(history, [bleu.get(i + 1)
                                              for i in range(len(history["loss"]))])
        self._epochs_changed(follow=True)
        where = (f"resumed after epoch {info['resumed_from']}; " if info["resumed_from"]
                 else "")
        self.status.setText(f"Training on {info['train_pairs']:,} pairs, validating on "
                            f"{info['validation_pairs']:,} ({where}compiling the first "
                            "step…)")

    def show_progress(self, event: dict) -> None:
        if not self.running:
            return
        self.progress.setRange(0, max(1, event["total"]))
        self.progress.setValue(min(event["done"], event["total"]))
        self.progress.setFormat(f"epoch {event['epoch']}/{event['epochs']} · "
                                f"step {event['step']}/{event['steps']} · %p%")
        eta = event.get("eta_seconds")
        self.eta.setText(f"ETA {duration(eta)}" if eta is not None else "ETA —")
        self.speed.setText(f"{event['tokens_per_second']:,.0f} tokens/s")
        if not self.paused and not self.owner.closing and self.stop_button.isEnabled():
            self.status.setText(f"Training… loss {event['loss']:.3f}, "
                                f"accuracy {event['accuracy']:.3f}")

    def show_paused(self, paused: bool) -> None:
        if paused and self.running:
            self.status.setText("Paused. Press Resume to go on.")

    def epoch_done(self, event: dict) -> None:
        self.curves.add_epoch(event)
        self.epochs.append(event)
        self._epochs_changed(follow=self.slider.value() >= self.slider.maximum())
        bleus = [f"{e['bleu']:.1f}" for e in self.epochs if e.get("bleu") is not None]
        if bleus:
            count = self.info.get("bleu_pairs", 0)
            self.bleu.setText(f"Validation BLEU ({count:,} pairs), epoch by epoch: "
                              + " → ".join(bleus))

    def training_done(self, outcome: dict) -> None:
        self.running, self.paused = False, False
        self.outcome = outcome
        best = outcome.get("best_epoch")
        cut = " (the last one cut short)" if outcome.get("last_partial") else ""
        self.status.setText(
            f"Done: {outcome['stop_reason']} after {outcome['epochs_done']} epochs{cut} in "
            f"{duration(outcome['seconds'])}" + (f"; the best epoch, {best}, is kept." if best
                                                 else ".") + " Press Next to save it.")
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat(f"{outcome['epochs_done']} of {outcome['epochs']} epochs")
        self.eta.setText("ETA —")
        self._set_buttons()
        self.completeChanged.emit()
        self._update_back()

    def training_failed(self, message: str) -> None:
        self.running, self.paused = False, False
        self.outcome = None
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("failed")
        self.status.setText("Training failed.")
        show_warning(self.problem, message)
        self._set_buttons()
        self.completeChanged.emit()
        self._update_back()

    # -- replaying the attention --------------------------------------------------------------------
    def _epochs_changed(self, follow: bool):
        shown = [e for e in self.epochs if e.get("attention") or e.get("samples")]
        count = len(shown)
        self.slider.setEnabled(count > 1)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, count - 1))
        if follow:
            self.slider.setValue(max(0, count - 1))
        self.slider.blockSignals(False)
        if count:
            self._show_epoch(self.slider.value())

    def _show_epoch(self, index: int):
        shown = [e for e in self.epochs if e.get("attention") or e.get("samples")]
        if not 0 <= index < len(shown):
            return
        report = shown[index]
        attention = report.get("attention")
        total = self.info.get("epochs") or report.get("epochs") or "?"
        part = " (part-way)" if report.get("complete", True) is False else ""
        self.slider_label.setText(f"Epoch {report['epoch']}{part} of {total}")
        colors = theme.colors(self.palette())
        self.heatmap.set_colors(colors["dark"], colors["window"], colors["text"])
        if attention:
            self.heatmap.show_attention(attention["weights"], attention["source_tokens"],
                                        attention["target_tokens"])
            self.sentence.setText(f"“{self.info.get('sentence', '')}” → "
                                  f"“{attention['translation']}”")
        samples = report.get("samples") or []
        self.samples.setRowCount(len(samples))
        for row, values in enumerate(samples):
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.samples.setItem(row, column, item)
        self.samples.setHorizontalHeaderLabels(
            ["Source", "Reference", f"Model output, epoch {report['epoch']}"])


class FinishPage(QWizardPage):
    """Page 6: save the model."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Finish")
        self.setSubTitle("Save the trained model as one .keras file.")
        self.setButtonText(QWizard.WizardButton.FinishButton, "Save")
        self.saving = False
        self.saved_path: str | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path = QLineEdit()
        self.choose = QPushButton(icons.icon("save"), "Choose…")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        row = QHBoxLayout()
        row.addWidget(QLabel("Save as"))
        row.addWidget(self.path, 1)
        row.addWidget(self.choose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addSpacing(12)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.path.textChanged.connect(self.completeChanged)
        self.choose.clicked.connect(self._choose)

    def initializePage(self):  # noqa: N802 (Qt's name)
        self.saved_path = None
        self.path.setText(str(self.owner.default_model_path()))
        show_warning(self.problem, "")
        self.status.setText("Press Save to write the file.")
        self.summary.setText(summary_text(self.owner.train_page.outcome or {},
                                          self.owner.train_page.epochs))

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return not self.saving and self.path.text().strip().endswith(".keras")

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        path = str(Path(self.path.text().strip()).expanduser())
        if self.saved_path is not None and self.saved_path == path:
            return True
        if not self.saving:
            self.saving = True
            self.status.setText("Saving…")
            show_warning(self.problem, "")
            self.completeChanged.emit()
            self.owner.save_model(path)
        return False

    def saved(self, path: str) -> None:
        self.saving = False
        self.saved_path = path
        self.status.setText(f"Saved {path}")
        self.completeChanged.emit()
        self.owner.modelSaved.emit(path)
        self.owner.accept()

    def save_failed(self, message: str) -> None:
        self.saving = False
        self.status.setText("")
        show_warning(self.problem, message)
        self.completeChanged.emit()

    def _choose(self):
        path, _ = QFileDialog.getSaveFileName(self, "Save the model", self.path.text(),
                                              "keras-attn models (*.keras)")
        if path:
            self.path.setText(path if path.endswith(".keras") else path + ".keras")


def summary_text(outcome: dict, epochs: list[dict]) -> str:
    """A few lines about the finished run, for the Finish page."""
    if not outcome:
        return "No model has been trained yet."
    history = outcome.get("history") or {}
    best = outcome.get("best_epoch")
    lines = [f"Training ended: <b>{outcome['stop_reason']}</b> after "
             f"{outcome['epochs_done']} of {outcome['epochs']} epochs "
             f"({duration(outcome['seconds'])})."]
    if best:
        row = best - 1
        facts = [f"{name} {history[key][row]:.3f}" for key, name in
                 (("val_loss", "validation loss"), ("val_accuracy", "validation accuracy"),
                  ("loss", "training loss"))
                 if len(history.get(key, [])) > row]
        bleu = next((e.get("bleu") for e in epochs if e.get("epoch") == best), None)
        if bleu is not None:
            facts.append(f"validation BLEU {bleu:.1f}")
        lines.append(f"The model keeps the weights of its best epoch, {best}: "
                     + ", ".join(facts) + ".")
    else:
        lines.append("No epoch was finished, so the model holds the weights it had when "
                     "training stopped.")
    lines.append(f"{outcome['params']:,} parameters.")
    return "<br>".join(lines)

