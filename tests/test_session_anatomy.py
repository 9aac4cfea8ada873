"""The anatomy of a decoding step: `DecodingSession(model, anatomy=True)`."""

import keras
import numpy as np
import pytest

from keras_attn.config import preset
from keras_attn.model import Translator
from keras_attn.session import DecodingSession, StepAnatomy

WORDS = "a b c d e f g h".split()
VOCABULARY = ["[PAD]", "[UNK]", "[START]", "[END]"] + WORDS
SENTENCE = "a c e g b d"
STEPS = 4

VARIANTS = [  # (attention, style, input_feeding, rnn, output_norm)
    ("bahdanau", "luong", False, "gru", True),
    ("luong-dot", "luong", False, "gru", False),
    ("luong-general", "luong", True, "gru", True),
    ("luong-concat", "luong", False, "lstm", True),
    ("none", "luong", False, "gru", True),
    ("bahdanau", "bahdanau", False, "gru", False),
    ("luong-general", "bahdanau", False, "lstm", True),
    ("luong-dot", "bahdanau", False, "gru", True),
    ("luong-concat", "bahdanau", False, "gru", True),
    ("none", "bahdanau", False, "lstm", False),
]
SCORE = {
    "bahdanau": "additive",
    "luong-dot": "dot",
    "luong-general": "general",
    "luong-concat": "concat",
    "none": "none",
}


def _model(attention, style, feeding, rnn, norm):
    config = preset("tiny").replace(
        **{
            "model.attention": attention,
            "model.style": style,
            "model.input_feeding": feeding,
            "model.rnn": rnn,
            "model.output_norm": norm,
            "model.units": 12,
            "model.embedding_dim": 6,
            "model.attention_units": 10,
            "source.tokenizer": "word",
            "target.tokenizer": "word",
        }
    )
    keras.utils.set_random_seed(7)
    model = Translator(config, VOCABULARY, VOCABULARY)
    model.build()
    return model


def _softmax(x):
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max())
    return e / e.sum()


def _expected_scores(model, query, values):
    """The score formula of the model's configuration, in numpy, from its weights."""
    layer = model.decoder.attention
    kind = model.config.model.attention
    if kind == "luong-dot":
        return values @ query
    if kind == "luong-general":
        return (values @ np.asarray(layer.key_dense.kernel)) @ query
    # additive (bahdanau) and concat: v^T tanh(W1 h_s + W2 q)
    hidden = np.tanh(
        values @ np.asarray(layer.key_dense.kernel) + query @ np.asarray(layer.query_dense.kernel)
    )
    return (hidden @ np.asarray(layer.score_dense.kernel))[:, 0]


@pytest.mark.parametrize("attention,style,feeding,rnn,norm", VARIANTS)
def test_anatomy_holds_the_models_own_numbers(attention, style, feeding, rnn, norm):
    """Every stage follows from the one before by the model's formulas, and the anatomy's
    logits are exactly those of the plain step."""
    model = _model(attention, style, feeding, rnn, norm)
    plain = DecodingSession(model, top_k=3)
    session = DecodingSession(model, top_k=3, anatomy=True)
    plain.start(SENTENCE)
    source = session.start(SENTENCE)
    decoder = model.decoder
    encoded = model.encode(model.source_ids([SENTENCE]))
    previous_h = np.asarray(encoded["state"][0])[0]
    for step in range(STEPS):
        expected, result = plain.step(), session.step()
        if result.finished and step + 1 < STEPS:  # an untrained model: go on past [END]
            expected, result = plain.force("b"), session.force("b")
        anatomy = result.anatomy
        assert expected.anatomy is None and isinstance(anatomy, StepAnatomy)
        assert (anatomy.style, anatomy.score) == (style, SCORE[attention])
        units = model.config.model.units
        assert anatomy.encoder_states.shape == (len(source), units)
        assert anatomy.query.shape == anatomy.h.shape == anatomy.context.shape == (units,)
        assert anatomy.concat.shape == (2 * units,) and anatomy.scores.shape == (len(source),)
        assert all(
            getattr(anatomy, name).dtype == np.float32
            for name in (
                "query",
                "h",
                "encoder_states",
                "scores",
                "weights",
                "context",
                "concat",
                "attentional",
                "logits",
            )
        )
        # the same step as plain decoding
        assert (result.token_id, result.token) == (expected.token_id, expected.token)
        assert result.probability == pytest.approx(expected.probability, abs=1e-6)
        assert [c.token_id for c in result.candidates] == [c.token_id for c in expected.candidates]
        np.testing.assert_array_equal(anatomy.weights, result.weights)
        np.testing.assert_allclose(result.weights, expected.weights, atol=1e-6)
        np.testing.assert_allclose(
            _softmax(anatomy.logits)[result.token_id], result.probability, rtol=1e-5
        )
        # query: the previous state (bahdanau style) or the new one (luong style)
        np.testing.assert_allclose(
            anatomy.query, previous_h if style == "bahdanau" else anatomy.h, atol=1e-6
        )
        if attention == "none":
            assert np.all(np.isneginf(anatomy.scores)) and not np.any(anatomy.weights)
            np.testing.assert_allclose(anatomy.context, np.asarray(encoded["keys"])[0], atol=1e-6)
        else:
            np.testing.assert_allclose(
                anatomy.scores,
                _expected_scores(model, anatomy.query, anatomy.encoder_states),
                rtol=1e-4,
                atol=1e-5,
            )
            np.testing.assert_allclose(_softmax(anatomy.scores), anatomy.weights, atol=1e-6)
            np.testing.assert_allclose(
                anatomy.weights @ anatomy.encoder_states, anatomy.context, atol=1e-5
            )
        np.testing.assert_array_equal(anatomy.concat, np.concatenate([anatomy.h, anatomy.context]))
        attentional = np.asarray(decoder.combine(anatomy.concat[None]))
        if decoder.norm is not None:
            attentional = np.asarray(decoder.norm(attentional))
        np.testing.assert_allclose(anatomy.attentional, attentional[0], atol=1e-5)
        logits = np.asarray(decoder.output_dense(anatomy.attentional[None]))[0]
        np.testing.assert_allclose(anatomy.logits, logits, atol=1e-5)
        previous_h = anatomy.h


def test_anatomy_follows_force_and_back():
    """force() keeps the step's anatomy (the stages came before the choice); back() then
    step() gives the same numbers again; the next step starts from the forced token."""
    model = _model("luong-general", "luong", True, "gru", True)
    session = DecodingSession(model, anatomy=True)
    session.start(SENTENCE)
    first = session.step()
    forced = session.force("h")
    assert forced.anatomy is first.anatomy and forced.token == "h"
    second = session.step()
    session.back()
    again = session.step()
    np.testing.assert_array_equal(again.anatomy.logits, second.anatomy.logits)
    np.testing.assert_array_equal(again.anatomy.context, second.anatomy.context)
    other = DecodingSession(model, anatomy=True)
    other.start(SENTENCE)
    other.step()
    if other.steps[0].token != "h":
        assert not np.array_equal(other.step().anatomy.h, second.anatomy.h)
