"""Opening a user's file read-only and decoding it line by line.

Files are opened in binary and every line is decoded on its own, so that one line with
bad bytes is reported and skipped while the rest of the file is still read. UTF-16 and
UTF-32 files are the exception: their lines cannot be split as bytes, so they are
decoded whole (lines with undecodable bytes are still reported one by one). A file whose
lines end in a lone carriage return (classic Mac OS; Excel's "CSV (Macintosh)") is split
at those too, with a note.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import stat
from collections.abc import Iterator

from keras_attn.errors import ConfigurationError, DataError

from .report import Findings

_WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
_UTF8 = {"utf-8", "utf-8-sig"}
_CR_ONLY = "lines end with a carriage return only (classic Mac OS); read as line breaks"
_ARCHIVES = (
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"PK\x03\x04", "a zip archive (or an .xlsx workbook); extract it or save it as CSV first"),
    (b"BZh", "a bzip2-compressed file; decompress it first"),
    (b"\xfd7zXZ\x00", "an xz-compressed file; decompress it first"),
)


def codec_name(encoding: str) -> str:
    """The canonical name of ``encoding`` ("UTF8" -> "utf-8"); ConfigurationError if unknown."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise ConfigurationError(f"encoding: unknown encoding {encoding!r}") from None


def open_binary(path, *, role: str = "file"):
    """Open ``path`` read-only in binary; DataError with a clear reason if that is impossible.

    ``role`` names the file in messages ("source file", "target file").
    """
    name = os.fspath(path)
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise DataError(f"{name}: no such {role}", path=name) from None
    except PermissionError:
        raise DataError(f"{name}: permission denied", path=name) from None
    except (OSError, ValueError) as error:
        raise DataError(f"{name}: cannot be opened ({_reason(error)})", path=name) from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{name}: is a directory, not a {role}", path=name)
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{name}: is not a regular file", path=name)
    try:
        handle = open(name, "rb")  # noqa: SIM115 - the caller closes it
    except PermissionError:
        raise DataError(f"{name}: permission denied", path=name) from None
    except OSError as error:
        raise DataError(f"{name}: cannot be opened ({_reason(error)})", path=name) from None
    try:
        head = handle.read(8)
        handle.seek(0)
    except OSError as error:
        handle.close()
        raise DataError(f"{name}: cannot be read ({_reason(error)})", path=name) from None
    for magic, what in _ARCHIVES:
        if head.startswith(magic):
            handle.close()
            raise DataError(f"{name}: this is {what}", path=name)
    return handle


def read_head(path, size: int = 65536) -> bytes:
    """The first ``size`` bytes of ``path`` (DataError if it cannot be read)."""
    with open_binary(path) as handle:
        return handle.read(size)


