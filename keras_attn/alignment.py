"""Word alignments: reading gold alignments, alignments from attention, alignment error rate.

Does a model's attention find which source word each target word translates? Where the
truth is known (the generated datasets write it, :mod:`keras_attn.datasets`; people
annotate it for real languages) it can be measured:

    >>> gold = read_alignments("test.align", pairs)         # Pharaoh/Moses lines
    >>> result = evaluate_alignments(model, pairs, gold)
    >>> print(result.summary())                               # AER, argmax and threshold

**Format.** One line per sentence pair, in the order of the pairs; each line holds links
``i-j`` (sure) and ``i?j`` or ``ipj`` (possible), ``i`` the source word and ``j`` the
target word, counted from 0; words are the whitespace-separated words of the raw
sentences (so ``eats.`` is one word). An empty line: no links.

**From attention to words.** The model's tokens (words, WordPiece pieces or characters,
see :mod:`keras_attn.text`) are mapped back to the words they come from
(:func:`token_word_map`); ``[END]`` and the space token of character models belong to
no word. The attention of a target word to a source word is the attention its tokens
give to that word's tokens, summed over the source tokens and averaged over the target
tokens. The attention is that of the model reading the reference translation (forced
decoding, as Luong et al. 2015 measured it), so it is scored against the gold links of
the very words it produced. :func:`attention_alignment` then links

* ``argmax``: each target word to the source word it attends to most, unless the
  attention left over for no word (``[END]``, spaces) is larger still;
* ``threshold``: each target word to every source word given at least ``threshold``.

**Alignment error rate** (Och and Ney 2003), for predicted links A, sure links S and
possible links P (S is a part of P): ``AER = 1 - (|A∩S| + |A∩P|) / (|A| + |S|)``, summed
over the corpus. 0 is perfect; lower is better.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from keras_attn.errors import ConfigurationError, DataError

Link = tuple[int, int]

#: Default attention a target word must give a source word to be linked in "threshold" mode.
DEFAULT_THRESHOLD = 0.3
MODES = ("argmax", "threshold")

_LINK = re.compile(r"(\d+)([-?p])(\d+)")


@dataclasses.dataclass(frozen=True)
class GoldAlignment:
    """The gold links of one sentence pair.

    Attributes:
        sure: frozenset of `(source_word, target_word)` links marked sure (``i-j``).
        possible: frozenset of the possible links, the sure ones included (P ⊇ S).
    """

    sure: frozenset = frozenset()
    possible: frozenset = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "sure", frozenset(self.sure))
        object.__setattr__(self, "possible", frozenset(self.possible) | self.sure)

    def to_line(self) -> str:
        """The Pharaoh line of these links (``i-j`` sure, ``i?j`` possible only)."""
        return format_alignment(self.sure, self.possible)


def format_alignment(sure: Iterable[Link], possible: Iterable[Link] = ()) -> str:
    """One Pharaoh line: sure links as ``i-j``, the other possible ones as ``i?j``."""
    from keras_attn.datasets._sampling import pharaoh_line

    return pharaoh_line(sure, possible)


def write_alignments(path, alignments: Iterable) -> None:
    """Write alignments, one Pharaoh line each: :class:`GoldAlignment` objects, or sets
    of links (all written as sure)."""
    lines = []
    for alignment in alignments:
        if isinstance(alignment, GoldAlignment):
            lines.append(alignment.to_line())
        else:
            lines.append(format_alignment(alignment))
    with open(path, "w", encoding="utf-8") as stream:
        stream.writelines(line + "\n" for line in lines)


def _where(path, line, column=None) -> str:
    place = f"{path}, line {line}"
    return place if column is None else f"{place}, column {column}"


def parse_alignment(text: str, *, path="alignment", line: int = 1,
                    words: tuple[int, int] | None = None,
                    sentences: tuple[str, str] | None = None) -> GoldAlignment:
    """Read one Pharaoh line.

    Args:
        text: the line, e.g. ``"0-0 1-2 2?1"``.
        path, line: where it comes from, for messages.
        words: `(source_words, target_words)` of its sentence pair, to check the indices.
        sentences: the pair itself, quoted in messages about indices.

    Raises:
        DataError: a token is not a link, or an index is out of range; the message names
            the file, line and column (from 1) and the token.
    """
    sure: set[tuple[int, int]] = set()
    possible: set[tuple[int, int]] = set()
    for match in re.finditer(r"\S+", text):
        token, column = match.group(), match.start() + 1
        link = _LINK.fullmatch(token)
        if link is None:
            raise DataError(
                f"{_where(path, line, column)}: {token!r} is not an alignment link; expected "
                f"i-j (sure) or i?j / ipj (possible), i and j word positions counted from 0",
                path=str(path), line=line)
        i, mark, j = int(link.group(1)), link.group(2), int(link.group(3))
        if words is not None:
            for side, index, count, k in (("source", i, words[0], 0),
                                          ("target", j, words[1], 1)):
                if index >= count:
                    quoted = f" ({sentences[k]!r})" if sentences is not None else ""
                    raise DataError(
                        f"{_where(path, line, column)}: {side} word {index} in {token!r} is "
                        f"out of range: the {side} sentence of pair {line} has {count} "
                        f"word(s){quoted}, counted from 0", path=str(path), line=line)
        (sure if mark == "-" else possible).add((i, j))
    return GoldAlignment(frozenset(sure), frozenset(possible))


def _read_lines(path, encoding="utf-8") -> list[str]:
    from keras_attn.data.lines import open_binary

    with open_binary(path, role="alignment file") as stream:
        data = stream.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = []
    for number, raw in enumerate(lines, start=1):
        try:
            out.append(raw.decode(encoding).rstrip("\r"))
        except UnicodeDecodeError as error:
            raise DataError(f"{_where(path, number, error.start + 1)}: not {encoding} text "
                            f"(byte 0x{raw[error.start]:02x})", path=str(path),
                            line=number) from None
    return out


def _pair_lines(data, gold_count: int) -> list[int] | None:
    """The gold line of each pair of a `ParallelData` whose reader skipped some lines."""
    report = getattr(data, "report", None)
    lines = getattr(data, "lines", None)
    if report is None or not lines:
        return None
    header = 1 if any(p.kind == "header" for p in report.problems) else 0
    records = report.total_lines - header
    if gold_count != records:
        return None
    return [line - header for line in lines]


def read_alignments(path, pairs=None, *, encoding="utf-8") -> list[GoldAlignment]:
    """Read a gold alignment file (Pharaoh/Moses: ``i-j`` sure, ``i?j``/``ipj`` possible).

    Args:
        path: the file, one line per sentence pair.
        pairs: the test pairs it belongs to (a list of `(source, target)`, or the
            `ParallelData` they were read as), to check that it matches them: one line per
            pair, and word indices within the sentences (whitespace-separated words,
            counted from 0). For a `ParallelData` whose reader skipped lines (blank,
            repeated, too long), a file with one line per line of the test file (header
            left out) is matched line by line. None: no checks.

    Returns:
        one :class:`GoldAlignment` per pair (per line when `pairs` is None).

    Raises:
        DataError: the file cannot be read, a line holds something other than links, an
            index is out of range, or the line count does not match the pairs; the
            message names the file, line and column.
    """
    lines = _read_lines(path, encoding)
    if pairs is None:
        return [parse_alignment(text, path=path, line=n) for n, text in enumerate(lines, 1)]
    pair_list = list(getattr(pairs, "pairs", pairs))
    mapping = None
    if len(lines) != len(pair_list):
        mapping = _pair_lines(pairs, len(lines))
        if mapping is None:
            first = min(len(lines), len(pair_list)) + 1
            raise DataError(
                f"{_where(path, first)}: the file has {len(lines):,} line(s) but the test "
                f"data has {len(pair_list):,} sentence pair(s); a gold alignment file needs "
                f"one line per pair, in the same order", path=str(path), line=first)
    gold_line = mapping or list(range(1, len(pair_list) + 1))
    used = set(gold_line)
    for number, text in enumerate(lines, start=1):  # lines of skipped pairs: syntax only
        if number not in used:
            parse_alignment(text, path=path, line=number)
    result = []
    for (source, target), number in zip(pair_list, gold_line, strict=True):
        words = (len(source.split()), len(target.split()))
        result.append(parse_alignment(lines[number - 1], path=path, line=number, words=words,
                                      sentences=(source, target)))
    return result


# -- scores ---------------------------------------------------------------------------------
def _is_one(alignment) -> bool:
    return isinstance(alignment, set | frozenset)


def _as_corpus(predicted, sure, possible):
    if _is_one(predicted):
        return [set(predicted)], [set(sure)], [set(possible)]
    predicted, sure, possible = list(predicted), list(sure), list(possible)
    if not len(predicted) == len(sure) == len(possible):
        raise ValueError(f"Received {len(predicted)} predicted, {len(sure)} sure and "
                         f"{len(possible)} possible alignments; expected one of each per "
                         f"sentence.")
    return ([set(a) for a in predicted], [set(s) for s in sure],
            [set(p) | set(s) for p, s in zip(possible, sure, strict=True)])


def alignment_counts(predicted, sure, possible) -> dict:
    """Link counts of a sentence (sets of links) or a corpus (lists of sets, one each).

    Returns:
        dict with `predicted` |A|, `sure` |S|, `possible` |P| (P ⊇ S: sure links count as
        possible), `sure_found` |A∩S| and `possible_found` |A∩P|.
    """
    predicted, sure, possible = _as_corpus(predicted, sure, possible)
    counts = dict(predicted=0, sure=0, possible=0, sure_found=0, possible_found=0)
    for a, s, p in zip(predicted, sure, possible, strict=True):
        p = p | s
        counts["predicted"] += len(a)
        counts["sure"] += len(s)
        counts["possible"] += len(p)
        counts["sure_found"] += len(a & s)
        counts["possible_found"] += len(a & p)
    return counts


def _aer(counts) -> float:
    denominator = counts["predicted"] + counts["sure"]
    if denominator == 0:
        return math.nan
    return 1.0 - (counts["sure_found"] + counts["possible_found"]) / denominator


def alignment_error_rate(predicted, sure, possible) -> float:
    """Alignment error rate (Och and Ney 2003): ``1 - (|A∩S| + |A∩P|) / (|A| + |S|)``.

    Args:
        predicted: the links A of one sentence (a set of `(source, target)` pairs), or a
            list of such sets, one per sentence (the corpus AER sums the counts).
        sure: S, the same shape as `predicted`.
        possible: P, the same shape; sure links count as possible whether listed or not.

    Returns:
        the AER, 0 (perfect) to 1; NaN when there is neither a predicted nor a sure link.
    """
    return _aer(alignment_counts(predicted, sure, possible))


# -- tokens to words ------------------------------------------------------------------------
def token_word_map(encoder, sentences: Sequence[str]) -> list[list[int | None] | None]:
    """For each sentence, the word each of the model's tokens comes from.

    Args:
        encoder: the model's `TextEncoder` for that side (`model.source_text` or
            `model.target_text`).
        sentences: raw sentences; words are their whitespace-separated parts.

    Returns:
        per sentence, a list with one entry per token the model reads (at most
        `encoder.max_length`, `[END]` not included): the 0-based index of the word the
        token belongs to, or None for a token of no word (the space token of character
        models). None instead of the list when the tokens cannot be traced to the words
        (the whole sentence tokenizes differently from its words one by one).
    """
    return _token_maps(encoder, sentences)[0]


def _token_maps(encoder, sentences):
    """:func:`token_word_map`'s maps, and whether each sentence was cut to max_length."""
    sentences = list(sentences)
    words = [sentence.split() for sentence in sentences]
    flat = [word for sentence_words in words for word in sentence_words]
    per_word: list[list[str]] = []
    for start in range(0, len(flat), 4096):
        per_word.extend(encoder.tokens(flat[start:start + 4096]) if flat else [])
    totals = encoder.token_counts(sentences) if sentences else []
    spaced = encoder.tokenizer == "char"
    maps: list[list[int | None] | None] = []
    cut = [total > encoder.max_length for total in totals]
    k = 0
    for sentence_words, total in zip(words, totals, strict=True):
        positions: list[int | None] = []
        for index in range(len(sentence_words)):
            pieces = per_word[k]
            k += 1
            if not pieces:
                continue
            if spaced and positions:
                positions.append(None)  # the space token between two words
            positions.extend([index] * len(pieces))
        # tokens() cuts each word at max_length: only a word that long can miscount.
        maps.append(positions[:encoder.max_length] if len(positions) == total else None)
    return maps, cut


