"""One test sentence, every compared model side by side: translation and attention.

The worker sends, for the sentence clicked in the Compare window, each model's translation
and its attention weights, as the comparison produced them; this panel shows the source
and the reference once, then one column per model: its name, its translation and its
attention heatmap (:class:`~keras_attn_app.widgets.heatmap.HeatmapCanvas`), or, for a model
without attention, a note that it has only one fixed context.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .. import theme
from ..widgets.heatmap import HeatmapCanvas

NO_ATTENTION = (
    "No attention: this classic encoder-decoder reads the whole sentence "
    "through one fixed context vector, so there is no heatmap to draw."
)


class ModelColumn(QFrame):
    """One model's translation and heatmap."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.name = QLabel()
        self.translation = QLabel()
        self.translation.setWordWrap(True)
        self.translation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.heatmap = HeatmapCanvas()
        self.heatmap.setMinimumSize(200, 160)
        self.no_attention = QLabel(NO_ATTENTION)
        self.no_attention.setWordWrap(True)
        self.no_attention.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.name)
        layout.addWidget(self.translation)
        layout.addWidget(self.heatmap, 1)
        layout.addWidget(self.no_attention, 1)

    def show_row(self, row: dict, c: dict):
        self.row = row
        self.name.setText(f"<b>{html.escape(row['name'])}</b>")
        self.translation.setText(
            html.escape(row["translation"]) or f"<i style='color:{c['muted'].name()}'>(empty)</i>"
        )
        attention = row.get("has_attention", True)
        self.heatmap.setVisible(attention)
        self.no_attention.setVisible(not attention)
        self.heatmap.set_colors(c["dark"], c["base"], c["text"])
        if attention:
            self.heatmap.show_attention(
                row["attention"], row["source_tokens"], row["target_tokens"]
            )


class SentenceDetail(QWidget):
    """The clicked test sentence: source, reference, and one column per model."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: dict | None = None
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.row = QHBoxLayout()
        self.row.setSpacing(6)
        self.columns: list[ModelColumn] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addLayout(self.row, 1)
        self.clear()

    def clear(
        self,
        text: str = "Click a sentence to see each model's translation and attention side by side.",
    ):
        self.result = None
        self.header.setText(html.escape(text))
        for column in self.columns:
            column.hide()

    def show_result(self, result: dict):
        """Show the worker's answer for one sentence (see `Worker.compare_sentence`)."""
        self.result = result
        c = theme.colors(self.palette())
        self.header.setText(
            f"<b>Sentence {result['index'] + 1}</b> "
            f"({len(result['source'].split())} words)<br>"
            f"<span style='color:{c['muted'].name()}'>source:</span> "
            f"{html.escape(result['source'])}<br>"
            f"<span style='color:{c['muted'].name()}'>reference:</span> "
            f"{html.escape(result['reference'])}"
        )
        while len(self.columns) < len(result["rows"]):
            column = ModelColumn()
            self.row.addWidget(column, 1)
            self.columns.append(column)
        for i, column in enumerate(self.columns):
            if i < len(result["rows"]):
                column.show_row(result["rows"][i], c)
                column.show()
                # A heatmap needs the room more than a note does.
                self.row.setStretch(i, 2 if result["rows"][i].get("has_attention", True) else 1)
            else:
                column.hide()

    def heatmaps(self) -> list[HeatmapCanvas]:
        """The heatmaps shown, one per model with attention, in column order."""
        return [
            column.heatmap
            for column in self.columns
            if column.isVisibleTo(self) and column.heatmap.isVisibleTo(self)
        ]
