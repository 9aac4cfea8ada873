"""Translating many sentences at once, and scoring a model on a test set (BLEU, chrF).

    >>> result = evaluate(model, test_pairs, beam=5)
    >>> print(result.summary())
    >>> translate_batch(model, ["a b c"], beam=4, n_best=2)[0][1].text

Scores are sacrebleu's, computed on the model's readable output (its own detokenization)
against the references as they are in the test file, so they can be compared with other
systems' scores that carry the same signature. With gold word alignments,
``evaluate(..., alignments="test.align")`` also scores the attention's alignment
(:mod:`keras_attn.alignment`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from keras_attn.errors import DataError
from keras_attn.text import PAD_ID

if TYPE_CHECKING:
    from keras_attn.alignment import AlignmentResult
    from keras_attn.model import Translator


@dataclasses.dataclass
class Translation:
    """One translation of one sentence.

    Attributes:
        text: the readable output.
        score: what beam search ranks by (log-probability divided by the length
            penalty); for a sample, its log-probability; None for greedy decoding.
        log_prob: summed log-probability of the output tokens (None for greedy decoding).
        token_ids: output token ids, `[END]` included when it was produced.
        weights: float32 `(len(token_ids), src_len)` attention weights, `src_len` being the
            sentence's source tokens plus `[END]`.
    """

    text: str
    score: float | None
    log_prob: float | None
    token_ids: list
    weights: np.ndarray

    def output_tokens(self, model) -> list[str]:
        """The output tokens as vocabulary strings (`[END]` included), for heatmap rows."""
        vocabulary = model.target_text.vocabulary
        return [vocabulary[i] for i in self.token_ids]


def _check_positive(name, value, allow_none=True):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected a "
            f"positive integer, got {value!r}."
        )


def translate_batch(
    model: Translator,
    sentences: Sequence[str],
    *,
    beam: int | None = None,
    alpha: float | None = None,
    n_best: int = 1,
    batch_size: int = 64,
    temperature: float | None = None,
    top_k: int = 0,
    seed: int | None = None,
) -> list[list[Translation]]:
    """Translate sentences with greedy decoding, beam search or sampling.

    Args:
        model: a `Translator`.
        sentences: list of str. Sentences with nothing to translate (empty, blank, or
            nothing left once normalized) get one empty translation, with no tokens.
        beam: beam width; None or 1: greedy decoding (the model's compiled loop).
        alpha: length-penalty exponent of beam search (None: the model's setting,
            `model.length_alpha`).
        n_best: translations returned per sentence, best first (beam search only).
        batch_size: sentences decoded together.
        temperature: sample instead of searching (0: greedy choice at every step).
        top_k: when sampling, sample among the k most likely tokens only (0: all).
        seed: when sampling, seed of the random generator.

    Returns:
        one list of :class:`Translation` per sentence (`n_best` long with beam search,
        one long otherwise), in input order.

    Raises:
        ValueError: invalid `beam`, `n_best` or `batch_size`, `n_best` above 1 without
            beam search, or both beam search and sampling asked for.
        TranslationError: a sentence is not a string or holds a lone surrogate (see
            :func:`keras_attn.model.check_sentences`).
    """
    from keras_attn.search import beam_search, sample

    _check_positive("beam", beam)
    _check_positive("n_best", n_best, allow_none=False)
    _check_positive("batch_size", batch_size, allow_none=False)
    searching = beam is not None and beam > 1
    sampling = temperature is not None
    if searching and sampling:
        raise ValueError(
            "Beam search and sampling exclude each other: give `beam` or `temperature`, not both."
        )
    if n_best > 1 and not searching:
        raise ValueError(
            f"Received n_best={n_best}: several translations per sentence need "
            f"beam search (`beam` of 2 or more)."
        )
    if searching and n_best > (beam or 1):
        raise ValueError(
            f"Received n_best={n_best} with beam={beam}: beam search finds at "
            f"most `beam` translations."
        )
    from keras_attn.model import check_sentences

    sentences = check_sentences(sentences, allow_empty=True)
    results: list[list[Translation]] = [
        [Translation("", None, None, [], np.zeros((0, 0), np.float32))] for _ in sentences
    ]
    todo = [i for i, s in enumerate(sentences) if s.strip()]
    rng = np.random.default_rng(seed) if sampling else None
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        source_ids = model.source_ids([sentences[i] for i in chunk])
        source_lengths = np.sum(np.asarray(source_ids) != PAD_ID, axis=1)
        if np.any(source_lengths <= 1):  # [END] alone: nothing left once normalized
            kept = np.flatnonzero(source_lengths > 1)
            chunk = [chunk[k] for k in kept]
            if not chunk:
                continue
            source_lengths = source_lengths[kept]
            source_ids = np.asarray(source_ids)[kept, : int(source_lengths.max())]
        if searching:
            found = beam_search(model, source_ids, width=beam, alpha=alpha, n_best=n_best)
            per_sentence = [
                [(h.tokens, h.score, h.log_prob, h.weights) for h in hyps] for hyps in found
            ]
        elif sampling:
            found = sample(model, source_ids, temperature=temperature, top_k=top_k, seed=rng)
            per_sentence = [[(h.tokens, h.log_prob, h.log_prob, h.weights)] for h in found]
        else:
            tokens, weights, lengths = model.greedy(source_ids)
            tokens, weights, lengths = np.asarray(tokens), np.asarray(weights), np.asarray(lengths)
            per_sentence = [
                [(tokens[k, : lengths[k]].tolist(), None, None, weights[k, : lengths[k]])]
                for k in range(len(chunk))
            ]
        for k, index in enumerate(chunk):
            options = per_sentence[k]
            texts = model.target_text.decode([list(o[0]) for o in options])
            results[index] = [
                Translation(
                    text,
                    None if s is None else float(s),
                    None if lp is None else float(lp),
                    [int(t) for t in ids],
                    np.asarray(w, np.float32)[:, : source_lengths[k]],
                )
                for text, (ids, s, lp, w) in zip(texts, options, strict=True)
            ]
    return results


@dataclasses.dataclass
class EvaluationResult:
    """Scores of a model on a test set, with what it translated.

    Attributes:
        bleu, chrf: corpus scores (0 to 100).
        bleu_signature, chrf_signature: sacrebleu's signatures of the metric settings.
        hypotheses: the model's translations, in test order.
        references, sources: the test set's sides, in the same order.
        seconds: time spent translating.
        sentences_per_second: test sentences translated per second.
        beam: the beam width used (None: greedy decoding).
        alpha: the length-penalty exponent (beam search only).
        bleu_details: sacrebleu's one-line BLEU report (n-gram precisions, brevity penalty).
        alignment: the alignment error rate of the attention against gold alignments
            (a :class:`keras_attn.alignment.AlignmentResult`), when they were given.
    """

    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    hypotheses: list[str]
    references: list[str]
    sources: list[str]
    seconds: float
    sentences_per_second: float
    beam: int | None = None
    alpha: float | None = None
    bleu_details: str = ""
    alignment: AlignmentResult | None = None

    @property
    def decoding(self) -> str:
        """ "greedy" or "beam K (alpha A)"."""
        return "greedy" if self.beam is None else f"beam {self.beam} (alpha {self.alpha:g})"

    def to_dict(self, outputs=False) -> dict:
        """A JSON-able dict of the scores; with `outputs`, also the three sentence lists."""
        result = {
            "bleu": self.bleu,
            "chrf": self.chrf,
            "bleu_signature": self.bleu_signature,
            "chrf_signature": self.chrf_signature,
            "sentences": len(self.hypotheses),
            "seconds": self.seconds,
            "sentences_per_second": self.sentences_per_second,
            "beam": self.beam,
            "alpha": self.alpha,
        }
        if outputs:
            result.update(
                hypotheses=list(self.hypotheses),
                references=list(self.references),
                sources=list(self.sources),
            )
        if self.alignment is not None:
            result["alignment"] = self.alignment.to_dict()
        return result

    def summary(self) -> str:
        """A few readable lines: both scores with their signatures, size and speed."""
        alignment = [] if self.alignment is None else [self.alignment.summary()]
        return "\n".join(
            [
                f"BLEU = {self.bleu:.2f}  {self.bleu_details}".rstrip(),
                f"  signature: {self.bleu_signature}",
                f"chrF = {self.chrf:.2f}",
                f"  signature: {self.chrf_signature}",
                f"{len(self.hypotheses)} sentences, {self.decoding}, {self.seconds:.1f} s "
                f"({self.sentences_per_second:.1f} sentences/s)",
                *alignment,
            ]
        )


@dataclasses.dataclass
class CorpusScores:
    """sacrebleu's corpus BLEU and chrF of some output (see :func:`corpus_scores`).

    `bleu_totals`: the output's 1- to 4-gram counts; a 0 among them makes BLEU 0 whatever
    the output (sentences of fewer than four tokens)."""

    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    bleu_details: str
    bleu_totals: list = dataclasses.field(default_factory=list)


def corpus_scores(hypotheses, references, *, lowercase=False) -> CorpusScores:
    """sacrebleu's corpus BLEU and chrF of `hypotheses` against one reference each.

    Args:
        hypotheses: list of str, a system's output.
        references: list of str, as long as `hypotheses`.
        lowercase: compare case-insensitively (sacrebleu's `lowercase` option).
    """
    from sacrebleu.metrics import BLEU, CHRF

    bleu_metric, chrf_metric = BLEU(lowercase=lowercase), CHRF(lowercase=lowercase)
    bleu = bleu_metric.corpus_score(hypotheses, [references])
    chrf = chrf_metric.corpus_score(hypotheses, [references])
    return CorpusScores(
        bleu=float(bleu.score),
        chrf=float(chrf.score),
        bleu_signature=str(bleu_metric.get_signature()),
        chrf_signature=str(chrf_metric.get_signature()),
        bleu_details=str(bleu).partition(" = ")[2].partition(" ")[2],
        bleu_totals=[int(n) for n in bleu.totals],
    )


def evaluate(
    model,
    pairs,
    *,
    beam=None,
    alpha=None,
    batch_size=64,
    lowercase=False,
    alignments=None,
    alignment_threshold=None,
) -> EvaluationResult:
    """Translate the sources of `pairs` and score the output against the targets.

    Args:
        model: a `Translator`.
        pairs: list of `(source, reference)` pairs (or a `ParallelData`).
        beam: beam width; None or 1: greedy decoding.
        alpha: length-penalty exponent of beam search (None: the model's setting).
        batch_size: sentences decoded together.
        lowercase: compare case-insensitively (sacrebleu's `lowercase` option).
        alignments: gold word alignments of `pairs`, to score the attention with
            (:func:`keras_attn.alignment.evaluate_alignments`): the path of a Pharaoh
            file or one `GoldAlignment` per pair. None: no alignment scores.
        alignment_threshold: the attention a link needs in threshold mode (None: the
            default of :mod:`keras_attn.alignment`).

    Returns:
        an :class:`EvaluationResult`.

    Raises:
        DataError: `pairs` is empty, or the gold alignments do not match them.
        ConfigurationError: alignments asked for a model without attention.
    """
    gold = None
    if alignments is not None:  # checked before the slow part
        from keras_attn.alignment import check_has_attention, check_threshold, read_alignments

        check_has_attention(model)
        if alignment_threshold is not None:
            check_threshold(alignment_threshold)
        gold = (
            alignments
            if isinstance(alignments, list | tuple)
            else read_alignments(alignments, pairs)
        )
    pairs = list(getattr(pairs, "pairs", pairs))
    if not pairs:
        raise DataError("No sentence pairs to evaluate on.")
    sources = [source for source, _ in pairs]
    references = [reference for _, reference in pairs]
    beam = None if beam in (None, 1) else beam
    if alpha is None:
        alpha = model.length_alpha
    started = time.perf_counter()
    translations = translate_batch(model, sources, beam=beam, alpha=alpha, batch_size=batch_size)
    seconds = time.perf_counter() - started
    hypotheses = [options[0].text for options in translations]
    scores = corpus_scores(hypotheses, references, lowercase=lowercase)
    alignment = None
    if gold is not None:
        from keras_attn.alignment import DEFAULT_THRESHOLD, evaluate_alignments

        threshold = DEFAULT_THRESHOLD if alignment_threshold is None else alignment_threshold
        alignment = evaluate_alignments(
            model, pairs, list(gold), threshold=threshold, batch_size=batch_size
        )
    return EvaluationResult(
        bleu=scores.bleu,
        chrf=scores.chrf,
        bleu_signature=scores.bleu_signature,
        chrf_signature=scores.chrf_signature,
        hypotheses=hypotheses,
        references=references,
        sources=sources,
        seconds=seconds,
        sentences_per_second=len(pairs) / max(seconds, 1e-9),
        beam=beam,
        alpha=alpha if beam else None,
        bleu_details=scores.bleu_details,
        alignment=alignment,
    )
