"""The attention decoder: one step function used for training and every kind of decoding."""

import keras
import tensorflow as tf
from keras import ops

from keras_attn.config import STYLES
from keras_attn.layers import gru_loop
from keras_attn.layers.attention_base import make_attention
from keras_attn.layers.embedding import Embedding
from keras_attn.layers.encoder import make_rnn
from keras_attn.layers.tied_output import tied_logits


@keras.saving.register_keras_serializable(package="keras_attn")
class AttentionDecoder(keras.layers.Layer):
    """Predicts the next target token from the previous one, its state and the source.

    Two styles:

    * ``"luong"`` (Luong et al. 2015): RNN step first, then attention with the new state
      `h_t` as query, then the attentional vector `tanh(W_c [h_t; c_t])` (layer-normalized
      with `output_norm`) -> output projection. With `input_feeding`, the previous attentional vector is concatenated
      to the next token's embedding. Without it, training runs the RNN over the whole
      target sentence at once (a fused cuDNN kernel on a GPU).
    * ``"bahdanau"`` (Bahdanau et al. 2015): attention first, with the previous state as
      query; the context is concatenated to the token's embedding and enters the RNN;
      then `tanh(W_c [h_t; c_t])` -> output projection.

    Args:
        vocab_size: number of target tokens.
        embedding_dim: size of the target token embeddings.
        units: RNN units (the encoder's output size must match for `luong-dot`).
        attention: `"bahdanau"`, `"luong-dot"`, `"luong-general"`, `"luong-concat"` or
            `"none"`: the classic encoder-decoder (Cho et al. 2014), whose decoder sees
            the source only through the encoder's final state, as its initial state and
            as a fixed context in the place of `c_t` at every step (same sizes, same
            arithmetic otherwise; its weights are all zeros).
        attention_units: hidden size of additive scoring.
        style: `"luong"` or `"bahdanau"`.
        input_feeding: bool, luong style only.
        output_norm: bool, layer-normalize the attentional vector before the output
            projection. The output layer then sees features of unit scale from the first
            step, which makes early training several times faster (measured: the
            training loss after 400 steps of the tutorial-size model on Tatoeba is 2.0
            with it, 4.2 without).
        rnn: `"gru"` or `"lstm"`.
        dropout: dropout rate on embeddings and attentional vectors while training.
        tie_embeddings: compute the logits with the target embedding matrix
            (transposed) and a bias instead of an output layer of their own (Press & Wolf
            2017): `vocab_size * units` parameters fewer. When `embedding_dim`
            differs from `units`, a projection without bias (`units -> embedding_dim`)
            comes first.

    The decoder state is a tuple of tensors `(batch, units)`: the RNN state (`h`, or
    `h, c` for an LSTM), followed by the previous attentional vector when input feeding.
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim,
        units,
        attention="bahdanau",
        attention_units=None,
        style="luong",
        input_feeding=False,
        rnn="gru",
        dropout=0.0,
        output_norm=False,
        tie_embeddings=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if style not in STYLES:
            raise ValueError(
                f"Received an invalid value for argument `style`, expected one "
                f"of {STYLES}, got {style!r}."
            )
        if input_feeding and style != "luong":
            raise ValueError(
                "Received `input_feeding=True` with `style='bahdanau'`; input "
                "feeding belongs to the luong style."
            )
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.attention_kind = attention
        self.attention_units = attention_units or units
        self.style = style
        self.input_feeding = input_feeding
        self.output_norm = bool(output_norm)
        self.rnn_kind = rnn
        self.dropout = dropout
        self.tie_embeddings = bool(tie_embeddings)
        self.embedding = Embedding(vocab_size, embedding_dim, name="embedding")
        self.rnn = make_rnn(rnn, units, name=rnn, return_sequences=True, return_state=True)
        self.attention = make_attention(attention, self.attention_units)
        self.combine = keras.layers.Dense(units, activation="tanh", use_bias=False, name="combine")
        self.norm = keras.layers.LayerNormalization(name="norm") if self.output_norm else None
        self.output_dense = (
            None
            if self.tie_embeddings
            else keras.layers.Dense(vocab_size, dtype="float32", name="logits")
        )
        self.tie_projection = (
            keras.layers.Dense(embedding_dim, use_bias=False, name="tie_projection")
            if self.tie_embeddings and embedding_dim != units
            else None
        )
        self.dropout_layer = keras.layers.Dropout(dropout)

    @property
    def parallel(self):
        """True when training can run the RNN over all target positions at once."""
        return self.style == "luong" and not self.input_feeding

    @property
    def has_attention(self):
        """False for the classic model (`attention="none"`)."""
        return self.attention_kind != "none"

    @property
    def rnn_state_size(self):
        return 2 if self.rnn_kind == "lstm" else 1

    def build(self, input_shape=None):
        rnn_in = self.embedding_dim + (
            self.units if self.style == "bahdanau" or self.input_feeding else 0
        )
        self.embedding.build((None, None))
        self.rnn.build((None, None, rnn_in))
        self.attention.build((None, None, self.units), (None, None, self.units))
        self.combine.build((None, 2 * self.units))
        if self.norm is not None:
            self.norm.build((None, self.units))
        if self.tie_projection is not None:
            self.tie_projection.build((None, self.units))
        if self.tie_embeddings:
            self.output_bias = self.add_weight(
                shape=(self.vocab_size,), initializer="zeros", name="output_bias", dtype="float32"
            )
        else:
            self.output_dense.build((None, self.units))
        self.built = True

    def logits(self, attentional):
        """The output layer: `(..., units)` -> float32 `(..., vocab_size)`."""
        if not self.tie_embeddings:
            return self.output_dense(attentional)
        if self.tie_projection is not None:
            attentional = self.tie_projection(attentional)
        return tied_logits(attentional, self.embedding.embeddings, self.output_bias)

    # -- state ------------------------------------------------------------------
    def initial_state(self, encoder_state):
        """Decoder state from the encoder's final state (a list of `(batch, units)`)."""
        state = list(encoder_state)
        if self.input_feeding:
            state.append(ops.zeros_like(encoder_state[0]))
        return tuple(state)

    def project_keys(self, encoder_outputs, encoder_state=None):
        """The per-sentence part of the attention score, computed once per sentence.

        Without attention, the fixed context instead: the encoder's final state
        `encoder_state[0]` `(batch, units)` (required then).
        """
        if not self.has_attention:
            return self.attention.project_keys(
                encoder_outputs, None if encoder_state is None else encoder_state[0]
            )
        return self.attention.project_keys(encoder_outputs)

    # -- one step -----------------------------------------------------------------
    def step(self, token, state, encoder_outputs, keys, source_mask, training=False):
        """Advance one target position.

        Args:
            token: int `(batch,)`, the previous target token.
            state: tuple of `(batch, units)` tensors from `initial_state` or a step.
            encoder_outputs: `(batch, src_len, units)`.
            keys: `project_keys(encoder_outputs)`.
            source_mask: bool `(batch, src_len)`.

        Returns:
            `(logits, new_state, weights)`: logits float32 `(batch, vocab_size)`, the
            new state tuple, attention weights float32 `(batch, src_len)`.
        """
        return self._advance(token, state, encoder_outputs, keys, source_mask, training)[:3]

    def step_anatomy(self, token, state, encoder_outputs, keys, source_mask):
        """:meth:`step` (inference) that also returns every intermediate value.

        Returns:
            `(logits, new_state, weights, parts)`: as :meth:`step`, and a dict of the
            step's stages, float32: `query` `(batch, units)` (what the scores are
            computed from: the previous state in the bahdanau style, `h_t` in the luong
            style), `h` `(batch, units)` (the RNN output `h_t`), `scores`
            `(batch, src_len)` (before the softmax; `-inf` on padding, and everywhere
            without attention), `context` `(batch, units)`, `concat`
            `(batch, 2 * units)` (`[h_t; c_t]`), `attentional` `(batch, units)`
            (`tanh(W_c [h_t; c_t])`, after the layer norm when there is one). The
            logits are the same numbers :meth:`step` gives.
        """
        logits, new_state, weights, parts = self._advance(
            token, state, encoder_outputs, keys, source_mask, False, anatomy=True
        )
        parts = {name: ops.cast(value, "float32") for name, value in parts.items()}
        return logits, new_state, weights, parts

    def _advance(self, token, state, encoder_outputs, keys, source_mask, training, anatomy=False):
        """The step's arithmetic, once for :meth:`step` and :meth:`step_anatomy`: returns
        `(logits, new_state, weights, parts)`, `parts` empty unless `anatomy`."""
        x = self.dropout_layer(self.embedding(token), training=training)  # (batch, emb)
        n = self.rnn_state_size
        rnn_state = list(state[:n])
        parts = {}

        def attend(query):
            if not anatomy:
                return self.attention(query, encoder_outputs, keys=keys, mask=source_mask)
            context, weights, scores = self.attention(
                query, encoder_outputs, keys=keys, mask=source_mask, return_scores=True
            )
            parts.update(query=query, scores=scores)
            return context, weights

        if self.style == "bahdanau":
            context, weights = attend(rnn_state[0])
            x = ops.concatenate([x, ops.cast(context, x.dtype)], axis=-1)
        elif self.input_feeding:
            x = ops.concatenate([x, ops.cast(state[n], x.dtype)], axis=-1)
        h, new_rnn_state = self.rnn.cell(x, rnn_state, training=training)
        new_rnn_state = (
            list(new_rnn_state) if isinstance(new_rnn_state, list | tuple) else [new_rnn_state]
        )
        if self.style == "luong":
            context, weights = attend(h)
        attentional = self._attentional(h, context, parts if anatomy else None)
        new_state = list(new_rnn_state)
        if self.input_feeding:
            new_state.append(attentional)
        if anatomy:
            parts.update(h=h, context=context, attentional=attentional)
        attentional = self.dropout_layer(attentional, training=training)
        return self.logits(attentional), tuple(new_state), weights, parts

    def _attentional(self, h, context, parts=None):
        """`tanh(W_c [h; c])`, layer-normalized with `output_norm`: `(..., units)`.
        `parts`: a dict that receives `concat`, `[h; c]`."""
        concat = ops.concatenate([h, ops.cast(context, h.dtype)], axis=-1)
        if parts is not None:
            parts["concat"] = concat
        attentional = self.combine(concat)
        return attentional if self.norm is None else self.norm(attentional)

    # -- whole sentences (teacher forcing) -------------------------------------------
    def call(self, target_in, encoder_outputs, source_mask, encoder_state, training=None):
        """Logits for every target position given the gold previous tokens.

        Args:
            target_in: int `(batch, tgt_len)`, `[START] y_1 ... y_{n}` padded with 0.
            encoder_outputs: `(batch, src_len, units)`.
            source_mask: bool `(batch, src_len)`.
            encoder_state: list of `(batch, units)`, the encoder's final state.

        Returns:
            `(logits, weights)`: float32 `(batch, tgt_len, vocab_size)` and
            `(batch, tgt_len, src_len)`.
        """
        features = self.features(
            target_in, encoder_outputs, source_mask, encoder_state, training=training
        )
        if features is not None:  # all positions at once
            attentional, weights = features
            return self.logits(attentional), weights
        keys = self.project_keys(encoder_outputs, encoder_state)
        state = self.initial_state(encoder_state)

        def body(carry, token):
            _, prev_state, _ = carry
            logits, new_state, weights = self.step(
                token, prev_state, encoder_outputs, keys, source_mask, training=training
            )
            return logits, new_state, weights

        batch = tf.shape(target_in)[0]
        first = (
            tf.zeros((batch, self.vocab_size), "float32"),
            state,
            tf.zeros(tf.shape(source_mask), "float32"),
        )
        logits, _, weights = tf.scan(body, tf.transpose(target_in), initializer=first)
        return tf.transpose(logits, (1, 0, 2)), tf.transpose(weights, (1, 0, 2))

    def features(self, target_in, encoder_outputs, source_mask, encoder_state, training=None):
        """What the output layer reads at every target position, given the gold previous
        tokens: :meth:`call` without the logits, so that a training step can compute
        them at the real (non-padding) positions only.

        Args: as :meth:`call`.

        Returns:
            `(attentional, weights)`: `(batch, tgt_len, units)` (after dropout) and
            `(batch, tgt_len, src_len)`; None when the decoder runs step by step (input
            feeding, or Bahdanau's style), whose logits come from each step.
        """
        if not self.parallel:
            return None
        keys = self.project_keys(encoder_outputs, encoder_state)
        state = self.initial_state(encoder_state)
        x = self.dropout_layer(self.embedding(target_in), training=training)
        if gru_loop.usable(self.rnn.cell):  # same arithmetic, faster on a CPU
            h, _ = gru_loop.gru_sequence(self.rnn.cell, x, state[0])
        else:
            h, *_ = self.rnn(x, initial_state=list(state), training=training)
        context, weights = self.attention(h, encoder_outputs, keys=keys, mask=source_mask)
        attentional = self._attentional(h, context)
        return self.dropout_layer(attentional, training=training), weights

    def compute_mask(self, *args, **kwargs):
        return None

    def get_config(self):
        base_config = super().get_config()
        return {
            **base_config,
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "attention": self.attention_kind,
            "attention_units": self.attention_units,
            "style": self.style,
            "input_feeding": self.input_feeding,
            "output_norm": self.output_norm,
            "rnn": self.rnn_kind,
            "dropout": self.dropout,
            "tie_embeddings": self.tie_embeddings,
        }
