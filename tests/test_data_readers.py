"""Reading parallel corpora: TSV, CSV, two aligned text files and TMX, good and malformed."""

from __future__ import annotations

import codecs
import gzip
import json
import os
import time
from pathlib import Path

import pytest

from keras_attn.data import (
    ParallelData,
    Problem,
    Report,
    detect_format,
    length_stats,
    read_parallel,
)
from keras_attn.data.report import MAX_PROBLEMS_PER_KIND
from keras_attn.errors import ConfigurationError, DataError

SHARED = Path("/work/shared/data")


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def kinds(data: ParallelData) -> dict[str, int]:
    return data.report.counts()


def problem(data: ParallelData, kind: str) -> Problem:
    return next(p for p in data.report.problems if p.kind == kind)


# --- TSV ---------------------------------------------------------------------------


def test_tsv_good_file(tmp_path):
    """A clean two-column TSV gives every pair and no problems."""
    path = write(tmp_path, "a.tsv", "Hallo.\tHello.\nDanke!\tThanks!\n")
    data = read_parallel(path)
    assert data.pairs == [("Hallo.", "Hello."), ("Danke!", "Thanks!")]
    assert data.lines == [1, 2]
    assert data.report.format == "tsv"
    assert data.report.total_lines == 2
    assert data.report.pairs_kept == 2
    assert data.report.problems == []
    assert data.report.usable


def test_tsv_bom_and_crlf(tmp_path):
    """A UTF-8 byte order mark and CRLF line endings are removed silently."""
    path = write(tmp_path, "a.tsv", codecs.BOM_UTF8 + "Grüß dich.\tHi.\r\nJa.\tYes.\r\n".encode())
    data = read_parallel(path)
    assert data.pairs == [("Grüß dich.", "Hi."), ("Ja.", "Yes.")]
    assert data.report.problems == []


def test_tsv_last_line_without_newline_is_fine(tmp_path):
    """A complete last line without a line break is not a problem."""
    data = read_parallel(write(tmp_path, "a.tsv", "A.\tB.\nC.\tD."))
    assert data.pairs == [("A.", "B."), ("C.", "D.")]
    assert data.report.problems == []


def test_tsv_third_column_and_column_choice(tmp_path):
    """Anki-style third attribution columns are normal, and columns are chosen by index."""
    text = "Geh.\tGo.\tCC-BY 2.0 (France) #1\nLauf!\tRun!\tCC-BY 2.0 (France) #2\n"
    path = write(tmp_path, "deu.txt", text)
    assert read_parallel(path).pairs == [("Geh.", "Go."), ("Lauf!", "Run!")]
    swapped = read_parallel(path, source_column=1, target_column=0)
    assert swapped.pairs == [("Go.", "Geh."), ("Run!", "Lauf!")]
    assert swapped.report.problems == []


def test_tsv_tab_inside_sentence_is_suspicious(tmp_path):
    """A row with more columns than most rows is reported and kept only if suspicious pairs are."""
    text = "A.\tB.\nC.\tD.\nE\tF.\tG.\nH.\tI.\n"
    path = write(tmp_path, "a.tsv", text)
    data = read_parallel(path)
    assert kinds(data) == {"columns": 1}
    assert problem(data, "columns").line == 3
    assert "3 tab-separated columns where most lines have 2" in problem(data, "columns").message
    assert ("E", "F.") in data.pairs
    strict = read_parallel(path, keep_suspicious=False)
    assert ("E", "F.") not in strict.pairs
    assert strict.lines == [1, 2, 4]


def test_tsv_quoted_fields(tmp_path):
    """A wholly quoted TSV field loses its quotes (once-per-line "quote"); inner quotes stay."""
    text = (
        '"Sein Vater nennt ihn ""Tom""."\tHis dad calls him Tom.\n'
        '"Ja."\t"Yes."\n'
        '"Yes," she said, "no."\t„Ja", sagte sie, „nein."\n'
    )
    data = read_parallel(write(tmp_path, "a.tsv", text))
    assert data.pairs == [
        ('Sein Vater nennt ihn "Tom".', "His dad calls him Tom."),
        ("Ja.", "Yes."),
        ('"Yes," she said, "no."', '„Ja", sagte sie, „nein."'),
    ]
    assert [p.line for p in data.report.problems if p.kind == "quote"] == [1, 2]


