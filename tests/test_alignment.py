"""Word alignments: Pharaoh files, attention to word links, AER, `evaluate --alignments`."""

import json
import math
import types
from pathlib import Path

import numpy as np
import pytest

from keras_attn.alignment import (
    GoldAlignment,
    alignment_counts,
    alignment_error_rate,
    attention_alignment,
    evaluate_alignments,
    forced_attention,
    parse_alignment,
    read_alignments,
    token_word_map,
    write_alignments,
)
from keras_attn.cli import main
from keras_attn.errors import ConfigurationError, DataError
from tests.helpers import write_tsv

ROOT = Path(__file__).resolve().parents[1]
TOY_MODEL = ROOT / "assets" / "models" / "toy_language.keras"
PAIRS = [
    ("the dog eats.", "wuna ta mika."),
    ("we walk.", "nami paso."),
    ("he sees her.", "sul vel vida."),
]


@pytest.fixture(scope="module")
def toy_model():
    """The bundled toy-language model (trained, Bahdanau attention)."""
    import keras_attn

    return keras_attn.load(TOY_MODEL)


@pytest.fixture(scope="module")
def toy_test():
    """Sixty generated toy-language pairs (not the training seed) with gold alignments."""
    from keras_attn.datasets import generate_aligned

    return generate_aligned("toy_language", count=60, seed=424242)


# --- Reading Pharaoh files ----------------------------------------------------------------


def test_reads_sure_and_possible_links_in_every_spelling(tmp_path):
    """i-j is sure, i?j and ipj possible; P holds S; blank line, BOM and CRLF are fine."""
    path = tmp_path / "gold.align"
    path.write_bytes("\ufeff1-0 0-1 2?2\r\n\n0p0 1-1 0-0\n".encode())
    gold = read_alignments(path, PAIRS[:2] + [("a b c", "x y z")])
    assert len(gold) == 3
    assert gold[0].sure == {(1, 0), (0, 1)} and gold[0].possible == {(1, 0), (0, 1), (2, 2)}
    assert gold[1] == GoldAlignment()
    assert gold[2].sure == {(1, 1), (0, 0)} and gold[2].possible == {(0, 0), (1, 1)}
    # Written back: sure as i-j, possible-only as i?j, sorted.
    out = tmp_path / "out.align"
    write_alignments(out, gold + [{(2, 1)}])
    assert out.read_text() == "0-1 1-0 2?2\n\n0-0 1-1\n2-1\n"
    assert read_alignments(out)[3].sure == {(2, 1)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "0-0 1-1\n0-0 1x1\n0-0\n",
            r"gold\.align, line 2, column 5: '1x1' is not an alignment link",
        ),
        ("0-0 1-1\n0-0 -1-0\n0-0\n", r"line 2, column 5: '-1-0' is not"),
        (
            "0-0 1-1\n0-0 2-1\n0-0\n",
            r"line 2, column 5: source word 2 in '2-1' is out of range: "
            r"the source sentence of pair 2 has 2 word\(s\) \('we walk\.'\)",
        ),
        ("0-0\n0-0\n0-0 1-3\n", r"line 3, column 5: target word 3 in '1-3' is out of range"),
        ("0-0\n0-0\n", r"line 3: the file has 2 line\(s\) but the test data has 3 sentence pair"),
        ("0-0\n0-0\n0-0\n0-0\n", r"line 4: the file has 4 line\(s\) but the test data has 3"),
    ],
)
def test_a_gold_file_that_does_not_match_is_refused_with_line_and_column(tmp_path, text, message):
    """Malformed links, indices beyond the sentence and wrong line counts are refused."""
    path = tmp_path / "gold.align"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message) as caught:
        read_alignments(path, PAIRS)
    assert caught.value.line == int(message.split("line ")[1].split(",")[0].split(":")[0])


def test_unreadable_gold_files_are_refused(tmp_path):
    """A missing file, a directory and bytes that are not UTF-8 give clear errors."""
    with pytest.raises(DataError, match="no such alignment file"):
        read_alignments(tmp_path / "missing.align", PAIRS)
    with pytest.raises(DataError, match="is a directory"):
        read_alignments(tmp_path, PAIRS)
    bad = tmp_path / "bad.align"
    bad.write_bytes(b"0-0\n0-0 \xff\n0-0\n")
    with pytest.raises(DataError, match=r"line 2, column 5: not utf-8 text \(byte 0xff\)"):
        read_alignments(bad, PAIRS)


