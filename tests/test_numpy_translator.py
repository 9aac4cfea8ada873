"""NumpyTranslator: a saved RNN model's greedy translation without TensorFlow gives the
tokens, log-probability and attention weights of the Keras model's greedy decoding."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import keras_attn
from keras_attn.demo import DEMOS, model_path
from keras_attn.errors import ModelFileError, TranslationError
from keras_attn.evaluation import translate_batch
from keras_attn.numpy_translator import NotSupported, NumpyTranslator
from keras_attn.saving import save_model
from keras_attn.training import build_model
from tests.conftest import TINY
from tests.helpers import reverse_pairs

ROOT = Path(__file__).resolve().parents[1]


def assert_same(path, sentences):
    """Greedy decoding of `sentences` by NumpyTranslator and by the loaded Keras model:
    the same tokens and text, and log-probabilities and weights equal to rounding."""
    quick = NumpyTranslator.load(path)
    model = keras_attn.load(path)
    expected = translate_batch(model, sentences, temperature=0.0)
    for sentence, (reference,) in zip(sentences, expected, strict=True):
        found = quick.translate(sentence)
        assert found.token_ids == reference.token_ids, sentence
        assert found.text == reference.text
        if reference.token_ids:
            assert found.log_prob == pytest.approx(reference.log_prob, abs=1e-4)
            np.testing.assert_allclose(found.weights, reference.weights, atol=1e-5)
    return quick


def demo_sentences(name, count=25):
    """The first `count` source sentences of a demo model's dataset."""
    card = json.loads(model_path(name).with_suffix(".json").read_text(encoding="utf-8"))
    dataset = ROOT / "assets" / "datasets" / Path(card["dataset"]).name
    if not dataset.is_file():
        dataset = ROOT / "assets" / "datasets" / "toy_language_long.test.tsv"
    lines = dataset.read_text(encoding="utf-8").splitlines()[:count]
    return [line.split("\t")[0] for line in lines]


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_every_bundled_model_translates_as_keras_does(name):
    sentences = demo_sentences(name)
    quick = assert_same(model_path(name), [*sentences, "", "  \t", "?!", "xyzzy " * 40])
    assert quick.translate("").text == ""


VARIANTS = {
    "lstm, two layers, tied with a projection, input feeding, luong-general": {
        "model.rnn": "lstm",
        "model.encoder_layers": 2,
        "model.tie_embeddings": True,
        "model.embedding_dim": 16,
        "model.input_feeding": True,
        "model.attention": "luong-general",
    },
    "bahdanau style, luong-concat, words, no output norm": {
        "model.style": "bahdanau",
        "model.attention": "luong-concat",
        "model.output_norm": False,
        "source.tokenizer": "word",
        "target.tokenizer": "word",
    },
    "luong-dot, characters, tied without projection": {
        "model.attention": "luong-dot",
        "model.tie_embeddings": True,
        "model.embedding_dim": 48,
        "source.tokenizer": "char",
        "target.tokenizer": "char",
    },
    "no attention, repeat guard of one token": {
        "model.attention": "none",
        "decode.no_repeat_ngram": 1,
    },
    "transformer, sinusoidal positions, own output layer": {
        "model.architecture": "transformer",
        "model.units": 32,
        "model.layers": 2,
        "model.heads": 4,
        "model.ff_units": 64,
    },
    "transformer, learned positions, tied, one head": {
        "model.architecture": "transformer",
        "model.units": 16,
        "model.layers": 1,
        "model.heads": 1,
        "model.ff_units": 32,
        "model.positions": "learned",
        "model.tie_embeddings": True,
    },
}


@pytest.mark.parametrize("options", VARIANTS.values(), ids=list(VARIANTS))
def test_every_kind_of_model_translates_as_keras_does(tmp_path, options):
    """Untrained models of every architecture choice (their weights are random, so every
    part of the arithmetic shows in the tokens and the weights)."""
    pairs = reverse_pairs(60, seed=7)
    path = save_model(build_model(TINY.replace(**options), pairs), tmp_path / "m.keras")
    assert_same(path, [source for source, _ in pairs[:12]] + ["unknown words here"])


def test_other_compute_dtypes_are_left_to_tensorflow():
    saved = {"class_name": "Translator", "config": {"dtype": "mixed_bfloat16", "config": {}}}
    assert "bfloat16" in NumpyTranslator.unsupported(saved)
    policy = {"class_name": "DTypePolicy", "config": {"name": "float32"}}
    saved = {"class_name": "TransformerTranslator", "config": {"dtype": policy}}
    assert NumpyTranslator.unsupported(saved) is None
    assert "Sequential" in NumpyTranslator.unsupported({"class_name": "Sequential"})


def test_bad_files_and_sentences_get_clear_errors(tmp_path):
    path = tmp_path / "m.keras"
    shutil.copy(model_path("toy_language"), path)
    quick = NumpyTranslator.load(path)
    with pytest.raises(TranslationError, match="surrogate"):
        quick.translate("ta \udcff")
    with pytest.raises(NotSupported, match="U[+]323AF"):
        quick.translate("ta \U000323af")  # not in this Python's Unicode tables
    with pytest.raises(ModelFileError, match="no such file"):
        NumpyTranslator.load(tmp_path / "missing.keras")
    (tmp_path / "text.keras").write_text("not a model")
    with pytest.raises(ModelFileError, match="not a zip archive"):
        NumpyTranslator.load(tmp_path / "text.keras")
    # The same file without its decoder's embedding: refused, naming what is missing.
    import h5py

    damaged = tmp_path / "damaged.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == "model.weights.h5":
                weights = tmp_path / "w.h5"
                weights.write_bytes(data)
                with h5py.File(weights, "a") as file:
                    del file["decoder/embedding"]
                data = weights.read_bytes()
            target.writestr(item, data)
    with pytest.raises(ModelFileError, match="decoder/embedding"):
        NumpyTranslator.load(damaged)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp_path / "cut.keras", "w") as target:
        target.writestr("config.json", source.read("config.json"))
        target.writestr("model.weights.h5", source.read("model.weights.h5")[:5000])
    with pytest.raises(ModelFileError, match="weights cannot be read"):
        NumpyTranslator.load(tmp_path / "cut.keras")


def test_loading_and_translating_import_no_tensorflow():
    code = (
        "import sys\n"
        "from keras_attn.demo import model_path\n"
        "from keras_attn.numpy_translator import NumpyTranslator\n"
        "quick = NumpyTranslator.load(model_path('toy_language'))\n"
        "assert quick.translate('sa ta kuirati').text\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'tensorflow_text') if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"