def test_tsv_cut_off_last_line(tmp_path):
    """A last line without line break and with too few columns is reported as truncated."""
    data = read_parallel(write(tmp_path, "a.tsv", "A.\tB.\nC.\tD.\nE. Half a sen"))
    assert data.pairs == [("A.", "B."), ("C.", "D.")]
    assert kinds(data) == {"truncated": 1}
    assert problem(data, "truncated").line == 3
    assert data.report.total_lines == 3


def test_tsv_cut_off_last_line_keeps_usable_pair(tmp_path):
    """A cut-off last row that still has both sentences is kept but reported as truncated."""
    text = "A.\tB.\tx\nC.\tD.\tx\nE.\tF"
    data = read_parallel(write(tmp_path, "a.tsv", text))
    assert data.pairs[-1] == ("E.", "F")
    assert problem(data, "truncated").line == 3
    strict = read_parallel(write(tmp_path, "b.tsv", text), keep_suspicious=False)
    assert strict.pairs == [("A.", "B."), ("C.", "D.")]


def test_tsv_one_column_raises_with_line_numbers(tmp_path):
    """A file without tabs holds no pairs: DataError naming the file and the lines."""
    path = write(tmp_path, "train.tsv", "just one side\nand another\n")
    with pytest.raises(DataError) as caught:
        read_parallel(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: no usable sentence pairs (2 lines read)")
    assert "line 1: expected at least 2 tab-separated columns, found 1" in message
    assert "line 2:" in message
    assert caught.value.line == 1
    assert caught.value.path == str(path)


def test_tsv_empty_sides_and_blank_lines(tmp_path):
    """Blank lines and empty source or target sentences are skipped as "empty"."""
    text = "A.\tB.\n\n\tnur Ziel\nonly source\t  \nC.\tD.\n"
    data = read_parallel(write(tmp_path, "a.tsv", text))
    assert data.pairs == [("A.", "B."), ("C.", "D.")]
    empties = [p for p in data.report.problems if p.kind == "empty"]
    assert [p.line for p in empties] == [2, 3, 4]
    assert "blank line" in empties[0].message
    assert "empty source" in empties[1].message
    assert "empty target" in empties[2].message


def test_tsv_duplicates(tmp_path):
    """A repeated pair is skipped naming the first line, unless duplicates are kept."""
    text = "A.\tB.\nC.\tD.\n A. \tB.\n"
    path = write(tmp_path, "a.tsv", text)
    data = read_parallel(path)
    assert data.pairs == [("A.", "B."), ("C.", "D.")]
    duplicate = problem(data, "duplicate")
    assert duplicate.line == 3
    assert "line 1" in duplicate.message
    assert len(read_parallel(path, drop_duplicates=False).pairs) == 3


def test_tsv_too_long(tmp_path):
    """A side longer than max_chars is skipped as "too_long"."""
    text = "Short.\tKurz.\n" + "x" * 30 + "\ty\n"
    data = read_parallel(write(tmp_path, "a.tsv", text), max_chars=20)
    assert data.pairs == [("Short.", "Kurz.")]
    assert problem(data, "too_long").line == 2
    assert "30 characters" in problem(data, "too_long").message


def test_tsv_length_ratio(tmp_path):
    """A pair whose longer side is many times the shorter is suspicious, kept by default."""
    long_side = "Herr Präsident, Frau Kommissarin, meine Damen und Herren!"
    text = f"Ja.\tYes, that's right.\n{long_side}\t.\n"
    path = write(tmp_path, "a.tsv", text)
    data = read_parallel(path)
    assert kinds(data) == {"length_ratio": 1}
    assert problem(data, "length_ratio").line == 2
    assert len(data.pairs) == 2
    assert read_parallel(path, keep_suspicious=False).pairs == [("Ja.", "Yes, that's right.")]


def test_length_ratio_is_relative_to_the_corpus(tmp_path):
    """Where one side is always longer (number words -> digits) only the outlier is flagged."""
    words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    lines = [
        f"{words[i % 9]} hundred and {words[(i * 7) % 9]}ty-{words[(i * 5) % 9]}\t{i + 100}"
        for i in range(40)
    ]
    lines.append("seven hundred thousand four hundred and ninety-nine\t700499")
    lines.append(f"{'x' * 200}\t7")
    data = read_parallel(write(tmp_path, "numbers.tsv", "\n".join(lines) + "\n"))
    assert [(p.line, p.kind) for p in data.report.problems] == [(42, "length_ratio")]
    assert "typical source/target ratio here" in data.report.problems[0].message


def test_tsv_undecodable_line_is_skipped(tmp_path):
    """Bytes that are not UTF-8 spoil only their own line, which is reported."""
    content = b"A.\tB.\nGr\xfc\xdfe.\tGreetings.\nC.\tD.\n"
    path = write(tmp_path, "a.tsv", content)
    data = read_parallel(path)
    assert data.pairs == [("A.", "B."), ("C.", "D.")]
    encoding = problem(data, "encoding")
    assert encoding.line == 2
    assert "could not be decoded as utf-8" in encoding.message
    assert any("not valid UTF-8" in note for note in data.report.notes)
    latin = read_parallel(path, encoding="latin-1")
    assert ("Grüße.", "Greetings.") in latin.pairs
    assert latin.report.encoding == "latin-1"


def test_tsv_nul_bytes_are_skipped(tmp_path):
    """A line with NUL bytes is reported as an encoding problem and skipped."""
    data = read_parallel(write(tmp_path, "a.tsv", b"A.\tB.\nC\x00.\tD.\nE.\tF.\n"))
    assert data.pairs == [("A.", "B."), ("E.", "F.")]
    assert problem(data, "encoding").line == 2
    assert "NUL" in problem(data, "encoding").message


def test_tsv_only_a_header(tmp_path):
    """A file holding nothing but column names raises DataError mentioning the header."""
    path = write(tmp_path, "a.tsv", "source\ttarget\n")
    with pytest.raises(DataError, match="line 1: first row looks like column names"):
        read_parallel(path)


def test_tsv_header_detection_and_override(tmp_path):
    """Column names in the first row are detected; header=False keeps, header=True skips."""
    path = write(tmp_path, "a.tsv", "de\ten\nHallo.\tHello.\n")
    data = read_parallel(path)
    assert data.pairs == [("Hallo.", "Hello.")]
    assert problem(data, "header").line == 1
    assert read_parallel(path, header=False).pairs == [("de", "en"), ("Hallo.", "Hello.")]
    plain = write(tmp_path, "b.tsv", "Eins.\tOne.\nZwei.\tTwo.\n")
    assert read_parallel(plain).pairs == [("Eins.", "One."), ("Zwei.", "Two.")]
    assert read_parallel(plain, header=True).pairs == [("Zwei.", "Two.")]


def test_bom_in_the_middle_is_reported(tmp_path):
    """A byte order mark starting a later line (joined files) is removed and reported."""
    content = codecs.BOM_UTF8 + b"A.\tB.\n" + codecs.BOM_UTF8 + b"C.\tD.\n"
    data = read_parallel(write(tmp_path, "a.tsv", content))
    assert data.pairs == [("A.", "B."), ("C.", "D.")]
    assert [(p.line, p.kind) for p in data.report.problems] == [(2, "bom")]


def test_utf16_file(tmp_path):
    """A UTF-16 file read as UTF-8 is refused with a hint; read as UTF-16 it works."""
    path = write(tmp_path, "a.tsv", "Grüß dich.\tHi.\r\nJa.\tYes.\r\n".encode("utf-16"))
    with pytest.raises(DataError, match="utf-16"):
        read_parallel(path)
    data = read_parallel(path, encoding="utf-16")
    assert data.pairs == [("Grüß dich.", "Hi."), ("Ja.", "Yes.")]
    assert data.report.total_lines == 2


def test_unusable_paths(tmp_path):
    """Missing files, directories, empty and compressed files raise DataError naming them."""
    with pytest.raises(DataError, match="no such file"):
        read_parallel(tmp_path / "missing.tsv")
    with pytest.raises(DataError, match="is a directory"):
        read_parallel(tmp_path)
    with pytest.raises(DataError, match="empty"):
        read_parallel(write(tmp_path, "empty.tsv", b""))
    with pytest.raises(DataError, match="gzip"):
        read_parallel(write(tmp_path, "a.tsv.gz", gzip.compress(b"A.\tB.\n")))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions")
def test_unreadable_file(tmp_path):
    """A file without read permission raises DataError saying so."""
    path = write(tmp_path, "a.tsv", "A.\tB.\n")
    path.chmod(0)
    try:
        with pytest.raises(DataError, match="permission denied"):
            read_parallel(path)
    finally:
        path.chmod(0o644)


def test_file_is_never_modified(tmp_path):
    """Reading leaves the file's bytes and modification time unchanged."""
    content = codecs.BOM_UTF8 + b'A.\tB.\r\n\xff\tx\r\n"C."\tD.\r\nE'
    path = write(tmp_path, "a.tsv", content)
    before = path.stat().st_mtime_ns
    read_parallel(path)
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == before


def test_invalid_arguments():
    """Unknown formats, encodings and bad column numbers raise ConfigurationError."""
    with pytest.raises(ConfigurationError, match="format"):
        read_parallel("x.tsv", format="xlsx")
    with pytest.raises(ConfigurationError, match="encoding"):
        read_parallel("x.tsv", encoding="no-such-codec")
    with pytest.raises(ConfigurationError, match="source_column"):
        read_parallel("x.tsv", source_column=-1)
    with pytest.raises(ConfigurationError, match="must differ"):
        read_parallel("x.tsv", source_column=1, target_column=1)
    with pytest.raises(ConfigurationError, match="target_path"):
        read_parallel("x.tsv", format="tsv", target_path="y.txt")


# --- CSV ---------------------------------------------------------------------------


def test_csv_quoted_fields_and_line_numbers(tmp_path):
    """Quoted CSV fields may hold commas and line breaks; problems name the record's first line."""
    text = (
        "source,target\r\n"
        '"Hallo, Welt.","Hello, world."\r\n'
        '"Eine\r\nZeile.",One line.\r\n'
        "Leer.,\r\n"
        'Er sagte ""Hallo"".,"He said ""hi""."\r\n'
    )
    data = read_parallel(write(tmp_path, "a.csv", text))
    assert data.report.format == "csv"
    assert data.pairs == [
        ("Hallo, Welt.", "Hello, world."),
        ("Eine Zeile.", "One line."),
        ('Er sagte ""Hallo"".', 'He said "hi".'),
    ]
    assert data.lines == [2, 3, 6]
    assert [(p.line, p.kind) for p in data.report.problems] == [(1, "header"), (5, "empty")]
    assert data.report.total_lines == 6


def test_csv_semicolon_delimiter_and_sniffed_header(tmp_path):
    """A semicolon delimiter is sniffed, and an id-column header is recognised."""
    text = "id;Satz;Übersetzung\n1;Guten Morgen.;Good morning.\n2;Gute Nacht.;Good night.\n"
    data = read_parallel(write(tmp_path, "a.csv", text), source_column=1, target_column=2)
    assert data.pairs == [("Guten Morgen.", "Good morning."), ("Gute Nacht.", "Good night.")]
    assert problem(data, "header").line == 1


def test_csv_unclosed_quote(tmp_path):
    """A quote that is never closed is reported on the line where it opens."""
    text = 'A.,B.\nC.,"D. and then\nE.,F.\n'
    data = read_parallel(write(tmp_path, "a.csv", text))
    assert data.pairs == [("A.", "B.")]
    quote = problem(data, "quote")
    assert quote.line == 2
    assert "never closed" in quote.message


def test_csv_unquoted_comma_in_sentence(tmp_path):
    """An unquoted comma inside a sentence makes a wider row, reported as "columns"."""
    text = "A.,B.\nC.,D.\nJa, gut.,Yes.\nE.,F.\n"
    data = read_parallel(write(tmp_path, "a.csv", text))
    assert problem(data, "columns").line == 3
    assert "comma-separated" in problem(data, "columns").message


def test_csv_undecodable_line(tmp_path):
    """An undecodable CSV line is skipped and reported; the records around it are kept."""
    content = b"A.,B.\n\xff\xfe,x\nC.,D.\n"
    data = read_parallel(write(tmp_path, "a.csv", content))
    assert data.pairs == [("A.", "B."), ("C.", "D.")]
    assert [(p.line, p.kind) for p in data.report.problems] == [(2, "encoding")]


# --- two aligned text files ----------------------------------------------------------


def test_text_pair_of_files(tmp_path):
    """Two aligned files pair line N with line N; tabs inside a line belong to the sentence."""
    source = write(tmp_path, "train.de", "Hallo.\nEins\tzwei.\n")
    target = write(tmp_path, "train.en", "Hello.\r\nOne two.\r\n")
    data = read_parallel(source, target_path=target)
    assert data.report.format == "text"
    assert data.report.target_path == str(target)
    assert data.pairs == [("Hallo.", "Hello."), ("Eins\tzwei.", "One two.")]


def test_text_mismatched_line_counts(tmp_path):
    """Files of different lengths pair up to the shorter one and report "mismatch"."""
    source = write(tmp_path, "s.txt", "A.\nB.\nC.\nD.\n")
    target = write(tmp_path, "t.txt", "a.\nb.\n")
    data = read_parallel(source, target_path=target, format="text")
    assert data.pairs == [("A.", "a."), ("B.", "b.")]
    mismatch = problem(data, "mismatch")
    assert mismatch.line == 3
    assert "4 lines" in mismatch.message and "only 2" in mismatch.message
    assert data.report.total_lines == 4


def test_text_problems_name_the_file(tmp_path):
    """A decoding problem in the target file says it is in the target file."""
    source = write(tmp_path, "s.txt", "A.\nB.\n")
    target = write(tmp_path, "t.txt", b"a.\n\xffb.\n")
    data = read_parallel(source, target_path=target)
    assert data.pairs == [("A.", "a.")]
    assert problem(data, "encoding").message.startswith("target file:")


def test_text_without_target_file(tmp_path):
    """A single plain-text file cannot be read alone: DataError asks for the target file."""
    path = write(tmp_path, "notes.txt", "Just sentences.\nNo tabs here.\n")
    assert detect_format(path) == "text"
    with pytest.raises(DataError, match="target file"):
        read_parallel(path)


# --- TMX ---------------------------------------------------------------------------


def tmx(body: str, header: str = '<header srclang="de-DE" segtype="sentence"/>') -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">{header}<body>{body}</body></tmx>\n'


def tu(*variants: tuple[str, str], attribute: str = "xml:lang") -> str:
    inner = "".join(f'<tuv {attribute}="{lang}"><seg>{text}</seg></tuv>' for lang, text in variants)
    return f"<tu>{inner}</tu>"


def test_tmx_languages_by_prefix_and_case(tmp_path):
    """TMX languages match case-insensitively and "de" matches "de-DE"."""
    body = tu(("de-DE", "Hallo."), ("EN-us", "Hello.")) + tu(("en-US", "Yes."), ("de-DE", "Ja."))
    path = write(tmp_path, "a.tmx", tmx(body))
    data = read_parallel(path, source_lang="en", target_lang="de")
    assert data.pairs == [("Hello.", "Hallo."), ("Yes.", "Ja.")]
    assert data.report.format == "tmx"
    assert data.report.total_lines == 2
    assert data.report.notes == []


def test_tmx_chooses_languages_and_says_so(tmp_path):
    """Without languages given, the header's srclang and the first other language are used."""
    body = tu(("en", "Hello."), ("fr", "Bonjour."), ("de-DE", "Hallo."))
    data = read_parallel(write(tmp_path, "a.tmx", tmx(body)))
    assert data.pairs == [("Hallo.", "Hello.")]
    assert any("'de-DE' as source and 'en' as target" in note for note in data.report.notes)
    assert any("not used: fr" in note for note in data.report.notes)


def test_tmx_old_lang_attribute_and_inline_markup(tmp_path):
    """The TMX 1.1 lang attribute works; inline codes are dropped and <hi> text kept."""
    seg = 'Klicken Sie <bpt i="1">&lt;b&gt;</bpt>hier<ept i="1">&lt;/b&gt;</ept> <hi>jetzt</hi>.'
    body = tu(("DE", seg), ("EN", "Click <ph>{1}</ph>here\n   now."), attribute="lang")
    data = read_parallel(write(tmp_path, "a.tmx", tmx(body, header="")), source_lang="de")
    assert data.pairs == [("Klicken Sie hier jetzt.", "Click here now.")]


def test_tmx_missing_variant_names_the_unit(tmp_path):
    """A unit without the requested language is skipped, its message naming the unit."""
    body = tu(("de", "Eins."), ("en", "One.")) + tu(("de", "Zwei."), ("fr", "Deux."))
    data = read_parallel(write(tmp_path, "a.tmx", tmx(body)), source_lang="de", target_lang="en")
    assert data.pairs == [("Eins.", "One.")]
    missing = problem(data, "tmx")
    assert missing.line == 2
    assert missing.message.startswith("translation unit 2: no 'en' variant")
    assert str(missing) == missing.message


def test_tmx_doctype_is_refused(tmp_path):
    """A TMX file with a DOCTYPE (entity declarations) is refused with a clear error."""
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        '<tmx><body><tu><tuv xml:lang="de"><seg>&b;</seg></tuv><tuv xml:lang="en"><seg>x</seg>'
        "</tuv></tu></body></tmx>"
    )
    with pytest.raises(DataError, match="DOCTYPE"):
        read_parallel(write(tmp_path, "a.tmx", laughs))


