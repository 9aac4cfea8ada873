"""The classic encoder-decoder without attention (`attention="none"`, Cho et al. 2014)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_attn
from keras_attn.config import preset
from keras_attn.export import export
from keras_attn.layers import AttentionDecoder, Encoder, NoAttention
from keras_attn.search import beam_search, sample
from keras_attn.session import DecodingSession
from keras_attn.training import build_model, train
from tests.helpers import reverse_pairs

SRC = np.array([[5, 6, 7, 3], [4, 3, 0, 0]], "int32")
TGT = np.array([[2, 5, 6, 9], [2, 7, 0, 0]], "int32")
CONFIG = preset("tiny").replace(
    **{
        "model.attention": "none",
        "model.units": 24,
        "model.embedding_dim": 16,
        "model.attention_units": 24,
        "train.epochs": 2,
        "train.learning_rate": 1e-2,
    }
)


@pytest.fixture(scope="module")
def classic():
    """A tiny classic model trained briefly on the reverse task: `(TrainResult, pairs)`."""
    pairs = reverse_pairs(500, seed=3)
    return train(pairs[:450], CONFIG, validation_pairs=pairs[450:]), pairs[450:]


@pytest.mark.parametrize(
    "style,feeding,rnn",
    [
        ("luong", False, "gru"),
        ("luong", True, "gru"),
        ("bahdanau", False, "gru"),
        ("luong", False, "lstm"),
    ],
)
def test_decoder_sees_the_source_only_through_the_final_state(style, feeding, rnn):
    """Changing the encoder outputs but not the final state changes nothing; the fixed
    context is the final state; weights are zeros; steps equal teacher forcing."""
    encoder = Encoder(20, 8, 16, rnn=rnn)
    decoder = AttentionDecoder(
        30, 8, 16, attention="none", style=style, input_feeding=feeding, rnn=rnn, output_norm=True
    )
    assert isinstance(decoder.attention, NoAttention) and not decoder.has_attention
    outputs, state, mask = encoder(SRC)
    logits, weights = decoder(TGT, outputs, mask, state)
    other = np.random.default_rng(0).normal(size=outputs.shape).astype("float32")
    logits_other, _ = decoder(TGT, other, mask, state)
    np.testing.assert_allclose(np.asarray(logits_other), np.asarray(logits), atol=1e-6)
    state_other = [s + 0.5 for s in state]
    logits_moved, _ = decoder(TGT, outputs, mask, state_other)
    assert np.abs(np.asarray(logits_moved) - np.asarray(logits)).max() > 1e-3
    assert tuple(weights.shape) == (2, 4, 4) and not np.any(np.asarray(weights))
    keys = decoder.project_keys(outputs, state)
    np.testing.assert_array_equal(np.asarray(keys), np.asarray(state[0]))
    step_state = decoder.initial_state(state)
    for t in range(TGT.shape[1]):
        step_logits, step_state, step_weights = decoder.step(
            TGT[:, t], step_state, outputs, keys, mask
        )
        np.testing.assert_allclose(np.asarray(step_logits), np.asarray(logits)[:, t], atol=1e-5)
        assert not np.any(np.asarray(step_weights))
    with pytest.raises(ValueError, match="final state"):
        decoder.project_keys(outputs)


def test_same_weights_as_a_dot_attention_model():
    """The classic model has exactly the parameters of a luong-dot model of the same size
    (neither has attention weights), so a comparison changes only the attention."""
    pairs = reverse_pairs(60, seed=2)
    classic = build_model(CONFIG, pairs)
    dot = build_model(CONFIG.replace(**{"model.attention": "luong-dot"}), pairs)
    assert [tuple(w.shape) for w in classic.weights] == [tuple(w.shape) for w in dot.weights]
    assert not classic.has_attention and dot.has_attention


def test_classic_model_learns_and_every_decoder_gives_zero_weights(classic):
    """Training lowers the loss; greedy, beam, sampling and the session agree on tokens and
    give all-zero weights of the source's shape."""
    result, held_out = classic
    history = result.history["loss"]
    assert history[-1] < history[0] * 0.9
    model = result.model
    sentences = [s for s, _ in held_out[:6]]
    ids = model.source_ids(sentences)
    tokens, weights, lengths = model.greedy(ids)
    assert weights.shape[2] == ids.shape[1] and not np.any(weights.numpy())
    beams = beam_search(model, ids, width=1)
    samples = sample(model, ids, temperature=0.0)
    session = DecodingSession(model)
    for i, sentence in enumerate(sentences):
        greedy = tokens.numpy()[i, : lengths.numpy()[i]].tolist()
        assert beams[i][0].tokens == greedy and samples[i].tokens == greedy
        assert not np.any(beams[i][0].weights) and not np.any(samples[i].weights)
        session.start(sentence)
        session.run_to_end()
        assert session.target_ids == greedy
        assert session.attention.shape == (len(greedy), len(session.source_tokens))
        assert not np.any(session.attention)


def test_classic_model_saves_loads_and_exports(classic, tmp_path):
    """The .keras file round trips (config says "none"); the SavedModel translates the same."""
    model, held_out = classic[0].model, classic[1]
    sentences = [s for s, _ in held_out[:8]]
    expected = model.translate(sentences)
    loaded = keras_attn.load(keras_attn.save(model, tmp_path / "classic.keras"))
    assert loaded.config.model.attention == "none" and not loaded.has_attention
    assert isinstance(loaded.decoder.attention, NoAttention)
    assert loaded.translate(sentences) == expected
    directory, _ = export(model, tmp_path / "exported")
    restored = tf.saved_model.load(str(directory))  # kept: its functions use its variables
    served = restored.translate(tf.constant(sentences))
    assert [s.decode("utf-8") for s in served["translations"].numpy()] == expected
    assert not np.any(served["attention"].numpy())
    info = json.loads((directory / "keras_attn.json").read_text(encoding="utf-8"))
    assert info["config"]["model"]["attention"] == "none"


def test_cli_accepts_attention_none(capsys):
    """`keras-attn train --attention none` is a valid choice (the same list as the config)."""
    from keras_attn.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["train", "data.tsv", "--out", "m.keras", "--attention", "none"])
    assert args.attention == "none"
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "data.tsv", "--out", "m.keras", "--attention", "nothing"])
    assert "'none'" in capsys.readouterr().err


def test_no_attention_layer_config_round_trips():
    layer = NoAttention(name="attention")
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(clone, NoAttention) and clone.name == "attention"
