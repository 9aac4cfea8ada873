"""The checks every sentence pair goes through, whatever file format it came from.

While reading: both sides non-empty ("empty"), neither side longer than ``max_chars``
characters ("too_long"), not seen before ("duplicate", when ``drop_duplicates``); these
drop the pair. Once the whole file is read (:meth:`PairCollector.finish`): a plausible
length ratio ("length_ratio"), which only marks the pair as suspicious; it is kept when
``keep_suspicious`` is true.

The length ratio of a pair is the number of characters of its source divided by that of
its target, measured against the corpus's typical ratio (the median over the pairs that
are checked, when there are at least :data:`RATIO_MIN_PAIRS`; else 1), so that data where one
side is always longer (number words -> digits, Chinese -> English) is not flagged
wholesale. A pair is reported when its ratio is more than ``max_ratio`` times the typical
one, or less than 1/``max_ratio`` of it. For ordinary text the typical ratio is close to 1
and this is simply "the longer side has more than ``max_ratio`` times the characters of
the shorter". The ratio is only checked when the longer side has at least
:data:`RATIO_MIN_CHARS` characters: short pairs such as "Ja." / "Yes, that's right."
legitimately differ a lot in length and say nothing about misalignment.
"""

from __future__ import annotations

import statistics

from .report import Findings

#: The length ratio is only checked when the longer side has at least this many characters.
RATIO_MIN_CHARS = 20
#: The typical ratio is the median over the checked pairs when there are at least this
#: many of them, and 1 otherwise.
RATIO_MIN_PAIRS = 10


def clean(text: str) -> str:
    """Strip surrounding whitespace; line breaks inside a sentence become single spaces."""
    if "\n" in text or "\r" in text:
        return " ".join(text.split())
    return text.strip()


class PairCollector:
    """Keeps the sentence pairs that pass the checks, and the line each came from."""

    def __init__(
        self,
        findings: Findings,
        *,
        drop_duplicates: bool = True,
        max_chars: int = 1000,
        max_ratio: float = 9.0,
        keep_suspicious: bool = True,
    ):
        self.findings = findings
        self.drop_duplicates = drop_duplicates
        self.max_chars = max_chars
        self.max_ratio = max_ratio
        self.keep_suspicious = keep_suspicious
        self.unit = "line"  # what a problem's number counts; TMX: "translation unit"
        self.pairs: list[tuple[str, str]] = []
        self.lines: list[int] = []
        self._seen: dict[tuple[str, str], int] = {}

    def _where(self, line: int) -> str:
        return "" if self.unit == "line" else f"{self.unit} {line}: "

    def add(self, line: int, source: str, target: str) -> bool:
        """Check one pair read at ``line``; keep it and return True if it passes."""
        where = self._where(line)
        source = clean(source)
        target = clean(target)
        findings = self.findings
        if not source or not target:
            if not source and not target:
                message = "empty source and target"
            elif not source:
                message = "empty source sentence"
            else:
                message = "empty target sentence"
            findings.add(line, "empty", f"{where}{message}; skipped")
            return False
        n_source = len(source)
        n_target = len(target)
        if n_source > self.max_chars or n_target > self.max_chars:
            side, size = ("source", n_source) if n_source >= n_target else ("target", n_target)
            findings.add(
                line,
                "too_long",
                f"{where}{side} sentence has {size:,} characters, more than "
                f"max_chars={self.max_chars:,}; skipped",
            )
            return False
        if self.drop_duplicates:
            key = (source, target)
            first = self._seen.get(key)
            if first is not None:
                findings.add(line, "duplicate", f"{where}same pair as {self.unit} {first}; skipped")
                return False
            self._seen[key] = line
        self.pairs.append((source, target))
        self.lines.append(line)
        return True

    def finish(self) -> None:
        """Check the length ratios against the corpus's typical ratio (see the module notes)."""
        if not self.pairs:
            return
        ratios = [len(source) / len(target) for source, target in self.pairs]
        checked = [
            ratio
            for ratio, (source, target) in zip(ratios, self.pairs, strict=True)
            if max(len(source), len(target)) >= RATIO_MIN_CHARS
        ]
        typical = statistics.median(checked) if len(checked) >= RATIO_MIN_PAIRS else 1.0
        unusual = typical > 1.5 or typical < 1 / 1.5
        limit = self.max_ratio
        odd: set[int] = set()
        for (source, target), line, ratio in zip(self.pairs, self.lines, ratios, strict=True):
            relative = ratio / typical
            if relative <= limit and relative * limit >= 1:
                continue
            n_source, n_target = len(source), len(target)
            if max(n_source, n_target) < RATIO_MIN_CHARS:
                continue
            side, times = ("source", ratio) if ratio >= 1 else ("target", 1 / ratio)
            message = (
                f"{self._where(line)}{side} is {times:.1f} times longer than the other side "
                f"({n_source} vs {n_target} characters"
                + (f"; typical source/target ratio here: {typical:.1f}" if unusual else "")
                + "): misaligned?"
            )
            if not self.suspicious(line, "length_ratio", message):
                odd.add(line)
        self.discard(odd)

    def suspicious(self, line: int, kind: str, message: str) -> bool:
        """Record a problem that makes a pair doubtful; True if such pairs are kept."""
        if not self.keep_suspicious:
            message += "; skipped"
        self.findings.add(line, kind, message)
        return self.keep_suspicious

    def discard(self, lines: set[int]) -> None:
        """Drop the kept pairs that came from ``lines``."""
        if not lines:
            return
        kept = [
            (pair, line)
            for pair, line in zip(self.pairs, self.lines, strict=True)
            if line not in lines
        ]
        self.pairs = [pair for pair, _ in kept]
        self.lines = [line for _, line in kept]
