"""Gold word alignment files (Pharaoh/Moses format): reading, checking, writing.

One line per sentence pair, in the order of the pairs; each line holds links ``i-j``
(sure) and ``i?j`` or ``ipj`` (possible), ``i`` the source word and ``j`` the target
word, counted from 0; words are the whitespace-separated words of the raw sentences (so
``eats.`` is one word). An empty line: no links. Every problem is reported with its file,
line and column.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from keras_attn.errors import DataError

Link = tuple[int, int]

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


def parse_alignment(
    text: str,
    *,
    path="alignment",
    line: int = 1,
    words: tuple[int, int] | None = None,
    sentences: tuple[str, str] | None = None,
) -> GoldAlignment:
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
                path=str(path),
                line=line,
            )
        i, mark, j = int(link.group(1)), link.group(2), int(link.group(3))
        if words is not None:
            for side, index, count, k in (("source", i, words[0], 0), ("target", j, words[1], 1)):
                if index >= count:
                    quoted = f" ({sentences[k]!r})" if sentences is not None else ""
                    raise DataError(
                        f"{_where(path, line, column)}: {side} word {index} in {token!r} is "
                        f"out of range: the {side} sentence of pair {line} has {count} "
                        f"word(s){quoted}, counted from 0",
                        path=str(path),
                        line=line,
                    )
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
            raise DataError(
                f"{_where(path, number, error.start + 1)}: not {encoding} text "
                f"(byte 0x{raw[error.start]:02x})",
                path=str(path),
                line=number,
            ) from None
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
                f"one line per pair, in the same order",
                path=str(path),
                line=first,
            )
    gold_line = mapping or list(range(1, len(pair_list) + 1))
    used = set(gold_line)
    for number, text in enumerate(lines, start=1):  # lines of skipped pairs: syntax only
        if number not in used:
            parse_alignment(text, path=path, line=number)
    result = []
    for (source, target), number in zip(pair_list, gold_line, strict=True):
        words = (len(source.split()), len(target.split()))
        result.append(
            parse_alignment(
                lines[number - 1], path=path, line=number, words=words, sentences=(source, target)
            )
        )
    return result
