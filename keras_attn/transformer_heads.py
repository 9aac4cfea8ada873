"""Every head of a Transformer decoding step, as numbers for people to look at.

A :class:`~keras_attn.session.DecodingSession` on a Transformer model gives each step a
:class:`StepHeads` (`StepResult.heads`): for each of the two attentions of every decoder
block, the attention over the source (`cross`) and the attention over the decoder's own
inputs so far (`self_attention`), every head's query, keys, values, scaled scores,
weights and context. With them, one head's computation can be followed from end to end:

    >>> a = step.heads.cross
    >>> layer, head = 0, 1
    >>> scores = a.keys[layer, head] @ a.query[layer, head] * step.heads.scale
    >>> # == a.scores[layer, head]; softmax(scores) == a.weights[layer, head]
    >>> # a.weights[layer, head] @ a.values[layer, head] == a.context[layer, head]
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class HeadAttention:
    """One attention of a decoding step in every block (layer) and head, float32.

    `N` is the number of positions attended: the source tokens (`[END]` included) for the
    attention over the source; for the decoder's self-attention, the decoder inputs up to
    this step, `[START]` and the outputs before this one (`index + 1` of them).

    Attributes:
        query: `(layers, heads, d_head)`, each head's query for this step.
        keys: `(layers, heads, N, d_head)`, the keys of the attended positions.
        values: `(layers, heads, N, d_head)`, their values.
        scores: `(layers, heads, N)`, the scaled scores `q . k / sqrt(d_head)` before the
            softmax; `-inf` on padding.
        weights: `(layers, heads, N)`, the softmax of the scores: each row sums to 1.
        context: `(layers, heads, d_head)`, `weights @ values`, each head's result before
            the heads are concatenated and projected.
    """

    query: np.ndarray
    keys: np.ndarray
    values: np.ndarray
    scores: np.ndarray
    weights: np.ndarray
    context: np.ndarray

    @property
    def layers(self) -> int:
        return self.weights.shape[0]

    @property
    def heads(self) -> int:
        return self.weights.shape[1]


@dataclasses.dataclass
class StepHeads:
    """Every head of one Transformer decoding step.

    Attributes:
        cross: the attention over the source tokens (`N` = source tokens); the step's
            `StepResult.weights` are `cross.weights[-1].mean(axis=0)`, the last block's
            heads averaged.
        self_attention: the decoder's causal self-attention (`N` = `index + 1`: the
            decoder inputs `[START]`, y_1 .. y_index).
        scale: `1 / sqrt(d_head)`, the factor of the scaled scores.
        hidden: `(units,)`, the decoder's output for this step (after the final layer
            norm): what the output layer turns into the logits.
    """

    cross: HeadAttention
    self_attention: HeadAttention
    scale: float
    hidden: np.ndarray


def step_heads(parts, new_state, cross_keys, cross_values, index) -> StepHeads:
    """The :class:`StepHeads` of the first sentence of a batch.

    Args:
        parts: the dict `TransformerTranslator.step_anatomy` returns (tensors or arrays).
        new_state: the state that step returned (its self-attention cache).
        cross_keys, cross_values: numpy `(layers, heads, S, d_head)`, the sentence's
            cross-attention keys and values (`encoded["keys"][0]`, `encoded["values"][0]`).
        index: 0-based position of the step.
    """

    def first(name, source=parts):
        return np.asarray(source[name], np.float32)[0]

    seen = index + 1

    def attention(prefix, keys, values, positions=None):
        cut = slice(None) if positions is None else slice(0, positions)
        return HeadAttention(
            query=first(f"{prefix}_query"),
            keys=keys,
            values=values,
            scores=first(f"{prefix}_scores")[..., cut],
            weights=first(f"{prefix}_weights")[..., cut],
            context=first(f"{prefix}_context"),
        )

    d_head = cross_keys.shape[-1]
    return StepHeads(
        cross=attention("cross", cross_keys, cross_values),
        self_attention=attention(
            "self",
            first("keys", new_state)[:, :, :seen],
            first("values", new_state)[:, :, :seen],
            seen,
        ),
        scale=float(1.0 / np.sqrt(d_head)),
        hidden=first("hidden"),
    )
