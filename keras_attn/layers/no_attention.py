"""No attention: the classic encoder-decoder's fixed context (Cho et al. 2014)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_attn")
class NoAttention(keras.layers.Layer):
    """The same interface as the attention layers, without attention.

    The decoder of a classic encoder-decoder sees the source only through one vector, the
    encoder's final state, which it gets as its initial state and as a fixed context
    `c` at every step (Cho et al. 2014). This layer gives that context where an
    attention layer would give `c_t`, so the rest of the decoder (and its sizes) is the
    same for every model. The "weights" it returns are all zeros: nothing is attended.

    The fixed context travels in the place of the attention's projected keys:
    :meth:`project_keys` returns it, once per sentence, and every call receives it as
    `keys`.

    Call arguments:
        query: decoder states, `(batch, query_dim)` or `(batch, Tq, query_dim)`; only
            their shape is used.
        values: encoder outputs `(batch, Tv, value_dim)`; only their shape is used.
        keys: the fixed context `(batch, value_dim)`, from :meth:`project_keys`.
        mask: ignored (accepted for the common interface).
        return_scores: also return the scores, all `-inf` (no position is scored).

    Returns:
        `(context, weights)` (and `scores` with `return_scores`): the fixed context
        `(batch, value_dim)` and zero weights `(batch, Tv)` for a 2-D query;
        `(batch, Tq, value_dim)` and `(batch, Tq, Tv)` for a 3-D query.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, query_shape=None, values_shape=None):
        self.built = True

    def project_keys(self, values, summary=None):
        """The fixed context: `summary`, the encoder's final state `(batch, value_dim)`."""
        if summary is None:
            raise ValueError(
                "A model without attention needs the encoder's final state as "
                "its fixed context; pass `summary` to `project_keys`."
            )
        return summary

    def call(self, query, values, keys=None, mask=None, return_scores=False):
        if keys is None:
            raise ValueError(
                "A model without attention needs its fixed context as `keys` "
                "(the encoder's final state, from `project_keys`)."
            )
        context = ops.cast(keys, values.dtype)
        batch, src_len = ops.shape(values)[0], ops.shape(values)[1]
        if len(query.shape) == 2:
            weights = ops.zeros((batch, src_len), "float32")
        else:
            steps = ops.shape(query)[1]
            weights = ops.zeros((batch, steps, src_len), "float32")
            context = ops.broadcast_to(
                ops.expand_dims(context, 1), (batch, steps, ops.shape(context)[-1])
            )
        if return_scores:
            return context, weights, ops.full_like(weights, float("-inf"))
        return context, weights
