"""Decoding loops over the decoder's one step function."""

from __future__ import annotations

import tensorflow as tf

from keras_attn.text import END_ID, PAD_ID, START_ID


def greedy_search(model, source_ids):
    """Greedy decoding with a `tf.while_loop`; runs eagerly or inside `tf.function`.

    Each sentence stops at its own `[END]` or at its own length cap
    (`model.max_output_length`), so a sentence's output does not depend on the other
    sentences of the batch.

    Args:
        model: a `Translator`.
        source_ids: int32 `(batch, src_len)`, padded with 0.

    Returns:
        `(tokens, weights, lengths)`: int32 `(batch, T)`, float32 `(batch, T, src_len)`,
        int32 `(batch,)`.
    """
    source_ids = tf.convert_to_tensor(source_ids, tf.int32)
    batch = tf.shape(source_ids)[0]
    src_len = tf.shape(source_ids)[1]
    source_lengths = tf.reduce_sum(tf.cast(source_ids != PAD_ID, tf.int32), axis=1)
    caps = model.max_output_length(source_lengths)
    max_steps = tf.reduce_max(caps)
    encoded = model.encode(source_ids)

    tokens = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    weights = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    token0 = tf.fill([batch], START_ID)
    done0 = tf.zeros([batch], tf.bool)
    lengths0 = tf.zeros([batch], tf.int32)

    def cond(t, token, state, done, lengths, tokens, weights):
        return tf.logical_and(t < max_steps, tf.logical_not(tf.reduce_all(done)))

    def body(t, token, state, done, lengths, tokens, weights):
        logits, state, step_weights = model.step(token, state, encoded)
        next_token = tf.cast(tf.argmax(logits, axis=-1), tf.int32)
        next_token = tf.where(done, PAD_ID, next_token)
        step_weights = tf.where(done[:, None], 0.0, step_weights)
        lengths = lengths + tf.cast(tf.logical_not(done), tf.int32)
        done = done | tf.equal(next_token, END_ID) | (t + 1 >= caps)
        return (t + 1, next_token, state, done, lengths, tokens.write(t, next_token),
                weights.write(t, step_weights))

    _, _, _, _, lengths, tokens, weights = tf.while_loop(
        cond, body,
        (tf.constant(0), token0, encoded["state"], done0, lengths0, tokens, weights))
    tokens = tf.transpose(tokens.stack(), (1, 0))
    weights = tf.reshape(tf.transpose(weights.stack(), (1, 0, 2)), [batch, -1, src_len])
    return tokens, weights, lengths
