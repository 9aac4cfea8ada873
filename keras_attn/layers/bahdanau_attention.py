"""Additive (Bahdanau) attention: score = v^T tanh(W1 keys + W2 query)."""

from __future__ import annotations

import keras
from keras import ops

from keras_attn.layers.attention_base import AttentionBase
from keras_attn.layers.checks import check_positive_integers


class AdditiveScoring:
    """The additive score `v^T tanh(W1 keys + W2 query)`, for the attention layers that
    use it (Bahdanau's, and Luong's `concat`, which is the same arithmetic).

    It owns three `Dense` layers without bias, whose attribute names are those the
    weights of saved models are stored under: `query_dense` (`W2`), `key_dense` (`W1`)
    and `score_dense` (`v`).
    """

    def _make_additive(self, units):
        self.query_dense = keras.layers.Dense(units, use_bias=False, name="query_dense")
        self.key_dense = keras.layers.Dense(units, use_bias=False, name="key_dense")
        self.score_dense = keras.layers.Dense(1, use_bias=False, name="score_dense")

    def _build_additive(self, query_dim, value_dim, units):
        self.query_dense.build((None, query_dim))
        self.key_dense.build((None, None, value_dim))
        self.score_dense.build((None, None, None, units))

    def _additive_scores(self, query, keys):
        """`query` `(batch, Tq, query_dim)`, `keys = W1 values` `(batch, Tv, units)` ->
        `(batch, Tq, Tv)`."""
        q = self.query_dense(query)  # (batch, Tq, units)
        hidden = ops.tanh(ops.expand_dims(keys, 1) + ops.expand_dims(q, 2))  # (b, Tq, Tv, u)
        return ops.squeeze(self.score_dense(hidden), axis=-1)


@keras.saving.register_keras_serializable(package="keras_attn")
class BahdanauAttention(AdditiveScoring, AttentionBase):
    """Additive attention of Bahdanau et al. (2015).

    The key projection `W1 values` depends only on the source sentence, so it is computed
    once per sentence with :meth:`project_keys` and passed to every decoding step.

    Args:
        units: positive integer, the size of the hidden scoring layer.

    Call arguments and returns: as in :class:`~keras_attn.layers.attention_base.
    AttentionBase`; `keys` is `project_keys(values)`, `(batch, Tv, units)`.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        check_positive_integers(units=units)
        self.units = units
        self._make_additive(units)

    def build_scores(self, query_dim, value_dim):
        self._build_additive(query_dim, value_dim, self.units)

    def project_keys(self, values):
        """`W1 values`: `(batch, Tv, value_dim)` -> `(batch, Tv, units)`."""
        return self.key_dense(values)

    def _calculate_scores(self, query, keys):
        return self._additive_scores(query, keys)

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "units": self.units}
