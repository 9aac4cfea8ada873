"""Attention diagnostics of one translated sentence: how sharp, and where it went.

* **Entropy** of each output step's attention, in nats: 0 when the step looks at one
  source token only, `log(src_len)` when it spreads evenly over all of them.
* **Coverage** of each source token: the attention it received, summed over the output
  steps (Tu et al. 2016). A token whose coverage stays low was hardly looked at, and may
  not have been translated.

    >>> from keras_attn.diagnostics import attention_diagnostics
    >>> d = attention_diagnostics(session.attention, session.source_tokens)
    >>> d.mean_entropy, [session.source_tokens[i] for i in d.unattended]
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from keras_attn.text import END


@dataclasses.dataclass
class AttentionDiagnostics:
    """Diagnostics of one sentence's attention `(T output steps, S source tokens)`.

    Attributes:
        entropy: float64 `(T,)`, each step's attention entropy in nats.
        mean_entropy: the mean of `entropy` (NaN without steps).
        normalized_entropy: float64 `(T,)`, `entropy / log(S)`: 0 (one token) to 1
            (even over all tokens); 0 when `S == 1`.
        coverage: float64 `(S,)`, the attention each source token received in total.
        unattended: source positions whose coverage is below `threshold`, flagged as
            possibly untranslated (the `[END]` token is never flagged).
        threshold: the coverage below which a token is flagged.
    """

    entropy: np.ndarray
    mean_entropy: float
    normalized_entropy: np.ndarray
    coverage: np.ndarray
    unattended: list
    threshold: float


def attention_diagnostics(weights, source_tokens, threshold=0.5) -> AttentionDiagnostics:
    """Entropy and coverage of a sentence's attention.

    Args:
        weights: `(T, S)` attention weights, one row per output step (each row sums to 1
            over the source), e.g. `DecodingSession.attention` or `Hypothesis.weights`.
        source_tokens: the `S` source tokens (`[END]` included), e.g.
            `DecodingSession.source_tokens`.
        threshold: a source token whose coverage is below this is flagged.

    Returns:
        an :class:`AttentionDiagnostics`.

    Raises:
        ValueError: `weights` is not a 2-D array of finite numbers >= 0 with one column
            per source token, or `threshold` is not a number >= 0.
    """
    weights = np.asarray(weights, np.float64)
    tokens = list(source_tokens)
    if weights.ndim != 2:
        raise ValueError(
            f"`weights` must be 2-D (output steps, source tokens); got shape {weights.shape}."
        )
    if weights.shape[1] != len(tokens):
        raise ValueError(
            f"`weights` has {weights.shape[1]} columns but there are "
            f"{len(tokens)} source tokens; they must match."
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        row, column = np.argwhere(~np.isfinite(weights) | (weights < 0))[0]
        raise ValueError(
            f"`weights` must be finite and >= 0; row {row}, column {column} "
            f"is {weights[row, column]}."
        )
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not threshold >= 0:
        raise ValueError(f"`threshold` must be a number >= 0, got {threshold!r}.")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(weights > 0, -weights * np.log(weights), 0.0)
    entropy = terms.sum(axis=1)
    scale = math.log(len(tokens)) if len(tokens) > 1 else 0.0
    normalized = entropy / scale if scale else np.zeros_like(entropy)
    coverage = weights.sum(axis=0)
    unattended = [
        i
        for i, (token, total) in enumerate(zip(tokens, coverage, strict=True))
        if total < threshold and token != END
    ]
    mean = float(entropy.mean()) if entropy.size else math.nan
    return AttentionDiagnostics(
        entropy=entropy,
        mean_entropy=mean,
        normalized_entropy=normalized,
        coverage=coverage,
        unattended=unattended,
        threshold=float(threshold),
    )
