"""The training wizard's fifth page: training, live.

:class:`TrainPage` starts (or resumes) training in the worker and shows it as it goes:
a progress bar with ETA and tokens per second, loss and accuracy curves, validation BLEU,
translations of a few fixed validation sentences, and the attention heatmap of one fixed
sentence after every epoch, with a slider to replay how it sharpened. Pause holds the
training after the current batch; Stop ends it keeping the best epoch so far. The next
page (:mod:`.finish_page`) saves the model.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from .. import icons, theme
from ..widgets.heatmap import HeatmapCanvas
from .common import duration, make_table, show_warning
from .live_curves import LiveCurves

HEATMAP_HINT = "The attention of one validation sentence appears after the first epoch."


class TrainPage(QWizardPage):
    """Page 5: training, live."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Train")
        self.setSubTitle(
            "Watch the model learn. Pause holds it after the current batch; "
            "Stop ends it and keeps the best epoch so far."
        )
        self.running = False
        self.paused = False
        self.resume_mode: bool | str = True  # how Resume resumes: True, or "model"
        self.outcome: dict | None = None
        self.epochs: list[dict] = []  # one report per finished epoch (samples, attention)
        self.info: dict = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_banner())
        layout.addLayout(self._build_buttons())
        layout.addLayout(self._build_progress())
        layout.addWidget(self.using)
        layout.addWidget(self.problem)
        layout.addWidget(self._build_charts(), 1)
        self._connect()
        self._set_buttons()

    # -- building -----------------------------------------------------------------------------
    def _build_banner(self) -> QFrame:
        """The offer to resume an interrupted run (shown when a checkpoint is there)."""
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
        return self.banner

    def _build_buttons(self) -> QHBoxLayout:
        """Start, Pause and Stop, and the status line beside them."""
        self.start_button = QPushButton(icons.icon("play"), "Start training")
        self.pause_button = QPushButton(icons.icon("pause"), "Pause")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End training now and keep the best epoch so far.")
        self.status = QLabel("Press Start training.")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)
        return buttons

    def _build_progress(self) -> QHBoxLayout:
        """The progress bar with ETA and speed; the settings in use and any problem, which
        the page lays out below it."""
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
        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.eta)
        bar.addWidget(self.speed)
        return bar

    def _build_charts(self) -> QSplitter:
        """The curves above; one sentence's attention (with its epoch slider) and the
        sample translations below."""
        self.curves = LiveCurves()
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
        return split

    def _connect(self):
        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.over_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button.clicked.connect(lambda: self.start(resume=self.resume_mode))
        self.pause_button.clicked.connect(lambda: self.toggle_pause())
        self.stop_button.clicked.connect(lambda: self.stop())
        self.slider.valueChanged.connect(self._show_epoch)

    # -- entering -------------------------------------------------------------------------------
    def initializePage(self):  # noqa: N802 (Qt's name)
        if self.running:
            return
        self.reset()
        found = self.owner.checkpoint()
        if found:
            self.banner_text.setText(self._banner_text(found))
            self.resume_mode = "model" if found["problem"] else True
            self.resume_button.setText("Resume from the model" if found["problem"] else "Resume")
        self.banner.setVisible(bool(found))
        self.start_button.setVisible(not found)

    def _banner_text(self, found: dict) -> str:
        """The offer to resume: how far the run went, or why its state cannot be used."""
        run = found["run"]
        name = self.owner.model_page.model_name()
        epochs = (run.get("config") or {}).get("train", {}).get("epochs")
        of = f" of {epochs}" if epochs else ""
        done = found["epochs_done"]
        if found["problem"]:
            held = f" (it holds {done}{of} epochs)" if done is not None else ""
            text = (
                f"<b>The checkpoint of “{name}” cannot be resumed as it is:</b> its "
                "state file is damaged or was edited. Resume from the model alone"
                f"{held}, keeping its weights and optimizer state, or start over."
                f"<br><small>{html.escape(found['problem'])}</small>"
            )
        else:
            text = (
                f"<b>Resume the interrupted run?</b> A checkpoint of “{name}” holds "
                f"{done}{of} epochs."
            )
        if run and run.get("data") != self.owner.run_facts()["data"]:
            text += " It was trained on other data; resuming keeps its vocabularies."
        return text

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
    def start(self, resume: bool | str = False) -> None:
        if self.running:
            return
        self.reset()
        self.banner.hide()
        self.start_button.show()
        self.running, self.paused = True, False
        self.status.setText("Resuming from the checkpoint…" if resume else "Building the model…")
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
            self.curves.set_history(history, [bleu.get(i + 1) for i in range(len(history["loss"]))])
        self._epochs_changed(follow=True)
        where = f"resumed after epoch {info['resumed_from']}; " if info["resumed_from"] else ""
        self.status.setText(
            f"Training on {info['train_pairs']:,} pairs, validating on "
            f"{info['validation_pairs']:,} ({where}compiling the first "
            "step…)"
        )

    def show_progress(self, event: dict) -> None:
        if not self.running:
            return
        self.progress.setRange(0, max(1, event["total"]))
        self.progress.setValue(min(event["done"], event["total"]))
        self.progress.setFormat(
            f"epoch {event['epoch']}/{event['epochs']} · "
            f"step {event['step']}/{event['steps']} · %p%"
        )
        eta = event.get("eta_seconds")
        self.eta.setText(f"ETA {duration(eta)}" if eta is not None else "ETA —")
        self.speed.setText(f"{event['tokens_per_second']:,.0f} tokens/s")
        if not self.paused and not self.owner.closing and self.stop_button.isEnabled():
            self.status.setText(
                f"Training… loss {event['loss']:.3f}, accuracy {event['accuracy']:.3f}"
            )

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
            self.bleu.setText(
                f"Validation BLEU ({count:,} pairs), epoch by epoch: " + " → ".join(bleus)
            )

    def training_done(self, outcome: dict) -> None:
        self.running, self.paused = False, False
        self.outcome = outcome
        best = outcome.get("best_epoch")
        cut = " (the last one cut short)" if outcome.get("last_partial") else ""
        self.status.setText(
            f"Done: {outcome['stop_reason']} after {outcome['epochs_done']} epochs{cut} in "
            f"{duration(outcome['seconds'])}"
            + (f"; the best epoch, {best}, is kept." if best else ".")
            + " Press Next to save it."
        )
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
    def _replayable(self) -> list[dict]:
        """The epoch reports the slider steps through: those with attention or samples."""
        return [e for e in self.epochs if e.get("attention") or e.get("samples")]

    def _epochs_changed(self, follow: bool):
        count = len(self._replayable())
        self.slider.setEnabled(count > 1)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, count - 1))
        if follow:
            self.slider.setValue(max(0, count - 1))
        self.slider.blockSignals(False)
        if count:
            self._show_epoch(self.slider.value())

    def _show_epoch(self, index: int):
        shown = self._replayable()
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
            self.heatmap.show_attention(
                attention["weights"], attention["source_tokens"], attention["target_tokens"]
            )
            self.sentence.setText(
                f"“{self.info.get('sentence', '')}” → “{attention['translation']}”"
            )
        samples = report.get("samples") or []
        self.samples.setRowCount(len(samples))
        for row, values in enumerate(samples):
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.samples.setItem(row, column, item)
        self.samples.setHorizontalHeaderLabels(
            ["Source", "Reference", f"Model output, epoch {report['epoch']}"]
        )
