"""Multiplicative (Luong) attention with dot, general and concat scoring."""

import keras
from keras import ops

from keras_attn.layers.bahdanau_attention import BahdanauAttention, attend
from keras_attn.layers.no_attention import NoAttention

METHODS = ("dot", "general", "concat")


@keras.saving.register_keras_serializable(package="keras_attn")
class LuongAttention(keras.layers.Layer):
    """Global attention of Luong et al. (2015), same interface as `BahdanauAttention`.

    Scores:
        dot:     `h_t . h_s` (query and values must have the same size),
        general: `h_t . (W_a h_s)`,
        concat:  `v^T tanh(W_a [h_t; h_s])`, computed as `v^T tanh(W1 h_s + W2 h_t)`.

    Args:
        method: one of `"dot"`, `"general"`, `"concat"`.
        units: hidden size of the concat scoring layer (ignored otherwise).

    Call arguments and returns: as in `BahdanauAttention`.
    """

    def __init__(self, method="general", units=None, **kwargs):
        super().__init__(**kwargs)
        if method not in METHODS:
            raise ValueError(
                f"Received an invalid value for argument `method`, expected one of "
                f"{METHODS}, got {method!r}.")
        if method == "concat" and (not isinstance(units, int) or units <= 0):
            raise ValueError(
                "Received an invalid value for argument `units`, expected a positive "
                f"integer for the concat method, got {units}.")
        self.method = method
        self.units = units
        self.supports_masking = True
        if method == "concat":
            self.query_dense = keras.layers.Dense(units, use_bias=False, name="query_dense")
            self.key_dense = keras.layers.Dense(units, use_bias=False, name="key_dense")
            self.score_dense = keras.layers.Dense(1, use_bias=False, name="score_dense")

    def build(self, query_shape, values_shape=None):
        query_dim = query_shape[-1]
        value_dim = values_shape[-1] if values_shape is not None else query_dim
        if self.method == "dot" and query_dim != value_dim:
            raise ValueError(
                "Luong `dot` scoring needs queries and values of the same size, got "
                f"query size {query_dim} and value size {value_dim}.")
        if self.method == "general":
            self.key_dense = keras.layers.Dense(query_dim, use_bias=False, name="key_dense")
            self.key_dense.build((None, None, value_dim))
        elif self.method == "concat":
            self.query_dense.build((None, query_dim))
            self.key_dense.build((None, None, value_dim))
            self.score_dense.build((None, None, None, self.units))
        self.built = True

    def project_keys(self, values):
        """The query-independent part of the score, computed once per sentence.

        `(batch, Tv, value_dim)` -> `(batch, Tv, query_dim)` (dot, general) or
        `(batch, Tv, units)` (concat).
        """
        if self.method == "dot":
            return values
        return self.key_dense(values)

    def scores(self, query3, keys):
        """Raw scores `(batch, Tq, Tv)` of a 3-D query against projected keys."""
        if self.method == "concat":
            q = self.query_dense(query3)
            hidden = ops.tanh(ops.expand_dims(keys, 1) + ops.expand_dims(q, 2))
            return ops.squeeze(self.score_dense(hidden), axis=-1)
        return ops.matmul(query3, ops.transpose(keys, (0, 2, 1)))

    def call(self, query, values, keys=None, mask=None, return_scores=False):
        return attend(self, query, values, keys, mask, return_scores)

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "method": self.method, "units": self.units}


def make_attention(kind, units, name="attention"):
    """Attention layer for a `ModelConfig.attention` value such as ``"luong-general"``
    (``"none"``: the classic model's fixed context, :class:`NoAttention`)."""
    if kind == "none":
        return NoAttention(name=name)
    if kind == "bahdanau":
        return BahdanauAttention(units, name=name)
    if kind.startswith("luong-"):
        return LuongAttention(kind.split("-", 1)[1], units=units, name=name)
    raise ValueError(f"Received an invalid value for argument `kind`: {kind!r}.")
