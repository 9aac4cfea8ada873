"""Unicode normalization of raw sentences, the first step of every tokenizer.

:func:`normalize` turns raw text into a space-separated string of *words*, using only
TensorFlow string ops, so it runs eagerly, inside ``tf.function`` and inside
``tf.data.Dataset.map`` alike. The steps, in order:

1. Unicode normal form (``NFKC`` by default, or ``NFKD``) with ``tensorflow_text``.
2. Control, format and private-use characters become spaces (or vanish: soft hyphen,
   zero-width space, direction marks, byte-order mark). The zero-width joiner stays, so
   emoji sequences such as 👨‍👩‍👧 survive.
3. Optional lower-casing with ``tf.strings.lower(encoding="utf-8")``: every script with
   case (Ä -> ä, Σ -> σ, Д -> д); ß stays ß (full case folding would turn it into "ss").
4. Optional accent stripping: decompose (NFKD), drop the combining diacritical marks
   (U+0300-U+036F and their supplements), recompose. é -> e, ü -> u, ά -> α, й -> и.
   Vowel signs of Indic, Arabic or Hebrew script are not accents and are kept.
5. Punctuation and symbols become words of their own: ``"Hallo, Welt!"`` ->
   ``"hallo , welt !"``. Kept inside a word (a choice, so that contractions and elisions
   stay one word the way speakers read them):

   * an apostrophe between two letters or digits: ``don't``, ``l'homme``, ``geht's``,
     ``rock'n'roll``; the typographic apostrophes ’ and ʼ become ``'`` there;
   * a hyphen between two letters or digits: ``e-mail``, ``baden-württemberg``;
   * ``.``, ``,`` and ``:`` between two digits: ``3.5``, ``10,000``, ``12:30``.

   An emoji with its modifiers (variation selector, skin tone, joiner sequence) and a
   flag (two regional indicators) are one word each.
6. Every Han ideograph becomes a word of its own (``"我爱你"`` -> ``"我 爱 你"``), as in
   BERT, so that word vocabularies are meaningful for unsegmented Chinese text.
7. Runs of whitespace become one space; leading and trailing spaces are removed.

Letters of every script (German äöüß, French éèç, Russian, Greek, Chinese...) and emoji
are kept.

:func:`normalize_text` is the same normalization of one Python string in plain Python
(`unicodedata` and the `regex` module, no TensorFlow), for reading a sentence before
TensorFlow has loaded; the two give the same text (tests/test_plain_text.py compares
them).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from keras_attn.config import NORMALIZATIONS

# A private-use character glues protected word-internal punctuation back together.
# Private-use characters are removed from the input first, so it cannot clash.
_GLUE = "\ue000"

_DROP = r"[\x{00AD}\x{200B}\x{200E}\x{200F}\x{2060}\x{FEFF}]"
_TO_SPACE = r"[\p{Cc}\p{Co}\p{Zs}\p{Zl}\p{Zp}]"
_ACCENTS = r"[\x{0300}-\x{036F}\x{1AB0}-\x{1AFF}\x{1DC0}-\x{1DFF}\x{FE20}-\x{FE2F}]"

# (pattern, replacement) pairs marking punctuation that belongs inside a word. Each is
# applied twice: a match consumes the letter after it, so "rock'n'roll" needs two passes.
_PROTECT = (
    (r"([\pL\pN]\pM*)['’ʼ]([\pL\pN])", r"\1" + _GLUE + "'" + _GLUE + r"\2"),
    (r"([\pL\pN]\pM*)([\-‐])([\pL\pN])", r"\1" + _GLUE + r"\2" + _GLUE + r"\3"),
    (r"(\pN)([.,:])(\pN)", r"\1" + _GLUE + r"\2" + _GLUE + r"\3"),
)

_FLAG = r"[\x{1F1E6}-\x{1F1FF}]{2}"
_EMOJI_TAIL = r"[\pM\x{1F3FB}-\x{1F3FF}]*"
_SYMBOL = r"\pS" + _EMOJI_TAIL + r"(?:\x{200D}\pS" + _EMOJI_TAIL + ")*"
_PUNCT = r"\pP\pM*"
# RE2 alternation is leftmost-first: the longer alternatives come first.
_SPLIT = "(" + "|".join((_FLAG, _SYMBOL, _PUNCT, r"\p{Han}")) + ")"

FORMS = NORMALIZATIONS  # the Unicode normal forms text can be put in first


def _check_form(form) -> None:
    if form not in FORMS:
        raise ValueError(
            f"Received an invalid value for argument `form`: {form!r}; expected one of "
            f"{list(FORMS)}."
        )


def normalize(texts, *, lowercase=True, strip_accents=False, form="NFKC"):
    """Normalizes sentences into space-separated words (see the module docstring).

    Args:
        texts: a `tf.string` tensor of any shape, a Python string or a list of strings.
        lowercase: fold upper case to lower case in every script.
        strip_accents: drop combining diacritical marks (é -> e).
        form: the Unicode normal form, ``"NFKC"`` or ``"NFKD"``.

    Returns:
        A `tf.string` tensor of the same shape as `texts`, UTF-8, words separated by
        single spaces, no leading or trailing space.
    """
    _check_form(form)
    from keras_attn import _quiet

    _quiet.import_tensorflow()
    import tensorflow as tf
    import tensorflow_text as tf_text

    texts = tf.convert_to_tensor(texts, dtype=tf.string)
    texts = tf_text.normalize_utf8(texts, form)
    texts = tf.strings.regex_replace(texts, _DROP, "")
    texts = tf.strings.regex_replace(texts, _TO_SPACE, " ")
    if lowercase:
        texts = tf.strings.lower(texts, encoding="utf-8")
    if strip_accents:
        texts = tf_text.normalize_utf8(texts, "NFKD")
        texts = tf.strings.regex_replace(texts, _ACCENTS, "")
        texts = tf_text.normalize_utf8(texts, form)
    for pattern, replacement in _PROTECT:
        texts = tf.strings.regex_replace(texts, pattern, replacement)
        texts = tf.strings.regex_replace(texts, pattern, replacement)
    texts = tf.strings.regex_replace(texts, _SPLIT, r" \1 ")
    texts = tf.strings.regex_replace(texts, " *" + _GLUE + " *", "")
    texts = tf.strings.regex_replace(texts, r"[\s\p{Z}]+", " ")
    return tf.strings.strip(texts)


def normalize_list(
    texts, *, lowercase=True, strip_accents=False, form="NFKC", chunk=8192
) -> list[str]:
    """Normalizes an iterable of Python strings eagerly; returns Python strings.

    Works through `texts` in chunks of `chunk` sentences so that large corpora do not
    build one huge tensor.
    """
    out: list[str] = []
    batch: list[str] = []

    def flush():
        if batch:
            done = normalize(batch, lowercase=lowercase, strip_accents=strip_accents, form=form)
            out.extend(x.decode("utf-8") for x in done.numpy().tolist())
            batch.clear()

    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"Expected sentences as str, got {type(text).__name__}: {text!r}.")
        batch.append(text)
        if len(batch) >= chunk:
            flush()
    flush()
    return out


@functools.cache
def _python_patterns():
    """The patterns above for the `regex` module (RE2's ``\\x{HHHH}`` written as the
    character itself), compiled once: `(drop, to_space, accents, protect, split, glue,
    spaces)`."""
    import regex

    def plain(pattern: str) -> str:
        return re.sub(r"\\x\{([0-9A-Fa-f]+)\}", lambda m: chr(int(m.group(1), 16)), pattern)

    return (
        regex.compile(plain(_DROP)),
        regex.compile(plain(_TO_SPACE)),
        regex.compile(plain(_ACCENTS)),
        [(regex.compile(plain(p)), r) for p, r in _PROTECT],
        regex.compile(plain(_SPLIT)),
        regex.compile(" *" + _GLUE + " *"),
        regex.compile(r"[\s\p{Z}]+"),
    )


# What `tf.strings.strip` removes at both ends: ASCII whitespace.
_ASCII_SPACE = " \t\n\v\f\r"


def normalize_text(text: str, *, lowercase=True, strip_accents=False, form="NFKC") -> str:
    """:func:`normalize` of one Python string, in plain Python (no TensorFlow).

    Args and returns: as :func:`normalize`, for one `str`.
    """
    _check_form(form)
    drop, to_space, accents, protect, split, glue, spaces = _python_patterns()
    text = unicodedata.normalize(form, text)
    text = to_space.sub(" ", drop.sub("", text))
    if lowercase:
        text = text.lower()
    if strip_accents:
        text = unicodedata.normalize(form, accents.sub("", unicodedata.normalize("NFKD", text)))
    for pattern, replacement in protect:
        text = pattern.sub(replacement, text)
        text = pattern.sub(replacement, text)
    text = split.sub(r" \1 ", text)
    text = glue.sub("", text)
    return spaces.sub(" ", text).strip(_ASCII_SPACE)
