"""Tests of the encoder and the attention decoder layers."""

import numpy as np
import pytest

from keras_attn.layers import AttentionDecoder, Encoder

SRC = np.array([[5, 6, 7, 3], [4, 3, 0, 0]], "int32")
TGT = np.array([[2, 5, 6, 9], [2, 7, 0, 0]], "int32")


@pytest.mark.parametrize("rnn,layers", [("gru", 1), ("gru", 2), ("lstm", 1)])
def test_encoder_shapes_and_mask(rnn, layers):
    """Outputs are (batch, src_len, units); state per RNN kind; mask marks real tokens."""
    encoder = Encoder(20, 8, 16, num_layers=layers, rnn=rnn)
    outputs, state, mask = encoder(SRC)
    assert tuple(outputs.shape) == (2, 4, 16)
    assert len(state) == (2 if rnn == "lstm" else 1)
    assert all(tuple(s.shape) == (2, 16) for s in state)
    np.testing.assert_array_equal(np.asarray(mask), SRC != 0)


def test_encoder_ignores_padding():
    """Appending padding to a sentence does not change its encoding."""
    encoder = Encoder(20, 8, 16)
    short = np.array([[4, 3]], "int32")
    padded = np.array([[4, 3, 0, 0, 0]], "int32")
    out_a, state_a, _ = encoder(short)
    out_b, state_b, _ = encoder(padded)
    np.testing.assert_allclose(np.asarray(out_a), np.asarray(out_b)[:, :2], atol=1e-6)
    np.testing.assert_allclose(np.asarray(state_a[0]), np.asarray(state_b[0]), atol=1e-6)


def test_encoder_weight_count():
    """Embedding, two GRU directions (3 tensors each) and the bridge (kernel, bias)."""
    encoder = Encoder(20, 8, 16)
    encoder(SRC)
    assert len(encoder.weights) == 1 + 2 * 3 + 2
    assert tuple(encoder.embedding.embeddings.shape) == (20, 8)


VARIANTS = [
    ("luong", False, "bahdanau", False),
    ("luong", True, "luong-general", False),
    ("bahdanau", False, "bahdanau", False),
    ("luong", False, "luong-dot", False),
    ("bahdanau", False, "luong-concat", False),
    ("luong", False, "bahdanau", True),
    ("luong", True, "luong-dot", True),
    ("bahdanau", False, "bahdanau", True),
]


@pytest.mark.parametrize("style,feeding,attention,norm", VARIANTS)
def test_step_function_matches_teacher_forcing(style, feeding, attention, norm):
    """Stepping token by token gives the same logits and weights as the whole-sentence call."""
    encoder = Encoder(20, 8, 16)
    decoder = AttentionDecoder(
        30, 8, 16, attention=attention, style=style, input_feeding=feeding, output_norm=norm
    )
    outputs, state, mask = encoder(SRC)
    logits, weights = decoder(TGT, outputs, mask, state)
    assert tuple(logits.shape) == (2, 4, 30)
    assert tuple(weights.shape) == (2, 4, 4)
    keys = decoder.project_keys(outputs)
    step_state = decoder.initial_state(state)
    for t in range(TGT.shape[1]):
        step_logits, step_state, step_weights = decoder.step(
            TGT[:, t], step_state, outputs, keys, mask
        )
        np.testing.assert_allclose(np.asarray(step_logits), np.asarray(logits)[:, t], atol=1e-5)
        np.testing.assert_allclose(np.asarray(step_weights), np.asarray(weights)[:, t], atol=1e-6)
    assert np.all(np.asarray(weights)[1, :, 2:] == 0.0)


def test_decoder_config_round_trip_and_errors():
    """get_config round trips; bahdanau style refuses input feeding with a clear message."""
    decoder = AttentionDecoder(
        30, 8, 16, attention="luong-general", style="luong", input_feeding=True, rnn="lstm"
    )
    clone = AttentionDecoder.from_config(decoder.get_config())
    assert clone.get_config() == decoder.get_config()
    with pytest.raises(ValueError, match="input_feeding"):
        AttentionDecoder(30, 8, 16, style="bahdanau", input_feeding=True)
    with pytest.raises(ValueError, match="argument `style`"):
        AttentionDecoder(30, 8, 16, style="transformer")


