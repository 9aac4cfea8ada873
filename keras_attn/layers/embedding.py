"""Token embeddings whose gradient is one dense table, not one row per token occurrence.

Keras's :class:`keras.layers.Embedding` looks rows up with a gather, whose gradient is a
list of row slices (`tf.IndexedSlices`), one per token occurrence. The training step turns
those into a dense table anyway (Adam needs the sum of a token's rows, see
:meth:`keras_attn.model.Translator.train_step`). When the table is also the output layer
(tied embeddings), TensorFlow first adds the output layer's dense gradient to the slices
by turning the whole dense table into `vocab_size` more slices, and the later sum then
walks all of them. This layer's lookup gives the dense table at once, from the batch's
rows alone: the same numbers, in a fraction of the time.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops


@tf.custom_gradient
def take_rows(table, ids):
    """`table[ids]` whose gradient for `table` is dense.

    Args:
        table: `(vocab_size, dim)`.
        ids: int `(...)`.

    Returns:
        `(..., dim)`.
    """

    def gradient(upstream):
        rows = tf.reshape(upstream, (-1, tf.shape(table)[-1]))
        dense = tf.math.unsorted_segment_sum(
            tf.cast(rows, table.dtype), tf.reshape(ids, (-1,)), tf.shape(table)[0]
        )
        return dense, None

    return tf.gather(table, ids), gradient


@keras.saving.register_keras_serializable(package="keras_attn")
class Embedding(keras.layers.Embedding):
    """:class:`keras.layers.Embedding` with a dense gradient (see the module's text).

    Args, call arguments and returns: as :class:`keras.layers.Embedding`. Its weights are
    saved under the same names, so models saved with Keras's layer load into this one.
    """

    def call(self, inputs):
        if getattr(self, "quantization_mode", None) or getattr(self, "lora_enabled", False):
            return super().call(inputs)
        if inputs.dtype != "int32" and inputs.dtype != "int64":
            inputs = ops.cast(inputs, "int32")
        outputs = take_rows(tf.convert_to_tensor(self.embeddings), inputs)
        return ops.cast(outputs, dtype=self.compute_dtype)
