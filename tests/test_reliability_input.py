"""Odd sentences through Translator.translate, DecodingSession and `keras-attn translate`.

Whatever the text (empty, 10,000 characters, unknown words, control characters, right-to-
left scripts, emoji, NUL, lone surrogates), the outcome is a translation or a
TranslationError with a clear message (on the command line: exit status 1 and the message);
never another exception.
"""

from __future__ import annotations

import io
import os
import re
import sys

import pytest

from keras_attn.cli import main
from keras_attn.errors import TranslationError
from keras_attn.session import DecodingSession
from tests.helpers import reverse_pairs

LONG = ("a b c " * 1667)[:10_000]
TRANSLATION, ERROR, EITHER = "translation", "error", "either"

# (id, sentence, outcome of translate(), outcome of DecodingSession, error pattern)
CASES = [
    ("empty", "", ERROR, ERROR, "empty"),
    ("whitespace_only", " \t\n\u3000\u00a0 ", ERROR, ERROR, "empty"),
    ("10000_characters", LONG, TRANSLATION, TRANSLATION, None),
    ("one_10000_character_word", "x" * 10_000, TRANSLATION, TRANSLATION, None),
    ("unknown_words_only", "zzz qqq xyzzy", TRANSLATION, TRANSLATION, None),
    ("control_characters", "a\x01b\x1b[31mc\x7f d\x08", TRANSLATION, TRANSLATION, None),
    ("control_characters_only", "\x01\x02\x1b\x7f", ERROR, ERROR, "nothing to translate once normalized"),
    ("nul_inside", "a\x00b c", TRANSLATION, TRANSLATION, None),
    ("nul_only", "\x00\x00", ERROR, ERROR, "nothing to translate once normalized"),
    ("arabic", "مرحبا بالعالم", TRANSLATION, TRANSLATION, None),
    ("hebrew", "שלום עולם", TRANSLATION, TRANSLATION, None),
    ("direction_overrides", "\u202ea b c\u202c \u200f\u2067d\u2069", TRANSLATION, TRANSLATION,
     None),
    ("emoji", "👍🏽 🎉 👨‍👩‍👧 🇩🇪", TRANSLATION, TRANSLATION, None),
    ("zero_width_only", "\u200b\ufeff\u2060", ERROR, ERROR, "nothing to translate once normalized"),
    ("5000_combining_marks", "e" + "\u0301" * 5000 + " a", TRANSLATION, TRANSLATION, None),
    ("lone_high_surrogate", "\ud800", ERROR, ERROR, r"lone surrogate \(U\+D800\)"),
    ("lone_low_surrogate_in_text", "a \udcff b", ERROR, ERROR,
     r"character 3 is a lone surrogate \(U\+DCFF\)"),
]  # fmt: skip
IDS = [case[0] for case in CASES]


def outcome(call):
    """`("translation", value)` or `("error", message)`; any other exception fails the test."""
    try:
        return TRANSLATION, call()
    except TranslationError as error:
        assert str(error).strip(), "a TranslationError without a message"
        return ERROR, str(error)


def check(kind, expected, value, pattern):
    """Check an outcome against the expected one; returns its kind."""
    if expected != EITHER:
        assert kind == expected, value
    if kind == ERROR:
        assert re.search(pattern, value), value
    return kind


@pytest.fixture(scope="module")
def model():
    """A tiny untrained model with the reverse task's vocabularies: its translations are
    nonsense, but text goes through exactly the same steps as with a trained one."""
    from keras_attn.config import preset
    from keras_attn.training import build_model

    return build_model(preset("tiny"), reverse_pairs(400, seed=11))


@pytest.fixture(scope="module")
def model_file(model, tmp_path_factory):
    """The trained model saved to a .keras file."""
    import keras_attn

    return str(keras_attn.save(model, tmp_path_factory.mktemp("model") / "m.keras"))


