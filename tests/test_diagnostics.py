"""Attention diagnostics: entropy, coverage and possibly untranslated source tokens."""

import math

import keras
import numpy as np
import pytest

from keras_attn.config import preset
from keras_attn.diagnostics import AttentionDiagnostics, attention_diagnostics
from keras_attn.errors import TranslationError
from keras_attn.model import Translator
from keras_attn.session import DecodingSession

TOKENS = ["ich", "habe", "hunger", ".", "[END]"]


def test_entropy_is_zero_when_sharp_and_log_n_when_even():
    weights = np.array([[1, 0, 0, 0, 0], [0.2] * 5, [0.5, 0.5, 0, 0, 0]], np.float32)
    d = attention_diagnostics(weights, TOKENS)
    np.testing.assert_allclose(d.entropy, [0.0, math.log(5), math.log(2)], atol=1e-6)
    np.testing.assert_allclose(
        d.normalized_entropy, [0.0, 1.0, math.log(2) / math.log(5)], atol=1e-6
    )
    assert d.mean_entropy == pytest.approx((math.log(5) + math.log(2)) / 3, abs=1e-6)


def test_coverage_flags_words_never_attended_but_not_end():
    """ "hunger" gets almost no attention: flagged; [END] gets none: never flagged."""
    weights = np.array(
        [[0.9, 0.05, 0.05, 0, 0], [0.1, 0.85, 0.05, 0, 0], [0, 0.1, 0.1, 0.8, 0]], np.float32
    )
    d = attention_diagnostics(weights, TOKENS)
    np.testing.assert_allclose(d.coverage, [1.0, 1.0, 0.2, 0.8, 0.0], atol=1e-6)
    assert d.unattended == [2]
    assert attention_diagnostics(weights, TOKENS, threshold=0.1).unattended == []
    assert attention_diagnostics(weights, TOKENS, threshold=0.9).unattended == [2, 3]


def test_bad_input_is_refused_with_what_and_where():
    with pytest.raises(ValueError, match="4 columns but there are 5 source tokens"):
        attention_diagnostics(np.full((2, 4), 0.25), TOKENS)
    with pytest.raises(ValueError, match="2-D"):
        attention_diagnostics(np.full(5, 0.2), TOKENS)
    bad = np.full((2, 5), 0.2)
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match="row 1, column 3 is nan"):
        attention_diagnostics(bad, TOKENS)
    with pytest.raises(ValueError, match="`threshold`"):
        attention_diagnostics(np.full((2, 5), 0.2), TOKENS, threshold=-1)


def _model(attention):
    config = preset("tiny").replace(
        **{
            "model.attention": attention,
            "model.units": 8,
            "model.embedding_dim": 4,
            "model.attention_units": 8,
            "source.tokenizer": "word",
            "target.tokenizer": "word",
        }
    )
    vocabulary = ["[PAD]", "[UNK]", "[START]", "[END]", "a", "b", "c", "d"]
    keras.utils.set_random_seed(3)
    model = Translator(config, vocabulary, vocabulary)
    model.build()
    return model


def test_session_diagnostics_cover_the_steps_so_far():
    session = DecodingSession(_model("luong-general"))
    with pytest.raises(TranslationError, match="start"):
        session.diagnostics()
    session.start("a b c d")
    session.step()
    session.step()
    d = session.diagnostics()
    assert isinstance(d, AttentionDiagnostics) and d.entropy.shape == (2,)
    np.testing.assert_allclose(d.coverage, session.attention.sum(axis=0), atol=1e-6)
    assert d.coverage.sum() == pytest.approx(2.0, abs=1e-5)
    expected = attention_diagnostics(session.attention, session.source_tokens)
    np.testing.assert_array_equal(d.entropy, expected.entropy)
    assert d.unattended == expected.unattended
    classic = DecodingSession(_model("none"))
    classic.start("a b c d")
    classic.step()
    assert classic.diagnostics() is None
