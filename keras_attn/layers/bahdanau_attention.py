"""Additive (Bahdanau) attention: score = v^T tanh(W1 keys + W2 query)."""

import keras
from keras import ops

from keras_attn.layers._masking import masked_softmax


@keras.saving.register_keras_serializable(package="keras_attn")
class BahdanauAttention(keras.layers.Layer):
    """Additive attention of Bahdanau et al. (2015).

    The key projection `W1 values` depends only on the source sentence, so it is computed
    once per sentence with :meth:`project_keys` and passed to every decoding step.

    Args:
        units: positive integer, the size of the hidden scoring layer.

    Call arguments:
        query: decoder states, `(batch, query_dim)` for one step or
            `(batch, Tq, query_dim)` for many steps at once.
        values: encoder outputs `(batch, Tv, value_dim)`.
        keys: optional precomputed `project_keys(values)`, `(batch, Tv, units)`.
        mask: optional bool `(batch, Tv)`, True on real (non-padding) source tokens.
        return_scores: also return the scores before the softmax.

    Returns:
        `(context, weights)`: context `(batch, value_dim)` and weights `(batch, Tv)` for a
        2-D query; `(batch, Tq, value_dim)` and `(batch, Tq, Tv)` for a 3-D query. Weights
        are float32, sum to 1 over the source and are exactly 0 on padded positions.
        With `return_scores`, `(context, weights, scores)`: scores float32, shaped like
        the weights, `-inf` on padded positions.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                "Received an invalid value for argument `units`, expected a positive "
                f"integer, got {units}.")
        self.units = units
        self.query_dense = keras.layers.Dense(units, use_bias=False, name="query_dense")
        self.key_dense = keras.layers.Dense(units, use_bias=False, name="key_dense")
        self.score_dense = keras.layers.Dense(1, use_bias=False, name="score_dense")
        self.supports_masking = True

    def build(self, query_shape, values_shape=None):
        query_dim = query_shape[-1]
        value_dim = values_shape[-1] if values_shape is not None else query_dim
        self.query_dense.build((None, query_dim))
        self.key_dense.build((None, None, value_dim))
        self.score_dense.build((None, None, None, self.units))
        self.built = True

    def project_keys(self, values):
        """`W1 values`: `(batch, Tv, value_dim)` -> `(batch, Tv, units)`."""
        return self.key_dense(values)

    def scores(self, query3, keys):
        """Raw scores `(batch, Tq, Tv)` of a 3-D query against projected keys."""
        q = self.query_dense(query3)  # (batch, Tq, units)
        hidden = ops.tanh(ops.expand_dims(keys, 1) + ops.expand_dims(q, 2))  # (b, Tq, Tv, u)
        return ops.squeeze(self.score_dense(hidden), axis=-1)

    def call(self, query, values, keys=None, mask=None, return_scores=False):
        return attend(self, query, values, keys, mask, return_scores)

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "units": self.units}


def attend(layer, query, values, keys, mask, return_scores=False):
    """Shared body of the attention layers' `call`: scores -> masked softmax -> context.

    With `return_scores`, also returns the float32 scores before the softmax, `-inf` on
    masked positions (the plain call computes nothing more than before)."""
    single_step = len(query.shape) == 2
    query3 = ops.expand_dims(query, 1) if single_step else query
    if keys is None:
        keys = layer.project_keys(values)
    scores = layer.scores(query3, keys)  # (batch, Tq, Tv)
    weights = masked_softmax(scores, mask)  # (batch, Tq, Tv) float32
    context = ops.matmul(ops.cast(weights, values.dtype), values)  # (batch, Tq, value_dim)
    outputs = [context, weights]
    if return_scores:
        scores = ops.cast(scores, "float32")
        if mask is not None:
            real = ops.expand_dims(ops.cast(mask, "bool"), axis=1)
            scores = ops.where(real, scores, ops.full_like(scores, float("-inf")))
        outputs.append(scores)
    if single_step:
        return tuple(ops.squeeze(x, 1) for x in outputs)
    return tuple(outputs)
