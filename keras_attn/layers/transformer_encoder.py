"""The Transformer encoder: positional embeddings and pre-norm self-attention blocks.

Each block lets every source position attend to every other one (self-attention), then
transforms each position with a feed-forward network; both sub-layers read a
layer-normalized copy of their input and add their result to it (pre-norm residual
blocks, Xiong et al. 2020: stable to train without a long warm-up).
"""

from __future__ import annotations

import keras
from keras import ops

from keras_attn.layers.multi_head_attention import MultiHeadAttention
from keras_attn.layers.transformer_stack import TransformerBlock, TransformerStack


@keras.saving.register_keras_serializable(package="keras_attn")
class TransformerEncoderBlock(TransformerBlock):
    """`x + SelfAttention(LN(x))`, then `x + FeedForward(LN(x))`.

    Args:
        units: `d_model`.
        heads: attention heads.
        inner_units: feed-forward hidden size.
        dropout: dropout rate on each sub-layer's output while training.

    Call arguments:
        x: `(batch, S, units)`.
        mask: bool `(batch, S)`, True on real tokens.
        training: bool.

    Returns:
        `(x, weights)`: `(batch, S, units)` and the self-attention's per-head weights
        float32 `(batch, heads, S, S)` (row: the attending position).
    """

    def __init__(self, units, heads, inner_units, dropout=0.0, **kwargs):
        super().__init__(units, heads, inner_units, dropout, **kwargs)
        self.attention_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="attention_norm")
        self.attention = MultiHeadAttention(units, heads, name="self_attention")

    def build(self, input_shape=None):
        self.attention_norm.build((None, None, self.units))
        self.attention.build((None, None, self.units), (None, None, self.units))
        self.feed_forward_norm.build((None, None, self.units))
        self.feed_forward.build()
        self.built = True

    def call(self, x, mask=None, training=None):
        h = self.attention_norm(x)
        context, weights = self.attention(h, h, mask=mask)
        x = x + self.dropout_layer(context, training=training)
        h = self.feed_forward(self.feed_forward_norm(x), training=training)
        return x + self.dropout_layer(h, training=training), weights


@keras.saving.register_keras_serializable(package="keras_attn")
class TransformerEncoder(TransformerStack):
    """Source tokens -> one vector per position, each informed by the whole sentence.

    Args:
        vocab_size: number of source tokens (id 0 is padding and is masked).
        units: `d_model`, the size of every vector.
        layers: number of blocks.
        heads: attention heads per block.
        inner_units: feed-forward hidden size.
        max_length: the most source positions (for learned positions).
        positions: `"sinusoidal"` or `"learned"`.
        dropout: dropout rate while training.

    Call arguments:
        source_ids: int `(batch, S)`, 0 for padding.
        training: bool.

    Returns:
        `(outputs, self_attention, mask)`: outputs `(batch, S, units)` (after a final
        layer norm); every block's per-head self-attention, float32
        `(batch, layers, heads, S, S)`; mask, bool `(batch, S)`, True on real tokens.
        (The RNN :class:`~keras_attn.layers.Encoder` returns its final state in the
        middle place.)
    """

    block_class = TransformerEncoderBlock

    def call(self, source_ids, training=None):
        mask = ops.not_equal(source_ids, 0)
        x = self.dropout_layer(self.embedding(source_ids), training=training)
        weights = []
        for block in self.blocks:
            x, w = block(x, mask=mask, training=training)
            weights.append(w)
        return self.final_norm(x), ops.stack(weights, axis=1), mask
