"""A faster CPU loop for the GRU layers' whole-sequence passes, with the layers' own weights.

On a CPU, Keras runs a GRU layer as a loop of `GRUCell` calls: every time step
multiplies its input by the input kernel, and with a mask every step also selects
between new and old states and outputs. Here the input projections of all time steps
are one matrix product before the loop, the loop does only the recurrent product and the
gates, the two directions of a bidirectional layer share one loop, and padding needs no
per-step masking: the backward direction reads each sentence reversed in place
(`tf.reverse_sequence`), so padding always comes after the real tokens, and final states
are read at each sentence's last real position.

The arithmetic is the `GRUCell`'s (``reset_after=True``, cuDNN's variant), so results equal
the Keras layers' to rounding: padded positions of the outputs are zeros, as Keras gives.
On a GPU the Keras layers run instead (their fused cuDNN kernel is faster there), and
LSTMs, GRUs with dropout inside the cell or other activations always use Keras's loop.

Set `ENABLED = False` to use Keras's loop everywhere (for comparisons).
"""

from __future__ import annotations

import tensorflow as tf
from keras import ops

ENABLED = True


def usable(cell) -> bool:
    """True when `cell` (a Keras `GRUCell`) can run in this loop on this machine."""
    import keras

    from keras_attn.device import gpus

    return (
        ENABLED
        and keras.backend.backend() == "tensorflow"
        and isinstance(cell, keras.layers.GRUCell)
        and cell.reset_after
        and cell.use_bias
        and cell.dropout == 0
        and cell.recurrent_dropout == 0
        and cell.activation is keras.activations.tanh
        and cell.recurrent_activation is keras.activations.sigmoid
        and not gpus()
    )


def _weights(cell, dtype):
    kernel = ops.cast(cell.kernel, dtype)
    recurrent = ops.cast(cell.recurrent_kernel, dtype)
    bias = ops.cast(cell.bias, dtype)  # (2, 3 * units): input bias, recurrent bias
    return kernel, recurrent, bias[0], bias[1]


def _step(gates_x, h, recurrent, recurrent_bias):
    """One GRU step (reset_after): `gates_x` `(batch, 3 * units)` from the input."""
    gates_h = tf.matmul(h, recurrent) + recurrent_bias
    x_z, x_r, x_h = tf.split(gates_x, 3, axis=-1)
    h_z, h_r, h_h = tf.split(gates_h, 3, axis=-1)
    z = tf.sigmoid(x_z + h_z)
    r = tf.sigmoid(x_r + h_r)
    candidate = tf.tanh(x_h + r * h_h)
    return z * h + (1.0 - z) * candidate


def _project(inputs, kernel, bias):
    """`(batch, time, features)` -> time-major input gates `(time, batch, 3 * units)`."""
    time_major = tf.transpose(inputs, (1, 0, 2))
    shape = tf.shape(time_major)
    flat = tf.matmul(tf.reshape(time_major, (-1, shape[2])), kernel) + bias
    return tf.reshape(flat, (shape[0], shape[1], -1))


def _last(outputs, lengths):
    """Each sentence's output at its last real position: `(batch, units)` (zeros for an
    empty row, as Keras gives)."""
    batch = tf.shape(outputs)[0]
    last = tf.gather_nd(outputs, tf.stack([tf.range(batch), tf.maximum(lengths - 1, 0)], axis=1))
    return last * tf.cast(lengths > 0, outputs.dtype)[:, None]


def gru_sequence(cell, inputs, initial_state):
    """A GRU over whole sequences without padding inside (the decoder's teacher forcing).

    Args:
        cell: the layer's `keras.layers.GRUCell`.
        inputs: `(batch, time, features)`.
        initial_state: `(batch, units)`.

    Returns:
        `(outputs, last_state)`: `(batch, time, units)` and `(batch, units)`.
    """
    dtype = inputs.dtype
    kernel, recurrent, bias_x, bias_h = _weights(cell, dtype)
    gates = _project(inputs, kernel, bias_x)
    steps = tf.shape(gates)[0]
    gates = tf.TensorArray(dtype, size=steps).unstack(gates)

    def body(t, h, outputs):
        h = _step(gates.read(t), h, recurrent, bias_h)
        return t + 1, h, outputs.write(t, h)

    _, h, outputs = tf.while_loop(
        lambda t, *_: t < steps,
        body,
        (tf.constant(0), ops.cast(initial_state, dtype), tf.TensorArray(dtype, size=steps)),
    )
    return tf.transpose(outputs.stack(), (1, 0, 2)), h


def bidirectional_gru(forward_cell, backward_cell, inputs, mask):
    """Both directions of a bidirectional GRU from zero states, summed (`merge_mode="sum"`).

    Args:
        forward_cell, backward_cell: the two layers' `keras.layers.GRUCell`.
        inputs: `(batch, time, features)`.
        mask: bool `(batch, time)`, True on real tokens, which come first in every row.

    Returns:
        `(outputs, forward_state, backward_state)`: `(batch, time, units)` with zeros at
        padded positions, and the two final states `(batch, units)`.
    """
    dtype = inputs.dtype
    lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)
    reversed_inputs = tf.reverse_sequence(inputs, lengths, seq_axis=1, batch_axis=0)
    fw_kernel, fw_recurrent, fw_bias_x, fw_bias_h = _weights(forward_cell, dtype)
    bw_kernel, bw_recurrent, bw_bias_x, bw_bias_h = _weights(backward_cell, dtype)
    fw_gates = _project(inputs, fw_kernel, fw_bias_x)
    bw_gates = _project(reversed_inputs, bw_kernel, bw_bias_x)
    steps = tf.shape(fw_gates)[0]
    fw_gates = tf.TensorArray(dtype, size=steps).unstack(fw_gates)
    bw_gates = tf.TensorArray(dtype, size=steps).unstack(bw_gates)

    def body(t, fw_h, bw_h, fw_out, bw_out):
        fw_h = _step(fw_gates.read(t), fw_h, fw_recurrent, fw_bias_h)
        bw_h = _step(bw_gates.read(t), bw_h, bw_recurrent, bw_bias_h)
        return t + 1, fw_h, bw_h, fw_out.write(t, fw_h), bw_out.write(t, bw_h)

    zeros = tf.zeros((tf.shape(inputs)[0], forward_cell.units), dtype)
    _, _, _, fw_out, bw_out = tf.while_loop(
        lambda t, *_: t < steps,
        body,
        (
            tf.constant(0),
            zeros,
            zeros,
            tf.TensorArray(dtype, size=steps),
            tf.TensorArray(dtype, size=steps),
        ),
    )
    fw_out = tf.transpose(fw_out.stack(), (1, 0, 2))
    bw_out = tf.transpose(bw_out.stack(), (1, 0, 2))
    fw_state, bw_state = _last(fw_out, lengths), _last(bw_out, lengths)
    bw_out = tf.reverse_sequence(bw_out, lengths, seq_axis=1, batch_axis=0)
    outputs = (fw_out + bw_out) * tf.cast(mask, dtype)[:, :, None]
    return outputs, fw_state, bw_state
