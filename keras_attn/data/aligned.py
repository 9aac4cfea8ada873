"""Reading two aligned plain-text files: line N of one translates line N of the other.

Both files are read side by side. When one has more lines than the other, the pairs up to
the shorter length are kept and a "mismatch" problem is reported on the first line that
has no partner. Tabs inside a line are part of the sentence.
"""

from __future__ import annotations

import os

from .lines import LineReader, open_binary
from .pairs import PairCollector
from .report import Findings


def read_aligned(
    source_path, target_path, *, encoding, header, findings: Findings, collector: PairCollector
) -> int:
    """Read the two files; returns the line count of the longer one."""
    source_name = os.fspath(source_path)
    target_name = os.fspath(target_path)
    with (
        open_binary(source_name, role="source file") as source_handle,
        open_binary(target_name, role="target file") as target_handle,
    ):
        sources = LineReader(source_handle, source_name, encoding, findings, role="source file: ")
        targets = LineReader(target_handle, target_name, encoding, findings, role="target file: ")
        source_lines = iter(sources)
        target_lines = iter(targets)
        while True:
            source = next(source_lines, None)
            target = next(target_lines, None)
            if source is None or target is None:
                break
            number, source_text, _ = source
            target_text = target[1]
            if source_text is None or target_text is None:
                continue  # reported while decoding
            if number == 1 and header:
                findings.note("line 1 of both files skipped as a header")
                continue
            if not source_text.strip() and not target_text.strip():
                findings.add(number, "empty", "blank line in both files; skipped")
                continue
            collector.add(number, source_text, target_text)
        if source is None and target is None:
            return sources.count
        # One file ended first: count the other's remaining lines without reading them.
        if source is None:
            shorter, longer = sources.count, targets.skip_rest()
            short_name, long_name = "source", "target"
        else:
            shorter, longer = targets.count, sources.skip_rest()
            short_name, long_name = "target", "source"
        findings.add(
            shorter + 1,
            "mismatch",
            f"the {long_name} file has {longer:,} lines but the {short_name} file only "
            f"{shorter:,}: the last {longer - shorter:,} {long_name} line(s) are ignored, and "
            "lines may be misaligned further up (see length_ratio problems)",
        )
        return longer
