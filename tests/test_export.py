"""Tests of keras_attn.export and ``keras-attn export``: a SavedModel that translates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from keras_attn import export as export_lib
from keras_attn.cli import main
from keras_attn.config import preset
from keras_attn.errors import ModelFileError
from keras_attn.export import (
    CJK_RANGES,
    PYTHON_WHITESPACE,
    decode_in_graph,
    export,
    folder_size,
)
from keras_attn.saving import save_model
from keras_attn.text import TextEncoder
from keras_attn.text.detokenize import is_cjk
from keras_attn.training import build_model

# Loads the export with TensorFlow and tensorflow-text only; prints results as JSON.
LOADER = textwrap.dedent("""
    import json, sys
    import tensorflow as tf
    import tensorflow_text  # noqa: F401
    directory, sentences = sys.argv[1], json.loads(sys.argv[2])
    loaded = tf.saved_model.load(directory)
    out = loaded.signatures["serving_default"](sentences=tf.constant(sentences))
    again = loaded.translate(tf.constant(sentences))
    empty = loaded.translate(tf.constant([], tf.string))
    print(json.dumps({
        "translations": [s.decode("utf-8") for s in out["translations"].numpy()],
        "method": [s.decode("utf-8") for s in again["translations"].numpy()],
        "tokens": out["tokens"].numpy().tolist(),
        "attention": out["attention"].numpy().tolist(),
        "dtypes": {k: v.dtype.name for k, v in out.items()},
        "empty": {k: v.shape.as_list() for k, v in empty.items()},
        "keras_attn_loaded": "keras_attn" in sys.modules,
    }))
""")

UNKNOWN = "a zz b qq Wörter , c"
TOO_LONG = " ".join(["a", "b", "c", "d"] * 12)  # 48 words, max_length is 30

# Tokens that exercise every spacing rule of detokenize.
RULE_TOKENS = [
    '"',
    "'",
    "“",
    "”",
    "‘",
    "’",
    "„",
    "‚",
    ".",
    ",",
    "!",
    "?",
    "%",
    ")",
    "]",
    "»",
    "(",
    "[",
    "«",
    "¿",
    "¡",
    "。",
    "，",
    "「",
    "」",
    "我",
    "爱",
    "ア",
    "한",
    "ㄱ",
    "boys",
    "Is",
    "es",
    "the",
    "a",
    "##",
    "##s",
    "##er",
    "##。",
    "x##y",
]


def _vocabulary(tokens):
    return ["[PAD]", "[UNK]", "[START]", "[END]"] + list(dict.fromkeys(tokens))


def _random_ids(encoder, rng, rows=400, width=24):
    """Id rows over the whole vocabulary, with a few [END]s, [PAD]s and [START]s."""
    ids = rng.integers(4, encoder.vocab_size, size=(rows, width))
    specials = rng.random(ids.shape) < 0.06
    ids[specials] = rng.integers(0, 4, size=int(specials.sum()))
    return ids.astype(np.int32)


def _assert_same_decoding(encoder, ids):
    got = [s.decode("utf-8") for s in decode_in_graph(encoder, ids).numpy().tolist()]
    assert got == encoder.decode(ids)


@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory):
    """The trained model exported once, and what a process without keras_attn gets from it:
    `(model, directory, sentences, results)`."""
    result, held_out = trained
    model = result.model
    directory = tmp_path_factory.mktemp("export") / "translator"
    export(model, directory)
    sentences = [source for source, _ in held_out[:24]] + [UNKNOWN, TOO_LONG]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(directory), json.dumps(sentences)],
        capture_output=True,
        text=True,
        cwd=directory.parent,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return model, directory, sentences, json.loads(done.stdout.strip().splitlines()[-1])


def test_export_loads_without_keras_attn_and_translates_the_same(exported):
    """Loaded with TensorFlow alone, the export gives the .keras model's translations."""
    model, directory, sentences, results = exported
    assert not results["keras_attn_loaded"]
    assert results["dtypes"] == {
        "translations": "string",
        "tokens": "int32",
        "attention": "float32",
    }
    expected = model.translate(sentences)
    assert results["translations"] == expected
    assert results["method"] == expected
    assert results["empty"] == {"translations": [0], "tokens": [0, 0], "attention": [0, 0, 0]}
    assert len(model.source_text.encode([TOO_LONG])[0]) == model.config.source.max_length
    tokens, weights, _ = model.greedy(model.source_ids(sentences))
    np.testing.assert_array_equal(np.array(results["tokens"]), tokens.numpy())
    np.testing.assert_allclose(np.array(results["attention"]), weights.numpy(), atol=1e-5)
    info = json.loads((directory / "keras_attn.json").read_text(encoding="utf-8"))
    assert info["target"]["vocab_size"] == model.target_text.vocab_size
    assert info["config"] == model.config.to_dict()


