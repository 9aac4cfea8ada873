"""Global (Luong) attention with dot, general and concat scoring."""

from __future__ import annotations

import keras
from keras import ops

from keras_attn.config import ATTENTIONS
from keras_attn.layers.attention_base import AttentionBase, make_attention
from keras_attn.layers.bahdanau_attention import AdditiveScoring

# "dot", "general", "concat": the scores `ModelConfig.attention` names "luong-<method>".
METHODS = tuple(kind.removeprefix("luong-") for kind in ATTENTIONS if kind.startswith("luong-"))

__all__ = ["METHODS", "LuongAttention", "make_attention"]


@keras.saving.register_keras_serializable(package="keras_attn")
class LuongAttention(AdditiveScoring, AttentionBase):
    """Global attention of Luong et al. (2015), same interface as `BahdanauAttention`.

    Scores:
        dot:     `h_t . h_s` (query and values must have the same size),
        general: `h_t . (W_a h_s)`,
        concat:  `v^T tanh(W_a [h_t; h_s])`, computed as `v^T tanh(W1 h_s + W2 h_t)`:
                 the additive score of :class:`BahdanauAttention`.

    Args:
        method: one of `"dot"`, `"general"`, `"concat"`.
        units: hidden size of the concat scoring layer (ignored otherwise).

    Call arguments and returns: as in :class:`~keras_attn.layers.attention_base.
    AttentionBase`.
    """

    def __init__(self, method="general", units=None, **kwargs):
        super().__init__(**kwargs)
        if method not in METHODS:
            raise ValueError(
                f"Received an invalid value for argument `method`, expected one of "
                f"{METHODS}, got {method!r}."
            )
        if method == "concat" and (not isinstance(units, int) or units <= 0):
            raise ValueError(
                "Received an invalid value for argument `units`, expected a positive "
                f"integer for the concat method, got {units}."
            )
        self.method = method
        self.units = units
        if method == "concat":
            self._make_additive(units)

    def build_scores(self, query_dim, value_dim):
        if self.method == "dot" and query_dim != value_dim:
            raise ValueError(
                "Luong `dot` scoring needs queries and values of the same size, got "
                f"query size {query_dim} and value size {value_dim}."
            )
        if self.method == "general":
            self.key_dense = keras.layers.Dense(query_dim, use_bias=False, name="key_dense")
            self.key_dense.build((None, None, value_dim))
        elif self.method == "concat":
            self._build_additive(query_dim, value_dim, self.units)

    def project_keys(self, values):
        """The query-independent part of the score, computed once per sentence.

        `(batch, Tv, value_dim)` -> `(batch, Tv, query_dim)` (dot, general) or
        `(batch, Tv, units)` (concat).
        """
        if self.method == "dot":
            return values
        return self.key_dense(values)

    def _calculate_scores(self, query, keys):
        if self.method == "concat":
            return self._additive_scores(query, keys)
        return ops.matmul(query, ops.transpose(keys, (0, 2, 1)))

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "method": self.method, "units": self.units}