def check_threshold(threshold) -> float:
    """`threshold` as a float, or ValueError unless it is a number in (0, 1]."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.floating) \
            or not 0.0 < threshold <= 1.0:
        raise ValueError(f"Received an invalid value for argument `threshold`: "
                         f"{threshold!r}; expected a number in (0, 1].")
    return float(threshold)


def _word_matrix(weights, source_map, target_map):
    """`(words_matrix (target_words, source_words + 1), target_word_ids)`; the last
    column holds the attention that went to no word."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2:
        raise ValueError(f"Received `weights` of shape {weights.shape}; expected "
                         f"(target_tokens, source_tokens).")
    rows, cols = weights.shape
    source_map = list(source_map)[:cols] + [None] * max(0, cols - len(source_map))
    target_map = list(target_map)[:rows] + [None] * max(0, rows - len(target_map))
    source_words = 1 + max((i for i in source_map if i is not None), default=-1)
    target_words = 1 + max((j for j in target_map if j is not None), default=-1)
    column_word = np.array([source_words if i is None else i for i in source_map], int)
    summed = np.zeros((rows, source_words + 1))
    np.add.at(summed.T, column_word, weights.T)  # sum the columns of each source word
    matrix = np.zeros((target_words, source_words + 1))
    counts = np.zeros(target_words)
    for row, j in enumerate(target_map):
        if j is not None:
            matrix[j] += summed[row]
            counts[j] += 1
    present = counts > 0
    matrix[present] /= counts[present, None]
    return matrix, present


