"""Word links read off attention weights: model tokens mapped back to words.

The model's tokens (words, WordPiece pieces or characters, see :mod:`keras_attn.text`)
are mapped back to the words they come from (:func:`token_word_map`); ``[END]`` and the
space token of character models belong to no word. The attention of a target word to a
source word is the attention its tokens give to that word's tokens, summed over the
source tokens and averaged over the target tokens. :func:`attention_alignment` then links

* ``argmax``: each target word to the source word it attends to most, unless the
  attention left over for no word (``[END]``, spaces) is larger still;
* ``threshold``: each target word to every source word given at least ``threshold``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from keras_attn.alignment.pharaoh import Link

#: Default attention a target word must give a source word to be linked in "threshold" mode.
DEFAULT_THRESHOLD = 0.3
MODES = ("argmax", "threshold")


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
        per_word.extend(encoder.tokens(flat[start : start + 4096]) if flat else [])
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
        maps.append(positions[: encoder.max_length] if len(positions) == total else None)
    return maps, cut


def check_threshold(threshold) -> float:
    """`threshold` as a float, or ValueError unless it is a number in (0, 1]."""
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float | np.floating)
        or not 0.0 < threshold <= 1.0
    ):
        raise ValueError(
            f"Received an invalid value for argument `threshold`: "
            f"{threshold!r}; expected a number in (0, 1]."
        )
    return float(threshold)


def _word_matrix(weights, source_map, target_map):
    """`(words_matrix (target_words, source_words + 1), target_word_ids)`; the last
    column holds the attention that went to no word."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2:
        raise ValueError(
            f"Received `weights` of shape {weights.shape}; expected (target_tokens, source_tokens)."
        )
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


def attention_alignment(
    weights, source_words, target_words, mode="argmax", threshold=DEFAULT_THRESHOLD
) -> set[Link]:
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
        raise ValueError(
            f"Received an invalid value for argument `mode`: {mode!r}; "
            f"expected one of {list(MODES)}."
        )
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
