"""A model's attention against gold word alignments on a test set.

The attention is that of the model reading the reference translation (forced decoding,
as Luong et al. 2015 measured it, :func:`forced_attention`), so it is scored against the
gold links of the very words it produced (:func:`evaluate_alignments`).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from keras_attn.alignment.links import (
    DEFAULT_THRESHOLD,
    _token_maps,
    attention_alignment,
    check_threshold,
)
from keras_attn.alignment.pharaoh import format_alignment, read_alignments
from keras_attn.alignment.scores import aer_precision_recall, alignment_counts
from keras_attn.errors import ConfigurationError, DataError


def _forced_function(model):
    """The model's compiled teacher-forced attention, made once per model."""
    import tensorflow as tf

    def run(source_ids, target_in):
        outputs, state, mask = model.encoder(source_ids, training=False)
        _, weights = model.decoder(target_in, outputs, mask, state, training=False)
        return weights

    spec = tf.TensorSpec((None, None), tf.int32)
    return model.compiled_function("forced_attention", run, input_signature=[spec, spec])


def forced_attention(model, pairs, *, batch_size=64) -> list[np.ndarray]:
    """The attention of `model` reading each reference translation (teacher forcing).

    Args:
        model: a `Translator`.
        pairs: `(source, reference)` pairs.
        batch_size: pairs run together.

    Returns:
        per pair, float32 `(target_tokens + 1, source_tokens + 1)`: one row per reference
        token and one for the `[END]` it ends with, one column per source token and one
        for the source's `[END]`, tokens cut to the models' `max_length`s.
    """
    from keras_attn.evaluation import _check_positive
    from keras_attn.text import PAD_ID, START_ID

    _check_positive("batch_size", batch_size, allow_none=False)
    pairs = list(getattr(pairs, "pairs", pairs))
    run = _forced_function(model)
    out: list[np.ndarray] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        source_ids = np.asarray(model.source_ids([s for s, _ in chunk]))
        source_lengths = np.sum(source_ids != PAD_ID, axis=1)
        targets = model.target_text.encode([t for _, t in chunk]).to_list()
        width = max(len(t) for t in targets) + 1
        target_in = np.zeros((len(chunk), width), np.int32)
        for row, tokens in enumerate(targets):
            target_in[row, : len(tokens) + 1] = [START_ID, *tokens]
        weights = np.asarray(run(source_ids.astype(np.int32), target_in))
        for row, tokens in enumerate(targets):
            out.append(weights[row, : len(tokens) + 1, : source_lengths[row]].astype(np.float32))
    return out


@dataclasses.dataclass
class AlignmentResult:
    """How well a model's attention finds the gold word alignment of a test set.

    Attributes:
        aer, precision, recall: of the argmax links (precision |A∩P|/|A|, recall
            |A∩S|/|S|).
        threshold_aer, threshold_precision, threshold_recall: of the thresholded links.
        threshold: the attention a link needs in threshold mode.
        sentences: pairs scored.
        truncated: pairs longer than the model reads or writes (`max_length`): their
            words beyond it have no attention and count as missed.
        untraceable: pairs whose tokens could not be traced to their words (left out).
        counts, threshold_counts: the link counts (see :func:`alignment_counts`).
        argmax_links, threshold_links: the predicted links of each pair (None for a pair
            left out).
    """

    aer: float
    precision: float
    recall: float
    threshold_aer: float
    threshold_precision: float
    threshold_recall: float
    threshold: float
    sentences: int
    truncated: int = 0
    untraceable: int = 0
    counts: dict = dataclasses.field(default_factory=dict)
    threshold_counts: dict = dataclasses.field(default_factory=dict)
    argmax_links: list = dataclasses.field(default_factory=list, repr=False)
    threshold_links: list = dataclasses.field(default_factory=list, repr=False)

    def to_dict(self, links=False) -> dict:
        """A JSON-able dict of the scores (NaN as None); with `links`, the links too."""

        def number(x):
            return None if x is None or math.isnan(x) else x

        result: dict[str, Any] = {
            "argmax": {
                "aer": number(self.aer),
                "precision": number(self.precision),
                "recall": number(self.recall),
                **self.counts,
            },
            "threshold": {
                "aer": number(self.threshold_aer),
                "precision": number(self.threshold_precision),
                "recall": number(self.threshold_recall),
                "threshold": self.threshold,
                **self.threshold_counts,
            },
            "sentences": self.sentences,
            "truncated": self.truncated,
            "untraceable": self.untraceable,
        }
        if links:
            result["argmax"]["links"] = [
                None if a is None else format_alignment(a) for a in self.argmax_links
            ]
            result["threshold"]["links"] = [
                None if a is None else format_alignment(a) for a in self.threshold_links
            ]
        return result

    def summary(self) -> str:
        """A few readable lines: AER, precision and recall of both ways of linking."""

        def pct(x):
            return "n/a" if math.isnan(x) else f"{100 * x:.1f}"

        lines = [
            f"AER (argmax) = {pct(self.aer)}  precision {pct(self.precision)}, recall "
            f"{pct(self.recall)}",
            f"AER (attention >= {self.threshold:g}) = {pct(self.threshold_aer)}  precision "
            f"{pct(self.threshold_precision)}, recall {pct(self.threshold_recall)}",
            f"  {self.sentences} sentence pairs, {self.counts.get('sure', 0)} sure and "
            f"{self.counts.get('possible', 0)} possible gold links (forced decoding of the "
            f"references; lower AER is better)",
        ]
        if self.truncated:
            lines.append(
                f"  {self.truncated} pair(s) longer than the model's max_length: "
                f"their last words count as missed"
            )
        if self.untraceable:
            lines.append(
                f"  {self.untraceable} pair(s) left out: their tokens could not be "
                f"traced to their words"
            )
        return "\n".join(lines)