@pytest.mark.parametrize(
    ("sentence", "expected", "pattern"), [(c[1], c[2], c[4]) for c in CASES], ids=IDS
)
def test_translate_gives_a_translation_or_translation_error(model, sentence, expected, pattern):
    """Translator.translate returns one string for the sentence, or a clear TranslationError."""
    kind, value = outcome(lambda: model.translate([sentence]))
    if check(kind, expected, value, pattern) == TRANSLATION:
        assert isinstance(value, list) and len(value) == 1 and isinstance(value[0], str)


@pytest.mark.parametrize(
    ("sentence", "expected", "pattern"), [(c[1], c[3], c[4]) for c in CASES], ids=IDS
)
def test_session_steps_to_the_end_or_gives_translation_error(model, sentence, expected, pattern):
    """DecodingSession.start and run_to_end decode the sentence, or raise TranslationError."""
    session = DecodingSession(model)

    def decode():
        source_tokens = session.start(sentence)
        return source_tokens, session.run_to_end()

    kind, value = outcome(decode)
    if check(kind, expected, value, pattern) == ERROR:
        return
    source_tokens, steps = value
    max_length = model.source_text.max_length
    assert 2 <= len(source_tokens) <= max_length + 1 and source_tokens[-1] == "[END]"
    assert steps and steps[-1].finished and len(steps) <= model.config.target.max_length + 1
    assert session.attention.shape == (len(steps), len(source_tokens))
    assert isinstance(session.translation, str)
    assert session.truncated == (session.token_count > max_length)


def test_session_says_when_a_long_sentence_is_cut(model):
    """A 10,000-character sentence is cut to the model's length, and the session says so."""
    session = DecodingSession(model)
    source_tokens = session.start(LONG)
    assert session.truncated
    assert session.token_count == len(LONG.split()) > model.source_text.max_length
    assert len(source_tokens) == model.source_text.max_length + 1


def test_long_sentence_is_translated_as_its_first_tokens(model):
    """A 10,000-character sentence translates exactly as its first max_length words do."""
    head = " ".join(LONG.split()[: model.source_text.max_length])
    assert model.translate([LONG]) == model.translate([head])


def test_translate_batch_of_all_odd_sentences(model):
    """All the translatable odd sentences in one batch give one string each, in order."""
    sentences = [c[1] for c in CASES if c[2] != ERROR]
    outputs = model.translate(sentences)
    assert len(outputs) == len(sentences) and all(isinstance(o, str) for o in outputs)
    assert outputs[sentences.index(LONG)] == model.translate([LONG])[0]


def test_cli_translates_odd_arguments_line_by_line(model, model_file, capsys):
    """The CLI prints one line per odd argument and notes the sentence cut to the model's length."""
    # A command line cannot hold NUL characters; those come from files (next test).
    sentences = [c[1] for c in CASES if c[2] != ERROR and "\x00" not in c[1]]
    sentences.insert(1, "")
    sentences.insert(3, "\x01\x02")  # nothing left once normalized: an empty line too
    assert main(["translate", model_file, *sentences]) == 0
    captured = capsys.readouterr()
    lines = captured.out.split("\n")
    assert lines[-1] == "" and len(lines) - 1 == len(sentences)
    assert lines[1] == lines[3] == ""
    assert (
        "note: sentence 4 has nothing to translate once normalized (only spaces, control "
        "characters or removed symbols); its output line is empty"
    ) in captured.err
    number = sentences.index(LONG) + 1
    assert (
        f"note: sentence {number} has {len(LONG.split())} tokens; the model reads only "
        f"the first {model.source_text.max_length}"
    ) in captured.err


def test_cli_input_file_with_odd_lines(model_file, tmp_path, capsys):
    """--input reads NUL, control, right-to-left and emoji lines and prints one line each."""
    lines = ["a b\x00c", "\x00", "\x01\x02", "مرحبا", "👍🏽 a", "", "שלום a b"]
    path = tmp_path / "in.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["translate", model_file, "--input", str(path)]) == 0
    assert len(capsys.readouterr().out.split("\n")) - 1 == len(lines)


