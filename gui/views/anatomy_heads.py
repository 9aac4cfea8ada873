"""The stages of a step's anatomy for one head of a Transformer (q, K, V, the scaled
scores, the softmax, the head's context, every head of the layer, the decoder's
self-attention, the candidates), as the plain records of :mod:`.anatomy_stages`."""

from __future__ import annotations

import numpy as np

from .anatomy_stages import Stage, StripData, _q, _range


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
