"""Reading TMX translation memories: ``<tu><tuv xml:lang="de"><seg>...</seg></tuv>...</tu>``.

The file is parsed in chunks by :class:`xml.etree.ElementTree.XMLParser` with a target
that keeps only the current translation unit, so huge files need little memory. Files
with a DOCTYPE declaration are refused before any content is read: that is where entity
definitions live, and entity expansion can blow up memory ("billion laughs").

Languages come from ``xml:lang`` (or the old TMX 1.1 ``lang`` attribute) and match
case-insensitively, a bare language matching any of its regional variants ("de" ~
"de-DE", and "de-DE" ~ "de"); an exact match wins over such a prefix match. When no
language is asked for, the header's ``srclang`` (or the first language of the first unit
that has two) becomes the source and the first other language the target; the report's
notes say which were chosen.

Inside ``<seg>``, the text of native-code elements (``<bpt>``, ``<ept>``, ``<it>``,
``<ph>``, ``<ut>`` and everything inside them) is dropped; other inline elements such as
``<hi>`` keep their text. Runs of whitespace become single spaces.

A problem's ``line`` is the 1-based index of the ``<tu>``, and its message says so.
"""

from __future__ import annotations

import codecs
import os
import re
import xml.etree.ElementTree as ET

from keras_attn.errors import DataError

from .lines import codec_name, open_binary
from .pairs import PairCollector
from .report import Findings

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_CODE_TAGS = {"bpt", "ept", "it", "ph", "ut"}
_CHUNK = 1 << 16
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class _DoctypeRefused(Exception):
    pass


class _Units:
    """Parser target: collects one translation unit at a time and hands it on."""

    def __init__(self, on_unit):
        self.on_unit = on_unit
        self.root: str | None = None
        self.srclang: str | None = None
        self.index = 0  # translation units started
        self.in_tu = self.in_tuv = self.in_seg = False
        self.code_depth = 0
        self.variants: list[tuple[str | None, str | None]] = []
        self.lang: str | None = None
        self.text: str | None = None
        self.parts: list[str] = []

    def doctype(self, name, pubid, system):
        raise _DoctypeRefused(name)

    def start(self, tag, attrib):
        name = tag.rpartition("}")[2]
        if self.root is None:
            self.root = name
        if self.in_seg:
            if self.code_depth or name in _CODE_TAGS:
                self.code_depth += 1
        elif name == "tu":
            self.index += 1
            self.in_tu = True
            self.variants = []
        elif name == "tuv" and self.in_tu:
            self.in_tuv = True
            self.lang = attrib.get(_XML_LANG) or attrib.get("lang")
            self.text = None
        elif name == "seg" and self.in_tuv and self.text is None:
            self.in_seg = True
            self.parts = []
        elif name == "header" and not self.in_tu:
            self.srclang = attrib.get("srclang")

    def data(self, text):
        if self.in_seg and not self.code_depth:
            self.parts.append(text)

    def end(self, tag):
        name = tag.rpartition("}")[2]
        if self.in_seg:
            if self.code_depth:
                self.code_depth -= 1
            elif name == "seg":
                self.in_seg = False
                self.text = " ".join("".join(self.parts).split())
        elif name == "tuv" and self.in_tuv:
            self.in_tuv = False
            self.variants.append((self.lang, self.text))
        elif name == "tu" and self.in_tu:
            self.in_tu = False
            self.on_unit(self.index, self.variants, self.srclang)

    def close(self):
        return None


def lang_matches(wanted: str, found: str) -> bool:
    """True if language tag ``found`` is ``wanted``, one of its variants, or its base language."""
    wanted = wanted.strip().lower().replace("_", "-")
    found = found.strip().lower().replace("_", "-")
    return found == wanted or found.startswith(wanted + "-") or wanted.startswith(found + "-")


def _pick(variants, wanted: str, exclude: int = -1) -> int:
    """Index of the variant in language ``wanted`` (exact match first), or -1."""
    wanted_key = wanted.strip().lower().replace("_", "-")
    fallback = -1
    for position, (lang, _) in enumerate(variants):
        if position == exclude:
            continue
        if lang.strip().lower().replace("_", "-") == wanted_key:
            return position
        if fallback < 0 and lang_matches(wanted, lang):
            fallback = position
    return fallback


