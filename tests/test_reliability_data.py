"""Reliability of the data readers on odd but well-formed files.

Every file here gives sentence pairs or a DataError naming the file (and the line when
there is one), within a few seconds; never another exception. Arbitrary bytes are the
business of tests/test_data_properties.py; these are the big and strange files people
really have: megabyte lines, NUL bytes, mixed encodings, byte order marks, old Mac line
endings, header-only, one-column and very wide files.
"""

from __future__ import annotations

import codecs
import time

import pytest

from keras_attn.data import read_parallel
from keras_attn.errors import DataError

#: No read may take longer than this.
SECONDS = 5.0
GOOD = "Hallo.\tHello.\nJa.\tYes.\n"


def timed_read(path, **options):
    """`(ParallelData, None)` or `(None, DataError)` from read_parallel, checked to be quick
    and, for an error, to name the file without being an unforeseen failure in disguise."""
    start = time.perf_counter()
    try:
        data, error = read_parallel(path, **options), None
    except DataError as raised:
        data, error = None, raised
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS, f"reading {path} took {elapsed:.1f} s"
    if error is not None:
        assert str(path) in str(error), error
        assert "could not be read" not in str(error), f"an unforeseen error was wrapped: {error}"
    return data, error


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


WIDE_ROW = "\t".join(f"w{i}" for i in range(5000))

