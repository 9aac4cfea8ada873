"""Tests of the training loss: logits at real target positions only, the label-smoothed
cross-entropy, and the embeddings' dense gradient."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_attn.config import preset
from keras_attn.layers.embedding import Embedding, take_rows
from keras_attn.text import make_dataset
from keras_attn.training import build_model
from tests.conftest import TINY
from tests.helpers import reverse_pairs

CONFIGS = {
    "rnn": TINY,
    "rnn, step by step (input feeding)": TINY.replace(**{"model.input_feeding": True}),
    "rnn, tied": TINY.replace(**{"model.tie_embeddings": True, "model.embedding_dim": 48}),
    "transformer": preset("tiny", "transformer").replace(**{"train.precision": "float32"}),
    "transformer, tied": preset("tiny", "transformer").replace(
        **{"train.precision": "float32", "model.tie_embeddings": True}
    ),
}


def reference_loss(model, source_ids, target_in, target_out, smoothing):
    """The loss as written out: full logits at every position, log-softmax, the smoothed
    cross-entropy of each position, the mean over real target tokens; and the accuracy."""
    logits = tf.cast(model((source_ids, target_in), training=False), tf.float32)
    log_probs = tf.nn.log_softmax(logits, axis=-1)
    nll = -tf.gather(log_probs, target_out, batch_dims=2)
    per_token = (1.0 - smoothing) * nll - smoothing * tf.reduce_mean(log_probs, axis=-1)
    real = tf.cast(tf.not_equal(target_out, 0), tf.float32)
    n = tf.reduce_sum(real)
    correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), target_out), "float32")
    return tf.reduce_sum(per_token * real) / n, tf.reduce_sum(correct * real) / n, n


def dense(gradient):
    return tf.convert_to_tensor(gradient)


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_loss_at_real_positions_equals_the_masked_mean_over_full_logits(name, smoothing):
    """The training step computes logits only where the target has a token; its loss,
    accuracy, token count and every weight's gradient are those of the full logits
    averaged over the real tokens (batches of sentences of different lengths, so with
    padding)."""
    pairs = reverse_pairs(40, seed=3, min_len=1, max_len=7)
    config = CONFIGS[name].replace(**{"train.label_smoothing": smoothing})
    model = build_model(config, pairs)
    batches = make_dataset(
        pairs, model.source_text, model.target_text, batch_size=16, shuffle=False, bucketing=False
    )
    (source_ids, target_in), target_out = next(iter(batches))
    target_out = tf.cast(target_out, tf.int32)
    assert np.any(target_out.numpy() == 0) and np.any(target_out.numpy()[:, -1] != 0)

    with tf.GradientTape() as tape:
        logits, labels = model.real_logits(source_ids, target_in, target_out, training=False)
        loss, accuracy, n_tokens = model.loss_and_accuracy(labels, logits)
    gradients = tape.gradient(loss, model.trainable_variables)
    with tf.GradientTape() as tape:
        expected = reference_loss(model, source_ids, target_in, target_out, smoothing)
    expected_gradients = tape.gradient(expected[0], model.trainable_variables)

    assert logits.shape == (int(np.sum(target_out.numpy() != 0)), model.target_text.vocab_size)
    np.testing.assert_array_equal(labels, target_out.numpy()[target_out.numpy() != 0])
    np.testing.assert_allclose(float(loss), float(expected[0]), rtol=1e-5)
    assert float(accuracy) == pytest.approx(float(expected[1]), abs=1e-6)
    assert float(n_tokens) == float(expected[2])
    for variable, got, want in zip(
        model.trainable_variables, gradients, expected_gradients, strict=True
    ):
        assert got is not None, variable.path
        np.testing.assert_allclose(
            dense(got), dense(want), rtol=1e-4, atol=1e-6, err_msg=variable.path
        )


def test_a_batch_without_real_tokens_gives_zero_loss_not_nan():
    model = build_model(TINY, reverse_pairs(20, seed=1))
    vocab = model.target_text.vocab_size
    loss, accuracy, n_tokens = model.loss_and_accuracy(
        tf.zeros((0,), tf.int32), tf.zeros((0, vocab), tf.float32)
    )
    assert (float(loss), float(accuracy), float(n_tokens)) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("compiled", [False, True])
def test_embedding_gradient_is_dense_and_equals_the_gather_gradient(compiled):
    """The lookup's gradient is one dense table with a token's rows added up, equal to
    Keras's row slices added up; with the table also used as an output layer (tied), the
    two gradients add."""
    table = tf.Variable(np.random.default_rng(0).normal(size=(9, 4)).astype("float32"))
    ids = tf.constant([[1, 2, 2, 0], [8, 2, 1, 1]])
    upstream = tf.constant(np.random.default_rng(1).normal(size=(2, 4, 4)).astype("float32"))
    hidden = tf.constant(np.random.default_rng(2).normal(size=(3, 4)).astype("float32"))

    def loss(lookup, tied):
        value = tf.reduce_sum(lookup(table, ids) * upstream)
        if tied:
            value += tf.reduce_sum(tf.matmul(hidden, tf.transpose(table)) ** 2)
        return value

    def gradient(lookup, tied):
        with tf.GradientTape() as tape:
            value = loss(lookup, tied)
        return tape.gradient(value, table)

    if compiled:
        gradient = tf.function(gradient, autograph=False)
    for tied in (False, True):
        ours = gradient(lambda t, i: take_rows(tf.convert_to_tensor(t), i), tied)
        keras_gather = gradient(lambda t, i: tf.gather(t, i), tied)
        assert isinstance(ours, tf.Tensor)
        if not tied:
            assert isinstance(keras_gather, tf.IndexedSlices)
        np.testing.assert_allclose(ours, tf.convert_to_tensor(keras_gather), rtol=1e-6, atol=1e-6)


def test_embedding_layer_looks_up_as_keras_does_and_keeps_its_weight_names():
    ours = Embedding(7, 3, name="embedding")
    theirs = keras.layers.Embedding(7, 3, name="embedding")
    ours.build((None,))
    theirs.build((None,))
    theirs.set_weights(ours.get_weights())
    ids = np.array([[0, 3, 6], [1, 1, 2]])
    np.testing.assert_array_equal(ours(ids), theirs(ids))
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    assert ours(ids).dtype == theirs(ids).dtype
