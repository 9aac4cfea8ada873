"""The attention base: scores -> masked softmax -> context, and `make_attention`.

Every attention layer of keras-attn is an :class:`AttentionBase` that supplies only its
scores (:meth:`AttentionBase._calculate_scores`) and, when the score has a part that
depends only on the source, the projection computed once per sentence
(:meth:`AttentionBase.project_keys`). The softmax over the source, the masking of padding
and the weighted sum of the values are done here, once, for all of them:

* :class:`~keras_attn.layers.bahdanau_attention.BahdanauAttention`: additive scores;
* :class:`~keras_attn.layers.luong_attention.LuongAttention`: `dot`, `general` and
  `concat` (the additive score again) scores.

A new score is a subclass that overrides :meth:`~AttentionBase.build_scores` (its
weights), :meth:`~AttentionBase.project_keys` (optional) and
:meth:`~AttentionBase._calculate_scores`; register it with
``keras.saving.register_keras_serializable(package="keras_attn")`` and give it a name in
:func:`make_attention` and in ``keras_attn.config.ATTENTIONS``. A layer with several heads
returns scores `(batch, heads, Tq, Tv)` and overrides
:meth:`~AttentionBase._calculate_context` to merge the heads.
"""

from __future__ import annotations

import keras
from keras import ops


def masked_softmax(scores, mask):
    """Softmax over the last axis with masked positions exactly 0.

    Args:
        scores: float tensor `(batch, ..., Tq, Tv)`: `(batch, Tq, Tv)` for one head,
            `(batch, heads, Tq, Tv)` for several.
        mask: bool tensor `(batch, Tv)` (True = a real source token), or one with more
            axes that broadcasts against `scores` once axes are inserted after the batch
            axis (e.g. `(batch, Tq, Tv)` for a causal mask of `(batch, heads, Tq, Tv)`
            scores); or None.

    Returns:
        float32 tensor shaped like `scores` whose rows sum to 1 over unmasked positions.
        Scores are computed in float32 even under a mixed-precision policy.
    """
    scores = ops.cast(scores, "float32")
    if mask is None:
        return ops.softmax(scores, axis=-1)
    mask = _broadcastable_mask(mask, len(scores.shape))
    scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
    weights = ops.softmax(scores, axis=-1)
    return weights * ops.cast(mask, "float32")


def _broadcastable_mask(mask, rank):
    """`mask` as bool with axes inserted after the batch axis up to `rank` axes."""
    mask = ops.cast(mask, "bool")
    for _ in range(rank - len(mask.shape)):
        mask = ops.expand_dims(mask, axis=1)
    return mask