# (id, file name, content, read options, expected pairs or None, error pattern, error line)
CASES = [
    ("huge_line_tsv", "a.tsv", GOOD + "x" * 2_000_000 + "\ty\nNein.\tNo.\n", {},
     [("Hallo.", "Hello."), ("Ja.", "Yes."), ("Nein.", "No.")], None, None),
    ("huge_line_both_sides", "a.tsv", GOOD + "x" * 1_000_000 + "\t" + "y" * 1_000_000 + "\n",
     {}, [("Hallo.", "Hello."), ("Ja.", "Yes.")], None, None),
    ("huge_line_tmx", "a.tmx",
     '<tmx version="1.4"><header srclang="de"/><body><tu><tuv xml:lang="de"><seg>'
     + "x" * 2_000_000 + '</seg></tuv><tuv xml:lang="en"><seg>y</seg></tuv></tu>'
     '<tu><tuv xml:lang="de"><seg>Ja.</seg></tuv><tuv xml:lang="en"><seg>Yes.</seg></tuv>'
     "</tu></body></tmx>", {}, [("Ja.", "Yes.")], None, None),
    ("1mb_no_newline_tsv", "a.tsv", "x" * 1_000_000, {}, None, "expected at least 2", 1),
    ("1mb_no_newline_with_tab", "a.tsv", "x" * 500_000 + "\t" + "y" * 500_000, {}, None,
     "500,000 characters", 1),
    ("1mb_no_newline_csv", "a.csv", "x" * 1_000_000, {}, None, "line 1", 1),
    ("1mb_quote_never_closed_csv", "a.csv", '"' + "x" * 1_000_000, {}, None, "line 1", 1),
    ("1mb_no_newline_unknown_kind", "a.dat", "w " * 500_000, {}, None, "one side only", None),
    ("good_lines_after_200kb_csv_field", "a.csv",
     "Hallo.,Hello.\n" + "x" * 200_000 + ",y\nJa.,Yes.\n", {"header": False},
     [("Hallo.", "Hello."), ("Ja.", "Yes.")], None, None),
    ("only_nul_bytes", "a.tsv", b"\x00" * 1000, {}, None, "NUL", 1),
    ("nul_bytes_in_some_lines", "a.tsv",
     b"Hallo.\tHello.\n\x00\x00\tx\nJa.\x00\tYes.\nNein.\tNo.\n", {},
     [("Hallo.", "Hello."), ("Nein.", "No.")], None, None),
    ("utf8_and_latin1_lines", "a.tsv",
     "Grüße.\tGreetings.\n".encode() + "Café.\tCoffee shop.\n".encode("latin-1")
     + "Tschüs.\tBye.\n".encode(), {},
     [("Grüße.", "Greetings."), ("Tschüs.", "Bye.")], None, None),
    ("utf8_and_latin1_read_as_latin1", "a.tsv",
     "Grüße.\tGreetings.\n".encode() + "Café.\tCoffee shop.\n".encode("latin-1"),
     {"encoding": "latin-1"},
     [("Grüße.".encode().decode("latin-1"), "Greetings."), ("Café.", "Coffee shop.")],
     None, None),
    ("utf8_bom_csv_with_header", "a.csv",
     codecs.BOM_UTF8 + b"source,target\nHallo.,Hello.\n", {},
     [("Hallo.", "Hello.")], None, None),
    ("utf16_csv_read_as_utf8", "a.csv", "Hallo.,Hello.\n".encode("utf-16"), {}, None,
     "UTF-16 byte order mark; read it with encoding 'utf-16'", 1),
    ("utf16_csv", "a.csv", "Hallo.,Hello.\nJa.,Yes.\n".encode("utf-16"),
     {"encoding": "utf-16", "header": False}, [("Hallo.", "Hello."), ("Ja.", "Yes.")],
     None, None),
    ("utf16_big_endian_tsv", "a.tsv", codecs.BOM_UTF16_BE + GOOD.encode("utf-16-be"),
     {"encoding": "utf-16"}, [("Hallo.", "Hello."), ("Ja.", "Yes.")], None, None),
    ("utf32_tsv_read_as_utf8", "a.tsv", GOOD.encode("utf-32"), {}, None,
     "UTF-32 byte order mark; read it with encoding 'utf-32'", 1),
    ("utf32_tsv", "a.tsv", GOOD.encode("utf-32"), {"encoding": "utf-32"},
     [("Hallo.", "Hello."), ("Ja.", "Yes.")], None, None),
    ("header_only_csv", "a.csv", "source,target\n", {}, None, "column names", 1),
    ("header_and_blank_lines_tsv", "a.tsv", "English\tDeutsch\n\n\n  \n", {}, None,
     "column names", 1),
    ("tmx_header_without_units", "a.tmx",
     '<?xml version="1.0"?><tmx version="1.4"><header srclang="de"/><body></body></tmx>',
     {}, None, "no <tu> translation units", None),
    ("one_column_csv", "a.csv", "Hallo.\nJa.\nNein.\n", {}, None, "found 1", 1),
    ("one_column_unknown_kind", "a.dat", "Hallo.\nJa.\n", {}, None, "one side only", None),
    ("5000_columns_tsv", "a.tsv", WIDE_ROW + "\n" + WIDE_ROW.replace("w", "v") + "\n",
     {"header": False}, [("w0", "w1"), ("v0", "v1")], None, None),
    ("5000_columns_csv", "a.csv", WIDE_ROW.replace("\t", ",") + "\n"
     + WIDE_ROW.replace("\t", ",").replace("w", "v") + "\n", {"header": False},
     [("w0", "w1"), ("v0", "v1")], None, None),
    ("one_5000_column_row_among_pairs", "a.tsv", GOOD + WIDE_ROW + "\nNein.\tNo.\n", {},
     [("Hallo.", "Hello."), ("Ja.", "Yes."), ("w0", "w1"), ("Nein.", "No.")], None, None),
    ("200k_blank_lines", "a.tsv", "\n" * 200_000, {}, None, "blank line", 1),
    ("cr_line_endings_tsv", "a.tsv", "Hallo.\tHello.\rJa.\tYes.\rNein.\tNo.\r", {},
     [("Hallo.", "Hello."), ("Ja.", "Yes."), ("Nein.", "No.")], None, None),
    ("cr_line_endings_csv", "a.csv", "source,target\rHallo.,Hello.\rJa.,Yes.\r", {},
     [("Hallo.", "Hello."), ("Ja.", "Yes.")], None, None),
    ("cr_line_endings_utf16", "a.tsv", GOOD.replace("\n", "\r").encode("utf-16"),
     {"encoding": "utf-16"}, [("Hallo.", "Hello."), ("Ja.", "Yes.")], None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "options", "pairs", "pattern", "line"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_odd_file_gives_pairs_or_data_error(tmp_path, name, content, options, pairs, pattern, line):
    """An odd but well-formed file gives the expected pairs, or a DataError naming it."""
    path = write(tmp_path, name, content)
    data, error = timed_read(path, **options)
    if pairs is None:
        assert error is not None, f"expected a DataError, got {data.pairs[:3]}"
        assert pattern in str(error), str(error)
        assert error.line == line
        assert error.path == str(path)
    else:
        assert error is None, str(error)
        assert data.pairs == pairs
        assert all(1 <= problem.line <= data.report.total_lines for problem in data.report.problems)


def test_huge_line_is_reported_on_its_line(tmp_path):
    """A 2 MB line is skipped as too long, reported on its own line number."""
    path = write(tmp_path, "a.tsv", GOOD + "x" * 2_000_000 + "\ty\nNein.\tNo.\n")
    data, _ = timed_read(path)
    (problem,) = data.report.problems
    assert (problem.line, problem.kind) == (3, "too_long")
    assert "2,000,000 characters" in problem.message


def test_mixed_encodings_name_the_line_and_suggest_one(tmp_path):
    """A Latin-1 line in a UTF-8 file is skipped on its line, with a hint to name the encoding."""
    content = (
        "Grüße.\tGreetings.\n".encode()
        + "Café.\tCoffee shop.\n".encode("latin-1")
        + "Tschüs.\tBye.\n".encode()
    )
    data, _ = timed_read(write(tmp_path, "a.tsv", content))
    (problem,) = data.report.problems
    assert (problem.line, problem.kind) == (2, "encoding")
    assert "0xe9" in problem.message
    assert any("latin-1" in note for note in data.report.notes)


def test_nul_bytes_are_reported_per_line(tmp_path):
    """Each line holding NUL bytes is reported as an encoding problem on its own line."""
    content = b"Hallo.\tHello.\n\x00\x00\tx\nJa.\x00\tYes.\nNein.\tNo.\n"
    data, _ = timed_read(write(tmp_path, "a.tsv", content))
    assert [(p.line, p.kind) for p in data.report.problems] == [(2, "encoding"), (3, "encoding")]


def test_cr_line_endings_are_read_as_lines_with_a_note(tmp_path):
    """Old Mac (CR-only) line endings split lines, with a note, in TSV and aligned text files."""
    data, _ = timed_read(write(tmp_path, "a.tsv", "Hallo.\tHello.\rJa.\tYes.\r"))
    assert data.report.total_lines == 2
    assert any("carriage return" in note for note in data.report.notes)
    source = write(tmp_path, "train.de", "Hallo.\rJa.\r")
    target = write(tmp_path, "train.en", "Hello.\nYes.\n")
    data, _ = timed_read(source, target_path=target)
    assert data.pairs == [("Hallo.", "Hello."), ("Ja.", "Yes.")]
    assert data.report.problems == []
    assert any(note.startswith("source file: ") for note in data.report.notes)


def test_aligned_files_with_huge_line_nul_and_bom(tmp_path):
    """Two aligned files with a 2 MB line, a NUL line and a UTF-8 BOM keep the good pairs."""
    source = write(tmp_path, "train.de", "Hallo.\n" + "x" * 2_000_000 + "\nJa.\nNein.\n")
    target = write(tmp_path, "train.en", codecs.BOM_UTF8 + b"Hello.\ny\nYes\x00.\nNo.\n")
    data, _ = timed_read(source, target_path=target)
    assert data.pairs == [("Hallo.", "Hello."), ("Nein.", "No.")]
    kinds = {(p.line, p.kind) for p in data.report.problems}
    assert kinds == {(2, "too_long"), (3, "encoding")}
    assert any("target file" in p.message for p in data.report.problems if p.kind == "encoding")


def test_wide_row_among_pairs_is_reported(tmp_path):
    """A 5000-column row among two-column rows is kept but reported as "columns"."""
    data, _ = timed_read(write(tmp_path, "a.tsv", GOOD + WIDE_ROW + "\nNein.\tNo.\n"))
    (problem,) = data.report.problems
    assert (problem.line, problem.kind) == (3, "columns")
    assert "5000 tab-separated columns" in problem.message


# -- CSV: a field over the csv module's limit --------------------------------------------------


def test_overlong_csv_field_is_reported_in_our_words(tmp_path):
    """A CSV field over 131,072 characters is skipped on its line with our own message."""
    path = tmp_path / "long.csv"
    path.write_text(
        'Hallo.,Hello.\n"' + "x" * 200_000 + '",y\nJa.,Yes.\n' + "z" * 200_000 + ",w\n",
        encoding="utf-8",
    )
    data = read_parallel(path, header=False)
    assert data.pairs == [("Hallo.", "Hello."), ("Ja.", "Yes.")]
    problems = [str(problem) for problem in data.report.problems]
    expected = (
        "a field has more than 131,072 characters, far more than a sentence (if it "
        "starts with a quote, the closing quote may be missing); record skipped"
    )
    assert problems == [f"line 2: {expected}", f"line 4: {expected}"]
    assert not any("field larger than field limit" in problem for problem in problems)


# -- TMX/XML with external entities ------------------------------------------------------------

UNIT = (
    '<tu><tuv xml:lang="de"><seg>Hallo &secret;</seg></tuv>'
    '<tuv xml:lang="en"><seg>Hello</seg></tuv></tu>'
)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE tmx [<!ENTITY secret SYSTEM "file://{secret}">]>',
        '<!DOCTYPE tmx [<!ENTITY % remote SYSTEM "file://{secret}"> %remote;]>',
        '<!DOCTYPE tmx SYSTEM "file://{secret}">',
        '<!DOCTYPE tmx PUBLIC "-//LISA OSCAR:1998//DTD for TMX//EN" "http://127.0.0.1:9/tmx14.dtd">',
    ],
    ids=["external_entity", "external_parameter_entity", "external_dtd", "remote_dtd"],
)
def test_tmx_with_external_entities_is_refused(tmp_path, doctype):
    """A TMX file declaring external entities or an external DTD is refused before any of
    them is read: nothing from the file they name reaches the pairs, nothing is fetched."""
    from keras_attn.data.tmx import tmx_languages

    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    path = tmp_path / "external.tmx"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + doctype.format(secret=secret)
        + '\n<tmx version="1.4"><header/><body>'
        + UNIT
        + "</body></tmx>\n",
        encoding="utf-8",
    )
    for read in (lambda: read_parallel(path), lambda: tmx_languages(path)):
        start = time.perf_counter()
        with pytest.raises(
            DataError, match="has a DOCTYPE declaration, which is refused for safety"
        ) as info:
            read()
        assert time.perf_counter() - start < 5
        assert str(path) in str(info.value) and "SECRET" not in str(info.value)


