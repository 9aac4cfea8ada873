"""The sentence a model opens with in the Translate and Step views."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")

from keras_attn import demo  # noqa: E402
from keras_attn_app.worker_tasks import sample_sentence  # noqa: E402


def test_a_bundled_demo_model_opens_on_its_first_example_sentence():
    for name in ("de_en", "dates"):
        path = demo.models_dir() / f"{name}.keras"
        assert sample_sentence(None, path) == demo.DEMOS[name][1][0]


def _model(vocabulary, tokenizer="subword"):
    return SimpleNamespace(
        info={}, source_text=SimpleNamespace(vocabulary=vocabulary, tokenizer=tokenizer)
    )


def test_another_model_opens_on_words_of_its_vocabulary_not_punctuation(tmp_path):
    vocabulary = [
        "",
        "[UNK]",
        "[START]",
        "[END]",
        "!",
        '"',
        "$",
        "%",
        "Haus",
        "##en",
        "3",
        "gehen",
        "Tom",
        "ist",
        "klein",
    ]
    # A file named like a demo model but elsewhere is not taken for it.
    assert sample_sentence(_model(vocabulary), tmp_path / "de_en.keras") == "Haus gehen Tom ist"
    # A vocabulary without letters still gives something to translate.
    assert (
        sample_sentence(_model(["", "[UNK]", "[START]", "[END]", "1", "2"]), tmp_path / "m.keras")
        == "1 2"
    )
