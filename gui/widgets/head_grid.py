"""Choosing and drawing the heads of a Transformer's attention.

A Transformer attends with several heads in every layer, each with its own weights.
:class:`HeadSelector` is a layer list and a head list (with an "Average of heads" entry)
that says which one to look at; :class:`HeadGrid` draws every layer and head at once as
small heatmaps (rows: layers, columns: heads, then the average), a click on one choosing
it. :class:`SelfAttentionHeatmap` draws a self-attention (tokens attending to tokens of the
same side). :func:`pick_heads` takes the chosen head's matrix out of an array of weights.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QToolTip, QWidget

from .heatmap import HeatmapCanvas

AVERAGE = -1  # the head "number" of the average of a layer's heads


def pick_heads(weights, layer: int, head: int, axis: int = 0) -> np.ndarray:
    """The weights of one `layer` and `head` (or the average of the layer's heads for
    :data:`AVERAGE`) out of `weights`, whose axes `axis` and `axis + 1` are the layers and
    the heads; those two axes are dropped."""
    array = np.asarray(weights, np.float32)
    layered = np.take(array, layer, axis=axis)
    if head == AVERAGE:
        return layered.mean(axis=axis)
    return np.take(layered, head, axis=axis)


def head_name(layer: int, head: int) -> str:
    """ "layer 2, head 3" or "layer 2, average of heads" (counting from 1)."""
    which = "average of heads" if head == AVERAGE else f"head {head + 1}"
    return f"layer {layer + 1}, {which}"


class HeadSelector(QWidget):
    """A layer and a head (or the average of the layer's heads).

    Signals:
        changed(int, int): the layer and head chosen (head :data:`AVERAGE` for the
            average).
    """

    changed = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer_box = QComboBox()
        self.layer_box.setObjectName("layer-box")
        self.layer_box.setToolTip("Which block (layer) of the Transformer to look at")
        self.head_box = QComboBox()
        self.head_box.setObjectName("head-box")
        self.head_box.setToolTip(
            "Which attention head of that layer, or the average of "
            "its heads (what the bars and the source shading show for "
            "the last layer)"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Layer"))
        row.addWidget(self.layer_box)
        row.addWidget(QLabel("Head"))
        row.addWidget(self.head_box)
        self.layer_box.currentIndexChanged.connect(self._changed)
        self.head_box.currentIndexChanged.connect(self._changed)

    def set_counts(self, layers: int, heads: int):
        """Offer `layers` layers and `heads` heads; keeps the choice when the counts stay,
        else chooses the average of the last layer's heads."""
        if self.layer_box.count() == layers and self.head_box.count() == heads + 1:
            return
        for box in (self.layer_box, self.head_box):
            box.blockSignals(True)
            box.clear()
        for layer in range(layers):
            self.layer_box.addItem(f"{layer + 1}", layer)
        self.head_box.addItem("Average of heads", AVERAGE)
        for head in range(heads):
            self.head_box.addItem(f"{head + 1}", head)
        self.layer_box.setCurrentIndex(layers - 1)
        self.head_box.setCurrentIndex(0)
        for box in (self.layer_box, self.head_box):
            box.blockSignals(False)
        self._changed()

    def layer(self) -> int:
        value = self.layer_box.currentData()
        return 0 if value is None else int(value)

    def head(self) -> int:
        value = self.head_box.currentData()
        return AVERAGE if value is None else int(value)

    def select(self, layer: int, head: int):
        """Choose `layer` and `head` (:data:`AVERAGE` for the average), as the lists do."""
        self.layer_box.blockSignals(True)
        self.layer_box.setCurrentIndex(max(0, self.layer_box.findData(layer)))
        self.layer_box.blockSignals(False)
        self.head_box.setCurrentIndex(max(0, self.head_box.findData(head)))
        self._changed()

    def _changed(self, *args):
        if self.layer_box.count():
            self.changed.emit(self.layer(), self.head())


class SelfAttentionHeatmap(HeatmapCanvas):
    """A heatmap of a self-attention, its axes named for what attends and what is
    attended (the attention heatmap names them "output" and "source")."""

    def __init__(self, rows: str, columns: str, parent=None):
        super().__init__(parent)
        self.axis_names = (rows, columns)

    def _rebuild(self):
        super()._rebuild()
        if self._axes is not None and self.source_tokens and self.target_tokens:
            self._axes.set_ylabel(self.axis_names[0])
            self._axes.set_xlabel(self.axis_names[1])

    def tooltip_at(self, row: int, column: int) -> str:
        return (
            f"{self.target_tokens[row]} attends to {self.source_tokens[column]}: "
            f"{self.weights[row, column]:.3f}"
        )


class HeadGrid(QWidget):
    """Every layer's heads as small heatmaps, the average of each layer last.

    `weights` is `(layers, heads, rows, columns)`; the chosen cell is outlined, and a click
    on another one chooses it.

    Signals:
        chosen(int, int): the layer and head clicked (:data:`AVERAGE`: the average).
    """

    chosen = Signal(int, int)
    GAP = 8
    LABEL = 22

    def __init__(self, parent=None):
        super().__init__(parent)
        self.weights = np.zeros((0, 0, 0, 0), np.float32)
        self.current: tuple[int, int] | None = None
        self.title = ""
        self.row_labels: list[str] = []
        self.column_labels: list[str] = []
        self.setMouseTracking(True)
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._ink = QColor("#1f4e9c")
        self._face = QColor("#ffffff")
        self._text = QColor("#222222")

    def set_colors(self, ink: QColor, face: QColor, text: QColor):
        self._ink, self._face, self._text = QColor(ink), QColor(face), QColor(text)
        self.update()

    def show_weights(
        self,
        weights,
        current: tuple[int, int] | None = None,
        title: str = "",
        row_labels=(),
        column_labels=(),
    ):
        """Draw `weights` `(layers, heads, rows, columns)`, the `current` layer and head
        outlined; the labels name the rows and columns in the hover text."""
        array = np.asarray(weights, np.float32)
        if array.ndim != 4:
            array = np.zeros((0, 0, 0, 0), np.float32)
        self.weights, self.current, self.title = array, current, title
        self.row_labels, self.column_labels = list(row_labels), list(column_labels)
        self.update()

    def tooltip_at(self, layer: int, head: int, row: int, column: int) -> str:
        """The hover text of one cell of one small heatmap."""
        matrix = self.cell_matrix(layer, self.weights.shape[1] if head == AVERAGE else head)
        rows = self.row_labels[row] if row < len(self.row_labels) else f"row {row + 1}"
        columns = (
            self.column_labels[column]
            if column < len(self.column_labels)
            else f"column {column + 1}"
        )
        return f"{head_name(layer, head)}: {rows} → {columns}: {matrix[row, column]:.3f}"

    def mouseMoveEvent(self, event):  # noqa: N802 (Qt's name)
        point = event.position()
        for layer, head, rect in self._cells():
            if rect.contains(point):
                rows, columns = self.weights.shape[2:]
                row = min(rows - 1, int((point.y() - rect.y()) / rect.height() * rows))
                column = min(columns - 1, int((point.x() - rect.x()) / rect.width() * columns))
                QToolTip.showText(
                    event.globalPosition().toPoint(),
                    self.tooltip_at(layer, head, row, column),
                    self,
                )
                return
        QToolTip.hideText()

    def cell_matrix(self, layer: int, column: int) -> np.ndarray:
        """The matrix drawn in a cell (column `heads` is the average)."""
        heads = self.weights.shape[1]
        return pick_heads(self.weights, layer, AVERAGE if column == heads else column)

    def _cells(self):
        """`(layer, head, QRectF)` of every small heatmap, head AVERAGE last in a row."""
        layers, heads = self.weights.shape[:2]
        if not layers or not heads:
            return []
        columns = heads + 1
        width = (self.width() - self.LABEL - self.GAP * columns) / columns
        height = (self.height() - self.LABEL * 2 - self.GAP * layers) / layers
        size = max(8.0, min(width, height * 1.6))
        cells = []
        for layer in range(layers):
            for column in range(columns):
                x = self.LABEL + column * (size + self.GAP)
                y = self.LABEL * 2 + layer * (min(height, size) + self.GAP)
                head = AVERAGE if column == heads else column
                cells.append((layer, head, QRectF(x, y, size, min(height, size))))
        return cells

    def paintEvent(self, event):  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._face)
        painter.setPen(self._text)
        cells = self._cells()
        if not cells:
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "No step yet: press Step (→)."
            )
            return
        painter.drawText(
            QRectF(0, 0, self.width(), self.LABEL), Qt.AlignmentFlag.AlignLeft, self.title
        )
        heads = self.weights.shape[1]
        for layer, head, rect in cells:
            column = heads if head == AVERAGE else head
            if layer == 0:
                painter.setPen(self._text)
                painter.drawText(
                    QRectF(rect.x(), self.LABEL, rect.width(), self.LABEL),
                    Qt.AlignmentFlag.AlignCenter,
                    "average" if head == AVERAGE else f"head {head + 1}",
                )
            if column == 0:
                painter.setPen(self._text)
                painter.drawText(
                    QRectF(0, rect.y(), self.LABEL, rect.height()),
                    Qt.AlignmentFlag.AlignCenter,
                    f"L{layer + 1}",
                )
            self._draw_matrix(painter, self.cell_matrix(layer, column), rect)
            chosen = self.current == (layer, head)
            painter.setPen(QPen(self._ink if chosen else self._text, 3 if chosen else 0.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)

    def _draw_matrix(self, painter, matrix, rect):
        rows, columns = matrix.shape if matrix.ndim == 2 else (0, 0)
        if not rows or not columns:
            return
        w, h = rect.width() / columns, rect.height() / rows
        painter.setPen(Qt.PenStyle.NoPen)
        for r in range(rows):
            for c in range(columns):
                amount = float(np.clip(matrix[r, c], 0.0, 1.0))
                painter.setBrush(_blend(self._ink, self._face, amount))
                painter.drawRect(QRectF(rect.x() + c * w, rect.y() + r * h, w + 0.5, h + 0.5))

    def mousePressEvent(self, event):  # noqa: N802 (Qt's name)
        point = event.position()
        for layer, head, rect in self._cells():
            if rect.contains(point):
                self.chosen.emit(layer, head)
                return
        super().mousePressEvent(event)


def _blend(ink: QColor, face: QColor, amount: float) -> QColor:
    return QColor(
        round(face.red() + (ink.red() - face.red()) * amount),
        round(face.green() + (ink.green() - face.green()) * amount),
        round(face.blue() + (ink.blue() - face.blue()) * amount),
    )
