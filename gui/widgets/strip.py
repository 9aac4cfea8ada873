"""Vectors and small matrices as rows of coloured cells, with their values on hover.

A :class:`Strip` draws a vector `(n,)` as one row of `n` cells, or a matrix `(rows, n)` as
`rows` such rows: the colours are computed with NumPy into one image, drawn with a single
QPainter call (a matrix of 30 x 256 cells redraws in a millisecond). The
colour says the value; pointing at a cell shows its value in a tooltip, so a learner sees
the shape of a vector of 256 numbers without reading a wall of them.

Kinds of values:

* ``"signed"``: any real numbers; blue for positive, red for negative, white (the
  background) for zero, scaled by the largest magnitude.
* ``"weights"``: numbers from 0 to 1 (attention weights, probabilities); the accent
  colour, as strong as the value.
* ``"scores"``: like ``"signed"``, but ``-inf`` (masked positions) is drawn hatched.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .. import theme

KINDS = ("signed", "weights", "scores")
POSITIVE_LIGHT, NEGATIVE_LIGHT = "#2166ac", "#b2182b"
POSITIVE_DARK, NEGATIVE_DARK = "#6ea8ff", "#ff7a6b"
DENSE_HEIGHT = 16  # pixels per row of an unlabelled vector
LABELLED_HEIGHT = 24  # pixels per row when the columns are labelled (source tokens)
MAX_LABELLED_WIDTH = 72  # widest cell of a labelled column
LABEL_GAP = 6


class Strip(QWidget):
    """A vector or a small matrix as coloured cells; hover shows each value.

    Args:
        name: what the values are, used in the tooltips ("h_t", "scores", ...).
    """

    def __init__(self, name: str = "", parent=None):
        super().__init__(parent)
        self.name = name
        self.values = np.zeros((0, 0), np.float32)
        self.kind = "signed"
        self.row_labels: list[str] = []
        self.column_labels: list[str] = []
        self.numbers = False
        self.number_format = "{:.2f}"
        self.highlight: int | None = None
        self.split: int | None = None
        self.scale = 1.0
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    # -- data ----------------------------------------------------------------------
    def set_data(
        self,
        values,
        *,
        kind: str = "signed",
        row_labels=None,
        column_labels=None,
        numbers: bool = False,
        number_format: str = "{:.2f}",
        highlight: int | None = None,
        split: int | None = None,
        scale: float | None = None,
    ):
        """Show `values`, `(n,)` or `(rows, n)`.

        Args:
            kind: "signed", "weights" or "scores" (see the module's docstring).
            row_labels: one label per row, drawn on the left.
            column_labels: one label per column, drawn under the cells (source tokens).
            numbers: write each value in its cell when there is room.
            highlight: a column to outline (the source word attended to most).
            split: draw a divider before this column (`[h_t; c_t]`).
            scale: the magnitude drawn at full colour; default: the largest magnitude.
        """
        if kind not in KINDS:
            raise ValueError(
                f"Received an invalid value for argument `kind`, expected one "
                f"of {KINDS}, got {kind!r}."
            )
        array = np.asarray(values, np.float32)
        if array.ndim == 1:
            array = array[None, :]
        if array.ndim != 2:
            raise ValueError(f"A strip shows a vector or a matrix, got shape {array.shape}.")
        self.values, self.kind = array, kind
        self.row_labels = [str(label) for label in row_labels] if row_labels else []
        self.column_labels = [str(label) for label in column_labels] if column_labels else []
        self.numbers, self.number_format = numbers, number_format
        self.highlight, self.split = highlight, split
        finite = np.abs(array[np.isfinite(array)])
        self.scale = float(scale) if scale else float(finite.max()) if finite.size else 1.0
        if kind == "weights":
            self.scale = float(scale) if scale else 1.0
        self.scale = self.scale or 1.0
        self.updateGeometry()
        self.update()

    def clear(self):
        self.set_data(np.zeros((0, 0), np.float32))

    # -- geometry ------------------------------------------------------------------
    def _row_height(self) -> int:
        return LABELLED_HEIGHT if self.column_labels or self.numbers else DENSE_HEIGHT

    def _label_width(self) -> int:
        if not self.row_labels:
            return 0
        metrics = QFontMetrics(self.font())
        return min(
            max(metrics.horizontalAdvance(t) for t in self.row_labels) + LABEL_GAP + 4,
            max(self.width() // 3, 40),
        )

    def _cell_width(self) -> float:
        columns = self.values.shape[1]
        if not columns:
            return 0.0
        width = (self.width() - self._label_width() - 2) / columns
        return min(width, MAX_LABELLED_WIDTH) if self.column_labels else width

    def _footer(self) -> int:
        return QFontMetrics(self.font()).height() + 2 if self.column_labels else 0

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(360, self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        rows = max(self.values.shape[0], 1)
        return QSize(120, rows * self._row_height() + self._footer() + 2)

    def cell_rect(self, row: int, column: int) -> QRectF:
        """Where the cell of (`row`, `column`) is drawn, in widget pixels."""
        width, height = self._cell_width(), self._row_height()
        return QRectF(1 + self._label_width() + column * width, 1 + row * height, width, height)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The (row, column) under a point, or None."""
        rows, columns = self.values.shape
        width = self._cell_width()
        if not rows or not columns or width <= 0:
            return None
        column = math.floor((x - 1 - self._label_width()) / width)
        row = math.floor((y - 1) / self._row_height())
        if 0 <= row < rows and 0 <= column < columns:
            return row, column
        return None

    # -- colours and text ------------------------------------------------------------
    def colors(self, values) -> np.ndarray:
        """uint8 `(..., 3)`: the RGB colour each value is drawn in."""
        c = theme.colors(self.palette())
        values = np.asarray(values, np.float32)
        finite = np.isfinite(values)
        safe = np.where(finite, values, 0.0)[..., None]

        def rgb(color):
            return np.array([color.red(), color.green(), color.blue()], np.float32)

        base = rgb(c["base"])
        if self.kind == "weights":
            amount = np.clip(safe / self.scale, 0.0, 1.0)
            out = base + (rgb(c["accent"]) - base) * amount
        else:
            dark = c["dark"]
            positive = rgb(QColor(POSITIVE_DARK if dark else POSITIVE_LIGHT))
            negative = rgb(QColor(NEGATIVE_DARK if dark else NEGATIVE_LIGHT))
            tone = np.where(safe >= 0, positive, negative)
            out = base + (tone - base) * np.clip(np.abs(safe) / self.scale, 0.0, 1.0)
        out = np.where(finite[..., None], out, base + (rgb(c["text"]) - base) * 0.12)
        return np.rint(out).astype(np.uint8)

    def color_of(self, value: float) -> QColor:
        """The colour a value is drawn in."""
        return QColor(*(int(x) for x in self.colors([value])[0]))

    def image(self) -> QImage:
        """The cells as an image, one pixel per cell."""
        pixels = np.ascontiguousarray(self.colors(self.values))
        rows, columns = self.values.shape
        return QImage(pixels.data, columns, rows, 3 * columns, QImage.Format.Format_RGB888).copy()

    def tooltip_at(self, row: int, column: int) -> str:
        """The hover text of a cell: which value it is and the value."""
        value = float(self.values[row, column])
        where = []
        if self.row_labels and row < len(self.row_labels):
            where.append(self.row_labels[row])
        if self.column_labels and column < len(self.column_labels):
            where.append(f"“{self.column_labels[column]}”")
        else:
            where.append(f"[{column}]")
        if not math.isfinite(value):
            shown = "−∞ (not a source word: masked before the softmax)"
        elif self.kind == "weights":
            shown = f"{value:.4f}"
        else:
            shown = f"{value:+.4f}"
        name = f"{self.name} " if self.name else ""
        return f"{name}{' '.join(where)} = {shown}"

    # -- events --------------------------------------------------------------------
    def event(self, event):
        if event.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(event.pos().x(), event.pos().y())
            if cell is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(
                    event.globalPos(), self.tooltip_at(*cell), self, self.cell_rect(*cell).toRect()
                )
            return True
        return super().event(event)

    def paintEvent(self, event):  # noqa: N802
        rows, columns = self.values.shape
        if not rows or not columns:
            return
        painter = QPainter(self)
        c = theme.colors(self.palette())
        metrics = QFontMetrics(self.font())
        label_width = self._label_width()
        height = self._row_height()
        painter.setPen(c["text"])
        for row, label in enumerate(self.row_labels[:rows]):
            painter.drawText(
                QRectF(0, 1 + row * height, label_width - LABEL_GAP, height),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_width - LABEL_GAP),
            )
        # Few calls per paint, whatever the size: one image for all the cells, one call
        # for the lines between them; only labelled strips (a few cells) go cell by cell.
        width = self._cell_width()
        whole = QRectF(1 + label_width, 1, width * columns, rows * height)
        painter.drawImage(whole, self.image())
        if width >= 6:
            painter.setPen(QPen(c["base"], 1))
            painter.drawLines(
                [
                    QLineF(
                        whole.left() + width * i,
                        whole.top(),
                        whole.left() + width * i,
                        whole.bottom(),
                    )
                    for i in range(1, columns)
                ]
                + [
                    QLineF(
                        whole.left(),
                        whole.top() + height * i,
                        whole.right(),
                        whole.top() + height * i,
                    )
                    for i in range(1, rows)
                ]
            )
        masked = np.argwhere(~np.isfinite(self.values))
        if masked.size:
            hatch = QBrush(c["muted"], Qt.BrushStyle.BDiagPattern)
            for row, column in masked:
                painter.fillRect(self.cell_rect(int(row), int(column)), hatch)
        if self.numbers and width >= metrics.horizontalAdvance("-0.00") + 4:
            for (row, column), value in np.ndenumerate(self.values):
                if not math.isfinite(value):
                    continue
                color = self.color_of(float(value))
                painter.setPen(QColor("#ffffff") if color.lightness() < 140 else QColor("#111111"))
                painter.drawText(
                    self.cell_rect(row, column),
                    Qt.AlignmentFlag.AlignCenter,
                    self.number_format.format(float(value)),
                )
        painter.setPen(QPen(c["line"], 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(whole.adjusted(0, 0, 0, -1))
        if self.split is not None and 0 < self.split < columns:
            x = 1 + label_width + self.split * width
            painter.setPen(QPen(c["text"], 2))
            painter.drawLine(int(x), 0, int(x), rows * height + 1)
        if self.highlight is not None and 0 <= self.highlight < columns:
            painter.setPen(QPen(c["text"], 2))
            for row in range(rows):
                painter.drawRect(self.cell_rect(row, self.highlight).adjusted(1, 1, -2, -2))
        if self.column_labels:
            painter.setPen(c["text"])
            top = 1 + rows * height
            for column, label in enumerate(self.column_labels[:columns]):
                rect = self.cell_rect(0, column)
                painter.drawText(
                    QRectF(rect.left(), top, rect.width(), self._footer()),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(rect.width()) - 2),
                )