class _Languages:
    """Chooses the source and target languages and pairs up each unit's variants."""

    def __init__(self, findings: Findings, collector: PairCollector, source_lang, target_lang):
        self.findings = findings
        self.collector = collector
        self.source = source_lang
        self.target = target_lang
        self.chosen = bool(source_lang and target_lang)
        self.seen: dict[str, str] = {}  # lower-case tag -> tag as written
        self.srclang: str | None = None

    def unit(self, index: int, variants, srclang: str | None = None) -> None:
        self.srclang = srclang
        where = f"translation unit {index}: "
        findings = self.findings
        present = [(lang.strip(), text) for lang, text in variants if lang and lang.strip()]
        if len(present) < len(variants):
            findings.add(index, "tmx", where + "a <tuv> has no xml:lang attribute; it is ignored")
        for lang, _ in present:
            self.seen.setdefault(lang.lower(), lang)
        if not self.chosen and not self._choose(present):
            languages = ", ".join(sorted({lang for lang, _ in present})) or "none"
            findings.add(
                index, "tmx", where + f"fewer than two languages (found: {languages}); skipped"
            )
            return
        source_at = _pick(present, self.source)
        target_at = _pick(present, self.target, exclude=source_at)
        if source_at < 0 or target_at < 0:
            missing = self.source if source_at < 0 else self.target
            languages = ", ".join(lang for lang, _ in present) or "none"
            findings.add(
                index, "tmx", where + f"no '{missing}' variant (languages: {languages}); skipped"
            )
            return
        self.collector.add(index, present[source_at][1] or "", present[target_at][1] or "")

    def _choose(self, present) -> bool:
        """Fix the languages from the first unit that has two; False if this one has not."""
        source = self.source
        if source is None:
            if (
                self.srclang
                and self.srclang.lower() != "*all*"
                and _pick(present, self.srclang) >= 0
            ):
                source = present[_pick(present, self.srclang)][0]
            elif present:
                source = present[0][0]
            else:
                return False
        target = self.target
        if target is None:
            source_at = _pick(present, source)
            others = [
                lang
                for position, (lang, _) in enumerate(present)
                if position != source_at and not lang_matches(source, lang)
            ]
            if not others:
                return False
            target = others[0]
        elif _pick(present, target, exclude=_pick(present, source)) < 0:
            return False
        if self.source is None and self.target is None:
            self.findings.note(
                f"no languages given: using '{source}' as source and '{target}' as target, "
                "the first two found (choose with source_lang / target_lang)"
            )
        elif self.source is None:
            self.findings.note(f"source language not given: using '{source}'")
        elif self.target is None:
            self.findings.note(
                f"target language not given: using '{target}', the first other language found"
            )
        self.source, self.target = source, target
        self.chosen = True
        return True


#: How an XML file's first bytes tell its encoding (byte order marks, then the bytes of
#: "<" or "<?" in each encoding: XML 1.0, appendix F), UTF-32 before UTF-16.
_XML_STARTS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)


def tmx_encoding(head: bytes) -> str:
    """The encoding a TMX file declares (byte order mark, the bytes of its first "<?", or
    its XML declaration); utf-8 if none."""
    for start, encoding in _XML_STARTS:
        if head.startswith(start):
            return encoding
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    match = _DECLARED_ENCODING.match(head)
    return match.group(1).decode("ascii").lower() if match else "utf-8"


def _chunks(handle, encoding: str | None):
    """The file's bytes from its start, in chunks; with `encoding`, decoded from it and
    given as UTF-8 (for the encodings expat cannot read: UTF-32, UTF-16 named with its
    byte order, multi-byte codecs such as Shift JIS). Bytes that are not valid in that
    encoding end the reading with an XML error at their line."""
    handle.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)() if encoding else None
    lines = 1
    while True:
        chunk = handle.read(_CHUNK)
        if decoder is None:
            if not chunk:
                return
            yield chunk
            continue
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            problem = ET.ParseError(f"not valid {encoding}: {error.reason}")
            problem.position = (lines, 0)
            raise problem from None
        lines += text.count("\n")
        if text:
            yield text.encode("utf-8", "surrogatepass")
        if not chunk:
            return


def _transcoding(head: bytes, override: str | None) -> str | None:
    """The encoding to decode the file from ourselves (see :func:`_chunks`), None when
    expat reads it itself: UTF-32 files, which expat does not know."""
    encoding = override or tmx_encoding(head)
    try:
        name = codecs.lookup(encoding).name
    except LookupError:  # expat says so, in its words
        return None
    return encoding if name.startswith("utf-32") else None


def _multi_byte(error: ValueError) -> bool:
    """expat's refusal of an encoding it cannot read (pyexpat: "multi-byte encodings are
    not supported"), from the XML declaration or the encoding given."""
    return "multi-byte" in str(error)