class AttentionBase(keras.layers.Layer):
    """Attention of decoder states over encoder outputs: scores, masked softmax, context.

    Subclasses supply the scores; this class does the rest:

    1. `keys = project_keys(values)` (unless precomputed keys are passed: the
       query-independent part of the score, computed once per sentence);
    2. `scores = _calculate_scores(query, keys)`, `(batch, Tq, Tv)` (or
       `(batch, heads, Tq, Tv)`);
    3. `weights = masked_softmax(scores, mask)`: float32, exactly 0 on padding;
    4. `context = _calculate_context(weights, values)`: by default `weights @ values`.

    Hooks for subclasses:
        build_scores(query_dim, value_dim): create and build the score's weights.
        project_keys(values): `(batch, Tv, value_dim)` -> keys; default: the values.
        _calculate_scores(query, keys): query `(batch, Tq, query_dim)` (always 3-D here)
            -> raw scores `(batch, Tq, Tv)` or `(batch, heads, Tq, Tv)`. Required.
        _calculate_context(weights, values): -> `(batch, Tq, value_dim)` (or the
            layer's output size).

    Call arguments:
        query: decoder states, `(batch, query_dim)` for one step or
            `(batch, Tq, query_dim)` for many steps at once.
        values: encoder outputs `(batch, Tv, value_dim)`.
        keys: optional precomputed `project_keys(values)`.
        mask: optional bool `(batch, Tv)`, True on real (non-padding) source tokens (or a
            mask with more axes, see :func:`masked_softmax`).
        return_scores: also return the scores before the softmax.

    Returns:
        `(context, weights)`: context `(batch, value_dim)` and weights `(batch, Tv)` for a
        2-D query; `(batch, Tq, value_dim)` and `(batch, Tq, Tv)` for a 3-D query (with
        several heads the weights keep their heads axis: `(batch, heads, Tv)`,
        `(batch, heads, Tq, Tv)`). Weights are float32, sum to 1 over the source and are
        exactly 0 on padded positions. With `return_scores`, `(context, weights,
        scores)`: scores float32, shaped like the weights, `-inf` on padded positions.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, query_shape, values_shape=None):
        query_dim = query_shape[-1]
        value_dim = values_shape[-1] if values_shape is not None else query_dim
        self.build_scores(query_dim, value_dim)
        self.built = True

    def build_scores(self, query_dim, value_dim):
        """Create and build the score's weights (none by default)."""

    def project_keys(self, values):
        """The query-independent part of the score, computed once per sentence.

        Default: the values themselves, `(batch, Tv, value_dim)`.
        """
        return values

    def _calculate_scores(self, query, keys):
        """Raw scores of a 3-D query `(batch, Tq, query_dim)` against `keys`:
        `(batch, Tq, Tv)`, or `(batch, heads, Tq, Tv)`."""
        raise NotImplementedError(f"{type(self).__name__} must implement _calculate_scores.")

    def _calculate_context(self, weights, values):
        """`weights @ values`: `(batch, Tq, Tv)` float32 and `(batch, Tv, value_dim)` ->
        `(batch, Tq, value_dim)` in the values' dtype."""
        return ops.matmul(ops.cast(weights, values.dtype), values)

    def call(self, query, values, keys=None, mask=None, return_scores=False):
        single_step = len(query.shape) == 2
        query3 = ops.expand_dims(query, 1) if single_step else query
        if keys is None:
            keys = self.project_keys(values)
        scores = self._calculate_scores(query3, keys)  # (batch, [heads,] Tq, Tv)
        weights = masked_softmax(scores, mask)  # float32
        context = self._calculate_context(weights, values)  # (batch, Tq, value_dim)
        outputs = [context, weights]
        if return_scores:
            scores = ops.cast(scores, "float32")
            if mask is not None:
                real = _broadcastable_mask(mask, len(scores.shape))
                scores = ops.where(real, scores, ops.full_like(scores, float("-inf")))
            outputs.append(scores)
        if single_step:  # drop the Tq axis of length 1
            return (
                ops.squeeze(context, 1),
                *(ops.squeeze(x, len(x.shape) - 2) for x in outputs[1:]),
            )
        return tuple(outputs)


def make_attention(kind: str, units: int, name: str = "attention") -> keras.layers.Layer:
    """The attention layer for a `ModelConfig.attention` value.

    Args:
        kind: ``"bahdanau"``, ``"luong-dot"``, ``"luong-general"``, ``"luong-concat"``, or
            ``"none"`` (the classic model's fixed context,
            :class:`~keras_attn.layers.no_attention.NoAttention`).
        units: hidden size of additive scoring (Bahdanau, Luong concat).
        name: the layer's name (saved models' weights are found under it).
    """
    # Imported here: those modules import this one for the base class.
    from keras_attn.layers.bahdanau_attention import BahdanauAttention
    from keras_attn.layers.luong_attention import LuongAttention
    from keras_attn.layers.no_attention import NoAttention

    if kind == "none":
        return NoAttention(name=name)
    if kind == "bahdanau":
        return BahdanauAttention(units, name=name)
    if kind.startswith("luong-"):
        return LuongAttention(kind.split("-", 1)[1], units=units, name=name)
    raise ValueError(f"Received an invalid value for argument `kind`: {kind!r}.")
