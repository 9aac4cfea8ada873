"""Reading TSV and CSV files: one sentence pair per row, columns chosen by index.

TSV (tab-separated) is split on tabs and never unquoted, except that a field wholly
enclosed in double quotes, with any inner quotes doubled (the way spreadsheets write it),
loses that pair of quotes; this is reported once per line as "quote". Extra columns are
normal (Tatoeba/Anki exports have a third attribution column), but a row with more
columns than most rows probably holds a tab inside a sentence and is reported as
"columns" (kept when ``keep_suspicious``).

CSV goes through the :mod:`csv` module: the delimiter (comma, semicolon, tab or bar) is
sniffed, quoted fields may hold delimiters and line breaks, and a problem's line is the
line on which the record starts. Line breaks inside a sentence become spaces.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from .header import looks_like_header, short_label
from .lines import LineReader, decode_head
from .pairs import PairCollector
from .report import Findings

_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
_SNIFF_BYTES = 32768


def unquote_tsv_field(field: str) -> tuple[str, bool]:
    """Remove one pair of double quotes enclosing the whole field (inner ``""`` become ``"``).

    A field such as ``"Yes," she said, "no."`` is left alone: its inner quotes are not
    doubled, so the outer ones belong to the sentence. Returns (text, whether unquoted).
    """
    field = field.strip()
    if len(field) >= 2 and field[0] == '"' and field[-1] == '"':
        inner = field[1:-1]
        if '"' not in inner.replace('""', ""):
            return inner.replace('""', '"'), True
    return field, False


class _Table:
    """Row handling shared by TSV and CSV: header, column counts, a cut-off last row."""

    def __init__(self, findings, collector, columns, header, delimiter, *, sniffed=False):
        self.findings = findings
        self.sniffed = sniffed  # csv.Sniffer believes the first row is a header
        self.collector = collector
        self.source_column, self.target_column = columns
        self.need = max(columns) + 1
        self.header = header
        self.kind = f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))}-separated"
        self.widths: Counter[int] = Counter()
        self.wider: dict[int, list[int]] = {}  # column count -> lines of kept pairs
        self.first_row = True

    def row(self, line: int, cells: list[str], newline: bool, *, unquote: bool = False) -> None:
        findings = self.findings
        if not any(cell.strip() for cell in cells):
            findings.add(line, "empty", "blank line; skipped")
            return
        width = len(cells)
        if self.first_row:
            self.first_row = False
            if self._is_header(line, cells):
                self.widths[width] += 1
                return
        if not newline and self.widths:
            usual = self.widths.most_common(1)[0][0]
            if width < usual:
                message = (
                    f"last line has {width} {self.kind} column(s) where the lines before have "
                    f"{usual}, and no line break: the file looks cut off"
                )
                self.widths[width] += 1
                if width < self.need:
                    findings.add(line, "truncated", message + "; skipped")
                    return
                if not self.collector.suspicious(line, "truncated", message):
                    return
                self._keep(line, cells, width, unquote)
                return
        self.widths[width] += 1
        if width < self.need:
            findings.add(
                line,
                "columns",
                f"expected at least {self.need} {self.kind} columns, found {width}; skipped",
            )
            return
        self._keep(line, cells, width, unquote)

    def _keep(self, line, cells, width, unquote):
        source = cells[self.source_column]
        target = cells[self.target_column]
        if unquote:
            source, quoted_source = unquote_tsv_field(source)
            target, quoted_target = unquote_tsv_field(target)
            if quoted_source or quoted_target:
                self.findings.add(
                    line,
                    "quote",
                    "field enclosed in double quotes (TSV does not quote fields); quotes removed",
                )
        if self.collector.add(line, source, target) and width > self.need:
            self.wider.setdefault(width, []).append(line)

    def _is_header(self, line, cells) -> bool:
        if self.header is False:
            return False
        if self.header is True:
            self.findings.note(f"line {line} skipped as a header row")
            return True
        columns = (self.source_column, self.target_column)
        if len(cells) < self.need:
            return False
        if looks_like_header(cells, columns) or (self.sniffed and line == 1):
            names = ", ".join(repr(cells[column].strip()) for column in columns)
            self.findings.add(
                line,
                "header",
                f"first row looks like column names ({names}); skipped "
                "(say there is no header to keep it)",
            )
            return True
        return False

    def finish(self) -> None:
        """Report rows wider than most rows (a delimiter inside a sentence?)."""
        if not self.widths:
            return
        usual = self.widths.most_common(1)[0][0]
        if usual < self.need:
            if usual == 1 and self.findings.count("columns"):
                self.findings.note(
                    f"most lines have a single {self.kind} column: wrong format or delimiter?"
                )
            return
        odd: set[int] = set()
        for width, lines in sorted(self.wider.items()):
            if width <= usual:
                continue
            for line in lines:
                if not self.collector.suspicious(
                    line,
                    "columns",
                    f"{width} {self.kind} columns where most lines have {usual}: "
                    "a sentence may contain the delimiter",
                ):
                    odd.add(line)
        self.collector.discard(odd)


def read_tsv(
    handle, name, *, encoding, columns, header, findings: Findings, collector: PairCollector
) -> int:
    """Read a tab-separated file; returns the number of lines."""
    table = _Table(findings, collector, columns, header, "\t")
    reader = LineReader(handle, name, encoding, findings)
    row = table.row
    for number, text, newline in reader:
        if text is not None:
            row(number, text.split("\t"), newline, unquote=True)
    table.finish()
    return reader.count


def sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """A strict excel-like dialect whose delimiter is sniffed from ``sample``.

    Only the delimiter is taken from :class:`csv.Sniffer` (comma, semicolon, tab or bar);
    quoting stays standard (``"`` doubled), as a sniffed apostrophe quote would tear
    sentences apart.
    """
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    Dialect.strict = True
    return Dialect


def read_csv(
    handle, name, *, encoding, columns, header, findings: Findings, collector: PairCollector
) -> int:
    """Read a CSV file; returns the number of lines."""
    head = handle.read(_SNIFF_BYTES)
    handle.seek(0)
    sample = decode_head(head, encoding)
    if len(head) == _SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    dialect = sniff_dialect(sample)
    sniffed = header is None and _sniffer_header(sample, dialect, columns)
    table = _Table(findings, collector, columns, header, dialect.delimiter, sniffed=sniffed)
    reader = LineReader(handle, name, encoding, findings)
    bad: set[int] = set()
    state = {"newline": True}

    def physical_lines():
        for number, text, newline in reader:
            state["newline"] = newline
            if text is None:
                bad.add(number)
                yield "\n"
            else:
                yield text + "\n" if newline else text

    records = csv.reader(physical_lines(), dialect)
    while True:
        start = records.line_num + 1
        try:
            cells = next(records)
        except StopIteration:
            break
        except csv.Error as error:
            if "end of data" in str(error):
                message = f"a quoted field starting here is never closed (the file ends at line {records.line_num})"
            elif "field larger than field limit" in str(error):
                message = (
                    f"a field has more than {csv.field_size_limit():,} characters, far "
                    "more than a sentence (if it starts with a quote, the closing quote "
                    "may be missing); record skipped"
                )
            else:
                message = f"badly quoted field ({error}); record skipped"
            findings.add(start, "quote", message)
            continue
        end = records.line_num
        if bad and any(line in bad for line in range(start, end + 1)):
            continue  # already reported as an encoding problem
        table.row(start, cells, state["newline"])
    table.finish()
    if dialect.delimiter != ",":
        findings.note(f"delimiter: {_DELIMITER_NAMES[dialect.delimiter]}")
    return reader.count


def _sniffer_header(sample: str, dialect, columns) -> bool:
    """True if :class:`csv.Sniffer` takes the first row for a header and its cells are short
    labels (no sentence punctuation); the column-name check of :mod:`.header` comes on top.
    """
    try:
        sniffed = csv.Sniffer().has_header(sample)
        first = next(csv.reader(io.StringIO(sample), dialect), [])
    except (csv.Error, ValueError, TypeError, IndexError, ZeroDivisionError):
        return False
    return bool(sniffed) and all(
        column < len(first) and short_label(first[column]) for column in columns
    )