def test_exported_attention_rows_sum_to_one_over_real_source_tokens(exported):
    """Each output token's attention sums to 1 over the sentence's tokens, 0 on padding."""
    model, _, sentences, results = exported
    source_ids = model.source_ids(sentences).numpy()
    tokens = np.array(results["tokens"])
    attention = np.array(results["attention"])
    assert attention.shape == tokens.shape + (source_ids.shape[1],)
    for row in range(len(sentences)):
        real = source_ids[row] != 0
        produced = tokens[row] != 0
        assert produced.any()
        np.testing.assert_allclose(attention[row][produced][:, real].sum(-1), 1.0, atol=1e-4)
        np.testing.assert_allclose(attention[row][:, ~real], 0.0, atol=1e-6)
        np.testing.assert_allclose(attention[row][~produced], 0.0, atol=1e-6)


def test_cli_refuses_existing_folder_and_overwrites_on_request(trained, tmp_path, capsys):
    """`keras-attn export` refuses a non-empty folder; with --overwrite it replaces it."""
    model_path = save_model(trained[0].model, tmp_path / "model.keras")
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["export", str(model_path), str(target)]) == 1
    err = capsys.readouterr().err
    assert "exists and is not empty" in err and "--overwrite" in err
    assert (target / "keep.txt").read_text(encoding="utf-8") == "mine"

    assert main(["export", str(model_path), str(target), "--overwrite"]) == 0
    out = capsys.readouterr().out
    assert "serving_default" in out and "sentences" in out and "translations" in out
    assert "tf.saved_model.load(" in out and "import tensorflow_text" in out
    assert not (target / "keep.txt").exists()
    assert (target / "saved_model.pb").is_file() and (target / "keras_attn.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras", "out"]
    assert folder_size(target) < 5_000_000


def test_failed_export_leaves_nothing_behind(trained, tmp_path, monkeypatch):
    """A failure while writing leaves no half-written folder and keeps an old export."""

    def fail(model):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_lib, "_archive", fail)
    with pytest.raises(ModelFileError, match="could not export"):
        export(trained[0].model, tmp_path / "new")
    old = tmp_path / "old"
    old.mkdir()
    (old / "saved_model.pb").write_bytes(b"old")
    with pytest.raises(ModelFileError):
        export(trained[0].model, old, overwrite=True)
    assert (old / "saved_model.pb").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]
    with pytest.raises(ModelFileError, match="not empty"):
        export(trained[0].model, old)

    monkeypatch.undo()
    replace = os.replace

    def replace_failing_at_the_end(source, destination):
        if str(source).endswith(".tmp"):
            raise OSError(5, "Input/output error")
        replace(source, destination)

    monkeypatch.setattr(os, "replace", replace_failing_at_the_end)
    with pytest.raises(ModelFileError, match="Input/output error"):
        export(trained[0].model, old, overwrite=True)
    assert (old / "saved_model.pb").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]


@pytest.mark.parametrize("tokenizer", ["subword", "char"])
def test_subword_and_char_exports_decode_like_python(tokenizer, tmp_path):
    """Subword and char models export; in-graph decoding equals TextEncoder.decode."""
    pairs = [
        ("Hallo, Welt! Wie geht's?", 'He said "hello" to the boys\' toys (really).'),
        ("Das Haus der Häuser.", "我爱你。 ok, „ja“ ‚nein‘ — 50 % ... ¿qué?"),
        ("Ich bin hier.", "The houses' doors [x] «hola» ’tis “quoted” 'no'"),
    ] * 3
    config = preset("tiny").replace(
        **{
            "source.tokenizer": tokenizer,
            "target.tokenizer": tokenizer,
            "model.units": 16,
            "model.embedding_dim": 8,
            "model.attention_units": 8,
        }
    )
    model = build_model(config, pairs)
    sentences = [s for s, _ in pairs[:3]] + ["Völlig unbekannte Wörter ~", TOO_LONG]
    directory, _ = export(model, tmp_path / tokenizer)
    loaded = tf.saved_model.load(str(directory))
    out = loaded.signatures["serving_default"](sentences=tf.constant(sentences))
    tokens = out["tokens"].numpy()
    assert (
        [s.decode("utf-8") for s in out["translations"].numpy()]
        == model.target_text.decode(tokens)
        == model.translate(sentences)
    )
    _assert_same_decoding(model.target_text, tokens)
    _assert_same_decoding(
        model.target_text, _random_ids(model.target_text, np.random.default_rng(1))
    )


@pytest.mark.parametrize("tokenizer", ["word", "subword", "char"])
def test_graph_detokenization_follows_every_spacing_rule(tokenizer):
    """Random sequences of quotes, marks, CJK and pieces decode as in Python."""
    tokens = RULE_TOKENS + (["▁", "s", "b", " "] if tokenizer == "char" else [])
    encoder = TextEncoder(_vocabulary(tokens), tokenizer=tokenizer)
    rng = np.random.default_rng(7)
    _assert_same_decoding(encoder, _random_ids(encoder, rng, rows=1500, width=12))
    _assert_same_decoding(encoder, np.zeros((2, 0), np.int32))
    _assert_same_decoding(encoder, [[3, 5, 6], [2, 0, 3]])


def test_character_classes_match_python():
    """The whitespace and CJK classes of the graph agree with str.split and is_cjk."""
    assert set(PYTHON_WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    in_graph = {c for a, b in CJK_RANGES for c in range(a, b + 1)}
    assert in_graph == {c for c in range(0x40000) if is_cjk(chr(c))}