# -- found by bench/fuzz_scale.py (its seeds in the comments) -------------------------------

TMX_BODY = (
    '<tmx version="1.4"><header srclang="de"/><body><tu><tuv xml:lang="de"><seg>'
    'Grüße 猫</seg></tuv><tuv xml:lang="en"><seg>Greetings 😀</seg></tuv></tu>'
    "</body></tmx>\n"
)


@pytest.mark.parametrize(
    "encoding, declared",
    [
        ("utf-16-le", "utf-16-le"),  # file seeds 16, 105: no byte order mark, its name declared
        ("utf-16-be", "utf-16-be"),
        ("utf-32", "utf-32"),  # with a byte order mark
        ("utf-32-le", "utf-32"),
        ("shift_jis", "shift_jis"),
        ("utf-16-le", None),  # nothing declared: the first bytes tell
    ],
)
def test_tmx_in_encodings_expat_cannot_read(tmp_path, encoding, declared):
    """A TMX file in UTF-32, in UTF-16 named with its byte order, or in a multi-byte
    encoding such as Shift JIS is read (Python decodes it for the XML parser), by
    read_parallel and by the language scan; before, expat's ValueError "multi-byte
    encodings are not supported" escaped tmx_languages and was wrapped by read_parallel."""
    from keras_attn.data.tmx import tmx_languages

    body, pair = TMX_BODY, ("Grüße 猫", "Greetings 😀")
    if encoding == "shift_jis":  # (no umlaut, sharp s nor emoji in Shift JIS)
        body, pair = body.replace("Grüße", "Gruss").replace("😀", "!"), ("Gruss 猫", "Greetings !")
    text = (f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else "") + body
    path = write(tmp_path, "m.tmx", text.encode(encoding))
    data, error = timed_read(path)
    assert error is None, error
    assert data.pairs == [pair]
    assert tmx_languages(path) == ["de", "en"]


