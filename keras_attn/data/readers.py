"""Reading a user's parallel corpus: :func:`read_parallel` and the :class:`ParallelData` it returns.

    >>> data = read_parallel("deu.txt")          # Tatoeba/Anki export, tab-separated
    >>> data.pairs[0]
    ('Geh.', 'Go.')
    >>> print(data.report.summary())

The file is never modified. Every line that cannot be used is skipped and reported with
its line number; the pairs that pass the checks of :mod:`keras_attn.data.pairs` are kept.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from keras_attn.errors import ConfigurationError, DataError

from .aligned import read_aligned
from .delimited import read_csv, read_tsv
from .detect import FORMATS, detect_format
from .lines import codec_name, open_binary
from .pairs import PairCollector
from .report import Findings, Report
from .tmx import read_tmx

#: How many problems a "no usable sentence pairs" error lists.
_PROBLEMS_IN_ERROR = 3


@dataclass
class ParallelData:
    """Sentence pairs read from a corpus, with the report of what was found.

    ``lines[i]`` is the line (TMX: translation unit) that ``pairs[i]`` came from.
    """

    pairs: list[tuple[str, str]]
    report: Report
    lines: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def sources(self) -> list[str]:
        """The source sentences, in file order."""
        return [source for source, _ in self.pairs]

    @property
    def targets(self) -> list[str]:
        """The target sentences, in file order."""
        return [target for _, target in self.pairs]


def read_parallel(
    path,
    *,
    format: str | None = None,
    source_column: int = 0,
    target_column: int = 1,
    target_path=None,
    source_lang: str | None = None,
    target_lang: str | None = None,
    encoding: str = "utf-8",
    header: bool | None = None,
    drop_duplicates: bool = True,
    max_chars: int = 1000,
    max_ratio: float = 9.0,
    keep_suspicious: bool = True,
) -> ParallelData:
    """Read sentence pairs from ``path`` and report every problem with its line number.

    Args:
        path: a TSV, CSV or TMX file, or the source side of two aligned text files.
        format: "tsv", "csv", "tmx" or "text"; None guesses it (:func:`detect_format`), and
            is "text" whenever ``target_path`` is given.
        source_column, target_column: 0-based columns of a TSV or CSV file.
        target_path: the target side of two aligned text files (line N translates line N).
        source_lang, target_lang: TMX language codes, matched case-insensitively, "de"
            also matching "de-DE"; None takes the first two languages found (see the
            report's notes).
        encoding: how the bytes are decoded (TMX files say it themselves; a value other
            than "utf-8" overrides that).
        header: whether the first row holds column names (TSV, CSV, text); None detects
            it in TSV and CSV files.
        drop_duplicates: skip a pair identical to an earlier one.
        max_chars: skip pairs with a side longer than this many characters.
        max_ratio: report pairs whose longer side has more than this many times the
            characters of the shorter one, relative to the corpus's typical (median)
            source/target ratio, when the longer side has 20 characters or more (see
            :mod:`keras_attn.data.pairs`).
        keep_suspicious: keep pairs that are only suspicious (length ratio, a row wider
            than the others, a cut-off last line) instead of skipping them.

    Returns:
        :class:`ParallelData` with at least one pair.

    Raises:
        DataError: the file cannot be read or holds no usable pair; the message names the
            file and the first problems with their line numbers.
        ConfigurationError: an argument is invalid (unknown format or encoding, bad column).
    """
    name = os.fspath(path)
    format = _check_arguments(
        format, source_column, target_column, target_path, encoding, max_chars, max_ratio
    )
    try:
        return _read(
            name,
            format=format,
            columns=(source_column, target_column),
            target_path=target_path,
            source_lang=source_lang or None,
            target_lang=target_lang or None,
            encoding=encoding,
            header=header,
            drop_duplicates=drop_duplicates,
            max_chars=max_chars,
            max_ratio=max_ratio,
            keep_suspicious=keep_suspicious,
        )
    except (DataError, ConfigurationError):
        raise
    except Exception as error:  # anything unforeseen still names the file
        reason = str(error) or type(error).__name__
        raise DataError(f"{name}: could not be read: {reason}", path=name) from error


def _check_arguments(
    format, source_column, target_column, target_path, encoding, max_chars, max_ratio
) -> str | None:
    if format is not None:
        format = str(format).strip().lower()
        if format not in FORMATS:
            raise ConfigurationError(f"format: {format!r} is not one of {', '.join(FORMATS)}")
    for label, column in (("source_column", source_column), ("target_column", target_column)):
        if isinstance(column, bool) or not isinstance(column, int) or column < 0:
            raise ConfigurationError(f"{label}: {column!r} is not a column index (0 or more)")
    if source_column == target_column:
        raise ConfigurationError(
            f"source_column and target_column are both {source_column}; they must differ"
        )
    if target_path is not None and format not in (None, "text"):
        raise ConfigurationError(
            f"target_path: a second file is only read with format 'text', not {format!r}"
        )
    codec_name(encoding)
    if not isinstance(max_chars, int) or max_chars < 1:
        raise ConfigurationError(f"max_chars: {max_chars!r} is not a positive number")
    if isinstance(max_ratio, bool) or not isinstance(max_ratio, int | float) or not max_ratio >= 1:
        raise ConfigurationError(f"max_ratio: {max_ratio!r} must be 1 or more")
    return format


def _read(
    name,
    *,
    format,
    columns,
    target_path,
    source_lang,
    target_lang,
    encoding,
    header,
    drop_duplicates,
    max_chars,
    max_ratio,
    keep_suspicious,
) -> ParallelData:
    with open_binary(name) as handle:
        empty = not handle.read(1)
    if empty:
        raise DataError(f"{name}: the file is empty", path=name)
    if format is None:
        format = "text" if target_path is not None else detect_format(name)
    if format == "text" and target_path is None:
        raise DataError(
            f"{name}: a plain text file holds one side only (no tabs found); give the file "
            "with the translations as well (target file), or use a TSV, CSV or TMX file",
            path=name,
        )
    findings = Findings()
    collector = PairCollector(
        findings,
        drop_duplicates=drop_duplicates,
        max_chars=max_chars,
        max_ratio=max_ratio,
        keep_suspicious=keep_suspicious,
    )
    used_encoding = encoding
    if format == "tmx":
        total, used_encoding = read_tmx(
            name,
            encoding=encoding,
            source_lang=source_lang,
            target_lang=target_lang,
            findings=findings,
            collector=collector,
        )
    elif format == "text":
        total = read_aligned(
            name,
            target_path,
            encoding=encoding,
            header=header,
            findings=findings,
            collector=collector,
        )
    else:
        read = read_tsv if format == "tsv" else read_csv
        with open_binary(name) as handle:
            total = read(
                handle,
                name,
                encoding=encoding,
                columns=columns,
                header=header,
                findings=findings,
                collector=collector,
            )
    collector.finish()
    report = findings.report(
        name,
        format,
        used_encoding,
        total,
        len(collector.pairs),
        target_path=None if target_path is None else os.fspath(target_path),
    )
    if not report.usable:
        raise _nothing_usable(name, report)
    return ParallelData(collector.pairs, report, collector.lines)


def _nothing_usable(name: str, report: Report) -> DataError:
    units = f"{report.total_lines:,} {report.unit}{'' if report.total_lines == 1 else 's'} read"
    message = f"{name}: no usable sentence pairs ({units})"
    if report.problems:
        first = "; ".join(str(problem) for problem in report.problems[:_PROBLEMS_IN_ERROR])
        message += f". First problems: {first}"
        more = sum(report.counts().values()) - _PROBLEMS_IN_ERROR
        if more > 0:
            message += f" (and {more:,} more)"
    line = report.problems[0].line if report.problems else None
    return DataError(" ".join(message.split()), path=name, line=line, report=report)
