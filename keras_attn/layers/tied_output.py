"""The output layer of a decoder whose logits come from its target embeddings (tied,
Press & Wolf 2017), shared by the RNN and the Transformer decoders."""

from __future__ import annotations

from keras import ops


def tied_logits(hidden, table, bias):
    """`hidden @ table.T + bias` in float32, whatever the compute dtype.

    Args:
        hidden: `(..., embedding_dim)`, the decoder's output vector.
        table: `(vocab_size, embedding_dim)`, the target embedding matrix.
        bias: float32 `(vocab_size,)`.

    Returns:
        float32 `(..., vocab_size)`.
    """
    table = ops.cast(table, "float32")
    return ops.matmul(ops.cast(hidden, "float32"), ops.transpose(table)) + bias
