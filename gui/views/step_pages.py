"""The picture area of the step view: one page per way of looking at the decoding.

One module, longer than most: the pages share one stack, one switch, one export and the
Transformer's head row, and each page is only a few lines of wiring here (their drawing
lives in the widget modules named below).

Heatmap (:mod:`..widgets.heatmap`), alignment lines (:mod:`..widgets.alignment_view`),
beam tree (:mod:`..widgets.beam_view`), the anatomy of the current step
(:mod:`.anatomy_view`), the diagnostics of the sentence (:mod:`.diagnostics_view`), and
for a Transformer model every head at once (:mod:`..widgets.head_grid`), the encoder's
self-attention and the decoder's self-attention, switched by a row of radio buttons (:attr:`StepPages.switch`, which the step view lays
out above the pages) with Export and Copy for whatever is shown. For a model without
attention, the heatmap, alignment and diagnostics pages give way to the notice of
:mod:`.classic_notice`.

A Transformer has an attention per layer and head: :attr:`StepPages.head_row` (laid out
by the step view under the switch, hidden for RNN models) chooses the layer and the head
(or their average) that the heatmap, the alignment, the two self-attention pages and the
anatomy show. By default it is the average of the last layer's heads, the weights the
decoding session reports for each step.

To add a page: its name, button text and tip in :data:`VIEWS`, its widget in
:meth:`StepPages._build_pages`, and what it draws of a snapshot in
:meth:`StepPages.show_snapshot` (or in :meth:`StepPages._show_extras` when drawing it
costs time: it is then drawn only while in sight).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
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
from ..widgets.head_grid import (
    AVERAGE,
    HeadGrid,
    HeadSelector,
    SelfAttentionHeatmap,
    head_name,
    pick_heads,
)
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
    "anatomy": (
        "Anatomy",
        "How the current step was computed: scores, weights, context, "
        "output, with the model's numbers",
    ),
    "diagnostics": (
        "Diagnostics",
        "Coverage of each source word and sharpness of each step's attention",
    ),
    "heads": (
        "All heads",
        "Every layer's heads side by side, attending over the source; click one to look at it",
    ),
    "encoder": (
        "Encoder self-attention",
        "How each source token attends to the other source tokens, in the chosen layer and head",
    ),
    "decoder": (
        "Decoder self-attention",
        "How each step attends to what the decoder has "
        "written so far, in the chosen layer and head",
    ),
}
NEEDS_ATTENTION = ("heatmap", "alignment", "diagnostics")  # a notice for classic models
TRANSFORMER_ONLY = ("heads", "encoder", "decoder")  # hidden for RNN models
# What the heads page draws for every head: attention name -> its name in the list.
GRID_KINDS = {
    "cross": "over the source",
    "encoder": "encoder self-attention",
    "decoder": "decoder self-attention",
}
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
    heads_changed = Signal()  # another layer or head was chosen

    def __init__(self, parent=None):
        super().__init__(parent)
        self.snapshot: dict | None = None
        self.has_attention = True
        self.transformer = False
        self._view = "heatmap"
        self._extras_shown = False  # the anatomy and diagnostics show the snapshot
        self.switch = self._build_switch()
        self.head_row = self._build_head_row()
        self._build_pages()
        self._show_transformer_controls()

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
        self.export_button.setToolTip("Save the picture as PNG, SVG or PDF (or the numbers as CSV)")
        self.export_button.clicked.connect(self.choose_export)
        self.copy_button = QPushButton(icons.icon("copy"), "Copy")
        self.copy_button.setToolTip("Copy the picture to the clipboard")
        self.copy_button.clicked.connect(self.copy_picture)
        switch.addWidget(self.export_button)
        switch.addWidget(self.copy_button)
        return row

    def _build_head_row(self) -> QWidget:
        """The layer and head of a Transformer's attention to look at."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.head_selector = HeadSelector()
        self.head_selector.changed.connect(self._heads_chosen)
        self.head_note = QLabel()
        self.grid_kind = QComboBox()
        self.grid_kind.setObjectName("grid-kind")
        self.grid_kind.setToolTip("Which attention the small heatmaps of every head show")
        for kind, text in GRID_KINDS.items():
            self.grid_kind.addItem(f"All heads: {text}", kind)
        self.grid_kind.currentIndexChanged.connect(self._grid_kind_chosen)
        self.grid_kind.hide()  # shown with the heads page
        layout.addWidget(self.head_selector)
        layout.addSpacing(12)
        layout.addWidget(self.grid_kind)
        layout.addWidget(self.head_note, 1)
        return row

    def _grid_kind_chosen(self, *args):
        if self.snapshot is not None and self.snapshot.get("heads") is not None:
            self._show_grid(
                self.snapshot["heads"],
                self.snapshot["source_tokens"],
                self.snapshot["target_tokens"],
            )

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
        self.head_grid = HeadGrid()
        self.head_grid.chosen.connect(lambda layer, head: self.head_selector.select(layer, head))
        self.encoder_heatmap = SelfAttentionHeatmap(
            "source token attending", "source token attended to"
        )
        self.decoder_heatmap = SelfAttentionHeatmap(
            "output being written", "decoder input attended to"
        )
        self.classic_notice = ClassicNotice()
        for widget in (
            self.heatmap,
            self.alignment,
            self.beam,
            self.anatomy,
            diagnostics_scroll,
            self.head_grid,
            self.encoder_heatmap,
            self.decoder_heatmap,
            self.classic_notice,
        ):
            self.addWidget(widget)

    # -- which page ------------------------------------------------------------------
    def show_view(self, name: str):
        """Switch to "heatmap", "alignment", "beam", "anatomy" or "diagnostics"."""
        self.view_buttons.button(list(VIEWS).index(name)).setChecked(True)

    def current_view(self) -> str:
        return self._view

    def set_transformer(self, transformer: bool):
        """A Transformer model (the layer and head choice and its pages) or an RNN one."""
        self.transformer = bool(transformer)
        self._show_transformer_controls()

    def _show_transformer_controls(self):
        self.head_row.setVisible(self.transformer)
        for name in TRANSFORMER_ONLY:
            self.view_buttons.button(list(VIEWS).index(name)).setVisible(self.transformer)
        if not self.transformer and self._view in TRANSFORMER_ONLY:
            self.show_view("heatmap")

    def chosen_head(self) -> tuple[int, int]:
        """The layer and head chosen (head :data:`AVERAGE`: the average of the layer's)."""
        return self.head_selector.layer(), self.head_selector.head()

    def step_weights(self):
        """A Transformer's weights over the source at the current step in the chosen layer
        and head, or None (RNN models, no step yet)."""
        heads = (self.snapshot or {}).get("heads")
        if not self.transformer or heads is None or not len(heads["cross"]):
            return None
        return pick_heads(heads["cross"][-1], *self.chosen_head())

    def _heads_chosen(self, layer: int, head: int):
        last = layer == self.head_selector.layer_box.count() - 1
        self.head_note.setText(
            f"Showing {head_name(layer, head)}"
            + (": the weights the decoding session reports" if head == AVERAGE and last else "")
        )
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)
        self.heads_changed.emit()

    def set_has_attention(self, attention: bool):
        """A model with or without attention: the notice replaces the pages that need it."""
        self.has_attention = bool(attention)
        self._show_page()

    def _view_toggled(self, index: int, checked: bool):
        if not checked:
            return
        self._view = list(VIEWS)[index]
        self.grid_kind.setVisible(self._view == "heads")
        self._show_page()
        self._show_extras()
        if (
            self._view == "beam"
            and self.snapshot is not None
            and self.beam.sentence != self.snapshot["sentence"]
        ):
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
        model = (summary.get("config") or {}).get("model") or {}
        self.anatomy.set_model(model)
        transformer = bool(summary.get("transformer", model.get("architecture") == "transformer"))
        if transformer:
            self.head_selector.set_counts(int(model.get("layers", 1)), int(model.get("heads", 1)))
        self.set_transformer(transformer)
        self.set_has_attention(summary.get("has_attention", True))

    def show_snapshot(self, snapshot: dict):
        """Draw a snapshot of the decoding session (see ``worker_tasks.snapshot``)."""
        self.snapshot = snapshot
        source, target = snapshot["source_tokens"], snapshot["target_tokens"]
        current = len(target) - 1 if target else None
        weights = snapshot["attention"]
        heads = snapshot.get("heads")
        if heads is not None:
            if not self.transformer:
                self.set_transformer(True)
            self.head_selector.set_counts(heads["layers"], heads["heads"])
            weights = self._show_heads(heads, source, target, current)
        self.heatmap.show_attention(weights, source, target, highlight_row=current)
        self.alignment.show_attention(weights, source, target, current=current)
        anatomy = snapshot.get("anatomy")
        self.classic_notice.show_context(
            None if snapshot.get("has_attention", True) or anatomy is None else anatomy.context
        )
        self._extras_shown = False
        self._show_extras()
        if self.beam.sentence != snapshot["sentence"]:
            self.beam.clear("Press Search to run beam search on this sentence.")

    def show_beam(self, result: dict):
        self.beam.show_result(result)

    def _show_grid(self, heads: dict, source, target):
        """Every head's weights of the attention chosen for the heads page."""
        kind = self.grid_kind.currentData()
        inputs = ["[START]", *target[:-1]]
        weights, rows, columns, title = {
            "cross": (
                np.moveaxis(heads["cross"], 0, 2),
                target,
                source,
                "Attention over the source, one row per step",
            ),
            "encoder": (
                heads["encoder"],
                source,
                source,
                "Encoder self-attention, one row per source token",
            ),
            "decoder": (
                np.moveaxis(heads["self"], 0, 2),
                target,
                inputs,
                "Decoder self-attention over [START] and the outputs so far, one row per step",
            ),
        }[kind]
        self.head_grid.show_weights(
            weights, self.chosen_head(), f"{title}: click a head to choose it", rows, columns
        )

    def _show_heads(self, heads: dict, source, target, current):
        """Draw a Transformer's pages for the chosen layer and head; returns its weights
        over the source, `(steps, S)`, for the heatmap and the alignment."""
        layer, head = self.chosen_head()
        self._show_grid(heads, source, target)
        self.encoder_heatmap.show_attention(
            pick_heads(heads["encoder"], layer, head), source, source
        )
        self.decoder_heatmap.show_attention(
            pick_heads(heads["self"], layer, head, axis=1),
            ["[START]", *target[:-1]],
            target,
            highlight_row=current,
        )
        return pick_heads(heads["cross"], layer, head, axis=1)

    def _show_extras(self):
        """Draw the anatomy and the diagnostics of the snapshot, when one of them is in
        sight (otherwise when it comes into sight: stepping stays quick)."""
        snapshot = self.snapshot
        if snapshot is None or self._extras_shown or self._view not in EXTRAS:
            return
        self._extras_shown = True
        source, target = snapshot["source_tokens"], snapshot["target_tokens"]
        self.anatomy.show_step(
            snapshot.get("anatomy"),
            source_tokens=source,
            step=snapshot["step"],
            previous_token=target[-2] if len(target) > 1 else "[START]",
            head=self.chosen_head(),
            target_tokens=target,
        )
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
        self.encoder_heatmap.clear()
        self.decoder_heatmap.clear()
        self.head_grid.show_weights(np.zeros((0, 0, 0, 0)))
        self.alignment.show_attention([], [], [])
        self.beam.clear()
        self.anatomy.clear("Start a sentence and take a step to see how the decoder computes it.")
        self.diagnostics.show_diagnostics(None, [], [])
        self.classic_notice.show_context(None)

    def apply_colors(self):
        c = theme.colors(self.palette())
        for heatmap in (self.heatmap, self.encoder_heatmap, self.decoder_heatmap):
            heatmap.set_colors(c["dark"], c["base"], c["text"])
        self.head_grid.set_colors(c["accent"], c["base"], c["text"])

    # -- pictures --------------------------------------------------------------------
    def export_picture(self, path) -> Path:
        """Save what the current page shows: heatmap as PNG/SVG/PDF/CSV, the other
        pages as PNG, SVG or PDF."""
        path = Path(path)
        page = self.currentWidget()
        if isinstance(page, HeatmapCanvas):
            return page.export(path)
        return export_widget(self._picture_widget(), path)

    def _picture_widget(self) -> QWidget:
        """What a picture of the current page shows (all of it, not only what is in
        sight)."""
        page = self.currentWidget()
        if page is self.beam:
            return self.beam.tree
        if page is self.anatomy:
            return self.anatomy.widget()
        if page is self.head_grid:
            return page
        if page is not self.classic_notice and page is not self.alignment:
            return self.diagnostics
        return page

    def choose_export(self):
        heatmap = isinstance(self.currentWidget(), HeatmapCanvas)
        filters = EXPORT_FILTERS if heatmap else EXPORT_FILTERS[:3]
        name = {
            "heatmap": "attention",
            "alignment": "attention",
            "encoder": "encoder-attention",
            "decoder": "decoder-attention",
        }.get(self._view, self._view)
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export the picture", f"{name}.png", ";;".join(filters)
        )
        if not path:
            return
        if not Path(path).suffix:
            path += chosen[chosen.rindex("*.") + 1 : chosen.rindex(")")]
        try:
            self.export_picture(path)
        except (OSError, ValueError) as error:
            self.error.emit("Cannot export the picture", str(error))

    def copy_picture(self):
        page = self.currentWidget()
        if isinstance(page, HeatmapCanvas):
            page.copy_to_clipboard()
        else:
            QGuiApplication.clipboard().setPixmap(self._picture_widget().grab())
