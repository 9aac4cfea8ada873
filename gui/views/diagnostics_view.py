"""Attention diagnostics of the sentence decoded so far: coverage and sharpness.

Two charts drawn with QPainter, one row per token, from
:class:`keras_attn.diagnostics.AttentionDiagnostics` (``DecodingSession.diagnostics()``,
computed on the worker's thread):

* coverage: for each source token, the sum of the attention it received over all output
  steps; tokens below the threshold are flagged in the warning colour as possibly left
  untranslated;
* sharpness: for each output token, the entropy of its attention (0 nats: all on one source
  word; log S: spread evenly over all S source tokens).

Pointing at a row shows its numbers.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .. import theme

ROW = 20
PAD = 8
THRESHOLD = 0.5  # keras_attn.diagnostics' default, when the result does not carry its own
FLAG = "hardly attended: possibly untranslated"


def summary_text(diagnostics, source_tokens, finished: bool = True) -> str:
    """One line for the step view: mean entropy and the source words hardly attended
    (while decoding goes on: not attended yet)."""
    if diagnostics is None:
        return ""
    text = f"Mean attention entropy {float(diagnostics.mean_entropy):.2f} nats"
    flagged = [source_tokens[i] for i in diagnostics.unattended if i < len(source_tokens)]
    if not finished:
        text += " so far"
    if flagged:
        words = ", ".join(f"“{t}”" for t in flagged[:6]) + (" …" if len(flagged) > 6 else "")
        text += (
            f"; hardly attended (possibly untranslated): {words}"
            if finished
            else f"; not attended yet: {words}"
        )
    else:
        text += "; every source word attended"
    return text


class DiagnosticsView(QWidget):
    """Coverage per source token and entropy per output step, as labelled bars."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.diagnostics = None
        self.source_tokens: list[str] = []
        self.target_tokens: list[str] = []
        self.message = "Decode a sentence to see how its attention was spread."
        self._rows: list[tuple[QRectF, str]] = []  # hover areas and their texts
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setMouseTracking(True)

    def show_diagnostics(self, diagnostics, source_tokens, target_tokens, message=""):
        """Draw `diagnostics` (None: show `message` instead)."""
        self.diagnostics = diagnostics
        self.source_tokens, self.target_tokens = list(source_tokens), list(target_tokens)
        self.message = message or "Decode a sentence to see how its attention was spread."
        self.updateGeometry()
        self.update()

    @property
    def threshold(self) -> float:
        return float(getattr(self.diagnostics, "threshold", THRESHOLD))

    def flagged(self) -> list[str]:
        """The source tokens flagged as never attended."""
        if self.diagnostics is None:
            return []
        return [
            self.source_tokens[i]
            for i in self.diagnostics.unattended
            if i < len(self.source_tokens)
        ]

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(480, self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        if self.diagnostics is None:
            return QSize(200, 3 * ROW)
        rows = len(self.source_tokens) + len(self.target_tokens)
        return QSize(240, PAD * 2 + ROW * (rows + 7))

    def tooltip_at(self, x: float, y: float) -> str | None:
        for rect, text in self._rows:
            if rect.contains(x, y):
                return text
        return None

    def event(self, event):
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.pos().x(), event.pos().y())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    # -- drawing ---------------------------------------------------------------------
    def paintEvent(self, event):  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = theme.colors(self.palette())
        metrics = QFontMetrics(self.font())
        width = self.width() - 2 * PAD
        self._rows = []
        if self.diagnostics is None:
            painter.setPen(c["muted"])
            painter.drawText(
                QRectF(PAD, PAD, width, 2 * ROW),
                Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                self.message,
            )
            return
        d = self.diagnostics
        bold = QFont(self.font())
        bold.setBold(True)
        labels = self.source_tokens + self.target_tokens
        label_width = (
            min(max((metrics.horizontalAdvance(t) for t in labels), default=20), width // 4) + 10
        )
        note_width = metrics.horizontalAdvance("0.00 nats  ") + 4
        flag_width = metrics.horizontalAdvance(FLAG) + 8
        bar_left = PAD + label_width
        bar_span = max(width - label_width - note_width - flag_width, 40)
        y = PAD

        def heading(text, sub):
            nonlocal y
            painter.setFont(bold)
            painter.setPen(c["text"])
            painter.drawText(QRectF(PAD, y, width, ROW), Qt.AlignmentFlag.AlignVCenter, text)
            painter.setFont(self.font())
            y += ROW
            painter.setPen(c["muted"])
            painter.drawText(
                QRectF(PAD, y, width, ROW),
                Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(sub, Qt.TextElideMode.ElideRight, int(width)),
            )
            y += ROW

        def bar(label, amount, scale, text, color, tip, flag=""):
            nonlocal y
            painter.setPen(c["text"] if not flag else c["warning"])
            painter.drawText(
                QRectF(PAD, y, label_width - 8, ROW),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_width - 8),
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.blend(c["text"], c["window"], 0.08))
            painter.drawRect(QRectF(bar_left, y + 4, bar_span, ROW - 8))
            painter.setBrush(color)
            painter.drawRect(
                QRectF(bar_left, y + 4, bar_span * min(max(amount / scale, 0.0), 1.0), ROW - 8)
            )
            painter.setPen(c["muted"] if not flag else c["warning"])
            painter.drawText(
                QRectF(bar_left + bar_span + 4, y, note_width + flag_width, ROW),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text + ("  " + flag if flag else ""),
            )
            self._rows.append((QRectF(PAD, y, width, ROW), tip))
            y += ROW

        coverage = np.asarray(d.coverage, np.float32)
        flagged = set(d.unattended)
        scale = max(float(coverage.max()) if coverage.size else 1.0, 1.0)
        heading(
            "Coverage: the attention each source word received in all",
            f"Sum over the {len(self.target_tokens)} output steps; below "
            f"{self.threshold:g} a word may have been left untranslated.",
        )
        top = y
        for i, token in enumerate(self.source_tokens):
            amount = float(coverage[i]) if i < coverage.size else 0.0
            flag = FLAG if i in flagged else ""
            bar(
                token,
                amount,
                scale,
                f"{amount:.2f}",
                c["warning"] if flag else c["accent"],
                f"“{token}” received {amount:.3f} of attention in all"
                + (" — below the threshold: possibly untranslated" if flag else ""),
                flag,
            )
        x = bar_left + bar_span * min(self.threshold / scale, 1.0)
        painter.setPen(QPen(c["warning"], 1, Qt.PenStyle.DashLine))
        painter.drawLine(int(x), int(top), int(x), int(y))
        y += ROW // 2

        entropy = np.asarray(d.entropy, np.float32)
        normalized = np.asarray(d.normalized_entropy, np.float32)
        most = math.log(max(len(self.source_tokens), 2))
        heading(
            f"Sharpness: the entropy of each step's attention (mean "
            f"{float(d.mean_entropy):.2f} nats)",
            f"0 nats: all on one source word; {most:.2f} nats: spread evenly over all "
            f"{len(self.source_tokens)}. Shorter bars are sharper.",
        )
        for t, token in enumerate(self.target_tokens):
            nats = float(entropy[t]) if t < entropy.size else 0.0
            share = float(normalized[t]) if t < normalized.size else 0.0
            bar(
                token,
                share,
                1.0,
                f"{nats:.2f} nats",
                theme.blend(c["accent"], c["window"], 0.35 + 0.65 * share),
                f"step {t + 1}, “{token}”: entropy {nats:.3f} nats ({share:.0%} of the "
                "most possible)",
            )
