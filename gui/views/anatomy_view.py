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
from dataclasses import dataclass, field

import numpy as np
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

SCORE_NAMES = {
    "additive": "additive (Bahdanau) scores",
    "dot": "dot-product scores",
    "general": "general (bilinear) scores",
    "concat": "concat scores",
    "none": "no attention",
}
H_T, H_PREV, H_S = "h<sub>t</sub>", "h<sub>t−1</sub>", "h̄<sub>s</sub>"
C_T, TILDE_H = "c<sub>t</sub>", "h̃<sub>t</sub>"


@dataclass
class StripData:
    """One strip of a stage: the values and how to draw them (see `Strip.set_data`)."""

    name: str
    values: np.ndarray
    kind: str = "signed"
    caption: str = ""
    row_labels: list | None = None
    column_labels: list | None = None
    numbers: bool = False
    number_format: str = "{:.2f}"
    highlight: int | None = None
    split: int | None = None


@dataclass
class Stage:
    """One stage of the chain: what it is, its formula (rich text), its values."""

    key: str
    title: str
    formula: str
    sentence: str
    strips: list[StripData] = field(default_factory=list)


def _q(token: str) -> str:
    return f"“{html.escape(token)}”"


def _range(values) -> str:
    values = np.asarray(values, np.float32)
    return f"{values.size} numbers, from {values.min():+.2f} to {values.max():+.2f}"


def score_formula(score: str, query: str) -> str:
    """The rich-text formula of a score function, asked with `query` (rich text)."""
    return {
        "additive": f"e<sub>s</sub> = vᵀ tanh(W<sub>1</sub> {H_S} + W<sub>2</sub> {query})",
        "dot": f"e<sub>s</sub> = {query}ᵀ {H_S}",
        "general": f"e<sub>s</sub> = {query}ᵀ W<sub>a</sub> {H_S}",
        "concat": f"e<sub>s</sub> = vᵀ tanh(W<sub>a</sub> [{query}; {H_S}])",
    }.get(score, "")


