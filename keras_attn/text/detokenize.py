"""Turning tokens back into readable text: our spacing rules.

Normalization (:mod:`keras_attn.text.normalize`) puts a space around every punctuation
mark, symbol and Han ideograph. :func:`detokenize` joins words with single spaces again,
except where readers expect none:

* no space before a closing mark: ``. , ! ? ; : % ‰ … ) ] } » ›`` and the CJK marks
  ``。，！？；：、）］｝」』】〉》〕``;
* no space after an opening mark: ``( [ { ¿ ¡ « ‹ „ ‚`` and ``（［｛「『【〈《〔``;
* quotes pair up: a ``"`` opens if no ``"`` is open and closes otherwise; ``“``/``‘``
  open, or close an open German ``„``/``‚``; ``”``/``’`` close an open quote;
* a lone ``'`` closes an open ``'``; after a word ending in "s" it is a possessive
  (``the boys' toys``); otherwise it opens a quote (``'tis``); a lone ``’`` with
  nothing open also attaches to the word before it;
* no space between two CJK characters (Han, kana, CJK punctuation, full-width forms),
  so Chinese and Japanese come back unsegmented; Hangul keeps its spaces.

These rules define what :meth:`TextEncoder.decode <keras_attn.text.TextEncoder.decode>`
returns: for a sentence whose tokens are all in the vocabulary (and not truncated),
``decode(encode([x]))[0] == detokenize(normalize(x).split())``.
"""

from __future__ import annotations

CONTINUATION = "##"  # WordPiece prefix of a piece that continues a word
SPACE = "▁"  # the space, as a character token of the char tokenizer

CLOSING = frozenset(".,!?;:%‰…)]}»›。，！？；：、）］｝」』】〉》〕")
OPENING = frozenset("([{¿¡«‹„‚（［｛「『【〈《〔")
_QUOTES = frozenset("\"'“”‘’„‚")


def is_cjk(char: str) -> bool:
    """Whether `char` belongs to text written without spaces (Han, kana, CJK marks)."""
    code = ord(char)
    if 0x3130 <= code <= 0x318F:  # Hangul compatibility jamo: Korean uses spaces
        return False
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x20000 <= code <= 0x3FFFF
    )


def _quote_role(token: str, previous: str | None, open_quotes: list[str]) -> str:
    """'open' or 'close' for a quote token, updating the stack of open quotes."""
    top = open_quotes[-1] if open_quotes else None
    if token in "„‚":
        closes = False
    elif token == '"':
        closes = top == '"'
    elif token == "'":
        if top == "'":
            closes = True
        elif previous is not None and previous[-1:] in ("s", "S"):
            return "close"  # possessive: nothing was opened, nothing to pop
        else:
            closes = False
    elif token in "“‘":
        closes = top == ("„" if token == "“" else "‚")
    elif token == "”":
        closes = top in ("“", "„")
    else:  # ’
        if top in ("‘", "‚"):
            closes = True
        else:
            return "close"  # a trailing apostrophe
    if closes:
        open_quotes.pop()
        return "close"
    open_quotes.append(token)
    return "open"


def detokenize(words: list[str]) -> str:
    """Joins words into readable text with the spacing rules of this module.

    Args:
        words: tokens as strings, e.g. ``["hallo", ",", "welt", "!"]``.

    Returns:
        The sentence, e.g. ``"hallo, welt!"``.
    """
    parts: list[str] = []
    open_quotes: list[str] = []
    glue_next = True  # no space before the first word
    previous: str | None = None
    for word in words:
        if not word:
            continue
        if word in _QUOTES:
            role = _quote_role(word, previous, open_quotes)
        elif word in CLOSING:
            role = "close"
        elif word in OPENING:
            role = "open"
        else:
            role = "word"
        space = not glue_next and role != "close"
        if previous is not None and is_cjk(previous[-1]) and is_cjk(word[0]):
            space = False
        if space:
            parts.append(" ")
        parts.append(word)
        glue_next = role == "open"
        previous = word
    return "".join(parts)


def merge_pieces(pieces: list[str]) -> list[str]:
    """Merges WordPiece pieces into words: ``["haus", "##es"]`` -> ``["hauses"]``."""
    words: list[str] = []
    for piece in pieces:
        if piece.startswith(CONTINUATION) and len(piece) > len(CONTINUATION):
            if words:
                words[-1] += piece[len(CONTINUATION) :]
            else:
                words.append(piece[len(CONTINUATION) :])
        else:
            words.append(piece)
    return words


def join_chars(chars: list[str]) -> list[str]:
    """Joins character tokens into words, splitting at the space token ``▁``."""
    return "".join(" " if c == SPACE else c for c in chars).split()


def text_of(tokens: list[str], tokenizer: str) -> str:
    """A sentence from the token strings of one output (specials already removed):
    WordPiece pieces merged (``subword``), character tokens joined (``char``), then
    :func:`detokenize`."""
    if tokenizer == "subword":
        return detokenize(merge_pieces(tokens))
    if tokenizer == "char":
        return detokenize(join_chars(tokens))
    return detokenize(tokens)