def read_tmx(
    path, *, encoding, source_lang, target_lang, findings: Findings, collector: PairCollector
) -> tuple[int, str]:
    """Read a TMX file; returns (number of translation units, encoding used).

    ``encoding`` overrides what the file declares unless it is the default "utf-8".
    """
    name = os.fspath(path)
    collector.unit = "translation unit"
    languages = _Languages(findings, collector, source_lang, target_lang)
    units = _Units(languages.unit)
    override = None if codec_name(encoding) == "utf-8" else encoding
    with open_binary(name) as handle:
        head = handle.read(_CHUNK)
        used = override or tmx_encoding(head)
        transcode = _transcoding(head, override)
        for attempt in range(2):
            parser = ET.XMLParser(target=units, encoding="utf-8" if transcode else override)
            at_close = False
            try:
                for chunk in _chunks(handle, transcode):
                    parser.feed(chunk)
                at_close = True
                parser.close()
            except _DoctypeRefused:
                raise DataError(_doctype_message(name), path=name) from None
            except ET.ParseError as error:
                _parse_error(name, error, at_close, units, findings)
            except LookupError:  # the declaration names an encoding nobody knows
                raise DataError(
                    f"{name}: the XML declaration names the encoding {used!r}, which is "
                    "unknown; give the file's encoding (encoding=..., --encoding)",
                    path=name,
                ) from None
            except ValueError as error:
                # An encoding expat reads only through Python's codecs: read it again so.
                if attempt or not _multi_byte(error) or units.index:
                    raise
                transcode = used = override or tmx_encoding(head)
                languages = _Languages(findings, collector, source_lang, target_lang)
                units = _Units(languages.unit)
                continue
            break
    if units.root is not None and units.root != "tmx":
        findings.note(f"the root element is <{units.root}>, not <tmx>")
    if languages.chosen and len(languages.seen) > 2:
        others = sorted(
            tag
            for key, tag in languages.seen.items()
            if not lang_matches(languages.source, tag) and not lang_matches(languages.target, tag)
        )
        if others:
            findings.note(f"other languages in the file, not used: {', '.join(others)}")
    if units.index == 0:
        what = f"<{units.root}>" if units.root else "nothing"
        raise DataError(
            f"{name}: no <tu> translation units found (the document holds {what})", path=name
        )
    return units.index, used


def _parse_error(name, error: ET.ParseError, at_close: bool, units: _Units, findings: Findings):
    """An XML error: fatal before the first complete unit, otherwise reported and read so far kept."""
    line, column = getattr(error, "position", (None, None))
    reason = str(error).split(":")[0]
    complete = units.index - (1 if units.in_tu else 0)
    if complete == 0:
        raise DataError(
            f"{name}: not a well-formed TMX/XML file: {reason} (line {line}, column {column})",
            path=name,
            line=line,
        )
    unit = units.index if units.in_tu else units.index + 1
    if at_close:
        findings.add(
            unit,
            "truncated",
            f"translation unit {unit}: the file ends in the middle of the XML ({reason} at line "
            f"{line}): cut off? The {complete:,} complete unit(s) before were read",
        )
    else:
        findings.add(
            unit,
            "tmx",
            f"translation unit {unit}: XML error at line {line}, column {column} of the file "
            f"({reason}); reading stopped here",
        )


class _Enough(Exception):
    pass


def tmx_languages(path, units: int = 500) -> list[str]:
    """The languages (``xml:lang``, or TMX 1.1 ``lang``) of a TMX file's first `units`
    translation units, as written, in the order they first appear (one entry per language,
    compared case-insensitively): what a language chooser offers.

    Reads only as far as it needs to. An XML error ends the scan with the languages found
    before it (:func:`read_tmx` reports the error itself).

    Raises:
        DataError: the file cannot be opened, or has a DOCTYPE declaration (refused for
            safety, as by :func:`read_tmx`).
    """
    name = os.fspath(path)
    found: dict[str, str] = {}

    def on_unit(index, variants, srclang):
        for lang, _ in variants:
            if lang and lang.strip():
                found.setdefault(lang.strip().lower(), lang.strip())
        if index >= units:
            raise _Enough

    with open_binary(name) as handle:
        head = handle.read(_CHUNK)
        transcode = _transcoding(head, None)
        for attempt in range(2):
            parser = ET.XMLParser(target=_Units(on_unit), encoding="utf-8" if transcode else None)
            try:
                for chunk in _chunks(handle, transcode):
                    parser.feed(chunk)
            except _Enough:
                pass
            except _DoctypeRefused:
                raise DataError(_doctype_message(name), path=name) from None
            except (ET.ParseError, LookupError):  # (LookupError: an unknown encoding)
                pass
            except ValueError as error:  # an encoding expat reads only through Python's
                if attempt or not _multi_byte(error) or found:
                    raise
                transcode = tmx_encoding(head)
                continue
            break
    return list(found.values())


def _doctype_message(name: str) -> str:
    return (
        f"{name}: the file has a DOCTYPE declaration, which is refused for safety "
        "(entity definitions can blow up memory or read other files and addresses); "
        "remove the <!DOCTYPE ...> part"
    )