def attention_alignment(weights, source_words, target_words, mode="argmax",
                        threshold=DEFAULT_THRESHOLD) -> set[Link]:
    """Word links read off attention weights.

    Args:
        weights: array `(target_tokens, source_tokens)`, e.g. a `Translation.weights` or
            one of :func:`forced_attention`'s (the last column being `[END]`).
        source_words: for each source token (column), the index of its word, or None
            (as :func:`token_word_map` gives them); columns beyond its length (`[END]`)
            belong to no word.
        target_words: the same for the target tokens (rows); rows beyond its length (the
            `[END]` step) belong to no word.
        mode: "argmax": each target word is linked to the source word it gives the most
            attention, unless more went to no word (or none was given at all: a model
            without attention gives all-zero weights); "threshold": to every source word
            given at least `threshold`.
        threshold: see `mode`.

    Returns:
        a set of `(source_word, target_word)` links.

    Raises:
        ValueError: unknown `mode`, `threshold` outside (0, 1], weights not 2-D.
    """
    if mode not in MODES:
        raise ValueError(f"Received an invalid value for argument `mode`: {mode!r}; "
                         f"expected one of {list(MODES)}.")
    check_threshold(threshold)
    matrix, present = _word_matrix(weights, source_words, target_words)
    links: set[Link] = set()
    n_source = matrix.shape[1] - 1
    for j in np.flatnonzero(present):
        row = matrix[j]
        if mode == "argmax":
            if n_source == 0:
                continue
            best = int(np.argmax(row[:n_source]))
            if row[best] > 0 and row[best] >= row[n_source]:
                links.add((best, int(j)))
        else:
            links.update((int(i), int(j)) for i in np.flatnonzero(row[:n_source] >= threshold))
    return links


