"""Does the first row of a TSV or CSV file hold column names rather than sentences?

A row is taken for a header when both chosen cells look like column names: words such as
"source", "target", "translation", language names ("English", "Deutsch") or language codes
("en", "de-DE", "eng"), possibly joined ("source_text", "en_sentence"). Cells with sentence
punctuation are never column names.
"""

from __future__ import annotations

import re

_WORDS = {
    "source", "target", "src", "tgt", "trg", "input", "output", "text", "texts", "sentence",
    "sentences", "sent", "translation", "translations", "original", "translated", "reference",
    "ref", "hypothesis", "segment", "seg", "lang", "language", "side", "string", "phrase",
    "from", "to", "question", "answer", "prompt", "response", "1", "2", "l1", "l2", "lang1",
    "lang2",
}  # fmt: skip
_LANGUAGE_NAMES = {
    "english", "german", "deutsch", "french", "francais", "français", "spanish", "español",
    "espanol", "italian", "italiano", "portuguese", "português", "dutch", "nederlands",
    "russian", "chinese", "mandarin", "japanese", "korean", "arabic", "turkish", "polish",
    "swedish", "danish", "norwegian", "finnish", "czech", "greek", "hebrew", "hindi",
    "ukrainian", "hungarian", "romanian", "vietnamese", "thai", "indonesian", "esperanto",
    "latin", "catalan", "persian", "bengali", "urdu", "swahili",
}  # fmt: skip
_CODES = {
    "en", "de", "fr", "es", "it", "pt", "nl", "ru", "zh", "ja", "ko", "ar", "tr", "pl", "sv",
    "da", "no", "nb", "fi", "cs", "el", "he", "hi", "uk", "hu", "ro", "vi", "th", "id", "eo",
    "la", "ca", "fa", "bn", "ur", "sw", "eng", "deu", "ger", "fra", "fre", "spa", "ita", "por",
    "nld", "dut", "rus", "zho", "chi", "cmn", "jpn", "kor", "ara", "tur", "pol", "swe", "dan",
    "nor", "fin", "ces", "cze", "ell", "gre", "heb", "hin", "ukr", "hun", "ron", "rum", "vie",
    "tha", "ind", "epo", "lat", "cat", "fas", "per", "ben", "urd", "swa",
}  # fmt: skip
_VOCABULARY = _WORDS | _LANGUAGE_NAMES | _CODES
_LANGUAGE_TAG = re.compile(r"([a-z]{2,3})[-_][a-z]{2,4}")
_SEPARATORS = re.compile(r"[\s_\-.]+")


def looks_like_column_name(cell: str) -> bool:
    """True if ``cell`` reads like a column name ("source", "en", "English text", "de-DE")."""
    cell = cell.strip().strip('"').strip().lower()
    if not cell or len(cell) > 40 or any(mark in cell for mark in "?!,;:'\"()"):
        return False
    match = _LANGUAGE_TAG.fullmatch(cell)
    if match and match.group(1) in _CODES:
        return True
    parts = [part for part in _SEPARATORS.split(cell) if part]
    return (
        0 < len(parts) <= 3
        and all(part in _VOCABULARY for part in parts)
        and not all(part.isdigit() for part in parts)
    )


def looks_like_header(cells: list[str], columns: tuple[int, ...]) -> bool:
    """True if the cells at ``columns`` of a first row all look like column names."""
    try:
        return all(looks_like_column_name(cells[column]) for column in columns)
    except IndexError:
        return False


def short_label(cell: str) -> bool:
    """True for a short cell without sentence punctuation (at most 3 words, 30 characters)."""
    cell = cell.strip()
    return 0 < len(cell) <= 30 and len(cell.split()) <= 3 and not any(m in cell for m in ".?!")