def build_stages(
    anatomy, *, source_tokens, step, previous_token: str = "[START]", model: dict | None = None
) -> list[Stage]:
    """The stages of one decoding step, in the order the model computes them.

    Args:
        anatomy: a `StepAnatomy` (style, score, query, h, encoder_states, scores, weights,
            context, concat, attentional, logits).
        source_tokens: the source tokens (`[END]` included), one per encoder state.
        step: the step's `StepResult` (token, probability, candidates, forced).
        previous_token: the output token the step reads (`[START]` at the first step).
        model: the model's configuration (`config["model"]` of the window's summary),
            for the RNN kind, input feeding and the layer norm; None for the defaults.
    """
    model = model or {}
    style, score = anatomy.style, anatomy.score
    attention = score != "none"
    rnn = str(model.get("rnn", "gru")).upper()
    feeding = bool(model.get("input_feeding", False))
    tokens = list(source_tokens)
    weights = np.asarray(anatomy.weights, np.float32)
    best = int(np.argmax(weights)) if attention and weights.size else None
    units = int(np.asarray(anatomy.h).size)

    rnn_input = "y<sub>t−1</sub>"
    if style == "bahdanau":
        rnn_input = f"[y<sub>t−1</sub>; {C_T}]" if attention else "[y<sub>t−1</sub>; c]"
    elif feeding:
        rnn_input = "[y<sub>t−1</sub>; h̃<sub>t−1</sub>]"
    read = (
        f"the previous output word {_q(previous_token)}"
        if style == "luong"
        else f"the previous output word {_q(previous_token)} together with the context "
        "just gathered"
    )
    if style == "luong" and feeding:
        read += " and the previous attentional vector (input feeding)"
    state = Stage(
        "state",
        "Decoder state",
        f"{H_T} = {rnn}({H_PREV}, {rnn_input})",
        f"The decoder's {rnn} reads {read} and updates its state: {H_T} is what the "
        "decoder knows after writing that word.",
        [StripData("h_t", anatomy.h, caption=_range(anatomy.h))],
    )

    query_symbol = H_PREV if style == "bahdanau" else H_T
    stages: list[Stage] = []
    if attention:
        if style == "bahdanau":
            stages.append(
                Stage(
                    "query",
                    "Query: the previous state",
                    f"q = {H_PREV}",
                    f"Bahdanau-style attention looks at the source before the RNN step: it asks "
                    f"with the previous decoder state {H_PREV}, which holds everything written "
                    "so far.",
                    [StripData("h_(t-1)", anatomy.query, caption=_range(anatomy.query))],
                )
            )
        else:
            stages.append(state)
        scores = np.asarray(anatomy.scores, np.float32)
        stages.append(
            Stage(
                "scores",
                "Scores, before the softmax",
                score_formula(score, query_symbol),
                f"Each source word gets a score: how well its encoder state {H_S} matches the "
                f"query {query_symbol} ({SCORE_NAMES.get(score, score)}). Higher means more "
                "relevant to the word being written; the scores are not shares yet.",
                [
                    StripData(
                        "score",
                        scores,
                        kind="scores",
                        column_labels=tokens,
                        numbers=True,
                        highlight=best,
                    )
                ],
            )
        )
        shares = (
            f" Here {_q(tokens[best])} gets the most: {weights[best]:.0%}."
            if best is not None and best < len(tokens)
            else ""
        )
        stages.append(
            Stage(
                "weights",
                "Attention weights",
                "α<sub>s</sub> = exp(e<sub>s</sub>) / Σ<sub>s′</sub> exp(e<sub>s′</sub>)",
                "The softmax turns the scores into weights that are positive and add up to 1: "
                f"the share of attention each source word gets at this step.{shares}",
                [
                    StripData(
                        "weight",
                        weights,
                        kind="weights",
                        column_labels=tokens,
                        numbers=True,
                        highlight=best,
                    )
                ],
            )
        )
        rows = [f"{t}  {w:.2f}" for t, w in zip(tokens, weights, strict=False)]
        stages.append(
            Stage(
                "context",
                "Context vector",
                f"{C_T} = Σ<sub>s</sub> α<sub>s</sub> {H_S}",
                "The context vector is the weighted average of the encoder states (one row per "
                "source word, its weight beside it): mostly the state of the words with the "
                "largest weights. It is what the decoder reads from the source for this word.",
                [
                    StripData(
                        "encoder state",
                        anatomy.encoder_states,
                        row_labels=rows,
                        caption="encoder states "
                        + H_S.replace("<sub>s</sub>", "<sub>1…S</sub>")
                        + ", weighted by α",
                    ),
                    StripData("c_t", anatomy.context, caption=f"{C_T}: " + _range(anatomy.context)),
                ],
            )
        )
        if style == "bahdanau":
            stages.append(state)
    else:
        fixed = Stage(
            "context",
            "Fixed context (no attention)",
            "c = the encoder's final state, the same at every step",
            "This classic encoder-decoder has no attention: the whole source sentence is "
            "squeezed into one vector, the encoder's final state, and the decoder gets that "
            "same vector at every step, whatever word it is writing. Nothing is scored and "
            "nothing is weighed.",
            [StripData("c", anatomy.context, caption=_range(anatomy.context))],
        )
        stages.extend([fixed, state] if style == "bahdanau" else [state, fixed])

    c_symbol = C_T if attention else "c"
    stages.append(
        Stage(
            "concat",
            "Decoder state and context side by side",
            f"[{H_T}; {c_symbol}]",
            f"The decoder state and the context are put end to end: one vector of {2 * units} "
            "numbers, what the decoder knows on the left, what it read on the right.",
            [StripData("[h_t; c]", anatomy.concat, split=units, caption=f"{H_T} | {c_symbol}")],
        )
    )
    norm = bool(model.get("output_norm", False))
    stages.append(
        Stage(
            "attentional",
            "Attentional vector",
            f"{TILDE_H} = tanh(W<sub>c</sub> [{H_T}; {c_symbol}])"
            + (", then layer normalization" if norm else ""),
            f"A learned layer mixes both halves into {TILDE_H}, the vector the output layer "
            "reads: what the decoder knows, sharpened by "
            + (
                "what it found in the source for this word."
                if attention
                else "the fixed summary of the whole sentence."
            )
            + (" A layer normalization then brings it to unit scale." if norm else ""),
            [StripData("h~_t", anatomy.attentional, caption=_range(anatomy.attentional))],
        )
    )

    candidates = list(step.candidates)
    probabilities = np.array([c.probability for c in candidates], np.float32)
    labels = [c.token for c in candidates]
    chosen = next((i for i, c in enumerate(candidates) if c.token_id == step.token_id), None)
    vocab = int(np.asarray(anatomy.logits).size)
    choice = (
        f"You chose {_q(step.token)} instead (p = {step.probability:.3f})."
        if step.forced
        else f"The most likely word is written: {_q(step.token)} (p = {step.probability:.3f})."
    )
    stages.append(
        Stage(
            "output",
            "Next word: the top candidates",
            f"p(y<sub>t</sub>) = softmax(W<sub>o</sub> {TILDE_H})",
            f"The output layer gives each of the {vocab:,} words of the target vocabulary a "
            f"score and the softmax turns the scores into probabilities. {choice}",
            [
                StripData(
                    "p",
                    probabilities,
                    kind="weights",
                    column_labels=labels,
                    numbers=True,
                    number_format="{:.0%}",
                    highlight=chosen,
                )
            ],
        )
    )
    return stages