def test_cli_refuses_an_undecodable_argument(model_file, capsys):
    """A non-UTF-8 argument (a lone surrogate in Python) gives exit status 1 and a message."""
    argument = os.fsdecode(b"caf\xe9 a b")
    assert argument == "caf\udce9 a b"
    assert main(["translate", model_file, "a b", argument]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "keras-attn translate: error: Sentence 2 is not valid text: "
        "character 4 is a lone surrogate (U+DCE9)"
    )


def test_cli_refuses_undecodable_standard_input(model_file, monkeypatch, capsys):
    """Bytes that are not UTF-8 on standard input end with exit status 1 and a message."""
    stdin = io.TextIOWrapper(io.BytesIO(b"a b\n\xff\xfe c\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["translate", model_file, "--input", "-"]) == 1
    assert "error: standard input: not UTF-8 text (invalid start byte)" in capsys.readouterr().err


def test_cli_refuses_an_input_file_that_is_not_utf8(model_file, tmp_path, capsys):
    """An --input file in Latin-1 ends with exit status 1 naming the file and the byte."""
    path = tmp_path / "latin1.txt"
    path.write_bytes("a b\ncafé\n".encode("latin-1"))
    assert main(["translate", model_file, "--input", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: not UTF-8 text" in err and "byte 7" in err


# -- one answer for "nothing to translate" ---------------------------------------------------

NOTHING = ["\x01\x02\x1b\x7f", "\x00\x00", "\u200b\ufeff\u2060"]


@pytest.mark.parametrize("sentence", NOTHING, ids=["control", "nul", "zero_width"])
def test_nothing_left_once_normalized_is_treated_as_an_empty_sentence(
    model, model_file, sentence, capsys
):
    """A sentence that normalization empties gets an empty sentence's answer everywhere:
    translate() and the session refuse it with one message, translate_batch and the CLI
    give it an empty translation (the CLI keeps its line, and says why)."""
    from keras_attn.evaluation import translate_batch

    message = (
        "has nothing to translate once normalized (only spaces, control characters "
        "or removed symbols)"
    )
    with pytest.raises(TranslationError, match=re.escape(f"Sentence 2 {message}.")):
        model.translate(["a b", sentence])
    with pytest.raises(TranslationError, match=re.escape(f"The sentence {message}.")):
        DecodingSession(model).start(sentence)
    for beam in (None, 3):
        results = translate_batch(model, ["a b", sentence, "", "c d"], beam=beam)
        assert [len(found) for found in results] == [1, 1, 1, 1]
        assert results[1][0].text == results[2][0].text == "" and results[1][0].token_ids == []
        assert results[3][0].text == translate_batch(model, ["c d"], beam=beam)[0][0].text
    assert main(["translate", model_file, "a b", sentence, "c d"]) == 0
    captured = capsys.readouterr()
    assert captured.out.split("\n")[1] == "" and len(captured.out.split("\n")) == 4
    assert f"note: sentence 2 {message}; its output line is empty" in captured.err
    assert main(["translate", model_file, sentence, "a b", "--n-best", "2", "--beam", "2"]) == 0
    assert [line.split(" ||| ")[0] for line in capsys.readouterr().out.splitlines()] == ["2", "2"]


@pytest.mark.parametrize(
    ("item", "pattern"),
    [
        (None, r"Sentence 2 is not text \(got NoneType\)"),
        (b"a b", r"Sentence 2 is not text \(got bytes\)"),
        (7, r"Sentence 2 is not text \(got int\)"),
        (
            "a \udcff b",
            r"Sentence 2 is not valid text: character 3 is a lone surrogate "
            r"\(U\+DCFF\)",
        ),
    ],
    ids=["none", "bytes", "int", "lone_surrogate"],
)
def test_translate_batch_checks_its_input(model, item, pattern):
    """translate_batch, called as a library, refuses what the other entry points refuse."""
    from keras_attn.evaluation import translate_batch

    with pytest.raises(TranslationError, match=pattern):
        translate_batch(model, ["a b", item])
    if not isinstance(item, str):
        with pytest.raises(TranslationError, match=pattern):
            model.translate(["a b", item])