def test_tmx_cut_off_keeps_complete_units(tmp_path):
    """A TMX file cut off mid-unit keeps the complete units and reports "truncated"."""
    body = tu(("de", "Eins."), ("en", "One.")) + tu(("de", "Zwei."), ("en", "Two."))
    text = tmx(body)
    cut = text[: text.index("Two.")]
    data = read_parallel(write(tmp_path, "a.tmx", cut), source_lang="de", target_lang="en")
    assert data.pairs == [("Eins.", "One.")]
    truncated = problem(data, "truncated")
    assert truncated.line == 2
    assert truncated.message.startswith("translation unit 2:")


def test_tmx_not_xml(tmp_path):
    """A .tmx file that is not XML raises DataError with the XML line number."""
    with pytest.raises(DataError, match="not a well-formed") as caught:
        read_parallel(write(tmp_path, "a.tmx", "<tmx>\n<body>\n<tu></body>"))
    assert caught.value.line == 3


def test_tmx_utf16(tmp_path):
    """A UTF-16 TMX file (as translation tools write them) is read."""
    text = tmx(tu(("de", "Grüß dich."), ("en", "Hi."))).replace("UTF-8", "UTF-16")
    data = read_parallel(write(tmp_path, "a.tmx", text.encode("utf-16")))
    assert data.pairs == [("Grüß dich.", "Hi.")]
    assert data.report.encoding == "utf-16"


