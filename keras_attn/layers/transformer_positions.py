"""Token embeddings with positions: what a Transformer reads instead of an RNN's order.

Attention by itself does not see word order: a sentence and its shuffled words give the
same scores. The Transformer adds to each token's embedding a vector that depends only on
its position, either fixed sinusoids (Vaswani et al. 2017, section 3.5) or a learned
vector per position.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from keras_attn.layers.checks import check_positive_integers
from keras_attn.layers.embedding import Embedding

POSITIONS = ("sinusoidal", "learned")


def sinusoidal_positions(positions, units):
    """The sinusoidal position vectors of Vaswani et al. (2017).

    `PE(p, 2i) = sin(p / 10000^(2i / units))`, `PE(p, 2i + 1) = cos(...)`: each pair of
    numbers turns at its own frequency, so that nearby positions get similar vectors and
    any offset is a fixed rotation.

    Args:
        positions: int tensor of any shape `(...)`.
        units: even positive integer, the vector size.

    Returns:
        float32 `(..., units)`.
    """
    rates = ops.exp(ops.arange(0, units, 2, dtype="float32") * (-math.log(10000.0) / units))
    angles = ops.expand_dims(ops.cast(positions, "float32"), -1) * rates  # (..., units / 2)
    pairs = ops.stack([ops.sin(angles), ops.cos(angles)], axis=-1)  # (..., units / 2, 2)
    return ops.reshape(pairs, (*ops.shape(angles)[:-1], units))


@keras.saving.register_keras_serializable(package="keras_attn")
class PositionalEmbedding(keras.layers.Layer):
    """Token embedding scaled by `sqrt(units)`, plus a position vector.

    Args:
        vocab_size: number of tokens.
        units: embedding size (`d_model`); even for sinusoidal positions.
        max_length: the most positions a sentence has (learned positions only: the size
            of their table; sinusoids work at any position).
        positions: `"sinusoidal"` or `"learned"`.
        embeddings_initializer: initializer of the token vectors (Keras's, by name or
            object); default uniform in +-0.05, Keras's own default.

    Call arguments:
        ids: int `(batch, T)`, token ids (0 is padding; it is embedded like any token
            and masked by the attention).
        positions: optional int `(batch, T)` positions; default `0 .. T - 1` on every
            row. A decoding step passes `(batch, 1)` ids and their position.

    Returns:
        `(batch, T, units)`.
    """

    def __init__(
        self,
        vocab_size,
        units,
        max_length,
        positions="sinusoidal",
        embeddings_initializer="uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_integers(vocab_size=vocab_size, units=units, max_length=max_length)
        if positions not in POSITIONS:
            raise ValueError(
                f"Received an invalid value for argument `positions`, expected "
                f"one of {POSITIONS}, got {positions!r}."
            )
        if positions == "sinusoidal" and units % 2:
            raise ValueError(
                f"Received `units={units}`: sinusoidal positions need an even "
                "size (sine and cosine pairs)."
            )
        self.vocab_size = vocab_size
        self.units = units
        self.max_length = max_length
        self.positions = positions
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.token_embedding = Embedding(
            vocab_size,
            units,
            embeddings_initializer=self.embeddings_initializer,
            name="embedding",
        )
        self.position_embedding = (
            Embedding(max_length, units, name="positions") if positions == "learned" else None
        )

    def build(self, input_shape=None):
        self.token_embedding.build((None, None))
        if self.position_embedding is not None:
            self.position_embedding.build((None, None))
        self.built = True

    def call(self, ids, positions=None):
        x = self.token_embedding(ids)
        x = x * ops.cast(math.sqrt(self.units), x.dtype)
        if positions is None:
            positions = ops.expand_dims(ops.arange(ops.shape(ids)[1], dtype="int32"), 0)
        if self.position_embedding is not None:
            table = self.position_embedding(positions)
        else:
            table = sinusoidal_positions(positions, self.units)
        return x + ops.cast(table, x.dtype)

    def get_config(self):
        base_config = super().get_config()
        return {
            **base_config,
            "vocab_size": self.vocab_size,
            "units": self.units,
            "max_length": self.max_length,
            "positions": self.positions,
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
        }
