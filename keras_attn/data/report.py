"""What reading a parallel corpus found: a :class:`Report` of :class:`Problem` entries.

Every reader fills a :class:`Findings` while it goes through the file and turns it
into a :class:`Report` at the end. A report is plain data: it prints for a person
(:meth:`Report.summary`) and converts to JSON (:meth:`Report.to_dict`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

#: Every kind of problem a reader reports, with what it means.
KINDS = {
    "columns": "a line has too few columns (or more than the other lines)",
    "empty": "a blank line, or an empty source or target sentence",
    "encoding": "bytes that cannot be decoded, or NUL bytes",
    "duplicate": "the same sentence pair appeared before",
    "length_ratio": "one side is many times longer than the other (misaligned?)",
    "too_long": "a sentence longer than max_chars characters",
    "quote": "quoting: a quoted TSV field, or a CSV quote that is never closed",
    "truncated": "the end of the file looks cut off",
    "header": "the first row looks like column names and was skipped",
    "bom": "a byte order mark in the middle of the file",
    "mismatch": "the two files of an aligned pair have different line counts",
    "tmx": "a TMX translation unit without the languages asked for, or an XML error",
}

#: At most this many problems of one kind are kept in :attr:`Report.problems`;
#: the rest are only counted (see :attr:`Report.omitted`).
MAX_PROBLEMS_PER_KIND = 1000


@dataclass
class Problem:
    """One thing wrong with the input.

    ``line`` is the 1-based line number (for two aligned files: the line in both files;
    for CSV: the line on which the record starts; for TMX: the 1-based index of the
    ``<tu>`` translation unit, and the message then starts with "translation unit N").
    """

    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        if self.message.startswith("translation unit "):
            return self.message
        return f"line {self.line}: {self.message}"


@dataclass
class Report:
    """The outcome of reading one corpus: what was read, what was kept, what was wrong.

    ``total_lines`` counts the lines of the file (the larger count for two aligned files;
    the translation units for TMX). ``problems`` holds the first
    :data:`MAX_PROBLEMS_PER_KIND` problems of each kind in file order; ``omitted`` counts
    the ones beyond that, so :meth:`counts` is always complete. ``notes`` are remarks
    that are not tied to a line (languages chosen in a TMX file, encoding hints).
    """

    path: str
    format: str
    encoding: str
    total_lines: int
    pairs_kept: int
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)
    target_path: str | None = None

    @property
    def usable(self) -> bool:
        """True when at least one sentence pair was kept."""
        return self.pairs_kept > 0

    @property
    def unit(self) -> str:
        """What :attr:`total_lines` counts: "line" or, for TMX, "translation unit"."""
        return "translation unit" if self.format == "tmx" else "line"

    def counts(self) -> dict[str, int]:
        """Problems per kind (including the ones not kept in :attr:`problems`)."""
        counts = Counter(problem.kind for problem in self.problems)
        counts.update(self.omitted)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def summary(self, max_problems: int = 20) -> str:
        """A few lines of text for a terminal or a dialog box."""
        source = self.path if self.target_path is None else f"{self.path} + {self.target_path}"
        unit = self.unit
        lines = [
            f"{source} ({self.format}, {self.encoding})",
            f"  {unit}s read: {self.total_lines:,}",
            f"  sentence pairs kept: {self.pairs_kept:,}",
        ]
        counts = self.counts()
        if counts:
            total = sum(counts.values())
            listed = ", ".join(f"{kind} {count:,}" for kind, count in counts.items())
            lines.append(f"  problems: {total:,} ({listed})")
            shown = self.problems[: max(0, max_problems)]
            for problem in shown:
                lines.append(f"    {problem} [{problem.kind}]")
            if total > len(shown):
                lines.append(f"    ... and {total - len(shown):,} more")
        else:
            lines.append("  problems: none")
        for note in self.notes:
            lines.append(f"  note: {note}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The report as JSON-able data (plain dicts, lists, strings and numbers)."""
        return {
            "path": self.path,
            "target_path": self.target_path,
            "format": self.format,
            "encoding": self.encoding,
            "total_lines": self.total_lines,
            "pairs_kept": self.pairs_kept,
            "usable": self.usable,
            "counts": self.counts(),
            "problems": [
                {"line": p.line, "kind": p.kind, "message": p.message} for p in self.problems
            ],
            "omitted": dict(self.omitted),
            "notes": list(self.notes),
        }


class Findings:
    """Collects problems and notes while a file is read (at most a few per kind are kept)."""

    def __init__(self, limit_per_kind: int = MAX_PROBLEMS_PER_KIND):
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.omitted: Counter[str] = Counter()
        self._kept: Counter[str] = Counter()
        self._limit = limit_per_kind

    def add(self, line: int, kind: str, message: str) -> None:
        """Record a problem of ``kind`` (one of :data:`KINDS`) on ``line``."""
        if self._kept[kind] >= self._limit:
            self.omitted[kind] += 1
            return
        self._kept[kind] += 1
        self.problems.append(Problem(line, kind, message))

    def note(self, message: str) -> None:
        """Record a remark about the whole file."""
        if message not in self.notes:
            self.notes.append(message)

    def count(self, kind: str) -> int:
        """How many problems of ``kind`` were recorded so far."""
        return self._kept[kind] + self.omitted[kind]

    def report(self, path, format, encoding, total_lines, pairs_kept, target_path=None):
        """The finished :class:`Report`, problems in line order."""
        self.problems.sort(key=lambda problem: problem.line)
        return Report(
            path=str(path),
            format=format,
            encoding=encoding,
            total_lines=total_lines,
            pairs_kept=pairs_kept,
            problems=self.problems,
            notes=self.notes,
            omitted=dict(self.omitted),
            target_path=None if target_path is None else str(target_path),
        )