# --- format detection, report, statistics --------------------------------------------


def test_detect_format(tmp_path):
    """Formats come from the extension, or from the content for other files."""
    assert detect_format(write(tmp_path, "a.tsv", "x")) == "tsv"
    assert detect_format(write(tmp_path, "a.CSV", "x")) == "csv"
    assert detect_format(write(tmp_path, "a.tmx", "x")) == "tmx"
    assert detect_format(write(tmp_path, "deu.txt", "Geh.\tGo.\tCC\nLauf!\tRun!\tCC\n")) == "tsv"
    assert detect_format(write(tmp_path, "memory.xml", tmx(""))) == "tmx"
    assert detect_format(write(tmp_path, "pairs.dat", '"a, b",c\n"d",e\n')) == "csv"
    assert (
        detect_format(write(tmp_path, "train.de", "Ein Satz, mit Komma.\nNoch einer.\n")) == "text"
    )
    with pytest.raises(DataError, match="no such file"):
        detect_format(tmp_path / "missing.tsv")


def test_report_counts_summary_and_dict(tmp_path):
    """The report counts problems per kind, prints them and converts to JSON."""
    text = "A.\tB.\nA.\tB.\n\nonly\nC.\tD.\n"
    report = read_parallel(write(tmp_path, "a.tsv", text)).report
    assert isinstance(report, Report)
    assert report.counts() == {"columns": 1, "duplicate": 1, "empty": 1}
    summary = report.summary(max_problems=2)
    assert "lines read: 5" in summary
    assert "sentence pairs kept: 2" in summary
    assert "line 2: same pair as line 1" in summary
    assert "... and 1 more" in summary
    data = json.loads(json.dumps(report.to_dict()))
    assert data["pairs_kept"] == 2 and data["usable"] is True
    assert data["problems"][0] == {
        "line": 2,
        "kind": "duplicate",
        "message": data["problems"][0]["message"],
    }


