"""The side panel of the step view: the current step on its own.

The step's attention as bars over the source tokens (:mod:`..widgets.bars`), or a note
when the model has no attention; one line of diagnostics of the sentence so far; and the
top candidates for the output token, which can be clicked to choose another one
(:attr:`StepPanel.candidate_chosen`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from ..widgets.bars import AttentionBars
from .diagnostics_view import summary_text

NO_ATTENTION = (
    "This model has no attention: the decoder gets one fixed context, the "
    "encoder's final state, at every step. There are no weights to show."
)


class StepPanel(QWidget):
    """Attention bars, a diagnostics line and the candidates of the current step.

    Signals:
        candidate_chosen(int): the token id of a candidate other than the step's own
            token, clicked to use it instead.
    """

    candidate_chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.step = None  # the StepResult shown
        self.bars = AttentionBars()
        self.bars_scroll = QScrollArea()
        self.bars_scroll.setWidget(self.bars)
        self.bars_scroll.setWidgetResizable(True)
        self.bars_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.attention_heading = _heading("Attention at this step")
        self.no_attention_note = QLabel(NO_ATTENTION)
        self.no_attention_note.setWordWrap(True)
        self.no_attention_note.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.no_attention_note.hide()
        self.candidates = QListWidget()
        self.candidates.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.candidates.setToolTip("Click a candidate to use it instead; decoding goes on from it.")
        self.candidates.itemClicked.connect(self._candidate_clicked)
        self.candidates.setMaximumHeight(150)
        self.diagnostics_label = QLabel()
        self.diagnostics_label.setWordWrap(True)
        self.diagnostics_label.setToolTip(
            "Entropy: how spread each step's attention is. "
            "Coverage: the attention each source word received "
            "in all (see Diagnostics)."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.attention_heading)
        layout.addWidget(self.bars_scroll, 1)
        layout.addWidget(self.no_attention_note, 1)
        layout.addWidget(self.diagnostics_label)
        layout.addWidget(_heading("Candidates (click one to choose it)"))
        layout.addWidget(self.candidates)

    def set_has_attention(self, attention: bool):
        """Bars for a model with attention, the note for one without."""
        self.bars_scroll.setVisible(attention)
        self.no_attention_note.setVisible(not attention)
        self.attention_heading.setText("Attention at this step" if attention else "No attention")

    def show_step(
        self, source_tokens, step, attention: bool = True, weights=None, heading: str | None = None
    ):
        """Draw `step` (a ``StepResult``; None before the first step).

        `weights` replace the step's own in the bars (a Transformer's chosen layer and
        head), and `heading` the heading above them.
        """
        self.step = step
        if attention:
            self.attention_heading.setText(heading or "Attention at this step")
        if step is None:
            self.bars.show_weights(source_tokens, None, "No step yet: press Step (→).")
            self.candidates.clear()
            return
        caption = f"Step {step.index + 1}: “{step.token}” (p = {step.probability:.3f})"
        if weights is None:
            weights = step.weights
        self.bars.show_weights(source_tokens, weights if attention else None, caption)
        self._show_candidates(step)

    def show_summary(self, diagnostics, source_tokens, finished: bool):
        """The line of diagnostics (hidden when there are none)."""
        self.diagnostics_label.setText(summary_text(diagnostics, source_tokens, finished))
        self.diagnostics_label.setVisible(diagnostics is not None)

    def reset(self):
        self.step = None
        self.bars.show_weights([], None, "")
        self.candidates.clear()
        self.diagnostics_label.hide()

    def apply_colors(self):
        c = theme.colors(self.palette())
        self.diagnostics_label.setStyleSheet(f"color: {c['muted'].name()};")

    # -- candidates ------------------------------------------------------------------
    def choose(self, token_id: int):
        """Choose a candidate by token id, as a click on it would."""
        for row in range(self.candidates.count()):
            item = self.candidates.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == token_id:
                self._candidate_clicked(item)
                return
        raise ValueError(f"Token id {token_id} is not among the candidates shown.")

    def _candidate_clicked(self, item: QListWidgetItem):
        token_id = item.data(Qt.ItemDataRole.UserRole)
        if self.step is None or token_id is None or token_id == self.step.token_id:
            return
        self.candidate_chosen.emit(int(token_id))

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


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
