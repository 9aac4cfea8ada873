"""Beam search made visible: the live hypotheses of every step as a small tree.

One column per output step, one node per beam (its token and its score), a line from each
node to the beam it extends. Finished hypotheses (ended by ``[END]`` or the length cap) are
drawn with a double outline, and the path of the best one in the accent colour. Beside the
tree, the n-best list with scores.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .. import theme

COLUMN = 96  # pixels between step columns
ROW = 46  # pixels between nodes of a column
NODE_H = 36
MARGIN = 14


def tree_nodes(trace) -> list[list[dict]]:
    """Nodes of the beam tree: per step, the beams with `parent_node`, the index of the
    node they extend in the previous column (column 0 is the start node).

    In a trace, a beam's `parent` counts the live (unfinished) beams of the previous
    step, in order; finished beams are leaves.
    """
    columns = [[{"token": "[START]", "score": 0.0, "finished": False, "parent_node": None}]]
    for t, step in enumerate(trace):
        if t == 0:
            live = [0]
        else:
            live = [k for k, beam in enumerate(trace[t - 1]) if not beam["finished"]]
        column = []
        for beam in step:
            parent = int(beam["parent"])
            node = dict(beam)
            node["parent_node"] = live[parent] if parent < len(live) else None
            column.append(node)
        columns.append(column)
    return columns


def best_path(columns) -> set[tuple[int, int]]:
    """(column, row) of the nodes on the path of the best-scoring finished beam."""
    best, where = None, None
    for c, column in enumerate(columns[1:], start=1):
        for r, node in enumerate(column):
            if node["finished"] and (best is None or node["score"] > best):
                best, where = node["score"], (c, r)
    path = set()
    while where is not None:
        path.add(where)
        c, r = where
        parent = columns[c][r]["parent_node"]
        where = (c - 1, parent) if c > 0 and parent is not None else None
    if path:
        path.add((0, 0))
    return path


class BeamTree(QWidget):
    """The painted tree; sized to its content (it lives in a scroll area)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.columns: list[list[dict]] = []
        self.path: set[tuple[int, int]] = set()
        self.message = "Choose a beam width and press Search."

    def show_trace(self, trace):
        self.columns = tree_nodes(trace) if trace else []
        self.path = best_path(self.columns)
        self.adjustSize()
        self.update()

    def show_message(self, text: str):
        self.columns, self.path, self.message = [], set(), text
        self.adjustSize()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        if not self.columns:
            return QSize(400, 120)
        tallest = max(len(column) for column in self.columns)
        return QSize(2 * MARGIN + COLUMN * len(self.columns), 2 * MARGIN + ROW * tallest)

    def _node_rect(self, c: int, r: int) -> QRectF:
        return QRectF(MARGIN + c * COLUMN, MARGIN + r * ROW, COLUMN - 22, NODE_H)

    def paintEvent(self, event):  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colors = theme.colors(self.palette())
        painter.fillRect(self.rect(), colors["base"])
        if not self.columns:
            painter.setPen(colors["muted"])
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        for c, column in enumerate(self.columns[1:], start=1):
            for r, node in enumerate(column):
                if node["parent_node"] is None:
                    continue
                start = self._node_rect(c - 1, node["parent_node"])
                end = self._node_rect(c, r)
                on_path = (c, r) in self.path
                pen = QPen(colors["accent"] if on_path else colors["line"], 2.4 if on_path else 1.0)
                painter.setPen(pen)
                painter.drawLine(
                    QPointF(start.right(), start.center().y()),
                    QPointF(end.left(), end.center().y()),
                )
        metrics = QFontMetrics(self.font())
        for c, column in enumerate(self.columns):
            for r, node in enumerate(column):
                rect = self._node_rect(c, r)
                on_path = (c, r) in self.path
                border = colors["accent"] if on_path else colors["line"]
                painter.setPen(QPen(border, 2.0 if on_path else 1.0))
                painter.setBrush(
                    theme.blend(colors["accent"], colors["base"], 0.18)
                    if on_path
                    else colors["window"]
                )
                painter.drawRoundedRect(rect, 4, 4)
                if node["finished"]:
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRoundedRect(rect.adjusted(2.5, 2.5, -2.5, -2.5), 3, 3)
                painter.setPen(colors["text"])
                top = QRectF(rect.left() + 3, rect.top() + 2, rect.width() - 6, NODE_H / 2)
                painter.drawText(
                    top,
                    Qt.AlignmentFlag.AlignCenter,
                    metrics.elidedText(
                        node["token"], Qt.TextElideMode.ElideRight, int(rect.width()) - 8
                    ),
                )
                if c:
                    painter.setPen(colors["muted"])
                    bottom = QRectF(
                        rect.left(), rect.top() + NODE_H / 2 - 1, rect.width(), NODE_H / 2
                    )
                    painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, f"{node['score']:.2f}")


class BeamView(QWidget):
    """Controls, tree and n-best list of beam search on the started sentence."""

    search_requested = Signal(int)  # beam width

    def __init__(self, parent=None):
        super().__init__(parent)
        self.width_box = QSpinBox(minimum=1, maximum=16, value=4)
        self.width_box.setToolTip("How many hypotheses are kept at each step.")
        self.search_button = QPushButton("Search")
        self.search_button.setToolTip("Run beam search on the sentence being decoded.")
        self.search_button.clicked.connect(
            lambda: self.search_requested.emit(self.width_box.value())
        )
        self.note = QLabel(
            "Numbers are scores: log-probabilities divided by a length "
            "penalty. Double outlines end a hypothesis."
        )
        self.note.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Beam width"))
        controls.addWidget(self.width_box)
        controls.addWidget(self.search_button)
        controls.addStretch(1)

        self.tree = BeamTree()
        scroll = QScrollArea()
        scroll.setWidget(self.tree)
        scroll.setWidgetResizable(False)
        self.scroll = scroll
        self.best = QListWidget()
        self.best.setToolTip("The n-best list, best first.")
        box = QWidget()
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(QLabel("Best hypotheses"))
        box_layout.addWidget(self.best)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(scroll)
        splitter.addWidget(box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.note)
        layout.addWidget(splitter, 1)
        self.sentence = None

    def show_result(self, result: dict):
        self.sentence = result["sentence"]
        self.tree.show_trace(result["trace"])
        self.best.clear()
        for rank, hypothesis in enumerate(result["hypotheses"], start=1):
            end = "" if hypothesis["finished"] else "  (cut at the length limit)"
            self.best.addItem(
                f"{rank}. {hypothesis['text']}   score {hypothesis['score']:.3f}"
                f"  (log p {hypothesis['log_prob']:.3f}){end}"
            )

    def clear(self, message="Choose a beam width and press Search."):
        self.sentence = None
        self.tree.show_message(message)
        self.best.clear()
