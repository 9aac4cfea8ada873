"""The position-wise feed-forward network of a Transformer block."""

from __future__ import annotations

import keras

from keras_attn.layers.checks import check_positive_integers


@keras.saving.register_keras_serializable(package="keras_attn")
class FeedForward(keras.layers.Layer):
    """`W2 relu(W1 x + b1) + b2`, applied to every position on its own.

    Attention mixes information between positions; this network then transforms each
    position's vector (Vaswani et al. 2017, section 3.3).

    Args:
        units: input and output size (`d_model`).
        inner_units: size of the hidden layer (`d_ff`, usually 4 x `units`).
        dropout: dropout rate on the hidden layer while training.

    Call arguments:
        x: `(batch, T, units)` or `(batch, units)`.
        training: bool.

    Returns:
        the same shape as `x`.
    """

    def __init__(self, units, inner_units, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        check_positive_integers(units=units, inner_units=inner_units)
        self.units = units
        self.inner_units = inner_units
        self.dropout = dropout
        self.inner = keras.layers.Dense(inner_units, activation="relu", name="inner")
        self.outer = keras.layers.Dense(units, name="outer")
        self.dropout_layer = keras.layers.Dropout(dropout)

    def build(self, input_shape=None):
        self.inner.build((None, self.units))
        self.outer.build((None, self.inner_units))
        self.built = True

    def call(self, x, training=None):
        return self.outer(self.dropout_layer(self.inner(x), training=training))

    def get_config(self):
        base_config = super().get_config()
        return {
            **base_config,
            "units": self.units,
            "inner_units": self.inner_units,
            "dropout": self.dropout,
        }
