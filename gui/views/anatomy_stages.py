"""The stages of a step's anatomy as plain records, for an RNN model.

:func:`build_stages` turns a :class:`keras_attn.session.StepAnatomy` into :class:`Stage`
records (title, formula, a sentence, :class:`StripData` to draw), in the order the model
computes them; :mod:`.anatomy_heads` does the same for a Transformer's head and
:mod:`.anatomy_view` draws them. No Qt here: the records are data.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

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
    if model.get("tie_embeddings", False):  # the logits come from the target embeddings
        formula = f"p(y<sub>t</sub>) = softmax(E {TILDE_H} + b)"
        scoring = (
            f"The output layer gives each of the {vocab:,} words of the target vocabulary a "
            f"score, how well {TILDE_H} matches the word's own embedding (the row of E that "
            "also reads the word in when it is the previous word), and the softmax turns "
            "the scores into probabilities."
        )
    else:
        formula = f"p(y<sub>t</sub>) = softmax(W<sub>o</sub> {TILDE_H})"
        scoring = (
            f"The output layer gives each of the {vocab:,} words of the target vocabulary a "
            "score and the softmax turns the scores into probabilities."
        )
    stages.append(
        Stage(
            "output",
            "Next word: the top candidates",
            formula,
            f"{scoring} {choice}",
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