def check_has_attention(model, name="the model") -> None:
    """ConfigurationError when `model` has no attention (`attention="none"`)."""
    if not getattr(model, "has_attention", True):
        raise ConfigurationError(
            f"{name} has no attention (attention='none': a classic encoder-decoder), so "
            f"there is no attention to align with words; alignment error rate needs a "
            f"model with attention."
        )


def evaluate_alignments(
    model, pairs, gold, *, threshold=DEFAULT_THRESHOLD, batch_size=64
) -> AlignmentResult:
    """Alignment error rate of a model's attention against gold word alignments.

    Args:
        model: a `Translator` with attention.
        pairs: the test pairs (or their `ParallelData`).
        gold: one :class:`GoldAlignment` per pair, or the path of a Pharaoh file (read
            and checked against `pairs` with :func:`read_alignments`).
        threshold: the attention a link needs in threshold mode.
        batch_size: pairs run together.

    Returns:
        an :class:`AlignmentResult`.

    Raises:
        ConfigurationError: the model has no attention.
        DataError: no pairs, or a gold file that does not match them.
        ValueError: `gold` is a list of another length than `pairs`; a bad `threshold`.
    """
    check_has_attention(model)
    check_threshold(threshold)
    if not isinstance(gold, list | tuple):
        gold = read_alignments(gold, pairs)
    pairs = list(getattr(pairs, "pairs", pairs))
    if not pairs:
        raise DataError("No sentence pairs to align.")
    if len(gold) != len(pairs):
        raise ValueError(
            f"Received {len(gold)} gold alignments for {len(pairs)} pairs; expected one per pair."
        )
    source_maps, source_cut = _token_maps(model.source_text, [s for s, _ in pairs])
    target_maps, target_cut = _token_maps(model.target_text, [t for _, t in pairs])
    weights = forced_attention(model, pairs, batch_size=batch_size)
    argmax_links: list = []
    threshold_links: list = []
    kept = []
    truncated = untraceable = 0
    for k in range(len(pairs)):
        source_map, target_map = source_maps[k], target_maps[k]
        if source_map is None or target_map is None:
            untraceable += 1
            argmax_links.append(None)
            threshold_links.append(None)
            continue
        truncated += source_cut[k] or target_cut[k]
        argmax_links.append(attention_alignment(weights[k], source_map, target_map, "argmax"))
        threshold_links.append(
            attention_alignment(weights[k], source_map, target_map, "threshold", threshold)
        )
        kept.append(k)
    sure = [set(gold[k].sure) for k in kept]
    possible = [set(gold[k].possible) for k in kept]
    counts = alignment_counts([argmax_links[k] for k in kept], sure, possible)
    counts_t = alignment_counts([threshold_links[k] for k in kept], sure, possible)
    aer, precision, recall = aer_precision_recall(counts)
    threshold_aer, threshold_precision, threshold_recall = aer_precision_recall(counts_t)
    return AlignmentResult(
        aer=aer,
        precision=precision,
        recall=recall,
        threshold_aer=threshold_aer,
        threshold_precision=threshold_precision,
        threshold_recall=threshold_recall,
        threshold=float(threshold),
        sentences=len(kept),
        truncated=truncated,
        untraceable=untraceable,
        counts=counts,
        threshold_counts=counts_t,
        argmax_links=argmax_links,
        threshold_links=threshold_links,
    )
