"""The step-through view: watch the decoder produce one output token at a time.

It shows the sentence, its source tokens, the output so far and the controls (step, back,
play, to the end) above two parts of its own:

* the pages (:mod:`.step_pages`): the attention of all steps as a heatmap or as alignment
  lines, the beam tree, the anatomy of the current step (:mod:`.anatomy_view`) and the
  diagnostics of the sentence (:mod:`.diagnostics_view`), or, for a model without
  attention, a notice that there is nothing to attend to (:mod:`.classic_notice`);
* the side panel (:mod:`.step_panel`): the current step's attention as bars and its top
  candidates. Clicking a candidate replaces the current token with it and decoding goes on
  from there.

For a Transformer model a row under the page switch chooses the layer and head (or the
average of a layer's heads) that the pages, the bars and the shading of the source tokens
show; it is hidden for RNN models.

Every request goes out as a signal to the worker; every answer comes back as a snapshot
dict (see :func:`keras_attn_app.worker_tasks.snapshot`) handed to
:meth:`StepView.show_snapshot`.

Keys: Right steps, Left goes back, Space plays or pauses, Home restarts, End decodes to
the end.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import icons, theme
from ..widgets.head_grid import head_name
from .step_pages import StepPages
from .step_panel import StepPanel

MAX_QUEUED = 4  # step requests allowed on their way to the worker


class StepView(QWidget):
    """Step-by-step decoding with the attention of every step."""

    start_requested = Signal(str)
    step_requested = Signal()
    back_requested = Signal()
    end_requested = Signal()
    force_requested = Signal(int, bool)  # token id, decode on to the end
    beam_requested = Signal(int)
    error = Signal(str, str)  # title, message for the person
    snapshot_shown = Signal(str)  # the snapshot's event, once drawn

    def __init__(self, parent=None):
        super().__init__(parent)
        self.snapshot: dict | None = None
        self.has_attention = True
        self._queued = 0
        self.notice = QLabel()  # the sentence is longer than the model reads
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.pages = StepPages()
        self.pages.beam_requested.connect(self.beam_requested)
        self.pages.error.connect(self.error)
        self.pages.heads_changed.connect(self._heads_changed)
        self.panel = StepPanel()
        self.panel.candidate_chosen.connect(self._candidate_chosen)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_sentence_row())
        layout.addWidget(self.notice)
        layout.addLayout(self._build_token_rows())
        layout.addLayout(self._build_controls())
        layout.addWidget(self.pages.switch)
        layout.addWidget(self.pages.head_row)
        layout.addWidget(self._build_splitter(), 1)
        self._build_player()
        self._build_shortcuts()
        self.apply_colors()
        self._update_controls()

    # -- building ------------------------------------------------------------------
    def _build_sentence_row(self) -> QHBoxLayout:
        self.sentence = QLineEdit()
        self.sentence.setPlaceholderText("A sentence in the source language")
        self.sentence.returnPressed.connect(self.start)
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Encode the sentence and get ready to decode it.")
        self.start_button.clicked.connect(self.start)
        row = QHBoxLayout()
        row.addWidget(QLabel("Sentence"))
        row.addWidget(self.sentence, 1)
        row.addWidget(self.start_button)
        return row

    def _build_token_rows(self) -> QVBoxLayout:
        """Source tokens (shaded by the step's attention), output tokens, translation."""
        self.source_label = _token_label()
        self.output_label = _token_label()
        self.translation_label = QLabel()
        self.translation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.translation_label.setWordWrap(True)
        rows = QVBoxLayout()
        for caption, widget in (
            ("Source", self.source_label),
            ("Output", self.output_label),
            ("Translation", self.translation_label),
        ):
            row = QHBoxLayout()
            label = QLabel(caption)
            label.setMinimumWidth(78)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            row.addWidget(label)
            row.addWidget(widget, 1)
            rows.addLayout(row)
        return rows

    def _build_controls(self) -> QHBoxLayout:
        """Restart, back, step, play at a speed, to the end; finish after a choice."""
        self.restart_button = _tool("restart", "Restart", "Start the sentence again (Home)")
        self.back_button = _tool("back", "Back", "Undo the last step (Left)")
        self.step_button = _tool("step", "Step", "Decode the next token (Right)")
        self.play_button = _tool("play", "Play", "Step on its own at the chosen speed (Space)")
        self.play_button.setCheckable(True)
        self.end_button = _tool("end", "To end", "Decode to the end (End)")
        self.speed = QSlider(Qt.Orientation.Horizontal, minimum=1, maximum=10, value=3)
        self.speed.setToolTip("Steps per second while playing")
        self.speed.setMaximumWidth(140)
        self.finish_box = QCheckBox("Finish after a choice")
        self.finish_box.setChecked(True)
        self.finish_box.setToolTip("After you pick a candidate, decode on to the end.")
        self.restart_button.clicked.connect(self.restart)
        self.back_button.clicked.connect(self.back)
        self.step_button.clicked.connect(self.step)
        self.play_button.toggled.connect(self._play_toggled)
        self.end_button.clicked.connect(self.to_end)
        self.speed.valueChanged.connect(self._speed_changed)
        controls = QHBoxLayout()
        for button in (self.restart_button, self.back_button, self.step_button, self.play_button):
            controls.addWidget(button)
        controls.addWidget(QLabel("Speed"))
        controls.addWidget(self.speed)
        controls.addWidget(self.end_button)
        controls.addSpacing(12)
        controls.addWidget(self.finish_box)
        controls.addStretch(1)
        return controls

    def _build_splitter(self) -> QSplitter:
        """The pages on the left, the side panel on the right."""
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.pages)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([820, 300])
        self.splitter = splitter
        return splitter

    def _build_player(self):
        """The timer that steps while Play is down."""
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._speed_changed(self.speed.value())

    def _build_shortcuts(self):
        self.shortcuts = []
        for key, slot in (
            (Qt.Key.Key_Right, self.step),
            (Qt.Key.Key_Left, self.back),
            (Qt.Key.Key_Space, self.play_button.toggle),
            (Qt.Key.Key_Home, self.restart),
            (Qt.Key.Key_End, self.to_end),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # -- requests ------------------------------------------------------------------
    def start(self):
        text = self.sentence.text().strip()
        if not text:
            self.error.emit("Nothing to decode", "Type a sentence first.")
            return
        self.pause()
        self._queued += 1
        self.start_requested.emit(text)

    def restart(self):
        self.start()

    def step(self):
        if not self._can_step() or self._queued >= MAX_QUEUED:
            return
        self._queued += 1
        self.step_requested.emit()

    def back(self):
        if self.snapshot is None or self._queued >= MAX_QUEUED:
            return
        self.pause()
        self._queued += 1
        self.back_requested.emit()

    def to_end(self):
        if not self._can_step():
            return
        self.pause()
        self._queued += 1
        self.end_requested.emit()

    def pause(self):
        self.play_button.setChecked(False)

    def _can_step(self) -> bool:
        return (
            self.snapshot is not None
            and self.snapshot["sentence"] is not None
            and not self.snapshot["finished"]
        )

    def _candidate_chosen(self, token_id: int):
        """A candidate other than the step's token was clicked: use it instead."""
        self.pause()
        self._queued += 1
        self.force_requested.emit(int(token_id), self.finish_box.isChecked())

    def request_failed(self):
        """The worker could not do the last request: stop waiting for it."""
        self._queued = max(0, self._queued - 1)
        self.pause()

    # -- playing ---------------------------------------------------------------------
    def _play_toggled(self, playing: bool):
        self.play_button.setIcon(icons.icon("pause" if playing else "play"))
        self.play_button.setText("Pause" if playing else "Play")
        if playing and self._can_step():
            self.timer.start()
            self._tick()
        else:
            self.timer.stop()
            if playing:
                self.play_button.setChecked(False)

    def _speed_changed(self, value: int):
        self.timer.setInterval(int(1000 / max(value, 1)))

    def _tick(self):
        if not self._can_step():
            self.pause()
        elif self._queued == 0:
            self.step()

    # -- answers -------------------------------------------------------------------
    def show_snapshot(self, snapshot: dict):
        """Draw a snapshot of the decoding session sent by the worker."""
        self._queued = max(0, self._queued - 1)
        self.snapshot = snapshot
        attention = snapshot.get("has_attention", True)
        if attention != self.has_attention:
            self._set_has_attention(attention)
        self.pages.show_snapshot(snapshot)
        self._show_tokens(snapshot)
        self._show_panel_step()
        self.panel.show_summary(
            snapshot.get("diagnostics"), snapshot["source_tokens"], snapshot["finished"]
        )
        if snapshot["truncated"]:
            self.notice.setText(
                f"The sentence has {snapshot['token_count']} tokens; the model reads only "
                f"the first {snapshot['max_length']}."
            )
            self.notice.show()
        else:
            self.notice.hide()
        if snapshot["finished"]:
            self.pause()
        self._update_controls()
        self.snapshot_shown.emit(snapshot["event"])

    def show_beam(self, result: dict):
        self.pages.show_beam(result)

    def _show_panel_step(self):
        """The side panel's bars: the step's weights, or for a Transformer those of the
        chosen layer and head."""
        snapshot = self.snapshot
        chosen = self.pages.step_weights()
        layer, head = self.pages.chosen_head()
        self.panel.show_step(
            snapshot["source_tokens"],
            snapshot["step"],
            self.has_attention,
            weights=chosen,
            heading=None
            if chosen is None
            else f"Attention at this step ({head_name(layer, head)})",
        )

    def _heads_changed(self):
        if self.snapshot is not None:
            self._show_tokens(self.snapshot)
            self._show_panel_step()

    def _show_tokens(self, snapshot):
        c = theme.colors(self.palette())
        step = snapshot["step"]
        weights = step.weights if step is not None else None
        chosen = self.pages.step_weights()
        if chosen is not None:
            weights = chosen
        parts = []
        for j, token in enumerate(snapshot["source_tokens"]):
            amount = float(weights[j]) if weights is not None and j < len(weights) else 0.0
            parts.append(_chip(token, theme.blend(c["accent"], c["base"], amount), c))
        self.source_label.setText(" ".join(parts))
        parts = []
        last = len(snapshot["target_tokens"]) - 1
        for i, (token, forced) in enumerate(
            zip(snapshot["target_tokens"], snapshot["forced"], strict=True)
        ):
            parts.append(
                _chip(
                    token,
                    theme.blend(c["accent"], c["base"], 0.25 if i == last else 0.0),
                    c,
                    bold=i == last,
                    forced=forced,
                )
            )
        self.output_label.setText(
            " ".join(parts)
            if parts
            else f"<span style='color:{c['muted'].name()}'>nothing yet</span>"
        )
        self.translation_label.setText(snapshot["translation"] or "")

    def _update_controls(self):
        started = self.snapshot is not None and self.snapshot["sentence"] is not None
        steps = len(self.snapshot["target_tokens"]) if started else 0
        self.back_button.setEnabled(steps > 0)
        self.restart_button.setEnabled(started)
        for button in (self.step_button, self.end_button, self.play_button):
            button.setEnabled(self._can_step())

    def _set_has_attention(self, attention: bool):
        self.has_attention = bool(attention)
        self.pages.set_has_attention(self.has_attention)
        self.panel.set_has_attention(self.has_attention)

    def set_model(self, summary: dict):
        """A model was opened: whether it has attention and how its decoder is built."""
        self.pages.set_model(summary)
        self._set_has_attention(summary.get("has_attention", True))

    # -- model and colours -----------------------------------------------------------
    def reset(self, sample_sentence: str = ""):
        """A new model: forget the old sentence."""
        self.pause()
        self.snapshot = None
        self._queued = 0
        if sample_sentence:
            self.sentence.setText(sample_sentence)
        self.pages.reset()
        self.panel.reset()
        self.source_label.clear()
        self.output_label.clear()
        self.translation_label.clear()
        self._update_controls()

    def apply_colors(self):
        c = theme.colors(self.palette())
        self.pages.apply_colors()
        self.panel.apply_colors()
        self.notice.setStyleSheet(f"color: {c['warning'].name()};")
        if self.snapshot is not None:
            self._show_tokens(self.snapshot)
        for button, name in (
            (self.restart_button, "restart"),
            (self.back_button, "back"),
            (self.step_button, "step"),
            (self.end_button, "end"),
        ):
            button.setIcon(icons.icon(name))
        self.play_button.setIcon(icons.icon("pause" if self.play_button.isChecked() else "play"))

    def set_shortcuts_enabled(self, enabled: bool):
        for shortcut in self.shortcuts:
            shortcut.setEnabled(enabled)


def _token_label() -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


def _chip(token: str, background, c, bold=False, forced=False) -> str:
    text = "#ffffff" if background.lightness() < 128 else "#111111"
    style = f"background-color:{background.name()}; color:{text};"
    if bold:
        style += " font-weight:bold;"
    if forced:
        style += f" text-decoration:underline; color:{c['warning'].name()};"
    return f"<span style='{style}'>&nbsp;{html.escape(token)}&nbsp;</span>"


def _tool(icon_name: str, text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icons.icon(icon_name))
    button.setText(text)
    button.setToolTip(tip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    return button