def build_head_stages(
    heads,
    *,
    layer: int,
    head: int,
    source_tokens,
    step,
    target_tokens=(),
    previous_token: str = "[START]",
) -> list[Stage]:
    """The stages of one head of a Transformer step, as :class:`StepHeads` records them.

    Args:
        heads: the step's `StepHeads` (`StepResult.heads`).
        layer: the layer (block), from 0.
        head: the head, from 0; a negative head (the average of the heads) shows head 0's
            arithmetic, then all heads and their average.
        source_tokens: the source tokens (`[END]` included), one per key.
        step: the step's `StepResult`.
        target_tokens: the output tokens so far, this step's last.
        previous_token: the output token the step reads.
    """
    shown = max(head, 0)
    cross = heads.cross
    tokens = list(source_tokens)
    d_head = int(cross.query.shape[-1])
    name = f"head {shown + 1} of layer {layer + 1}"
    q = cross.query[layer, shown]
    keys, values = cross.keys[layer, shown], cross.values[layer, shown]
    scores, weights = cross.scores[layer, shown], cross.weights[layer, shown]
    best = int(np.argmax(weights)) if weights.size else None
    stages = [
        Stage(
            "query",
            f"Query of {name}",
            "q = x<sub>t</sub> W<sub>Q</sub>",
            f"The decoder's vector for this step (it has just read {_q(previous_token)} and, "
            f"in the layers below, everything written so far) is projected into a query of "
            f"{d_head} numbers: what this head looks for in the source.",
            [StripData("q", q, caption=_range(q))],
        ),
        Stage(
            "keys",
            "Keys of the source tokens",
            "k<sub>s</sub> = h̄<sub>s</sub> W<sub>K</sub>",
            "Each source token's encoder output is projected into a key: what this head "
            "matches the query against (one row per source token).",
            [StripData("k", keys, row_labels=tokens, caption=_range(keys))],
        ),
        Stage(
            "values",
            "Values of the source tokens",
            "v<sub>s</sub> = h̄<sub>s</sub> W<sub>V</sub>",
            "And into a value: what this head passes on from a token it attends to.",
            [StripData("v", values, row_labels=tokens, caption=_range(values))],
        ),
        Stage(
            "scores",
            "Scaled scores, before the softmax",
            f"e<sub>s</sub> = q · k<sub>s</sub> / √d = q · k<sub>s</sub> × {heads.scale:.3f}",
            f"Each key is scored by its dot product with the query, divided by √{d_head} "
            "(the size of a head) so that the scores stay moderate however large the head.",
            [
                StripData(
                    "score",
                    scores,
                    kind="scores",
                    column_labels=tokens,
                    numbers=True,
                    highlight=best,
                )
            ],
        ),
        Stage(
            "weights",
            "Attention weights",
            "α<sub>s</sub> = exp(e<sub>s</sub>) / Σ<sub>s′</sub> exp(e<sub>s′</sub>)",
            "The softmax turns the scores into weights that add up to 1."
            + (
                f" This head looks most at {_q(tokens[best])}: {weights[best]:.0%}."
                if best is not None and best < len(tokens)
                else ""
            ),
            [
                StripData(
                    "weight",
                    weights,
                    kind="weights",
                    column_labels=tokens,
                    numbers=True,
                    highlight=best,
                )
            ],
        ),
        Stage(
            "context",
            "The head's context",
            "c = Σ<sub>s</sub> α<sub>s</sub> v<sub>s</sub>",
            "The weighted average of the values: what this head brings back from the "
            "source. The contexts of all heads are put end to end and projected, then "
            "added to the decoder's vector.",
            [
                StripData(
                    "c", cross.context[layer, shown], caption=_range(cross.context[layer, shown])
                )
            ],
        ),
    ]
    every = cross.weights[layer]
    rows = [*(f"head {i + 1}" for i in range(every.shape[0])), "average"]
    stages.append(
        Stage(
            "heads",
            f"Every head of layer {layer + 1}",
            "one softmax per head, each with its own W<sub>Q</sub>, W<sub>K</sub>, W<sub>V</sub>",
            "Each head has its own projections, so each looks at the source in its own way: "
            "one may follow the word being translated, another the words around it. An RNN "
            "has one attention; the heatmap and the bars show the average of the last layer's "
            "heads unless you choose one.",
            [
                StripData(
                    "weight",
                    np.vstack([every, every.mean(axis=0, keepdims=True)]),
                    kind="weights",
                    row_labels=rows,
                    column_labels=tokens,
                    numbers=True,
                )
            ],
        )
    )
    own = heads.self_attention.weights[layer, shown]
    inputs = ["[START]", *list(target_tokens)[:-1]][: own.shape[-1]]
    stages.append(
        Stage(
            "self",
            f"Self-attention of {name} over what was written",
            "softmax(q · k<sub>i</sub> / √d), i ≤ t",
            "Before looking at the source, the decoder attends to its own inputs so far "
            "([START] and the words already written); later words are masked out.",
            [StripData("weight", own, kind="weights", column_labels=inputs, numbers=True)],
        )
    )
    candidates = list(step.candidates)
    probabilities = np.array([c.probability for c in candidates], np.float32)
    chosen = next((i for i, c in enumerate(candidates) if c.token_id == step.token_id), None)
    stages.append(
        Stage(
            "output",
            "Next word: the top candidates",
            "p(y<sub>t</sub>) = softmax(W<sub>o</sub> x<sub>t</sub><sup>(L)</sup>)",
            "After the last layer, the output layer scores every word of the target vocabulary "
            f"and the softmax gives probabilities: {_q(step.token)} (p = {step.probability:.3f})"
            + (", chosen by you." if step.forced else "."),
            [
                StripData(
                    "p",
                    probabilities,
                    kind="weights",
                    column_labels=[c.token for c in candidates],
                    numbers=True,
                    number_format="{:.0%}",
                    highlight=chosen,
                )
            ],
        )
    )
    return stages


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
