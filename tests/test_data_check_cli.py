"""The ``keras-attn check`` command: exit codes and what it prints."""

from __future__ import annotations

import json

import pytest

from keras_attn.cli import main


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text(
        "source\ttarget\n"
        "Hallo Welt.\tHello world.\n"
        "Ich bin müde.\tI am tired.\n"
        "Hallo Welt.\tHello world.\n"
        "nur eine Spalte\n"
        "Danke!\tThank you!\n",
        encoding="utf-8",
    )
    return path


def test_check_prints_report(corpus, capsys):
    """A usable corpus exits 0 and prints counts, problems, statistics and examples."""
    assert main(["check", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert f"{corpus} (tsv, utf-8)" in out
    assert "lines read: 6" in out
    assert "sentence pairs kept: 3" in out
    assert "problems: 3 (columns 1, duplicate 1, header 1)" in out
    assert "line 4: same pair as line 2; skipped [duplicate]" in out
    assert "line 5: expected at least 2 tab-separated columns, found 1; skipped [columns]" in out
    assert "source: mean 2.0, 95th percentile 3, longest 3" in out
    assert "line 2: Hallo Welt." in out
    assert "-> Thank you!" in out


def test_check_show_limits_problems(corpus, capsys):
    """--show N lists at most N problems and says how many more there are."""
    assert main(["check", str(corpus), "--show", "1"]) == 0
    out = capsys.readouterr().out
    assert "line 1: first row looks like column names" in out
    assert "line 4:" not in out
    assert "... and 2 more" in out


def test_check_json(corpus, capsys):
    """--json prints the report with statistics and examples as JSON."""
    assert main(["check", str(corpus), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pairs_kept"] == 3
    assert result["total_lines"] == 6
    assert result["counts"] == {"columns": 1, "duplicate": 1, "header": 1}
    assert result["stats"]["words"]["target"]["max"] == 3
    assert result["examples"][0] == {"line": 2, "source": "Hallo Welt.", "target": "Hello world."}


def test_check_columns_are_numbered_from_one(corpus, capsys):
    """--source-column 2 --target-column 1 swaps the sides (columns count from 1)."""
    assert (
        main(["check", str(corpus), "--source-column", "2", "--target-column", "1", "--json"]) == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["examples"][0]["source"] == "Hello world."


def test_check_column_zero_is_rejected(corpus, capsys):
    """Column 0 is a usage error (exit 2), since columns count from 1."""
    with pytest.raises(SystemExit) as caught:
        main(["check", str(corpus), "--source-column", "0"])
    assert caught.value.code == 2
    assert "numbered from 1" in capsys.readouterr().err


def test_check_unusable_file_exits_1(tmp_path, capsys):
    """A file without usable pairs exits 1 with a one-line reason on stderr."""
    path = tmp_path / "bad.tsv"
    path.write_text("one side only\nand again\n", encoding="utf-8")
    assert main(["check", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err
    assert err.startswith(
        f"keras-attn check: error: {path}: no usable sentence pairs (2 lines read)"
    )
    assert "line 1: expected at least 2 tab-separated columns, found 1" in err


def test_check_missing_file_exits_1(tmp_path, capsys):
    """A missing file exits 1 and says so."""
    assert main(["check", str(tmp_path / "nope.tsv")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_check_two_files_and_options(tmp_path, capsys):
    """--target-file reads two aligned files; --no-header and --max-chars are passed on."""
    source = tmp_path / "train.de"
    target = tmp_path / "train.en"
    source.write_text("de\nEin sehr langer Satz.\nJa.\n", encoding="utf-8")
    target.write_text("en\nA very long sentence.\nYes.\n", encoding="utf-8")
    assert main(["check", str(source), "--target-file", str(target), "--max-chars", "10",
                 "--no-header", "--json"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "text"
    assert result["target_path"] == str(target)
    assert result["pairs_kept"] == 2
    assert result["counts"] == {"too_long": 1}


def test_check_tmx_language_options(tmp_path, capsys):
    """--source-lang/--target-lang choose TMX languages; lines become translation units."""
    path = tmp_path / "memory.tmx"
    path.write_text(
        '<tmx version="1.4"><header/><body>'
        '<tu><tuv xml:lang="en-GB"><seg>Hello.</seg></tuv><tuv xml:lang="de-DE"><seg>Hallo.</seg></tuv></tu>'
        "</body></tmx>",
        encoding="utf-8",
    )
    assert main(["check", str(path), "--source-lang", "de", "--target-lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "translation units read: 1" in out
    assert "translation unit 1: Hallo." in out
