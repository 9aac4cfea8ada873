"""Special tokens and the learning of word, WordPiece and character vocabularies.

Every vocabulary starts with the four special tokens, at fixed ids:

==  ===========  ===========================================
id  token        use
==  ===========  ===========================================
0   ``[PAD]``    padding of batches (never produced by text)
1   ``[UNK]``    anything outside the vocabulary
2   ``[START]``  first input of the decoder
3   ``[END]``    end of every sentence
==  ===========  ===========================================

The learners below take *normalized* sentences (words separated by single spaces, see
:func:`keras_attn.text.normalize`) and are deterministic: the same sentences give the same
vocabulary, whatever the order they come in. Ties between equally frequent tokens are
broken by code-point order of the token strings.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable

from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

from keras_attn.text.detokenize import CONTINUATION, SPACE
from keras_attn.text.specials import (  # noqa: F401 (the names this module has always had)
    END,
    END_ID,
    PAD,
    PAD_ID,
    SPECIALS,
    START,
    START_ID,
    UNK,
    UNK_ID,
)

# Longest word the WordPiece learner looks at (longer words are left to [UNK]).
MAX_PIECE_CHARS = 50
# Most distinct characters the WordPiece learner keeps (words with rarer ones are [UNK]).
MAX_ALPHABET = 1000
# A WordPiece vocabulary filling this share of `vocab_size` below it is good enough.
SLACK = 0.05


def _ranked(counts: collections.Counter, min_count: int) -> list[str]:
    """Tokens seen at least `min_count` times, most frequent first, ties by string."""
    kept = [(token, n) for token, n in counts.items() if n >= min_count]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return [token for token, _ in kept]


def word_counts(sentences: Iterable[str]) -> collections.Counter:
    """Counts the space-separated words of normalized sentences."""
    counts: collections.Counter = collections.Counter()
    for sentence in sentences:
        counts.update(sentence.split())
    return counts


def learn_words(sentences: Iterable[str], vocab_size: int, min_count: int = 1) -> list[str]:
    """The specials, then the most frequent words, `vocab_size` entries at most."""
    counts = word_counts(sentences)
    for special in SPECIALS:
        counts.pop(special, None)
    return list(SPECIALS) + _ranked(counts, min_count)[: vocab_size - len(SPECIALS)]


def learn_chars(sentences: Iterable[str], vocab_size: int, min_count: int = 1) -> list[str]:
    """The specials, the space token ``▁``, then the most frequent characters."""
    counts: collections.Counter = collections.Counter()
    for sentence in sentences:
        counts.update(sentence.replace(" ", SPACE))
    counts.pop(SPACE, None)
    head = [*SPECIALS, SPACE]
    return head + _ranked(counts, min_count)[: vocab_size - len(head)]


def learn_wordpieces(sentences: Iterable[str], vocab_size: int, min_count: int = 1) -> list[str]:
    """A WordPiece vocabulary learned from the words of normalized sentences.

    Runs the learner behind ``tensorflow_text``'s ``bert_vocab_from_dataset``
    (``wordpiece_tokenizer_learner_lib``) on our own word counts, so that it learns from
    exactly the words the encoder splits (BERT's pre-tokenizer would cut ``don't`` and
    ``e-mail``, which we keep whole).

    The learner keeps the pieces seen at least `threshold` times. Like its own driver, we
    search for a threshold (at least `min_count`) whose vocabulary fits in `vocab_size`
    and fills at least 95% of it, else the smallest that fits; but we start from the
    count of the `vocab_size`-th most frequent word (a bound, since frequent words
    become pieces) instead of bisecting over all counts: a few learner runs instead of
    about fifteen. Single characters are always kept (as word starts and as ``##``
    continuations), so every word made of known characters can be encoded. If even they
    exceed `vocab_size`, the least frequent entries are cut.
    """
    counts = word_counts(sentences)
    for special in SPECIALS:
        counts.pop(special, None)
    ranked = [(w, counts[w]) for w in _ranked(counts, 1)]
    params = learner.Params(
        upper_thresh=None,
        lower_thresh=None,
        num_iterations=4,
        max_input_tokens=-1,
        max_token_length=MAX_PIECE_CHARS,
        max_unique_chars=MAX_ALPHABET,
        vocab_size=vocab_size,
        slack_ratio=SLACK,
        include_joiner_token=True,
        joiner=CONTINUATION,
        reserved_tokens=list(SPECIALS),
    )
    words = learner.get_input_words(ranked, params.reserved_tokens, MAX_PIECE_CHARS)
    allowed = learner.get_allowed_chars(words, MAX_ALPHABET)
    words = learner.filter_input_words(words, allowed, -1)
    if not words:
        return list(SPECIALS)
    learned: dict[int, list[str]] = {}

    def vocab_at(threshold: int) -> list[str]:
        if threshold not in learned:
            vocab = learner.learn_with_thresh(words, threshold, params)
            learned[threshold] = [v for v in vocab if v != CONTINUATION]
        return learned[threshold]

    def fits(threshold: int) -> bool:
        return len(vocab_at(threshold)) <= vocab_size

    def full(threshold: int) -> bool:
        return fits(threshold) and len(vocab_at(threshold)) >= (1 - SLACK) * vocab_size

    lowest, largest = max(1, min_count), words[0][1]
    frequent = [count for _, count in words[: vocab_size - len(SPECIALS)]]
    guess = min(max(lowest, frequent[-1] + 1 if len(words) > len(frequent) else lowest), largest)
    if fits(guess):
        low, high = lowest - 1, guess  # `low` is below the range: never learned
    else:
        low, high = guess, min(guess * 2, largest)
        while not fits(high) and high < largest:
            low, high = high, min(high * 2, largest)
    while high - low > 1 and not full(high):  # smallest fitting threshold in (low, high]
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle
    return vocab_at(high)[:vocab_size]