# -- a model on a test set ------------------------------------------------------------------
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
        chunk = pairs[start:start + batch_size]
        source_ids = np.asarray(model.source_ids([s for s, _ in chunk]))
        source_lengths = np.sum(source_ids != PAD_ID, axis=1)
        targets = model.target_text.encode([t for _, t in chunk]).to_list()
        width = max(len(t) for t in targets) + 1
        target_in = np.zeros((len(chunk), width), np.int32)
        for row, tokens in enumerate(targets):
            target_in[row, :len(tokens) + 1] = [START_ID, *tokens]
        weights = np.asarray(run(source_ids.astype(np.int32), target_in))
        for row, tokens in enumerate(targets):
            out.append(weights[row, :len(tokens) + 1, :source_lengths[row]].astype(np.float32))
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
            "argmax": {"aer": number(self.aer), "precision": number(self.precision),
                       "recall": number(self.recall), **self.counts},
            "threshold": {"aer": number(self.threshold_aer),
                          "precision": number(self.threshold_precision),
                          "recall": number(self.threshold_recall),
                          "threshold": self.threshold, **self.threshold_counts},
            "sentences": self.sentences, "truncated": self.truncated,
            "untraceable": self.untraceable,
        }
        if links:
            result["argmax"]["links"] = [None if a is None else format_alignment(a)
                                         for a in self.argmax_links]
            result["threshold"]["links"] = [None if a is None else format_alignment(a)
                                            for a in self.threshold_links]
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
            lines.append(f"  {self.truncated} pair(s) longer than the model's max_length: "
                         f"their last words count as missed")
        if self.untraceable:
            lines.append(f"  {self.untraceable} pair(s) left out: their tokens could not be "
                         f"traced to their words")
        return "\n".join(lines)