def test_gold_lines_follow_the_test_file_when_its_reader_skipped_lines(tmp_path):
    """A test file with a repeated pair and a header: the gold file has one line per line
    of the file (header left out) and each kept pair gets its own line's links."""
    from keras_attn.data import read_parallel

    test = tmp_path / "test.tsv"
    test.write_text(
        "source\ttarget\nthe dog eats.\twuna ta mika.\nwe walk.\tnami paso.\n"
        "the dog eats.\twuna ta mika.\nhe sees her.\tsul vel vida.\n",
        encoding="utf-8",
    )
    data = read_parallel(test)
    assert data.pairs == [PAIRS[0], PAIRS[1], PAIRS[2]]
    gold = tmp_path / "gold.align"
    gold.write_text("1-0 0-1 2-2\n0-0 1-1\n0-0\n0-0 1-2 2-1\n", encoding="utf-8")
    read = read_alignments(gold, data)
    assert [g.sure for g in read] == [
        {(1, 0), (0, 1), (2, 2)},
        {(0, 0), (1, 1)},
        {(0, 0), (1, 2), (2, 1)},
    ]
    # One line per kept pair is read as such too.
    gold.write_text("1-0\n0-0\n2-1\n", encoding="utf-8")
    assert [g.sure for g in read_alignments(gold, data)] == [{(1, 0)}, {(0, 0)}, {(2, 1)}]
    # Syntax is checked on the lines of skipped pairs as well.
    gold.write_text("1-0\n0-0\nzz\n0-0\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 3, column 1: 'zz'"):
        read_alignments(gold, data)


# --- Alignment error rate -----------------------------------------------------------------


def test_alignment_error_rate_by_hand():
    """Och and Ney's AER on small cases worked out by hand, and summed over a corpus."""
    sure, possible = {(0, 0), (1, 1)}, {(2, 1)}
    assert alignment_error_rate({(0, 0), (1, 1)}, sure, possible) == 0.0
    # A possible link costs nothing: (2 + 3) / (3 + 2) = 1.
    assert alignment_error_rate({(0, 0), (1, 1), (2, 1)}, sure, possible) == 0.0
    # One right, one wrong: 1 - (1 + 1) / (2 + 2) = 0.5.
    assert alignment_error_rate({(0, 0), (1, 0)}, sure, possible) == 0.5
    # A possible link only: 1 - (0 + 1) / (1 + 2).
    assert alignment_error_rate({(2, 1)}, sure, possible) == pytest.approx(2 / 3)
    assert alignment_error_rate(set(), sure, possible) == 1.0
    assert math.isnan(alignment_error_rate(set(), set(), set()))
    # Corpus: counts are summed, not AERs averaged: 1 - (1 + 1 + 0) / (1 + 1 + 3).
    corpus = alignment_error_rate(
        [{(0, 0)}, set()], [{(0, 0)}, {(0, 0), (1, 1), (2, 2)}], [set(), set()]
    )
    assert corpus == pytest.approx(1 - 2 / 5)
    counts = alignment_counts([{(0, 0), (5, 5)}], [{(0, 0)}], [{(5, 5)}])
    assert counts == {
        "predicted": 2,
        "sure": 1,
        "possible": 2,
        "sure_found": 1,
        "possible_found": 2,
    }
    with pytest.raises(ValueError, match="one of each per sentence"):
        alignment_error_rate([set()], [set(), set()], [set(), set()])


# --- From attention to word links ---------------------------------------------------------


def test_attention_to_word_links_sums_pieces_and_averages_target_tokens():
    """Source pieces of a word add up; target pieces average; [END] is nobody's word."""
    # Source "unhappy dog" as pieces un ##happy dog + [END]; target "x yz" as x y ##z + [END].
    source_map, target_map = [0, 0, 1], [0, 1, 1]
    weights = np.array(
        [
            [0.3, 0.3, 0.3, 0.1],  # x: 0.6 to "unhappy", 0.3 to "dog"
            [0.1, 0.1, 0.7, 0.1],  # y: 0.2 / 0.7
            [0.2, 0.3, 0.4, 0.1],  # ##z: 0.5 / 0.4 -> "yz" averages 0.35 / 0.55
            [0.0, 0.0, 0.1, 0.9],  # [END] step: no word
        ]
    )
    assert attention_alignment(weights, source_map, target_map) == {(0, 0), (1, 1)}
    assert attention_alignment(weights, source_map, target_map, "threshold", 0.3) == {
        (0, 0),
        (1, 0),
        (0, 1),
        (1, 1),
    }
    assert attention_alignment(weights, source_map, target_map, "threshold", 0.5) == {
        (0, 0),
        (1, 1),
    }
    # A target word that attends mostly to [END] gets no argmax link.
    lost = np.array([[0.1, 0.1, 0.1, 0.7], [0.0, 0.0, 0.9, 0.1], [0.0, 0.0, 0.9, 0.1]])
    assert attention_alignment(lost, source_map, target_map) == {(1, 1)}
    # All-zero weights (a model without attention) give no links at all.
    assert attention_alignment(np.zeros((4, 4)), source_map, target_map) == set()
    with pytest.raises(ValueError, match="mode"):
        attention_alignment(weights, source_map, target_map, mode="max")
    with pytest.raises(ValueError, match="threshold"):
        attention_alignment(weights, source_map, target_map, "threshold", 0.0)


