"""The CPU GRU loop gives the Keras GRU layers' results, values and gradients."""

import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_attn.layers import AttentionDecoder, Encoder, gru_loop

rng = np.random.default_rng(0)
# Rows of every length from 1 to 7, padded at the end, as the pipeline makes them.
SRC = np.zeros((7, 7), "int32")
for row in range(7):
    SRC[row, : row + 1] = rng.integers(4, 40, row + 1)
TGT = rng.integers(4, 30, (7, 5)).astype("int32")


@contextlib.contextmanager
def keras_loop():
    gru_loop.ENABLED = False
    try:
        yield
    finally:
        gru_loop.ENABLED = True


def run_model(encoder, decoder):
    """Logits, encoder outputs and state, and the gradients of a loss over all of them."""
    with tf.GradientTape() as tape:
        outputs, state, mask = encoder(SRC, training=True)
        logits, _ = decoder(TGT, outputs, mask, state, training=True)
        loss = tf.reduce_sum(logits**2) + tf.reduce_sum(outputs) + tf.reduce_sum(state[0])
    variables = encoder.trainable_variables + decoder.trainable_variables
    gradients = [tf.convert_to_tensor(g) for g in tape.gradient(loss, variables)]
    return logits, outputs, state[0], gradients


@pytest.mark.parametrize("layers", [1, 2])
def test_loop_equals_keras_layers(layers):
    """Outputs (zeros at padding), final states, logits and every gradient agree."""
    keras.utils.set_random_seed(1)
    encoder = Encoder(40, 8, 16, num_layers=layers)
    decoder = AttentionDecoder(30, 8, 16)
    assert gru_loop.usable(encoder.rnn_layers[0].forward_layer.cell)
    assert gru_loop.usable(decoder.rnn.cell)
    fast = run_model(encoder, decoder)
    with keras_loop():
        assert not gru_loop.usable(decoder.rnn.cell)
        slow = run_model(encoder, decoder)
    for a, b in zip(fast[:3], slow[:3], strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)
    assert np.all(np.asarray(fast[1])[SRC == 0] == 0)  # padding: zeros, as Keras gives
    assert (
        len(fast[3])
        == len(slow[3])
        == len(encoder.trainable_variables) + len(decoder.trainable_variables)
    )
    for a, b in zip(fast[3], slow[3], strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-4)


def test_loop_under_mixed_bfloat16():
    """With a bfloat16 compute dtype the loop runs in bfloat16 and stays near float32."""
    keras.utils.set_random_seed(2)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        encoder = Encoder(40, 8, 16)
    finally:
        keras.config.set_dtype_policy(previous)
    outputs, state, _ = encoder(SRC)
    assert outputs.dtype == tf.bfloat16
    with keras_loop():
        slow, slow_state, _ = encoder(SRC)
    np.testing.assert_allclose(
        np.asarray(tf.cast(outputs, "float32")), np.asarray(tf.cast(slow, "float32")), atol=3e-2
    )


def test_other_cells_keep_the_keras_loop():
    """LSTMs and GRUs with dropout inside the cell are not run by the loop."""
    assert not gru_loop.usable(keras.layers.LSTMCell(4))
    assert not gru_loop.usable(keras.layers.GRUCell(4, dropout=0.1))
    assert not gru_loop.usable(keras.layers.GRUCell(4, reset_after=False))
    assert not gru_loop.usable(keras.layers.GRUCell(4, activation="relu"))
    assert gru_loop.usable(keras.layers.GRUCell(4))


def test_empty_rows_match_keras():
    """A row of padding only (never made by the pipeline) still gives Keras's zeros."""
    keras.utils.set_random_seed(3)
    encoder = Encoder(40, 8, 16)
    ids = np.array([[5, 6, 3], [0, 0, 0]], "int32")
    outputs, state, _ = encoder(ids)
    with keras_loop():
        slow, slow_state, _ = encoder(ids)
    np.testing.assert_allclose(np.asarray(outputs), np.asarray(slow), atol=1e-6)
    np.testing.assert_allclose(np.asarray(state[0]), np.asarray(slow_state[0]), atol=1e-6)
