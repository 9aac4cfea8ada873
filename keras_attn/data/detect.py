"""Guessing the layout of a corpus file: "tsv", "csv", "tmx" or "text".

The extension decides for ``.tsv``/``.tab``, ``.csv`` and ``.tmx``. Any other file is
sniffed from its first 64 KiB: XML with a ``<tmx`` element is "tmx"; tabs on most lines
mean "tsv" (Tatoeba's ``deu.txt`` is tab-separated); a file that is not ``.txt`` and has
the same number of commas or semicolons on every line (or quoted fields) is "csv";
anything else is "text", one sentence per line, to be paired with a second file.
"""

from __future__ import annotations

import csv
import os

from .lines import decode_head, read_head

FORMATS = ("tsv", "csv", "tmx", "text")
_EXTENSIONS = {".tsv": "tsv", ".tab": "tsv", ".csv": "csv", ".tmx": "tmx"}
_SNIFF_BYTES = 65536


def detect_format(path) -> str:
    """The format of the file at ``path``: "tsv", "csv", "tmx" or "text".

    Raises DataError when the file cannot be opened.
    """
    name = os.fspath(path)
    extension = os.path.splitext(name)[1].lower()
    head = read_head(name, _SNIFF_BYTES)  # also checks that the file can be read
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    return sniff_format(head, extension)


def sniff_format(head: bytes, extension: str = "") -> str:
    """The format suggested by the first bytes of a file (see :func:`detect_format`)."""
    text = decode_head(head)
    start = text.lstrip("\ufeff \t\r\n")
    if start.startswith("<") and "<tmx" in text[:4096]:
        return "tmx"
    lines = text.split("\n")
    if len(head) == _SNIFF_BYTES and len(lines) > 1:
        lines.pop()  # probably cut in the middle
    lines = [line for line in lines[:500] if line.strip()]
    if not lines:
        return "text"
    if sum("\t" in line for line in lines) * 2 > len(lines):
        return "tsv"
    if extension != ".txt" and _looks_like_csv(lines):
        return "csv"
    return "text"


def _looks_like_csv(lines: list[str]) -> bool:
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines[:100]), delimiters=",;|").delimiter
    except csv.Error:
        return False
    counts = [line.count(delimiter) for line in lines]
    if min(counts) < 1:
        return False
    quoted = sum(line.lstrip().startswith('"') for line in lines) * 2 > len(lines)
    return quoted or len(set(counts)) == 1