def test_tokens_map_back_to_raw_words_for_every_tokenizer():
    """Word, WordPiece and character tokens are traced to whitespace-separated words;
    punctuation split off by normalization stays with its word; long input is cut."""
    from keras_attn.text import TextEncoder

    texts = ["The dog eats.", "Dogs eat apples, happily!"]
    word = TextEncoder.build(texts, tokenizer="word", max_length=50)
    assert token_word_map(word, texts) == [[0, 1, 2, 2], [0, 1, 2, 2, 3, 3]]
    char = TextEncoder.build(texts, tokenizer="char", max_length=9)
    # d o g ▁ e a t s ▁ . -> the ▁ between words is no word's, the one before "." is.
    assert token_word_map(char, ["dog eats."]) == [[0, 0, 0, None, 1, 1, 1, 1, 1]]
    sub = TextEncoder.build(texts * 20, tokenizer="subword", vocab_size=60, max_length=50)
    pieces = sub.tokens(["the happydog eats."])[0]
    assert pieces[0] == "the" and pieces[-2:] == ["eats", "."] and len(pieces) > 5
    assert token_word_map(sub, ["the happydog eats."]) == [[0] + [1] * (len(pieces) - 3) + [2, 2]]
    # An [UNK] word is one token of its word.
    assert token_word_map(sub, ["the ünhappy dog"]) == [[0, 1, 2]]


# --- A trained model ----------------------------------------------------------------------


def test_forced_attention_is_the_attention_of_decoding(toy_model):
    """Reading its own greedy output, the model attends exactly as when it produced it."""
    from keras_attn.evaluation import translate_batch

    sources = [s for s, _ in PAIRS]
    translations = [options[0] for options in translate_batch(toy_model, sources)]
    own = [(s, t.text) for s, t in zip(sources, translations, strict=True)]
    forced = forced_attention(toy_model, own, batch_size=2)
    for translation, weights in zip(translations, forced, strict=True):
        assert weights.shape == translation.weights.shape
        np.testing.assert_allclose(weights, translation.weights, atol=1e-5)


def test_a_trained_model_attends_to_the_gold_words(toy_model, toy_test):
    """The toy model's attention finds the generator's alignment (low AER); the same
    links scored against another sentence's gold alignment do badly."""
    pairs = [(s, t) for s, t, _ in toy_test]
    gold = [parse_alignment(line) for _, _, line in toy_test]
    result = evaluate_alignments(toy_model, pairs, gold)
    assert result.sentences == 60 and result.truncated == result.untraceable == 0
    assert result.aer < 0.1 and result.precision > 0.95 and result.recall > 0.85
    assert result.threshold_aer < 0.1 and result.threshold == 0.3
    assert result.aer == alignment_error_rate(
        result.argmax_links, [g.sure for g in gold], [g.possible for g in gold]
    )
    shifted = gold[1:] + gold[:1]
    wrong = alignment_error_rate(
        result.argmax_links, [g.sure for g in shifted], [g.possible for g in shifted]
    )
    assert wrong > 0.6
    summary = json.loads(json.dumps(result.to_dict(links=True)))
    assert summary["argmax"]["aer"] == result.aer and len(summary["argmax"]["links"]) == 60
    assert "AER (argmax)" in result.summary()


def test_a_model_without_attention_has_nothing_to_align(toy_test):
    """A classic encoder-decoder (has_attention False) is refused before any work."""
    classic = types.SimpleNamespace(has_attention=False)
    with pytest.raises(ConfigurationError, match="no attention"):
        evaluate_alignments(classic, [("a", "b")], [GoldAlignment()])


def test_evaluate_command_reports_the_alignment_error_rate(toy_model, toy_test, tmp_path, capsys):
    """`keras-attn evaluate MODEL TEST --alignments GOLD` prints AER next to BLEU; a gold
    file that does not match stops it with the line and column."""
    test = write_tsv(tmp_path / "test.tsv", [(s, t) for s, t, _ in toy_test])
    gold = tmp_path / "test.align"
    gold.write_text("".join(line + "\n" for _, _, line in toy_test), encoding="utf-8")
    assert (
        main(
            [
                "evaluate",
                str(TOY_MODEL),
                str(test),
                "--alignments",
                str(gold),
                "--limit",
                "20",
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["sentences"] == 20 and report["alignment"]["sentences"] == 20
    assert report["alignment"]["argmax"]["aer"] < 0.1
    assert (
        main(
            [
                "evaluate",
                str(TOY_MODEL),
                str(test),
                "--alignments",
                str(gold),
                "--alignment-threshold",
                "0.5",
                "--limit",
                "10",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "AER (argmax) = " in out and "AER (attention >= 0.5) = " in out
    lines = gold.read_text(encoding="utf-8").splitlines()
    lines[2] += " 99-0"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["evaluate", str(TOY_MODEL), str(test), "--alignments", str(gold)]) == 1
    error = capsys.readouterr().err
    assert f"{gold}, line 3, column {len(lines[2]) - 3}: source word 99" in error
