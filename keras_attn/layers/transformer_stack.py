"""What the Transformer's encoder and decoder share: positional embeddings, a stack of
blocks and a final layer norm, with their sizes and configuration; and what their blocks
share: the sizes, the feed-forward sub-layer and its norm, the configuration."""

from __future__ import annotations

import keras

from keras_attn.layers.checks import check_positive_integers
from keras_attn.layers.transformer_feed_forward import FeedForward
from keras_attn.layers.transformer_positions import PositionalEmbedding


class TransformerBlock(keras.layers.Layer):
    """The part every Transformer block has: its sizes, the pre-norm feed-forward sub-layer
    (`feed_forward_norm`, `feed_forward`) and the dropout on sub-layer outputs. Subclasses
    add their attentions.

    Args:
        units: `d_model`.
        heads: attention heads (each attention).
        inner_units: feed-forward hidden size.
        dropout: dropout rate on each sub-layer's output while training.
    """

    def __init__(self, units, heads, inner_units, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.heads = heads
        self.inner_units = inner_units
        self.dropout = dropout
        self.feed_forward_norm = keras.layers.LayerNormalization(
            epsilon=1e-6, name="feed_forward_norm"
        )
        self.feed_forward = FeedForward(units, inner_units, dropout, name="feed_forward")
        self.dropout_layer = keras.layers.Dropout(dropout)

    def compute_mask(self, *args, **kwargs):
        return None

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "heads": self.heads,
            "inner_units": self.inner_units,
            "dropout": self.dropout,
        }


class TransformerStack(keras.layers.Layer):
    """Embeddings with positions, `layers` blocks of `block_class`, a final layer norm.

    Subclasses name their block (`block_class`, built as
    `block_class(units, heads, inner_units, dropout, name="block_<i>")`) and add their own
    call. The sublayers' names (`embedding`, `block_<i>`, `final_norm`) are those of the
    saved weights.

    Args:
        vocab_size: number of tokens (id 0 is padding).
        units: `d_model`, the size of every vector.
        layers: number of blocks.
        heads: attention heads per attention.
        inner_units: feed-forward hidden size (None: `4 * units`).
        max_length: the most positions (for learned positions, and the decoder's cache).
        positions: `"sinusoidal"` or `"learned"`.
        dropout: dropout rate while training.
        embeddings_initializer: initializer of the token embeddings (see
            :class:`~keras_attn.layers.transformer_positions.PositionalEmbedding`).
    """

    block_class: type[keras.layers.Layer]

    def __init__(
        self,
        vocab_size,
        units,
        layers=2,
        heads=4,
        inner_units=None,
        max_length=256,
        positions="sinusoidal",
        dropout=0.0,
        embeddings_initializer="uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_integers(
            vocab_size=vocab_size, units=units, layers=layers, max_length=max_length
        )
        self.vocab_size = vocab_size
        self.units = units
        self.num_layers = layers
        self.heads = heads
        self.inner_units = inner_units or 4 * units
        self.max_length = max_length
        self.positions = positions
        self.dropout = dropout
        self.embedding = PositionalEmbedding(
            vocab_size,
            units,
            max_length,
            positions,
            embeddings_initializer=embeddings_initializer,
            name="embedding",
        )
        self.blocks = [
            self.block_class(units, heads, self.inner_units, dropout, name=f"block_{i}")
            for i in range(layers)
        ]
        self.final_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="final_norm")
        self.dropout_layer = keras.layers.Dropout(dropout)

    def build(self, input_shape=None):
        self.embedding.build()
        for block in self.blocks:
            block.build()
        self.final_norm.build((None, None, self.units))
        self.built = True

    def compute_mask(self, *args, **kwargs):
        return None

    def get_config(self):
        base_config = super().get_config()
        return {
            **base_config,
            "vocab_size": self.vocab_size,
            "units": self.units,
            "layers": self.num_layers,
            "heads": self.heads,
            "inner_units": self.inner_units,
            "max_length": self.max_length,
            "positions": self.positions,
            "dropout": self.dropout,
            "embeddings_initializer": keras.initializers.serialize(
                self.embedding.embeddings_initializer
            ),
        }