def test_report_caps_stored_problems(tmp_path):
    """Only the first problems of a kind are stored, but counts() counts them all."""
    blank = MAX_PROBLEMS_PER_KIND + 5
    data = read_parallel(write(tmp_path, "a.tsv", "\n" * blank + "A.\tB.\n"))
    assert data.report.counts() == {"empty": blank}
    assert len(data.report.problems) == MAX_PROBLEMS_PER_KIND
    assert data.report.omitted == {"empty": 5}
    assert f"... and {5:,} more" in data.report.summary(max_problems=MAX_PROBLEMS_PER_KIND)


def test_length_stats():
    """Word statistics give mean, nearest-rank 95th percentile and maximum per side."""
    pairs = [(" ".join(["w"] * n), "x") for n in range(1, 21)]
    stats = length_stats(pairs)
    assert stats["source"] == {"mean": 10.5, "p95": 19, "max": 20}
    assert stats["target"] == {"mean": 1.0, "p95": 1, "max": 1}


@pytest.mark.skipif(not (SHARED / "tatoeba_deu_eng/train.tsv").exists(), reason="corpus absent")
def test_real_tatoeba_corpus_is_fast():
    """The 49k-line Tatoeba corpus reads completely in well under a second."""
    start = time.perf_counter()
    data = read_parallel(SHARED / "tatoeba_deu_eng/train.tsv")
    elapsed = time.perf_counter() - start
    assert data.report.total_lines == 49001
    assert data.report.pairs_kept == 49001
    assert elapsed < 1.0


def test_nothing_usable_error_carries_the_full_report(tmp_path):
    """A file with no usable pair raises DataError holding every problem, not just the first."""
    from keras_attn.data import read_parallel
    from keras_attn.errors import DataError

    path = tmp_path / "one_column.tsv"
    path.write_text("".join(f"only one column {i}\n" for i in range(10)), encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_parallel(path)
    report = info.value.report
    assert report is not None and report.pairs_kept == 0
    assert len(report.problems) == 10 and report.problems[-1].line == 10
