"""Masked softmax shared by the attention layers."""

from keras import ops


def masked_softmax(scores, mask):
    """Softmax over the last axis with masked positions exactly 0.

    Args:
        scores: float tensor `(batch, Tq, Tv)`.
        mask: bool tensor `(batch, Tv)` (True = a real source token) or None.

    Returns:
        float32 tensor `(batch, Tq, Tv)` whose rows sum to 1 over unmasked positions.
        Scores are computed in float32 even under a mixed-precision policy.
    """
    scores = ops.cast(scores, "float32")
    if mask is None:
        return ops.softmax(scores, axis=-1)
    mask = ops.expand_dims(ops.cast(mask, "bool"), axis=1)  # (batch, 1, Tv)
    scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
    weights = ops.softmax(scores, axis=-1)
    return weights * ops.cast(mask, "float32")
