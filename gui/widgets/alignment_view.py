"""The alignment view: another way to look at the attention matrix.

Source tokens in a row at the top, output tokens in a row at the bottom, and a line from
every output token to every source token it attends to, as thick and as opaque as the
weight. The current step's lines are drawn in the accent colour; pointing at an output
token shows only its lines.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme

MIN_WEIGHT = 0.03  # lighter lines are not drawn
MARGIN = 16
BOX = 26  # token box height


class AlignmentView(QWidget):
    """Lines between source and output tokens, weighted by attention."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.source_tokens: list[str] = []
        self.target_tokens: list[str] = []
        self.weights = np.zeros((0, 0), np.float32)
        self.current: int | None = None
        self.hovered: int | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 200)

    def show_attention(self, weights, source_tokens, target_tokens, current=None):
        self.source_tokens = list(source_tokens)
        self.target_tokens = list(target_tokens)
        self.weights = np.asarray(weights, np.float32).reshape(
            len(target_tokens), len(source_tokens)
        )
        self.current = current
        self.hovered = None
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(640, 420)

    # -- geometry ------------------------------------------------------------------
    def _centres(self, count: int) -> list[float]:
        span = self.width() - 2 * MARGIN
        return [MARGIN + span * (i + 0.5) / max(count, 1) for i in range(count)]

    def _rows(self) -> tuple[float, float]:
        """Top of the source row and top of the output row."""
        return MARGIN + 18, self.height() - MARGIN - BOX

    def token_at(self, x: float, y: float) -> int | None:
        """Index of the output token under a point, or None."""
        _, bottom = self._rows()
        if not self.target_tokens or not bottom <= y <= bottom + BOX:
            return None
        width = (self.width() - 2 * MARGIN) / len(self.target_tokens)
        index = int((x - MARGIN) // width)
        return index if 0 <= index < len(self.target_tokens) else None

    def mouseMoveEvent(self, event):  # noqa: N802
        hovered = self.token_at(event.position().x(), event.position().y())
        if hovered != self.hovered:
            self.hovered = hovered
            self.update()

    def leaveEvent(self, event):  # noqa: N802
        self.hovered = None
        self.update()

    # -- drawing -------------------------------------------------------------------
    def paintEvent(self, event):  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = theme.colors(self.palette())
        painter.fillRect(self.rect(), c["base"])
        if not self.source_tokens:
            painter.setPen(c["muted"])
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "Start a sentence to see its alignment."
            )
            return
        top, bottom = self._rows()
        xs_source = self._centres(len(self.source_tokens))
        xs_target = self._centres(len(self.target_tokens))
        painter.setPen(c["muted"])
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() - 1, 7))
        painter.setFont(small)
        painter.drawText(QRectF(MARGIN, MARGIN - 4, 200, 18), "source")
        painter.drawText(QRectF(MARGIN, bottom - 20, 200, 18), "output")

        focus = self.hovered if self.hovered is not None else None
        for i, x_out in enumerate(xs_target):
            if focus is not None and i != focus:
                continue
            emphasis = i == (focus if focus is not None else self.current)
            base = c["accent"] if emphasis else c["text"]
            for j, x_src in enumerate(xs_source):
                weight = float(self.weights[i, j])
                if weight < MIN_WEIGHT:
                    continue
                color = QColor(base)
                color.setAlphaF(
                    min(1.0, 0.15 + 0.85 * weight) if emphasis else min(0.85, 0.08 + 0.6 * weight)
                )
                pen = QPen(color, 0.6 + (7.0 if emphasis else 5.0) * weight)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(pen)
                painter.drawLine(QPointF(x_out, bottom), QPointF(x_src, top + BOX))

        painter.setFont(self.font())
        current_weights = (
            self.weights[self.current]
            if self.current is not None and self.current < len(self.weights)
            else None
        )
        self._draw_tokens(painter, self.source_tokens, xs_source, top, c, fill=current_weights)
        self._draw_tokens(
            painter,
            self.target_tokens,
            xs_target,
            bottom,
            c,
            selected=self.current if focus is None else focus,
        )

    def _draw_tokens(self, painter, tokens, xs, y, c, fill=None, selected=None):
        metrics = QFontMetrics(painter.font())
        slot = (self.width() - 2 * MARGIN) / max(len(tokens), 1)
        for k, (token, x) in enumerate(zip(tokens, xs, strict=True)):
            width = min(metrics.horizontalAdvance(token) + 10, max(slot - 3, 8))
            rect = QRectF(x - width / 2, y, width, BOX)
            background = c["window"]
            if fill is not None:
                background = theme.blend(c["accent"], c["window"], float(fill[k]))
            border = c["accent"] if k == selected else c["line"]
            painter.setPen(QPen(border, 2.0 if k == selected else 1.0))
            painter.setBrush(background)
            painter.drawRoundedRect(rect, 4, 4)
            dark_cell = background.lightness() < 128
            painter.setPen(QColor("#ffffff") if dark_cell else QColor("#111111"))
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignCenter,
                metrics.elidedText(token, Qt.TextElideMode.ElideRight, int(width) - 4),
            )