def test_tmx_given_an_encoding_expat_cannot_read(tmp_path):
    """`encoding="utf-16-le"` given for such a file (file seed 170): the pairs."""
    path = write(
        tmp_path,
        "m.tmx",
        ('<?xml version="1.0" encoding="utf-8"?>\n' + TMX_BODY).encode("utf-16-le"),
    )
    data, error = timed_read(path, encoding="utf-16-le")
    assert error is None, error
    assert data.pairs == [("Grüße 猫", "Greetings 😀")]


def test_tmx_declaring_an_unknown_encoding(tmp_path):
    """An XML declaration naming an encoding nobody knows: a DataError in our words (it
    was Python's LookupError, wrapped); the language scan finds no language."""
    from keras_attn.data.tmx import tmx_languages

    path = write(tmp_path, "m.tmx", '<?xml version="1.0" encoding="bogus"?>\n' + TMX_BODY)
    _, error = timed_read(path)
    assert str(error) == (
        f"{path}: the XML declaration names the encoding 'bogus', which is "
        "unknown; give the file's encoding (encoding=..., --encoding)"
    )
    assert tmx_languages(path) == []


def test_a_refused_cr_only_file_leaves_no_error_behind(tmp_path):
    """A UTF-16 file with old Mac line endings read as UTF-8 is refused; the line reader it
    left part-way used to print "Exception ignored ... I/O operation on closed file" when
    it was collected."""
    import gc
    import sys

    path = write(tmp_path, "a.tsv", "Hallo.\tHello.\rJa.\tYes.\r".encode("utf-16"))
    unraisable = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        _, error = timed_read(path)
        message = str(error)
        del error  # (its traceback holds the reader)
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert "UTF-16 byte order mark" in message
    assert unraisable == []
