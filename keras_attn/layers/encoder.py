"""The encoder: token embedding with masking and stacked bidirectional RNNs."""

import keras
from keras import ops

from keras_attn.layers import gru_loop
from keras_attn.layers.checks import check_positive_integers
from keras_attn.layers.embedding import Embedding


def make_rnn(rnn, units, name, **kwargs):
    """A GRU or LSTM layer with cuDNN-eligible settings (the defaults: tanh, sigmoid,
    `reset_after=True`, no recurrent dropout, not unrolled), so a GPU runs the fused
    kernel and a CPU the ordinary loop, with the same weights."""
    if rnn == "gru":
        return keras.layers.GRU(units, reset_after=True, name=name, **kwargs)
    if rnn == "lstm":
        return keras.layers.LSTM(units, name=name, **kwargs)
    raise ValueError(
        f"Received an invalid value for argument `rnn`, expected 'gru' or 'lstm', got {rnn!r}."
    )


@keras.saving.register_keras_serializable(package="keras_attn")
class Encoder(keras.layers.Layer):
    """Embeds source tokens and reads them in both directions.

    The two directions are summed, so every source position gets a vector of `units`
    numbers. The last layer's final forward and backward states go through a `tanh`
    bridge to become the decoder's initial state. On a CPU, GRU layers run in
    :mod:`keras_attn.layers.gru_loop` (the same arithmetic and weights, a faster loop).

    Args:
        vocab_size: number of source tokens (id 0 is padding and is masked).
        embedding_dim: size of the token embeddings.
        units: RNN units per direction and size of the outputs.
        num_layers: stacked bidirectional layers.
        rnn: `"gru"` or `"lstm"`.
        dropout: dropout rate on embeddings and between layers while training.

    Call arguments:
        source_ids: int tensor `(batch, src_len)`, 0 for padding.
        training: bool, whether dropout is active.

    Returns:
        `(outputs, state, mask)`: outputs `(batch, src_len, units)`; state, a list with
        one tensor `(batch, units)` for a GRU (`[h, c]` for an LSTM); mask, bool
        `(batch, src_len)`, True on real tokens.
    """

    def __init__(
        self, vocab_size, embedding_dim, units, num_layers=1, rnn="gru", dropout=0.0, **kwargs
    ):
        super().__init__(**kwargs)
        check_positive_integers(
            vocab_size=vocab_size, embedding_dim=embedding_dim, units=units, num_layers=num_layers
        )
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.num_layers = num_layers
        self.rnn = rnn
        self.dropout = dropout
        self.embedding = Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding")
        self.rnn_layers = [
            keras.layers.Bidirectional(
                make_rnn(rnn, units, name=f"{rnn}_{i}", return_sequences=True, return_state=True),
                merge_mode="sum",
                name=f"bidirectional_{i}",
            )
            for i in range(num_layers)
        ]
        self.dropout_layer = keras.layers.Dropout(dropout)
        n_states = 2 if rnn == "lstm" else 1
        self.bridges = [
            keras.layers.Dense(units, activation="tanh", name=f"bridge_{i}")
            for i in range(n_states)
        ]

    def build(self, input_shape):
        self.embedding.build(input_shape)
        feature = self.embedding_dim
        for layer in self.rnn_layers:
            layer.build((None, None, feature))
            feature = self.units
        for bridge in self.bridges:
            bridge.build((None, 2 * self.units))
        self.built = True

    def call(self, source_ids, training=None):
        mask = ops.not_equal(source_ids, 0)
        x = self.dropout_layer(self.embedding(source_ids), training=training)
        states = None
        for i, layer in enumerate(self.rnn_layers):
            if i:
                x = self.dropout_layer(x, training=training)
            forward_cell, backward_cell = layer.forward_layer.cell, layer.backward_layer.cell
            if gru_loop.usable(forward_cell) and gru_loop.usable(backward_cell):
                # The same arithmetic as the Keras layer, in a faster CPU loop.
                x, *states = gru_loop.bidirectional_gru(forward_cell, backward_cell, x, mask)
            else:
                x, *states = layer(x, mask=mask, training=training)
        half = len(states) // 2  # forward states, then backward states
        forward, backward = states[:half], states[half:]
        state = [
            bridge(ops.concatenate([f, b], axis=-1))
            for bridge, f, b in zip(self.bridges, forward, backward, strict=True)
        ]
        return x, state, mask

    def compute_mask(self, source_ids, mask=None):
        return None

    def get_config(self):
        base_config = super().get_config()
        return {
            **base_config,
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "num_layers": self.num_layers,
            "rnn": self.rnn,
            "dropout": self.dropout,
        }