def decode_head(head: bytes, encoding: str = "utf-8") -> str:
    """Decode the start of a file for sniffing, honouring a byte order mark; never fails."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            encoding = codec
            break
    try:
        return head.decode(encoding, errors="replace")
    except LookupError:
        return head.decode("utf-8", errors="replace")


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


class LineReader:
    """Iterates ``(number, text, newline)`` over the lines of an open binary file.

    ``number`` is 1-based; ``text`` is the decoded line without its line ending (CRLF or
    LF) or None when the line could not be decoded (the problem is already recorded in
    ``findings``); ``newline`` says whether the line ended with a line break (only the
    last line of a file can lack one). A UTF-8 byte order mark at the start is removed.
    ``count`` is the number of lines read so far.
    """

    def __init__(self, handle, name: str, encoding: str, findings: Findings, *, role: str = ""):
        self.handle = handle
        self.name = name
        self.encoding = encoding
        self.codec = codec_name(encoding)
        self.findings = findings
        self.role = role  # "source file " / "target file " in messages, or ""
        self.count = 0
        self.nul_lines = 0
        self.undecodable = 0
        self._total: int | None = None
        self._lines = None

    def __iter__(self) -> Iterator[tuple[int, str | None, bool]]:
        if self.codec in _WIDE:
            return self._wide()
        return self._narrow()

    def _narrow(self):
        findings = self.findings
        encoding = self.encoding
        codec = self.codec
        is_utf8 = codec in _UTF8
        role = self.role
        number = 0
        for raw in self._raw_lines():
            number += 1
            self.count = number
            newline = raw.endswith(b"\n")
            if newline:
                raw = raw[:-1]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if number == 1:
                raw = self._first_line(raw, is_utf8)
            if b"\x00" in raw:
                self.nul_lines += 1
                findings.add(number, "encoding", f"{role}line contains NUL bytes; line skipped")
                yield number, None, newline
                continue
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as error:
                self.undecodable += 1
                findings.add(
                    number,
                    "encoding",
                    f"{role}line could not be decoded as {encoding} (byte 0x{raw[error.start]:02x} "
                    f"at byte {error.start + 1}); line skipped",
                )
                yield number, None, newline
                continue
            if text and text[0] == "\ufeff":
                text = text.lstrip("\ufeff")
                if number > 1:
                    findings.add(
                        number,
                        "bom",
                        f"{role}byte order mark at the start of this line (files joined "
                        "together?); removed",
                    )
            yield number, text, newline
        self._hints()

    def _raw_lines(self):
        """The lines as bytes, each ending in b"\\n" (but a last line without a break)."""
        if self._lines is None:
            head = self.handle.read(65536)
            self.handle.seek(0)
            if b"\r" in head and b"\n" not in head:
                self.findings.note(f"{self.role}{_CR_ONLY}")
                self._lines = _universal_lines(self.handle)
            else:
                self._lines = self.handle
        return self._lines

    def _first_line(self, raw: bytes, is_utf8: bool) -> bytes:
        for bom, wide in (
            (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16: FF FE 00 00 starts with FF FE
            (codecs.BOM_UTF32_BE, "UTF-32"),
            (codecs.BOM_UTF16_LE, "UTF-16"),
            (codecs.BOM_UTF16_BE, "UTF-16"),
        ):
            if raw.startswith(bom):
                raise DataError(
                    f"{self.name}: the file starts with a {wide} byte order mark; "
                    f"read it with encoding '{wide.lower()}'",
                    path=self.name,
                    line=1,
                )
        if raw.startswith(codecs.BOM_UTF8):
            if is_utf8:
                return raw[len(codecs.BOM_UTF8) :]
            self.findings.note(
                f"{self.role}starts with a UTF-8 byte order mark but was read as {self.encoding}; "
                "is it UTF-8?"
            )
        return raw

    def _wide(self):
        findings = self.findings
        data = self.handle.read()
        try:
            text = data.decode(self.codec)
            damaged = False
        except UnicodeDecodeError:
            text = data.decode(self.codec, errors="replace")
            damaged = True
        if "\r" in text and "\n" not in text:
            findings.note(f"{self.role}{_CR_ONLY}")
            text = text.replace("\r", "\n")
        lines = text.split("\n")
        ends_with_newline = lines[-1] == ""
        if ends_with_newline:
            lines.pop()
        last = self._total = len(lines)
        for number, line in enumerate(lines, start=1):
            self.count = number
            newline = number < last or ends_with_newline
            if line.endswith("\r"):
                line = line[:-1]
            if number == 1:
                line = line.lstrip("\ufeff")
            if "\x00" in line:
                self.nul_lines += 1
                findings.add(
                    number, "encoding", f"{self.role}line contains NUL characters; line skipped"
                )
                yield number, None, newline
                continue
            if damaged and "\ufffd" in line:
                self.undecodable += 1
                findings.add(
                    number,
                    "encoding",
                    f"{self.role}line could not be decoded as {self.encoding}; line skipped",
                )
                yield number, None, newline
                continue
            yield number, line, newline
        self._hints()

    def skip_rest(self) -> int:
        """Count the remaining lines without decoding them; returns the total line count."""
        if self._total is not None:  # wide files are read whole
            self.count = self._total
            return self.count
        for _raw in self._raw_lines():
            self.count += 1
        return self.count

    def _hints(self) -> None:
        if self.undecodable and self.codec in _UTF8:
            self.findings.note(
                f"{self.role}{self.undecodable:,} line(s) are not valid UTF-8; if the file was "
                "saved in another encoding, name it (for example cp1252 or latin-1)"
            )
        if self.nul_lines and self.count and self.nul_lines * 2 >= self.count:
            self.findings.note(
                f"{self.role}most lines contain NUL bytes: is it a UTF-16 file or not text at all?"
            )


def _universal_lines(handle):
    """The lines of a binary file split at LF, CRLF or a lone CR, each ending in b"\\n"
    (but a last line without a break); bytes pass through unchanged (latin-1 maps every
    byte to one character and back)."""
    text = io.TextIOWrapper(handle, encoding="latin-1", newline=None)
    try:
        for line in text:
            yield line.encode("latin-1")
    finally:
        with contextlib.suppress(ValueError):  # (closed already when the reading stopped early)
            text.detach()  # the caller closes the file
