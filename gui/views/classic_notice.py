"""What the step view shows for a model without attention (the classic encoder-decoder).

Such a model (``attention="none"``) has no attention weights to draw: the decoder gets one
fixed context, the encoder's final state, at every step. Instead of an empty heatmap the
view says so, and shows that single vector as a strip when the session records it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..widgets.strip import Strip

TITLE = "This model has no attention: there is nothing to attend to"
TEXT = (
    "<p>A classic encoder-decoder (Cho et al. 2014; Sutskever et al. 2014) reads the whole "
    "source sentence into <b>one fixed context vector</b>, the encoder's final state. The "
    "decoder gets that same vector at every step, whatever word it is writing: there are no "
    "scores, no weights, no heatmap.</p>"
    "<p>One vector of a fixed size has to hold a sentence of any length. That is the "
    "bottleneck attention removes: with attention, the decoder looks at every encoder state "
    "again at each step. Compare this model with an attention model on the same test "
    "sentences (Models ▸ Compare Models…): the classic model falls behind as the "
    "sentences grow longer.</p>"
    "<p>The Anatomy view shows what the decoder does with the fixed context at each "
    "step.</p>"
)


class ClassicNotice(QWidget):
    """The explanation shown in place of the heatmap for a model without attention."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel(f"<h3>{TITLE}</h3>")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.text = QLabel(TEXT)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.caption = QLabel()
        self.context = Strip("c")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addSpacing(8)
        layout.addWidget(self.caption)
        layout.addWidget(self.context)
        layout.addStretch(1)
        self.show_context(None)

    def show_context(self, context):
        """Show the fixed context vector (None hides the strip)."""
        if context is None:
            self.caption.hide()
            self.context.hide()
            return
        self.caption.setText(
            f"The fixed context c the decoder gets at every step "
            f"({len(context)} numbers; point at a colour for its value):"
        )
        self.context.set_data(context)
        self.caption.show()
        self.context.show()

    def plain_text(self) -> str:
        """The explanation as plain text (for tests and accessibility)."""
        from PySide6.QtGui import QTextDocument

        document = QTextDocument()
        document.setHtml(TEXT)
        return f"{TITLE}\n{document.toPlainText()}"
