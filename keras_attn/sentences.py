"""Checks of the sentences given to translate (no TensorFlow): text, not bytes
misread; not empty unless allowed. Every decoding path runs them first."""

from __future__ import annotations

from collections.abc import Iterable

from keras_attn.errors import TranslationError


def check_text(sentence: str, name: str = "The sentence") -> None:
    """Raise TranslationError when `sentence` holds a lone surrogate (U+D800-U+DFFF): not
    text but what Python makes of undecodable bytes (in command-line arguments, say)."""
    try:
        sentence.encode("utf-8")
    except UnicodeEncodeError as error:
        raise TranslationError(
            f"{name} is not valid text: character {error.start + 1} is a lone surrogate "
            f"(U+{ord(sentence[error.start]):04X}), which is what undecodable bytes become; "
            "is the text in another encoding than UTF-8?"
        ) from None


def check_sentences(sentences: str | Iterable[str], *, allow_empty: bool = False) -> list[str]:
    """`sentences` as a list (one string: a list of one), every item checked.

    Args:
        sentences: a string or an iterable of strings.
        allow_empty: let empty and blank sentences through (callers that give them an
            empty translation); otherwise they are refused.

    Raises:
        TranslationError: an item is not a string, holds a lone surrogate (see
            :func:`check_text`), or, unless `allow_empty`, is empty or blank; the message
            names the sentence by its number, from 1.
    """
    if isinstance(sentences, str):
        sentences = [sentences]
    sentences = list(sentences)
    for i, sentence in enumerate(sentences):
        name = f"Sentence {i + 1}"
        if not isinstance(sentence, str):
            raise TranslationError(f"{name} is not text (got {type(sentence).__name__}).")
        if not allow_empty and not sentence.strip():
            raise TranslationError(f"{name} is empty: nothing to translate.")
        check_text(sentence, name)
    return sentences