def _ratio(numerator, denominator) -> float:
    return numerator / denominator if denominator else math.nan


def check_has_attention(model, name="the model") -> None:
    """ConfigurationError when `model` has no attention (`attention="none"`)."""
    if not getattr(model, "has_attention", True):
        raise ConfigurationError(
            f"{name} has no attention (attention='none': a classic encoder-decoder), so "
            f"there is no attention to align with words; alignment error rate needs a "
            f"model with attention.")


def evaluate_alignments(model, pairs, gold, *, threshold=DEFAULT_THRESHOLD,
                        batch_size=64) -> AlignmentResult:
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
        raise ValueError(f"Received {len(gold)} gold alignments for {len(pairs)} pairs; "
                         f"expected one per pair.")
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
        threshold_links.append(attention_alignment(weights[k], source_map, target_map,
                                                   "threshold", threshold))
        kept.append(k)
    sure = [set(gold[k].sure) for k in kept]
    possible = [set(gold[k].possible) for k in kept]
    counts = alignment_counts([argmax_links[k] for k in kept], sure, possible)
    counts_t = alignment_counts([threshold_links[k] for k in kept], sure, possible)
    return AlignmentResult(
        aer=_aer(counts), precision=_ratio(counts["possible_found"], counts["predicted"]),
        recall=_ratio(counts["sure_found"], counts["sure"]),
        threshold_aer=_aer(counts_t),
        threshold_precision=_ratio(counts_t["possible_found"], counts_t["predicted"]),
        threshold_recall=_ratio(counts_t["sure_found"], counts_t["sure"]),
        threshold=float(threshold), sentences=len(kept), truncated=truncated,
        untraceable=untraceable, counts=counts, threshold_counts=counts_t,
        argmax_links=argmax_links, threshold_links=threshold_links)
