"""The current step's attention as a bar chart over the source tokens.

One row per source token, drawn with QPainter (cheap enough to redraw on every step):
the token, a bar as long as its weight, and the weight as a number. The token the step
attends to most is drawn in the accent colour.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme

ROW = 20  # pixels per source token
PAD = 6


class AttentionBars(QWidget):
    """Horizontal bars: how much the current output token attends to each source token."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tokens: list[str] = []
        self.weights: list[float] = []
        self.caption = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setMinimumWidth(180)

    def show_weights(self, tokens, weights, caption: str = ""):
        self.tokens = list(tokens)
        self.weights = [float(w) for w in weights] if weights is not None else []
        self.caption = caption
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(240, self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(180, PAD * 2 + ROW * (max(len(self.tokens), 1) + 1))

    def paintEvent(self, event):  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = theme.colors(self.palette())
        metrics = QFontMetrics(self.font())
        painter.setPen(c["muted"])
        top = PAD
        if not self.weights:
            painter.drawText(
                QRectF(PAD, top, self.width() - 2 * PAD, ROW),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                self.caption or "No step yet.",
            )
            return
        painter.drawText(
            QRectF(PAD, top, self.width() - 2 * PAD, ROW),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(self.caption, Qt.TextElideMode.ElideRight, self.width() - 2 * PAD),
        )
        top += ROW
        label_width = (
            min(
                max((metrics.horizontalAdvance(t) for t in self.tokens), default=20),
                self.width() // 3,
            )
            + 8
        )
        number_width = metrics.horizontalAdvance("0.000") + 8
        bar_left = PAD + label_width
        bar_span = max(self.width() - bar_left - number_width - PAD, 10)
        best = max(range(len(self.weights)), key=self.weights.__getitem__)
        for i, (token, weight) in enumerate(zip(self.tokens, self.weights, strict=False)):
            y = top + i * ROW
            color = c["accent"] if i == best else theme.blend(c["accent"], c["window"], 0.55)
            painter.setPen(c["text"])
            painter.drawText(
                QRectF(PAD, y, label_width - 8, ROW),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(token, Qt.TextElideMode.ElideRight, label_width - 8),
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.blend(c["text"], c["window"], 0.08))
            painter.drawRect(QRectF(bar_left, y + 4, bar_span, ROW - 8))
            painter.setBrush(color)
            painter.drawRect(
                QRectF(bar_left, y + 4, bar_span * min(max(weight, 0.0), 1.0), ROW - 8)
            )
            painter.setPen(c["text"] if i == best else c["muted"])
            painter.drawText(
                QRectF(bar_left + bar_span + 4, y, number_width, ROW),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{weight:.3f}",
            )
