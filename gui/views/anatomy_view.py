"""The anatomy of a step: the chain from decoder state to output word, with real numbers.

For the current decoding step, the view lists the stages a learner reads about, in the
order the model computes them, each with one plain sentence, its formula and its values
drawn as a :class:`~keras_attn_app.widgets.strip.Strip` (hover a cell for its value):

* Luong style: the new decoder state h_t, the score of each source word (computed from
  h_t), the softmax weights, the context c_t, [h_t; c_t], the attentional vector, the
  output distribution's top candidates.
* Bahdanau style: the previous state h_{t-1} asks first (scores, weights, context), then
  the RNN reads the context with the previous word, then as above.
* No attention (the classic encoder-decoder): one fixed context, the same at every step.

* A Transformer: for the chosen layer and head, the query q, the keys K and values V of
  the source tokens, the scaled scores q·k/√d, the softmax weights and the head's context;
  then every head of the layer side by side, the decoder's self-attention over what it has
  written, and the top candidates.

The values come from :class:`keras_attn.session.StepAnatomy` (a ``DecodingSession`` made
with ``anatomy=True`` on the worker's thread) or, for a Transformer, the step's
:class:`keras_attn.transformer_heads.StepHeads`; :func:`build_stages` and
:func:`build_head_stages` turn them into plain :class:`Stage` records and
:class:`AnatomyView` draws them.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from ..widgets.strip import Strip
from .anatomy_heads import build_head_stages
from .anatomy_stages import SCORE_NAMES, Stage, StripData, _q, build_stages, score_formula

__all__ = [
    "AnatomyView",
    "Stage",
    "StageWidget",
    "StripData",
    "build_head_stages",
    "build_stages",
    "SCORE_NAMES",
    "score_formula",
]


class StageWidget(QFrame):
    """One stage: number, title and formula, a sentence, its strips."""

    def __init__(self, number: int, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.formula = QLabel()
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sentence = QLabel()
        self.sentence.setTextFormat(Qt.TextFormat.RichText)
        self.sentence.setWordWrap(True)
        self.number = number
        self.strips: list[Strip] = []
        self.captions: list[QLabel] = []
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(10, 6, 10, 8)
        self.body.setSpacing(3)
        heading = QHBoxLayout()
        heading.setSpacing(18)
        heading.addWidget(self.title)
        heading.addWidget(self.formula)
        heading.addStretch(1)
        self.body.addLayout(heading)
        self.body.addWidget(self.sentence)

    def show_stage(self, stage: Stage, c: dict):
        self.stage = stage
        self.title.setText(f"<b>{self.number}. {html.escape(stage.title)}</b>")
        self.formula.setText(
            f"<span style='font-family:serif; font-size:115%; "
            f"color:{c['accent'].name()}'>{stage.formula}</span>"
        )
        self.sentence.setText(stage.sentence)
        while len(self.strips) < len(stage.strips):
            caption = QLabel()
            caption.setTextFormat(Qt.TextFormat.RichText)
            strip = Strip()
            self.body.addWidget(caption)
            self.body.addWidget(strip)
            self.captions.append(caption)
            self.strips.append(strip)
        for i, (caption, strip) in enumerate(zip(self.captions, self.strips, strict=True)):
            visible = i < len(stage.strips)
            caption.setVisible(visible and bool(stage.strips[i].caption))
            strip.setVisible(visible)
            if not visible:
                continue
            data = stage.strips[i]
            caption.setText(f"<span style='color:{c['muted'].name()}'>{data.caption}</span>")
            strip.name = data.name
            strip.set_data(
                data.values,
                kind=data.kind,
                row_labels=data.row_labels,
                column_labels=data.column_labels,
                numbers=data.numbers,
                number_format=data.number_format,
                highlight=data.highlight,
                split=data.split,
            )


class AnatomyView(QScrollArea):
    """The current step as a chain of stages, top to bottom."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.model: dict | None = None
        self.stages: list[Stage] = []
        self.stage_widgets: list[StageWidget] = []
        inner = QWidget()
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(6, 6, 6, 6)
        self.column.setSpacing(6)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.column.addWidget(self.header)
        self.column.addStretch(1)
        self.setWidget(inner)
        self.clear("Start a sentence and take a step to see how the decoder computes it.")

    def set_model(self, model: dict | None):
        """The model's configuration (`config["model"]` of the window's summary)."""
        self.model = model

    def clear(self, message: str):
        self.stages = []
        for widget in self.stage_widgets:
            widget.hide()
        self.header.setText(html.escape(message))

    def show_step(
        self,
        anatomy,
        *,
        source_tokens,
        step,
        previous_token="[START]",
        head: tuple[int, int] = (0, -1),
        target_tokens=(),
    ):
        """Draw the stages of `step` (a `StepResult`) from its `anatomy`, or for a
        Transformer from its heads, in the layer and head `head` (head -1: the average)."""
        if step is None:
            self.clear("No step yet: press Step (→) to decode the first output token.")
            return
        if getattr(step, "heads", None) is not None:
            layer, number = head
            self.stages = build_head_stages(
                step.heads,
                layer=layer,
                head=number,
                source_tokens=source_tokens,
                step=step,
                target_tokens=target_tokens,
                previous_token=previous_token,
            )
            c = theme.colors(self.palette())
            which = (
                f"head {number + 1}"
                if number >= 0
                else "head 1 (the average of heads has no arithmetic of its own; choose a "
                "head above)"
            )
            self._show_stages(
                f"<b>Step {step.index + 1}: how layer {layer + 1}, {which} attended while "
                f"the decoder wrote {_q(step.token)}</b><br><span style='color:"
                f"{c['muted'].name()}'>A Transformer head: query, keys and values are "
                "projections; the scores are scaled dot products. Point at a colour for "
                "its value (blue: positive, red: negative).</span>",
                c,
            )
            return
        if anatomy is None:
            self.clear(
                "This decoding session does not record the stages of a step "
                "(keras_attn's DecodingSession(model, anatomy=True) is needed)."
            )
            return
        self.stages = build_stages(
            anatomy,
            source_tokens=source_tokens,
            step=step,
            previous_token=previous_token,
            model=self.model,
        )
        c = theme.colors(self.palette())
        style = (
            "Bahdanau style: attention first, asked with the previous state"
            if anatomy.style == "bahdanau"
            else "Luong style: the RNN step first, then attention asked with its new state"
        )
        kind = SCORE_NAMES.get(anatomy.score, anatomy.score)
        if anatomy.score == "none":
            style = "A classic encoder-decoder"
        self.header.setText(
            f"<b>Step {step.index + 1}: how the decoder wrote {_q(step.token)}</b><br>"
            f"<span style='color:{c['muted'].name()}'>{style}; {kind}. Read from top to "
            "bottom, each stage feeds the next. Point at a colour for its value (blue: "
            "positive, red: negative).</span>"
        )
        self._show_stages(None, c)

    def _show_stages(self, header, c):
        if header is not None:
            self.header.setText(header)
        while len(self.stage_widgets) < len(self.stages):
            widget = StageWidget(len(self.stage_widgets) + 1)
            self.column.insertWidget(self.column.count() - 1, widget)
            self.stage_widgets.append(widget)
        for i, widget in enumerate(self.stage_widgets):
            if i < len(self.stages):
                widget.show_stage(self.stages[i], c)
                widget.show()
            else:
                widget.hide()

    def stage(self, key: str) -> tuple[Stage, StageWidget]:
        """The stage `key` ("state", "scores", ...) and its widget, as shown."""
        for stage, widget in zip(self.stages, self.stage_widgets, strict=False):
            if stage.key == key:
                return stage, widget
        raise KeyError(f"No stage {key!r} is shown; shown: {[s.key for s in self.stages]}.")