def test_output_norm_adds_a_layer_norm_and_round_trips():
    """`output_norm` adds one LayerNormalization (scale and offset, `units` each) whose
    output has zero mean and unit variance per position at initialisation."""
    plain = AttentionDecoder(30, 8, 16)
    normed = AttentionDecoder(30, 8, 16, output_norm=True)
    plain.build()
    normed.build()
    assert len(normed.weights) == len(plain.weights) + 2
    assert normed.count_params() == plain.count_params() + 2 * 16
    assert plain.get_config()["output_norm"] is False
    clone = AttentionDecoder.from_config(normed.get_config())
    assert clone.output_norm is True and clone.get_config() == normed.get_config()
    legacy = normed.get_config()
    del legacy["output_norm"]  # a layer saved before the option existed
    assert AttentionDecoder.from_config(legacy).norm is None
    rng = np.random.default_rng(0)
    h = rng.normal(size=(3, 16)).astype("float32")
    context = rng.normal(size=(3, 16)).astype("float32")
    out = np.asarray(normed._attentional(h, context))
    np.testing.assert_allclose(out.mean(axis=-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=-1), 1.0, atol=1e-2)


@pytest.mark.parametrize("style", ["luong", "bahdanau"])
def test_tied_decoder_computes_logits_with_its_embeddings(style):
    """With `tie_embeddings` the logits are the attentional vector times the target
    embedding matrix plus a bias: no output layer of its own (`vocab * units` weights
    fewer), the same step-by-step as in the whole-sentence call, a config that round-trips,
    and a projection first when the embedding is narrower than the units."""
    encoder = Encoder(20, 16, 16)
    separate = AttentionDecoder(30, 16, 16, style=style, output_norm=True)
    tied = AttentionDecoder(30, 16, 16, style=style, output_norm=True, tie_embeddings=True)
    separate.build()
    tied.build()
    assert tied.output_dense is None
    assert tied.count_params() == separate.count_params() - 30 * 16
    outputs, state, mask = encoder(SRC)
    logits, _ = tied(TGT, outputs, mask, state)
    keys = tied.project_keys(outputs)
    step_state = tied.initial_state(state)
    for t in range(TGT.shape[1]):
        step_logits, step_state, _ = tied.step(TGT[:, t], step_state, outputs, keys, mask)
        np.testing.assert_allclose(np.asarray(step_logits), np.asarray(logits)[:, t], atol=1e-5)
    _, _, _, parts = tied.step_anatomy(TGT[:, 0], tied.initial_state(state), outputs, keys, mask)
    table = np.asarray(tied.embedding.embeddings)
    expected = np.asarray(parts["attentional"]) @ table.T + np.asarray(tied.output_bias)
    np.testing.assert_allclose(np.asarray(logits)[:, 0], expected, atol=1e-5)
    clone = AttentionDecoder.from_config(tied.get_config())
    assert clone.tie_embeddings is True and clone.get_config() == tied.get_config()
    legacy = separate.get_config()
    del legacy["tie_embeddings"]  # a layer saved before the option existed
    assert AttentionDecoder.from_config(legacy).output_dense is not None
    # Embeddings narrower than the units: a projection (units -> embedding) comes first.
    narrow = AttentionDecoder(30, 8, 16, tie_embeddings=True)
    narrow_separate = AttentionDecoder(30, 8, 16)
    narrow.build()
    narrow_separate.build()
    assert narrow.count_params() == narrow_separate.count_params() - 30 * 16 + 16 * 8
    outputs, state, mask = Encoder(20, 8, 16)(SRC)
    assert tuple(narrow(TGT, outputs, mask, state)[0].shape) == (2, 4, 30)


def test_lstm_decoder_runs_both_styles():
    """An LSTM decoder carries (h, c) through steps in both styles."""
    encoder = Encoder(20, 8, 16, rnn="lstm")
    outputs, state, mask = encoder(SRC)
    for style in ("luong", "bahdanau"):
        decoder = AttentionDecoder(30, 8, 16, style=style, rnn="lstm")
        logits, _ = decoder(TGT, outputs, mask, state)
        assert tuple(logits.shape) == (2, 4, 30)
        assert len(decoder.initial_state(state)) == 2
