"""Tests of `keras-attn translate`: decoding options, attention files and error messages."""

import csv

import numpy as np
import pytest

from keras_attn.cli import main
from keras_attn.evaluation import translate_batch
from keras_attn.plotting import SHADES
from keras_attn.session import DecodingSession

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def model_file(trained, tmp_path_factory):
    """The trained model saved to a .keras file."""
    import keras_attn

    return str(keras_attn.save(trained[0].model, tmp_path_factory.mktemp("model") / "m.keras"))


@pytest.fixture(scope="module")
def sentences(trained):
    """Three held-out source sentences."""
    return [s for s, _ in trained[1][:3]]


def test_plain_translation(trained, model_file, sentences, capsys):
    """Sentences on the command line are translated greedily, one line each."""
    assert main(["translate", model_file, *sentences]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == trained[0].model.translate(sentences)


def test_beam_n_best_prints_sorted_alternatives(trained, model_file, sentences, capsys):
    """--beam 3 --n-best 2 prints two scored lines for the sentence, best first."""
    assert main(["translate", model_file, sentences[0], "--beam", "3", "--n-best", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    parts = [line.split(" ||| ") for line in lines]
    assert [p[0] for p in parts] == ["1", "1"]
    scores = [float(p[2]) for p in parts]
    assert scores[0] >= scores[1]
    expected = translate_batch(trained[0].model, [sentences[0]], beam=3, n_best=2)[0]
    assert [p[1] for p in parts] == [t.text for t in expected]
    assert scores == pytest.approx([t.score for t in expected], abs=1e-4)


def test_attention_png_and_csv_files(trained, model_file, sentences, tmp_path, capsys):
    """--attention writes a PNG for one sentence, numbered CSV files for several, holding the
    step-through decoding's weights."""
    png = tmp_path / "att.png"
    assert main(["translate", model_file, sentences[0], "--attention", str(png)]) == 0
    assert png.read_bytes()[:8] == PNG_SIGNATURE

    assert (
        main(["translate", model_file, *sentences[:2], "--attention", str(tmp_path / "att.csv")])
        == 0
    )
    assert not (tmp_path / "att.csv").exists()
    session = DecodingSession(trained[0].model)
    for number, sentence in enumerate(sentences[:2], start=1):
        with open(tmp_path / f"att-{number}.csv", encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
        source_tokens = session.start(sentence)
        session.run_to_end()
        assert rows[0] == ["output", *source_tokens]
        assert [row[0] for row in rows[1:]] == session.target_tokens
        numbers = np.array([[float(x) for x in row[1:]] for row in rows[1:]])
        np.testing.assert_allclose(numbers, session.attention, atol=1e-6)
    assert "att-2.csv" in capsys.readouterr().err


def test_show_attention_draws_a_heatmap(model_file, sentences, capsys):
    """--show-attention prints the translation, then a shaded heatmap with a row per token."""
    assert main(["translate", model_file, sentences[0], "--show-attention", "--beam", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    translation = lines[0]
    rows = [line for line in lines if "│" in line]
    assert len(rows) == len(translation.split()) + 1  # the words and [END]
    assert any(shade in out for shade in SHADES[2:])


def test_input_and_output_files_keep_empty_lines(trained, model_file, sentences, tmp_path, capsys):
    """--input/--output translate a file line by line; an empty line stays empty."""
    source = tmp_path / "in.txt"
    source.write_text(f"{sentences[0]}\n\n{sentences[1]}\n", encoding="utf-8")
    target = tmp_path / "out.txt"
    assert main(["translate", model_file, "--input", str(source), "--output", str(target)]) == 0
    expected = trained[0].model.translate(sentences[:2])
    assert target.read_text(encoding="utf-8").splitlines() == [expected[0], "", expected[1]]
    assert capsys.readouterr().out == ""


def test_long_input_gets_a_note(trained, model_file, capsys):
    """A sentence longer than the model reads is translated with a note naming its number,
    its token count and the limit."""
    limit = trained[0].model.source_text.max_length
    long_sentence = " ".join(["a", "b", "c"] * 12)
    assert main(["translate", model_file, "b c", long_sentence]) == 0
    err = capsys.readouterr().err
    assert f"sentence 2 has 36 tokens; the model reads only the first {limit}" in err
    assert "sentence 1" not in err


def test_sampling_with_a_seed_repeats(model_file, sentences, capsys):
    """Sampling with the same --seed prints the same output twice."""
    args = [
        "translate",
        model_file,
        *sentences,
        "--temperature",
        "1.5",
        "--top-k",
        "3",
        "--seed",
        "11",
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first and len(first.splitlines()) == len(sentences)


def test_errors_name_the_problem(model_file, tmp_path, capsys):
    """A corrupt model file exits with 1 naming the file; inconsistent options exit with 2."""
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"this is not a model")
    assert main(["translate", str(bad), "a b"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("keras-attn translate: error:") and "broken.keras" in err
    assert main(["translate", model_file, "a b", "--n-best", "2"]) == 2
    assert "--beam" in capsys.readouterr().err
    assert main(["translate", model_file, "a b", "--attention", str(tmp_path / "a.jpg")]) == 2
    assert ".png" in capsys.readouterr().err


def test_train_help_shows_defaults_only_where_an_option_has_one(capsys):
    """Options the preset or the data decide (unset: None) show no "(default: None)";
    those with a value of their own show it."""
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for unset in ("(default: None)", "(default: False)", "(default: [])"):
        assert unset not in text
    assert "text encoding (default: utf-8)" in text
    assert "--ema DECAY" in text and "chosen from the data" in text
