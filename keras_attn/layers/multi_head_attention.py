"""Multi-head scaled dot-product attention (Vaswani et al. 2017), on the attention base.

Each of `heads` heads projects the query, the keys and the values to `units // heads`
numbers, scores every key with the scaled dot product `q . k / sqrt(d_head)`, and takes
the softmax-weighted average of its values; the heads' results are concatenated and
projected back to `units` numbers. The masked softmax comes from
:class:`~keras_attn.layers.attention_base.AttentionBase`; this layer supplies the
per-head scores and merges the heads into one context.

The per-head weights are returned, `(batch, heads, Tq, Tv)`, so that every head can be
looked at. The projected keys and values are what a decoder caches between steps: they
come from :meth:`MultiHeadAttention.project_keys` as one pair `(keys, values)`, computed
once per sentence for attention over the source, and one position at a time for a
decoder's attention over its own outputs.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from keras_attn.layers.attention_base import AttentionBase
from keras_attn.layers.checks import check_positive_integers


@keras.saving.register_keras_serializable(package="keras_attn")
class MultiHeadAttention(AttentionBase):
    """Scaled dot-product attention with several heads.

    Args:
        units: positive integer, the size of the queries, values and output
            (`d_model`); it must be a multiple of `heads`.
        heads: positive integer, the number of heads; each has `units // heads` numbers
            (`d_head`).

    Call arguments:
        query: `(batch, Tq, query_dim)`, or `(batch, query_dim)` for one position.
        values: the attended sequence `(batch, Tv, value_dim)`; may be None when `keys`
            is given.
        keys: optional precomputed :meth:`project_keys` of the attended sequence, the pair
            `(keys, values)` of per-head projections, each `(batch, heads, Tv, d_head)`
            (a decoder's cache).
        mask: optional bool `(batch, Tv)`, True where a position may be attended, or
            `(batch, Tq, Tv)` (e.g. padding and causal masks combined).
        return_scores: also return the scaled scores before the softmax.

    Returns:
        `(context, weights)`: context `(batch, Tq, units)` and per-head weights float32
        `(batch, heads, Tq, Tv)`; for a 2-D query `(batch, units)` and
        `(batch, heads, Tv)`. Weights sum to 1 over the attended positions and are
        exactly 0 on masked ones. With `return_scores`, also the scores
        `q . k / sqrt(d_head)`, float32, shaped like the weights, `-inf` where masked.
    """

    def __init__(self, units, heads, **kwargs):
        super().__init__(**kwargs)
        check_positive_integers(units=units, heads=heads)
        if units % heads:
            raise ValueError(
                f"Received `units={units}` and `heads={heads}`: `units` must be a multiple "
                "of `heads` (each head gets `units // heads` numbers)."
            )
        self.units = units
        self.heads = heads
        self.d_head = units // heads
        self.scale = 1.0 / math.sqrt(self.d_head)
        self.query_dense = keras.layers.Dense(units, name="query")
        self.key_dense = keras.layers.Dense(units, name="key")
        self.value_dense = keras.layers.Dense(units, name="value")
        self.output_dense = keras.layers.Dense(units, name="output")

    def build_scores(self, query_dim, value_dim):
        self.query_dense.build((None, None, query_dim))
        self.key_dense.build((None, None, value_dim))
        self.value_dense.build((None, None, value_dim))
        self.output_dense.build((None, None, self.units))

    # -- heads ------------------------------------------------------------------------
    def split_heads(self, x):
        """`(batch, T, units)` -> `(batch, heads, T, d_head)`."""
        batch, length = ops.shape(x)[0], ops.shape(x)[1]
        x = ops.reshape(x, (batch, length, self.heads, self.d_head))
        return ops.transpose(x, (0, 2, 1, 3))

    def merge_heads(self, x):
        """`(batch, heads, T, d_head)` -> `(batch, T, units)`."""
        batch, length = ops.shape(x)[0], ops.shape(x)[2]
        return ops.reshape(ops.transpose(x, (0, 2, 1, 3)), (batch, length, self.units))

    def project_query(self, query):
        """Per-head queries: `(batch, Tq, query_dim)` -> `(batch, heads, Tq, d_head)`."""
        return self.split_heads(self.query_dense(query))

    def project_keys(self, values):
        """Per-head keys and values of the attended sequence, computed once for it.

        Args:
            values: `(batch, Tv, value_dim)`.

        Returns:
            `(keys, values)`, each `(batch, heads, Tv, d_head)`.
        """
        return self.split_heads(self.key_dense(values)), self.split_heads(self.value_dense(values))

    # -- the base's hooks ---------------------------------------------------------------
    def _calculate_scores(self, query, keys):
        """`q . k / sqrt(d_head)` per head: `(batch, heads, Tq, Tv)`."""
        q = self.project_query(query)
        k = ops.cast(keys[0], q.dtype)
        return ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) * ops.cast(self.scale, q.dtype)

    def _calculate_context(self, weights, values):
        """Each head's weighted average of its values, heads concatenated and projected:
        weights `(batch, heads, Tq, Tv)`, values `(batch, heads, Tv, d_head)` ->
        `(batch, Tq, units)`."""
        return self.output_dense(self.merge_heads(self.head_context(weights, values)))

    def head_context(self, weights, values):
        """Each head's context before the heads are merged: `(batch, heads, Tq, d_head)`
        (or `(batch, heads, d_head)` for weights `(batch, heads, Tv)`)."""
        if len(weights.shape) == 3:
            return ops.squeeze(self.head_context(ops.expand_dims(weights, 2), values), 2)
        return ops.matmul(ops.cast(weights, values.dtype), values)

    def call(self, query, values=None, keys=None, mask=None, return_scores=False):
        if keys is None:
            if values is None:
                raise ValueError("MultiHeadAttention needs `values` or precomputed `keys`.")
            keys = self.project_keys(values)
        keys = tuple(keys)
        # The base weighs "values" with the softmax: here, the per-head projected values.
        return super().call(query, keys[1], keys=keys, mask=mask, return_scores=return_scores)

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "units": self.units, "heads": self.heads}
