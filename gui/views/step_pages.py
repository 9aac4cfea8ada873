"""The picture area of the step view: one page per way of looking at the decoding.

Heatmap (:mod:`..widgets.heatmap`), alignment lines (:mod:`..widgets.alignment_view`),
beam tree (:mod:`..widgets.beam_view`), the anatomy of the current step
(:mod:`.anatomy_view`) and the diagnostics of the sentence (:mod:`.diagnostics_view`),
switched by a row of radio buttons (:attr:`StepPages.switch`, which the step view lays
out above the pages) with Export and Copy for whatever is shown. For a model without
attention, the heatmap, alignment and diagnostics pages give way to the notice of
:mod:`.classic_notice`.

To add a page: its name, button text and tip in :data:`VIEWS`, its widget in
:meth:`StepPages._build_pages`, and what it draws of a snapshot in
:meth:`StepPages.show_snapshot` (or in :meth:`StepPages._show_extras` when drawing it
costs time: it is then drawn only while in sight).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

from .. import icons, theme
from ..widgets.alignment_view import AlignmentView
from ..widgets.beam_view import BeamView
from ..widgets.heatmap import EXPORT_FILTERS, HeatmapCanvas
from ..widgets.pictures import export_widget
from .anatomy_view import AnatomyView
from .classic_notice import ClassicNotice
from .diagnostics_view import DiagnosticsView

# name -> (button text, tooltip), in the order of the buttons and the pages.
VIEWS = {
    "heatmap": ("Heatmap", ""),
    "alignment": ("Alignment", ""),
    "beam": ("Beam tree", ""),
    "anatomy": ("Anatomy", "How the current step was computed: scores, weights, context, "
                           "output, with the model's numbers"),
    "diagnostics": ("Diagnostics", "Coverage of each source word and sharpness of each "
                                   "step's attention"),
}
NEEDS_ATTENTION = ("heatmap", "alignment", "diagnostics")  # a notice for classic models
EXTRAS = ("anatomy", "diagnostics")  # drawn only while in sight


class StepPages(QStackedWidget):
    """The pages of the step view, and the row that switches between them.

    Signals:
        beam_requested(int): the beam tree came into sight for a sentence it has not
            searched yet (or Search was pressed): run beam search of this width.
        error(str, str): title and message of an export that failed.
    """

    beam_requested = Signal(int)
    error = Signal(str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.snapshot: dict | None = None
        self.has_attention = True
        self._view = "heatmap"
        self._extras_shown = False  # the anatomy and diagnostics show the snapshot
        self.switch = self._build_switch()
        self._build_pages()

    # -- building --------------------------------------------------------------------
    def _build_switch(self) -> QWidget:
        """One radio button per page, then Export and Copy."""
        self.view_buttons = QButtonGroup(self)
        row = QWidget()
        switch = QHBoxLayout(row)
        switch.setContentsMargins(0, 0, 0, 0)
        switch.addWidget(QLabel("Show"))
        for index, (name, (text, tip)) in enumerate(VIEWS.items()):
            button = QRadioButton(text)
            button.setToolTip(tip)
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
        return row

    def _build_pages(self):
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
        for widget in (self.heatmap, self.alignment, self.beam, self.anatomy,
                       diagnostics_scroll, self.classic_notice):
            self.addWidget(widget)

    # -- which page ------------------------------------------------------------------
    def show_view(self, name: str):
        """Switch to "heatmap", "alignment", "beam", "anatomy" or "diagnostics"."""
        self.view_buttons.button(list(VIEWS).index(name)).setChecked(True)

    def current_view(self) -> str:
        return self._view

    def set_has_attention(self, attention: bool):
        """A model with or without attention: the notice replaces the pages that need it."""
        self.has_attention = bool(attention)
        self._show_page()

    def _view_toggled(self, index: int, checked: bool):
        if not checked:
            return
        self._view = list(VIEWS)[index]
        self._show_page()
        self._show_extras()
        if self._view == "beam" and self.snapshot is not None \
                and self.beam.sentence != self.snapshot["sentence"]:
            self.beam_requested.emit(self.beam.width_box.value())

    def _show_page(self):
        """The current view's page, or the notice when the model has no attention."""
        if not self.has_attention and self._view in NEEDS_ATTENTION:
            self.setCurrentWidget(self.classic_notice)
        else:
            self.setCurrentIndex(list(VIEWS).index(self._view))

    # -- drawing ---------------------------------------------------------------------
    def set_model(self, summary: dict):
        """A model was opened: whether it has attention and how its decoder is built."""
        self.anatomy.set_model((summary.get("config") or {}).get("model"))
        self.set_has_attention(summary.get("has_attention", True))

    def show_snapshot(self, snapshot: dict):
        """Draw a snapshot of the decoding session (see ``worker_tasks.snapshot``)."""
        self.snapshot = snapshot
        source, target = snapshot["source_tokens"], snapshot["target_tokens"]
        current = len(target) - 1 if target else None
        weights = snapshot["attention"]
        self.heatmap.show_attention(weights, source, target, highlight_row=current)
        self.alignment.show_attention(weights, source, target, current=current)
        anatomy = snapshot.get("anatomy")
        self.classic_notice.show_context(None if snapshot.get("has_attention", True)
                                         or anatomy is None else anatomy.context)
        self._extras_shown = False
        self._show_extras()
        if self.beam.sentence != snapshot["sentence"]:
            self.beam.clear("Press Search to run beam search on this sentence.")

    def show_beam(self, result: dict):
        self.beam.show_result(result)

    def _show_extras(self):
        """Draw the anatomy and the diagnostics of the snapshot, when one of them is in
        sight (otherwise when it comes into sight: stepping stays quick)."""
        snapshot = self.snapshot
        if snapshot is None or self._extras_shown or self._view not in EXTRAS:
            return
        self._extras_shown = True
        source, target = snapshot["source_tokens"], snapshot["target_tokens"]
        self.anatomy.show_step(snapshot.get("anatomy"), source_tokens=source,
                               step=snapshot["step"],
                               previous_token=target[-2] if len(target) > 1 else "[START]")
        if not snapshot.get("has_attention", True):
            message = "No attention, so no coverage and no sharpness to measure."
        elif not target:
            message = "No step yet: decode a few tokens to see how the attention is spread."
        else:
            message = "This decoding session gives no diagnostics."
        self.diagnostics.show_diagnostics(snapshot.get("diagnostics"), source, target, message)

    def reset(self):
        """A new model: forget the old sentence."""
        self.snapshot = None
        self.heatmap.clear()
        self.alignment.show_attention([], [], [])
        self.beam.clear()
        self.anatomy.clear("Start a sentence and take a step to see how the decoder "
                           "computes it.")
        self.diagnostics.show_diagnostics(None, [], [])
        self.classic_notice.show_context(None)

    def apply_colors(self):
        c = theme.colors(self.palette())
        self.heatmap.set_colors(c["dark"], c["base"], c["text"])

    # -- pictures --------------------------------------------------------------------
    def export_picture(self, path) -> Path:
        """Save what the current page shows: heatmap as PNG/SVG/PDF/CSV, the other
        pages as PNG, SVG or PDF."""
        path = Path(path)
        if self.currentWidget() is self.heatmap:
            return self.heatmap.export(path)
        return export_widget(self._picture_widget(), path)

    def _picture_widget(self) -> QWidget:
        """What a picture of the current page shows (all of it, not only what is in
        sight)."""
        page = self.currentWidget()
        if page is self.beam:
            return self.beam.tree
        if page is self.anatomy:
            return self.anatomy.widget()
        if page is not self.classic_notice and page is not self.alignment:
            return self.diagnostics
        return page

    def choose_export(self):
        heatmap = self.currentWidget() is self.heatmap
        filters = EXPORT_FILTERS if heatmap else EXPORT_FILTERS[:3]
        name = "attention" if self._view in ("heatmap", "alignment") else self._view
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
        if self.currentWidget() is self.heatmap:
            self.heatmap.copy_to_clipboard()
        else:
            QGuiApplication.clipboard().setPixmap(self._picture_widget().grab())
