"""The step-through view: watch the decoder produce one output token at a time.

It shows the source tokens, the output so far and, for the current step, the attention
(as a heatmap of all steps, as alignment lines, or as bars over the source tokens) and
the top candidates. The Anatomy view shows how the current step was computed, stage by
stage (:mod:`gui.anatomy_view`); Diagnostics shows the coverage and sharpness of the
sentence's attention (:mod:`gui.diagnostics_view`). For a model without attention, the
heatmap, alignment and diagnostics views explain that there is nothing to attend to
(:mod:`gui.classic_notice`). Clicking a candidate replaces the current token with it and decoding
goes on from there. Every request goes out as a signal to the worker; every answer comes
back as a snapshot dict (see ``Worker._snapshot``) handed to :meth:`StepView.show_snapshot`.

Keys: Right steps, Left goes back, Space plays or pauses, Home restarts, End decodes to
the end.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QPainter, QPdfWriter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui import icons, theme
from gui.alignment_view import AlignmentView
from gui.anatomy_view import AnatomyView
from gui.bars import AttentionBars
from gui.beam_view import BeamView
from gui.classic_notice import ClassicNotice
from gui.diagnostics_view import DiagnosticsView, summary_text
from gui.heatmap import EXPORT_FILTERS, HeatmapCanvas

VIEWS = ("heatmap", "alignment", "beam", "anatomy", "diagnostics")
NEEDS_ATTENTION = ("heatmap", "alignment", "diagnostics")  # a notice for classic models
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

        # -- sentence ---------------------------------------------------------------
        self.sentence = QLineEdit()
        self.sentence.setPlaceholderText("A sentence in the source language")
        self.sentence.returnPressed.connect(self.start)
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Encode the sentence and get ready to decode it.")
        self.start_button.clicked.connect(self.start)
        top = QHBoxLayout()
        top.addWidget(QLabel("Sentence"))
        top.addWidget(self.sentence, 1)
        top.addWidget(self.start_button)

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.source_label = _token_label()
        self.output_label = _token_label()
        self.translation_label = QLabel()
        self.translation_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.translation_label.setWordWrap(True)
        tokens = QVBoxLayout()
        for caption, widget in (("Source", self.source_label), ("Output", self.output_label),
                                ("Translation", self.translation_label)):
            row = QHBoxLayout()
            label = QLabel(caption)
            label.setMinimumWidth(78)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            row.addWidget(label)
            row.addWidget(widget, 1)
            tokens.addLayout(row)

        # -- controls ---------------------------------------------------------------
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
        for button in (self.restart_button, self.back_button, self.step_button,
                       self.play_button):
            controls.addWidget(button)
        controls.addWidget(QLabel("Speed"))
        controls.addWidget(self.speed)
        controls.addWidget(self.end_button)
        controls.addSpacing(12)
        controls.addWidget(self.finish_box)
        controls.addStretch(1)

        # -- views ------------------------------------------------------------------
        self.view_buttons = QButtonGroup(self)
        switch = QHBoxLayout()
        switch.addWidget(QLabel("Show"))
        tips = {"anatomy": "How the current step was computed: scores, weights, context, "
                           "output, with the model's numbers",
                "diagnostics": "Coverage of each source word and sharpness of each step's "
                               "attention"}
        for index, (name, text) in enumerate((("heatmap", "Heatmap"),
                                              ("alignment", "Alignment"),
                                              ("beam", "Beam tree"),
                                              ("anatomy", "Anatomy"),
                                              ("diagnostics", "Diagnostics"))):
            button = QRadioButton(text)
            button.setToolTip(tips.get(name, ""))
            button.setObjectName(f"view-{name}")
            self.view_buttons.addButton(button, index)
            switch.addWidget(button)
        self.view_buttons.button(0).setChecked(True)
        self.view_buttons.idToggled.connect(self._view_toggled)
        switch.addStretch(1)
        self.export_button = QPushButton(icons.icon("export"), "Export…")
        self.export_button.setToolTip("Save the picture as PNG, SVG or PDF (or the numbers "
                                      "as CSV)")
        self.export_button.clicked.connect(self.choose_export)
        self.copy_button = QPushButton(icons.icon("copy"), "Copy")
        self.copy_button.setToolTip("Copy the picture to the clipboard")
        self.copy_button.clicked.connect(self.copy_picture)
        switch.addWidget(self.export_button)
        switch.addWidget(self.copy_button)

        self.heatmap = HeatmapCanvas()
        self.alignment = AlignmentView()
        self.beam = BeamView()
        self.beam.search_requested.connect(self.beam_requested)
        self.anatomy = AnatomyView()
        self.diagnostics = DiagnosticsView()
        diagnostics_scroll = QScrollArea()
        diagnostics_scroll.setWidget(self.diagnostics)
        diagnostics_scroll.setWidgetResizable(True)
        diagnostics_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.classic_notice = ClassicNotice()
        self.stack = QStackedWidget()
        for widget in (self.heatmap, self.alignment, self.beam, self.anatomy,
                       diagnostics_scroll, self.classic_notice):
            self.stack.addWidget(widget)
        self._view = "heatmap"
        self._extras_shown = False  # the anatomy and diagnostics show the snapshot

        # -- side panel: this step ------------------------------------------------------
        self.bars = AttentionBars()
        bars_scroll = QScrollArea()
        bars_scroll.setWidget(self.bars)
        bars_scroll.setWidgetResizable(True)
        bars_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.bars_scroll = bars_scroll
        self.attention_heading = _heading("Attention at this step")
        self.no_attention_note = QLabel(
            "This model has no attention: the decoder gets one fixed context, the encoder's "
            "final state, at every step. There are no weights to show.")
        self.no_attention_note.setWordWrap(True)
        self.no_attention_note.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.no_attention_note.hide()
        self.candidates = QListWidget()
        self.candidates.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.candidates.setToolTip("Click a candidate to use it instead; decoding goes on "
                                   "from it.")
        self.candidates.itemClicked.connect(self._candidate_clicked)
        self.candidates.setMaximumHeight(150)
        self.diagnostics_label = QLabel()
        self.diagnostics_label.setWordWrap(True)
        self.diagnostics_label.setToolTip("Entropy: how spread each step's attention is. "
                                          "Coverage: the attention each source word received "
                                          "in all (see Diagnostics).")
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.attention_heading)
        side_layout.addWidget(bars_scroll, 1)
        side_layout.addWidget(self.no_attention_note, 1)
        side_layout.addWidget(self.diagnostics_label)
        side_layout.addWidget(_heading("Candidates (click one to choose it)"))
        side_layout.addWidget(self.candidates)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.stack)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([820, 300])
        self.splitter = splitter

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addLayout(tokens)
        layout.addLayout(controls)
        layout.addLayout(switch)
        layout.addWidget(splitter, 1)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._speed_changed(self.speed.value())
        self.shortcuts = []
        for key, slot in ((Qt.Key.Key_Right, self.step), (Qt.Key.Key_Left, self.back),
                          (Qt.Key.Key_Space, self.play_button.toggle),
                          (Qt.Key.Key_Home, self.restart), (Qt.Key.Key_End, self.to_end)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)
        self.apply_colors()
        self._update_controls()

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
        return self.snapshot is not None and self.snapshot["sentence"] is not None \
            and not self.snapshot["finished"]

    def _candidate_clicked(self, item: QListWidgetItem):
        step = self.snapshot and self.snapshot["step"]
        token_id = item.data(Qt.ItemDataRole.UserRole)
        if step is None or token_id is None or token_id == step.token_id:
            return
        self.pause()
        self._queued += 1
        self.force_requested.emit(int(token_id), self.finish_box.isChecked())

    def choose(self, token_id: int):
        """Choose a candidate by token id, as a click on it would."""
        for row in range(self.candidates.count()):
            item = self.candidates.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == token_id:
                self._candidate_clicked(item)
                return
        raise ValueError(f"Token id {token_id} is not among the candidates shown.")

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
        source, target = snapshot["source_tokens"], snapshot["target_tokens"]
        step = snapshot["step"]
        current = len(target) - 1 if target else None
        weights = snapshot["attention"]
        attention = snapshot.get("has_attention", True)
        if attention != self.has_attention:
            self.has_attention = attention
            self._show_page()
        self.heatmap.show_attention(weights, source, target, highlight_row=current)
        self.alignment.show_attention(weights, source, target, current=current)
        self._show_tokens(snapshot)
        anatomy = snapshot.get("anatomy")
        if step is None:
            self.bars.show_weights(source, None, "No step yet: press Step (→).")
            self.candidates.clear()
        else:
            caption = f"Step {step.index + 1}: “{step.token}” (p = {step.probability:.3f})"
            self.bars.show_weights(source, step.weights if attention else None, caption)
            self._show_candidates(step)
        self.classic_notice.show_context(None if attention or anatomy is None
                                         else anatomy.context)
        self._extras_shown = False
        self._show_extras()
        if snapshot["truncated"]:
            self.notice.setText(
                f"The sentence has {snapshot['token_count']} tokens; the model reads only "
                f"the first {snapshot['max_length']}.")
            self.notice.show()
        else:
            self.notice.hide()
        if self.beam.sentence != snapshot["sentence"]:
            self.beam.clear("Press Search to run beam search on this sentence.")
        if snapshot["finished"]:
            self.pause()
        self._update_controls()
        self.snapshot_shown.emit(snapshot["event"])

    def _show_extras(self):
        """Draw the anatomy and the diagnostics of the snapshot, when one of them is in
        sight (otherwise when it comes into sight: stepping stays quick)."""
        snapshot = self.snapshot
        if snapshot is None or self._extras_shown:
            return
        diagnostics = snapshot.get("diagnostics")
        self.diagnostics_label.setText(summary_text(diagnostics, snapshot["source_tokens"],
                                                    snapshot["finished"]))
        self.diagnostics_label.setVisible(diagnostics is not None)
        if self._view not in ("anatomy", "diagnostics"):
            return
        self._extras_shown = True
        target = snapshot["target_tokens"]
        self.anatomy.show_step(snapshot.get("anatomy"), source_tokens=snapshot["source_tokens"],
                               step=snapshot["step"],
                               previous_token=target[-2] if len(target) > 1 else "[START]")
        self._show_diagnostics(snapshot)

    def _show_diagnostics(self, snapshot):
        diagnostics = snapshot.get("diagnostics")
        source, target = snapshot["source_tokens"], snapshot["target_tokens"]
        if not snapshot.get("has_attention", True):
            message = "No attention, so no coverage and no sharpness to measure."
        elif not target:
            message = "No step yet: decode a few tokens to see how the attention is spread."
        else:
            message = "This decoding session gives no diagnostics."
        self.diagnostics.show_diagnostics(diagnostics, source, target, message)

    def show_beam(self, result: dict):
        self.beam.show_result(result)

    def _show_tokens(self, snapshot):
        c = theme.colors(self.palette())
        step = snapshot["step"]
        weights = step.weights if step is not None else None
        parts = []
        for j, token in enumerate(snapshot["source_tokens"]):
            amount = float(weights[j]) if weights is not None and j < len(weights) else 0.0
            parts.append(_chip(token, theme.blend(c["accent"], c["base"], amount), c))
        self.source_label.setText(" ".join(parts))
        parts = []
        last = len(snapshot["target_tokens"]) - 1
        for i, (token, forced) in enumerate(zip(snapshot["target_tokens"], snapshot["forced"],
                                                strict=True)):
            parts.append(_chip(token, theme.blend(c["accent"], c["base"], 0.25 if i == last
                                                  else 0.0), c, bold=i == last,
                               forced=forced))
        self.output_label.setText(" ".join(parts) if parts else
                                  f"<span style='color:{c['muted'].name()}'>nothing yet</span>")
        self.translation_label.setText(snapshot["translation"] or "")

    def _show_candidates(self, step):
        self.candidates.clear()
        for candidate in step.candidates:
            chosen = candidate.token_id == step.token_id
            text = f"{candidate.token}    {candidate.probability:.1%}"
            if chosen:
                text += "    ← chosen" + (" by you" if step.forced else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, candidate.token_id)
            item.setToolTip(f"Probability {candidate.probability:.4f}")
            font = item.font()
            font.setBold(chosen)
            item.setFont(font)
            self.candidates.addItem(item)
            if chosen:
                item.setSelected(True)
        if step.forced and step.token_id not in [c.token_id for c in step.candidates]:
            item = QListWidgetItem(f"{step.token}    {step.probability:.1%}    ← chosen by you")
            item.setData(Qt.ItemDataRole.UserRole, step.token_id)
            self.candidates.addItem(item)

    def _update_controls(self):
        started = self.snapshot is not None and self.snapshot["sentence"] is not None
        steps = len(self.snapshot["target_tokens"]) if started else 0
        self.back_button.setEnabled(steps > 0)
        self.restart_button.setEnabled(started)
        for button in (self.step_button, self.end_button, self.play_button):
            button.setEnabled(self._can_step())

    def _view_toggled(self, index: int, checked: bool):
        if not checked:
            return
        self._view = VIEWS[index]
        self._show_page()
        self._show_extras()
        if VIEWS[index] == "beam" and self.snapshot is not None \
                and self.beam.sentence != self.snapshot["sentence"]:
            self.beam_requested.emit(self.beam.width_box.value())

    def _show_page(self):
        """The current view's page, or the notice when the model has no attention."""
        self.bars_scroll.setVisible(self.has_attention)
        self.no_attention_note.setVisible(not self.has_attention)
        self.attention_heading.setText("Attention at this step" if self.has_attention
                                       else "No attention")
        if not self.has_attention and self._view in NEEDS_ATTENTION:
            self.stack.setCurrentWidget(self.classic_notice)
        else:
            self.stack.setCurrentIndex(VIEWS.index(self._view))

    def show_view(self, name: str):
        """Switch to "heatmap", "alignment", "beam", "anatomy" or "diagnostics"."""
        self.view_buttons.button(VIEWS.index(name)).setChecked(True)

    def current_view(self) -> str:
        return self._view

    def set_model(self, summary: dict):
        """A model was opened: whether it has attention and how its decoder is built."""
        self.has_attention = bool(summary.get("has_attention", True))
        self.anatomy.set_model((summary.get("config") or {}).get("model"))
        self._show_page()

    # -- model and colours -----------------------------------------------------------
    def reset(self, sample_sentence: str = ""):
        """A new model: forget the old sentence."""
        self.pause()
        self.snapshot = None
        self._queued = 0
        if sample_sentence:
            self.sentence.setText(sample_sentence)
        self.heatmap.clear()
        self.alignment.show_attention([], [], [])
        self.beam.clear()
        self.bars.show_weights([], None, "")
        self.candidates.clear()
        self.anatomy.clear("Start a sentence and take a step to see how the decoder "
                           "computes it.")
        self.diagnostics.show_diagnostics(None, [], [])
        self.diagnostics_label.hide()
        self.classic_notice.show_context(None)
        self.source_label.clear()
        self.output_label.clear()
        self.translation_label.clear()
        self._update_controls()

    def apply_colors(self):
        c = theme.colors(self.palette())
        self.heatmap.set_colors(c["dark"], c["base"], c["text"])
        self.notice.setStyleSheet(f"color: {c['warning'].name()};")
        self.diagnostics_label.setStyleSheet(f"color: {c['muted'].name()};")
        if self.snapshot is not None:
            self._show_tokens(self.snapshot)
        for button, name in ((self.restart_button, "restart"), (self.back_button, "back"),
                             (self.step_button, "step"), (self.end_button, "end")):
            button.setIcon(icons.icon(name))
        self.play_button.setIcon(icons.icon("pause" if self.play_button.isChecked()
                                            else "play"))

    def set_shortcuts_enabled(self, enabled: bool):
        for shortcut in self.shortcuts:
            shortcut.setEnabled(enabled)

    # -- pictures ------------------------------------------------------------------
    def export_picture(self, path) -> Path:
        """Save what the current view shows: heatmap as PNG/SVG/PDF/CSV, the other
        views as PNG, SVG or PDF."""
        path = Path(path)
        if self.stack.currentWidget() is self.heatmap:
            return self.heatmap.export(path)
        return export_widget(self._picture_widget(), path)

    def _picture_widget(self) -> QWidget:
        """What a picture of the current view shows (all of it, not only what is in sight)."""
        page = self.stack.currentWidget()
        if page is self.beam:
            return self.beam.tree
        if page is self.anatomy:
            return self.anatomy.widget()
        if page is not self.classic_notice and page is not self.alignment:
            return self.diagnostics
        return page

    def choose_export(self):
        heatmap = self.stack.currentWidget() is self.heatmap
        filters = EXPORT_FILTERS if heatmap else EXPORT_FILTERS[:3]
        name = "attention" if self.current_view() in ("heatmap", "alignment") \
            else self.current_view()
        path, chosen = QFileDialog.getSaveFileName(self, "Export the picture", f"{name}.png",
                                                   ";;".join(filters))
        if not path:
            return
        if not Path(path).suffix:
            path += chosen[chosen.rindex("*.") + 1:chosen.rindex(")")]
        try:
            self.export_picture(path)
        except (OSError, ValueError) as error:
            self.error.emit("Cannot export the picture", str(error))

    def copy_picture(self):
        if self.stack.currentWidget() is self.heatmap:
            self.heatmap.copy_to_clipboard()
        else:
            QGuiApplication.clipboard().setPixmap(self._picture_widget().grab())


def export_widget(widget: QWidget, path: Path) -> Path:
    """Save a painted widget as PNG, SVG or PDF."""
    suffix = path.suffix.lower()
    if suffix == ".png":
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"{path}: could not write the picture.")
        return path
    if suffix == ".svg":
        from PySide6.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(widget.size())
        generator.setViewBox(widget.rect())
        painter = QPainter(generator)
        widget.render(painter)
        painter.end()
        return path
    if suffix == ".pdf":
        writer = QPdfWriter(str(path))
        writer.setResolution(96)
        writer.setPageSize(_page_size(widget.size()))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0))
        painter = QPainter(writer)
        widget.render(painter)
        painter.end()
        return path
    raise ValueError(f"Cannot export {path.name!r}: the file name must end in .png, .svg "
                     "or .pdf.")


def _page_size(size: QSize):
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QPageSize

    return QPageSize(QSizeF(size.width() * 72 / 96, size.height() * 72 / 96),
                     QPageSize.Unit.Point, "picture", QPageSize.SizeMatchPolicy.ExactMatch)


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


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _tool(icon_name: str, text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icons.icon(icon_name))
    button.setText(text)
    button.setToolTip(tip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    return button

