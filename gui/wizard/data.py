"""Plain-Python helpers of the training wizard: reading the corpus, peeking into files,
sentence lengths, names.

Nothing here imports Qt or TensorFlow, so the functions run anywhere (the worker calls the
slow ones on its thread) and test without a window. Reading, format detection and the TMX
language scan are the library's own (:mod:`keras_attn.data`).

Token counts are estimates made without a vocabulary: "word" counts words and punctuation
marks (as the word tokenizer separates them), "char" counts the characters of those tokens
joined by single spaces, "subword" counts a word as one piece plus one more per six letters.
"""

from __future__ import annotations

import csv
import math
import random
import re
import unicodedata

from keras_attn.data.tmx import tmx_languages

TOKEN = re.compile(r"\w+|[^\w\s]")
PEEK_BYTES = 65536
PEEK_ROWS = 20
STATS_SAMPLE = 20000  # sentences measured at most
PERCENTILE = 98  # the maximum length suggested covers this share of the sentences
# The note keras_attn.data.read_parallel adds when it picks a TMX file's languages itself.
_CHOSEN = re.compile(r"using '([^']+)' as source and '([^']+)' as target")


def safe_name(text: str, default: str = "model") -> str:
    """A file and folder name made of `text`: letters, digits, ``-``, ``_`` and ``.``."""
    name = re.sub(r"[^\w.-]+", "_", str(text).strip()).strip("._")
    return name[:80] or default


def sample(items, limit: int = STATS_SAMPLE, seed: int = 0) -> list:
    """At most `limit` of `items`, chosen by a seeded draw (all of them when fewer)."""
    items = list(items)
    if len(items) <= limit:
        return items
    return random.Random(seed).sample(items, limit)


# -- sentence lengths ---------------------------------------------------------------------
def _fold(sentence: str, lowercase: bool, strip_accents: bool) -> str:
    if lowercase:
        sentence = sentence.lower()
    if strip_accents:
        sentence = "".join(
            c for c in unicodedata.normalize("NFKD", sentence) if not unicodedata.combining(c)
        )
    return sentence


def tokens(
    sentence: str, tokenizer: str = "word", lowercase: bool = True, strip_accents: bool = False
) -> list[str]:
    """Roughly the tokens the model's tokenizer makes of `sentence` (see the module doc)."""
    words = TOKEN.findall(_fold(sentence, lowercase, strip_accents))
    if tokenizer == "char":
        return list(" ".join(words))
    if tokenizer == "subword":
        pieces = []
        for word in words:
            pieces.extend(word[i : i + 6] for i in range(0, len(word), 6))
        return pieces
    return words


def token_lengths(sentences, tokenizer: str = "word", lowercase: bool = True) -> list[int]:
    """The estimated number of tokens of each sentence."""
    return [len(tokens(s, tokenizer, lowercase)) for s in sentences]


def word_lengths(sentences) -> list[int]:
    """Words (and punctuation marks) per sentence, for the length histogram."""
    return [len(TOKEN.findall(s)) for s in sentences]


def percentile(values, q: float = PERCENTILE) -> int:
    """The nearest-rank `q`-th percentile of `values` (0 for none)."""
    ordered = sorted(values)
    if not ordered:
        return 0
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return int(ordered[rank - 1])


def suggest_max_length(lengths) -> int:
    """A maximum length covering :data:`PERCENTILE` % of the sentences (at least 4)."""
    return max(4, percentile(lengths))


def length_summary(sentences, tokenizer: str = "word", lowercase: bool = True) -> dict:
    """``{"suggested", "p98", "longest", "distinct", "count"}`` for one side's sentences."""
    measured = sample(sentences)
    counts: set[str] = set()
    lengths = []
    for sentence in measured:
        found = tokens(sentence, tokenizer, lowercase)
        lengths.append(len(found))
        counts.update(found)
    return {
        "suggested": suggest_max_length(lengths),
        "p98": percentile(lengths),
        "longest": max(lengths, default=0),
        "distinct": len(counts),
        "count": len(measured),
    }


# -- looking into files ----------------------------------------------------------------------
def _head_text(path, limit: int = PEEK_BYTES) -> str:
    with open(path, "rb") as stream:
        head = stream.read(limit)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if len(head) == limit and "\n" in text:
        text = text[: text.rindex("\n")]  # drop a line cut in the middle
    return text


def peek_rows(path, format: str, rows: int = PEEK_ROWS) -> list[list[str]]:
    """The first non-blank rows of a TSV or CSV file, split into cells ([] if unreadable)."""
    try:
        text = _head_text(path)
    except OSError:
        return []
    lines = [line for line in text.splitlines() if line.strip()][: rows * 2]
    if format == "tsv":
        return [line.split("\t") for line in lines[:rows]]
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=",;|\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for row in csv.reader(lines, dialect) if row][:rows]
    except csv.Error:
        return []


def column_labels(rows: list[list[str]], limit: int = 24) -> list[str]:
    """One label per column, "1 · first cell", for the column choosers (at least two)."""
    width = max((len(row) for row in rows), default=0)
    labels = []
    for column in range(max(width, 2)):
        cell = next(
            (row[column].strip() for row in rows if column < len(row) and row[column].strip()), ""
        )
        cell = "".join(c if c.isprintable() else "\ufffd" for c in cell)
        if len(cell) > limit:
            cell = cell[: limit - 1] + "…"
        labels.append(f"{column + 1} · {cell}" if cell else f"{column + 1}")
    return labels


# -- reading the corpus ----------------------------------------------------------------------
def read_corpus(request: dict, found: dict):
    """Read the corpus a Map page request describes, with
    :func:`keras_attn.data.read_parallel` (the library's readers, checks and report).

    Args:
        request: ``{"path" or "dataset", "format", "target_path", "source_column",
            "target_column", "source_lang", "target_lang", "drop_duplicates",
            "keep_suspicious"}``; an empty format is detected.
        found: filled in as the file is looked at, so that a failure can still offer the
            choices: "format", then "columns" (TSV, CSV: labels for the column choosers)
            or "languages" (TMX: the languages of the file, by the library's scan).

    Returns:
        ``(path, data)``: the file read and its :class:`keras_attn.data.ParallelData`.
    """
    from keras_attn.data import detect_format, read_parallel

    path, fmt = request.get("path"), request.get("format")
    if request.get("dataset"):
        from keras_attn.datasets import dataset_path

        path, fmt = str(dataset_path(request["dataset"])), "tsv"
    if not path:
        raise FileNotFoundError("No file chosen.")
    target_path = request.get("target_path") or None
    fmt = fmt or ("text" if target_path else detect_format(path))
    found["format"] = fmt
    if fmt in ("tsv", "csv"):
        found["columns"] = column_labels(peek_rows(path, fmt))
    elif fmt == "tmx":
        found["languages"] = tmx_languages(path)
    data = read_parallel(
        path,
        format=fmt,
        target_path=target_path if fmt == "text" else None,
        source_column=int(request.get("source_column", 0)),
        target_column=int(request.get("target_column", 1)),
        source_lang=request.get("source_lang") or None,
        target_lang=request.get("target_lang") or None,
        drop_duplicates=bool(request.get("drop_duplicates", True)),
        keep_suspicious=bool(request.get("keep_suspicious", True)),
    )
    return path, data


def chosen_languages(report) -> tuple[str, str] | None:
    """The source and target languages the reader picked in a TMX file given none, read
    from the note it leaves in the report; None when it picked none."""
    return next((m.groups() for m in map(_CHOSEN.search, report.notes) if m), None)
