"""The Transformer decoder: causal self-attention, attention over the source, and a step
function that reuses what earlier steps computed.

Training reads the whole target sentence at once, each position attending only to itself
and the positions before it (a causal mask). Decoding produces one token per step; the
keys and values of the positions already written do not change, so each step computes
them for its own position only and keeps them in a cache of fixed size
`(batch, layers, heads, max_length, d_head)`, part of the decoder state. A step then
costs one position's work in every layer, and its results equal the whole-sentence pass
at that position.
"""

from __future__ import annotations

import keras
from keras import ops

from keras_attn.layers.multi_head_attention import MultiHeadAttention
from keras_attn.layers.tied_output import tied_logits
from keras_attn.layers.transformer_stack import TransformerBlock, TransformerStack


@keras.saving.register_keras_serializable(package="keras_attn")
class TransformerDecoderBlock(TransformerBlock):
    """`x + SelfAttention(LN(x))` (causal), `x + CrossAttention(LN(x), source)`, then
    `x + FeedForward(LN(x))`.

    Args:
        units: `d_model`.
        heads: attention heads (both attentions).
        inner_units: feed-forward hidden size.
        dropout: dropout rate on each sub-layer's output while training.

    Call arguments (whole sentences):
        x: `(batch, T, units)`.
        encoder_outputs: `(batch, S, units)`.
        source_mask: bool `(batch, S)`.
        training: bool.

    Returns:
        `(x, self_weights, cross_weights)`: `(batch, T, units)`, per-head weights float32
        `(batch, heads, T, T)` (zero above the diagonal) and `(batch, heads, T, S)`.
    """

    def __init__(self, units, heads, inner_units, dropout=0.0, **kwargs):
        super().__init__(units, heads, inner_units, dropout, **kwargs)

        def norm(name):
            return keras.layers.LayerNormalization(epsilon=1e-6, name=name)

        self.self_norm = norm("self_attention_norm")
        self.self_attention = MultiHeadAttention(units, heads, name="self_attention")
        self.cross_norm = norm("cross_attention_norm")
        self.cross_attention = MultiHeadAttention(units, heads, name="cross_attention")

    def build(self, input_shape=None):
        shape = (None, None, self.units)
        for norm in (self.self_norm, self.cross_norm, self.feed_forward_norm):
            norm.build(shape)
        self.self_attention.build(shape, shape)
        self.cross_attention.build(shape, shape)
        self.feed_forward.build()
        self.built = True

    def call(self, x, encoder_outputs, source_mask, training=None):
        length = ops.shape(x)[1]
        causal = ops.expand_dims(ops.tril(ops.ones((length, length), "bool")), 0)  # (1, T, T)
        h = self.self_norm(x)
        context, self_weights = self.self_attention(h, h, mask=causal)
        x = x + self.dropout_layer(context, training=training)
        context, cross_weights = self.cross_attention(
            self.cross_norm(x), encoder_outputs, mask=source_mask
        )
        x = x + self.dropout_layer(context, training=training)
        h = self.feed_forward(self.feed_forward_norm(x), training=training)
        return x + self.dropout_layer(h, training=training), self_weights, cross_weights

    def step(self, x, cache, position, cross_keys, source_mask, anatomy=False):
        """One position through the block, with the cache of the positions before it.

        Args:
            x: `(batch, units)`, this position's input.
            cache: `(keys, values)` of the self-attention, each
                `(batch, heads, max_length, d_head)`; this position's are written in.
            position: int32 `(batch,)`, this position's index.
            cross_keys: the cross-attention's `project_keys(encoder_outputs)`: `(keys,
                values)`, each `(batch, heads, S, d_head)`.
            source_mask: bool `(batch, S)`.
            anatomy: also return the attentions' queries, scaled scores and per-head
                contexts.

        Returns:
            `(x, cache, self_weights, cross_weights, parts)`: `(batch, units)`, the
            updated cache, per-head weights float32 `(batch, heads, max_length)` (0 after
            `position`) and `(batch, heads, S)`, and a dict (empty unless `anatomy`) with
            `self_query`, `cross_query`, `self_context`, `cross_context`
            `(batch, heads, d_head)`, `self_scores` `(batch, heads, max_length)` and
            `cross_scores` `(batch, heads, S)` (`-inf` where masked).
        """
        parts = {}
        h = self.self_norm(x)
        new_keys, new_values = self.self_attention.project_keys(ops.expand_dims(h, 1))
        cache_keys, cache_values = cache
        slots = ops.shape(cache_keys)[2]
        here = ops.one_hot(position, slots, dtype=cache_keys.dtype)[:, None, :, None]
        cache_keys = cache_keys * (1 - here) + ops.cast(new_keys, cache_keys.dtype) * here
        cache_values = cache_values * (1 - here) + ops.cast(new_values, cache_values.dtype) * here
        seen = ops.arange(slots)[None, :] <= ops.expand_dims(position, 1)  # (batch, slots)
        context, self_weights = _attend(
            self.self_attention,
            h,
            (cache_keys, cache_values),
            seen,
            parts,
            "self" if anatomy else None,
        )
        x = x + context
        context, cross_weights = _attend(
            self.cross_attention,
            self.cross_norm(x),
            cross_keys,
            source_mask,
            parts,
            "cross" if anatomy else None,
        )
        x = x + context
        x = x + self.feed_forward(self.feed_forward_norm(x))
        return x, (cache_keys, cache_values), self_weights, cross_weights, parts


@keras.saving.register_keras_serializable(package="keras_attn")
class TransformerDecoder(TransformerStack):
    """Predicts every next target token from the tokens before it and the source.

    The same interface as the RNN :class:`~keras_attn.layers.AttentionDecoder`: a
    whole-sentence call for training, and :meth:`project_keys`, :meth:`initial_state`,
    :meth:`step` and :meth:`step_anatomy` for decoding.

    Args:
        vocab_size: number of target tokens.
        units: `d_model`.
        layers: number of blocks.
        heads: attention heads per attention.
        inner_units: feed-forward hidden size.
        max_length: the most target positions a decoding may take (the cache's size,
            and the table size of learned positions).
        positions: `"sinusoidal"` or `"learned"`.
        dropout: dropout rate while training.
        tie_embeddings: compute the logits with the target embedding matrix
            (`hidden @ E^T + b`, Press & Wolf 2017) instead of a separate output layer:
            one matrix fewer to learn.

    The decoding state is a dict: `keys` and `values`, the self-attention cache, each
    `(batch, layers, heads, max_length, d_head)`, and `position`, int32 `(batch,)`, the
    index of the next position. Its shapes never change, so decoding loops (and
    `tf.while_loop`) carry it as they are.
    """

    block_class = TransformerDecoderBlock

    def __init__(self, vocab_size, units, *args, tie_embeddings=False, **kwargs):
        super().__init__(vocab_size, units, *args, **kwargs)
        self.tie_embeddings = bool(tie_embeddings)
        self.output_dense = (
            None
            if self.tie_embeddings
            else keras.layers.Dense(vocab_size, dtype="float32", name="logits")
        )

    @property
    def has_attention(self):
        return True

    @property
    def d_head(self):
        return self.units // self.heads

    def build(self, input_shape=None):
        super().build(input_shape)
        if self.tie_embeddings:
            self.output_bias = self.add_weight(
                shape=(self.vocab_size,), initializer="zeros", name="output_bias", dtype="float32"
            )
        else:
            self.output_dense.build((None, self.units))
        self.built = True

    # -- whole sentences (teacher forcing) -------------------------------------------
    def call(self, target_in, encoder_outputs, source_mask, encoder_state=None, training=None):
        """Logits for every target position given the gold previous tokens.

        Args:
            target_in: int `(batch, T)`, `[START] y_1 ... y_n` padded with 0.
            encoder_outputs: `(batch, S, units)`.
            source_mask: bool `(batch, S)`.
            encoder_state: ignored (the RNN decoder's initial state goes there).

        Returns:
            `(logits, weights)`: float32 `(batch, T, vocab_size)`, and the last block's
            attention over the source averaged over its heads, `(batch, T, S)`.
        """
        hidden, weights = self.features(target_in, encoder_outputs, source_mask, training=training)
        return self.logits(hidden), weights

    def attention_weights(self, target_in, encoder_outputs, source_mask, training=None):
        """Every attention weight of :meth:`call`'s pass, without the logits (which the
        attention views do not need).

        Returns:
            `(self_attention, cross_attention)`: float32
            `(batch, layers, heads, T, T)` and `(batch, layers, heads, T, S)`.
        """
        _, self_weights, cross_weights = self._blocks(
            target_in, encoder_outputs, source_mask, training
        )
        return self_weights, cross_weights

    def features(self, target_in, encoder_outputs, source_mask, encoder_state=None, training=None):
        """What the output layer reads at every target position: :meth:`call` without
        the logits, so that a training step can compute them at the real (non-padding)
        positions only.

        Returns:
            `(hidden, weights)`: `(batch, T, units)`, the last block's output after the
            final norm (and dropout), and the weights :meth:`call` returns.
        """
        hidden, _, cross = self._blocks(target_in, encoder_outputs, source_mask, training)
        return hidden, ops.mean(cross[:, -1], axis=1)

    def _blocks(self, target_in, encoder_outputs, source_mask, training):
        x = self.dropout_layer(self.embedding(target_in), training=training)
        self_weights, cross_weights = [], []
        for block in self.blocks:
            x, w_self, w_cross = block(x, encoder_outputs, source_mask, training=training)
            self_weights.append(w_self)
            cross_weights.append(w_cross)
        x = self.dropout_layer(self.final_norm(x), training=training)
        return x, ops.stack(self_weights, axis=1), ops.stack(cross_weights, axis=1)

    def logits(self, hidden):
        """The output layer: `(..., units)` -> float32 `(..., vocab_size)`."""
        if not self.tie_embeddings:
            return self.output_dense(hidden)
        return tied_logits(hidden, self.embedding.token_embedding.embeddings, self.output_bias)

    # -- decoding ---------------------------------------------------------------------
    def project_keys(self, encoder_outputs, encoder_state=None):
        """Every block's cross-attention keys and values, computed once per sentence.

        Returns:
            `(keys, values)`, each `(batch, layers, heads, S, d_head)`.
        """
        pairs = [block.cross_attention.project_keys(encoder_outputs) for block in self.blocks]
        return (ops.stack([k for k, _ in pairs], axis=1), ops.stack([v for _, v in pairs], axis=1))

    def initial_state(self, batch_size):
        """The state before the first step: an empty cache, position 0."""
        shape = (batch_size, self.num_layers, self.heads, self.max_length, self.d_head)
        return {
            "keys": ops.zeros(shape, self.compute_dtype),
            "values": ops.zeros(shape, self.compute_dtype),
            "position": ops.zeros((batch_size,), "int32"),
        }

    def step(self, token, state, encoder_outputs, keys, source_mask, training=False):
        """Advance one target position.

        Args:
            token: int `(batch,)`, the previous target token.
            state: the dict from :meth:`initial_state` or a step.
            encoder_outputs: `(batch, S, units)` (unused: `keys` holds what is needed).
            keys: :meth:`project_keys` of the encoder outputs.
            source_mask: bool `(batch, S)`.

        Returns:
            `(logits, new_state, weights)`: float32 `(batch, vocab_size)`, the new state,
            and the last block's attention over the source averaged over its heads,
            float32 `(batch, S)`.
        """
        return self._advance(token, state, keys, source_mask)[:3]

    def step_anatomy(self, token, state, encoder_outputs, keys, source_mask):
        """:meth:`step` that also returns every head of every attention.

        Returns:
            `(logits, new_state, weights, parts)`: as :meth:`step`, and a dict of float32
            tensors: `cross_weights`, `cross_scores` (scaled, `-inf` on padding)
            `(batch, layers, heads, S)`; `self_weights`, `self_scores`
            `(batch, layers, heads, max_length)` (over the positions so far; 0 and
            `-inf` after this one); `cross_query`, `self_query`, `cross_context`,
            `self_context` `(batch, layers, heads, d_head)` (each head's query and its
            weighted average of the values, before the heads are merged); `hidden`
            `(batch, units)`, what the output layer reads. The keys and values are
            `keys` (cross-attention) and `new_state["keys"]`, `new_state["values"]`
            (self-attention).
        """
        return self._advance(token, state, keys, source_mask, anatomy=True)

    def _advance(self, token, state, keys, source_mask, anatomy=False):
        position = state["position"]
        x = self.embedding(ops.expand_dims(token, 1), ops.expand_dims(position, 1))[:, 0]
        new_keys, new_values, found = [], [], []
        for i, block in enumerate(self.blocks):
            x, (k, v), w_self, w_cross, parts = block.step(
                x,
                (state["keys"][:, i], state["values"][:, i]),
                position,
                (keys[0][:, i], keys[1][:, i]),
                source_mask,
                anatomy=anatomy,
            )
            new_keys.append(k)
            new_values.append(v)
            found.append({**parts, "self_weights": w_self, "cross_weights": w_cross})
        hidden = self.final_norm(x)
        logits = self.logits(hidden)
        new_state = {
            "keys": ops.stack(new_keys, axis=1),
            "values": ops.stack(new_values, axis=1),
            "position": position + 1,
        }
        weights = ops.mean(found[-1]["cross_weights"], axis=1)
        if not anatomy:
            return logits, new_state, weights
        parts = {
            name: ops.cast(ops.stack([p[name] for p in found], axis=1), "float32")
            for name in found[0]
        }
        parts["hidden"] = ops.cast(hidden, "float32")
        return logits, new_state, weights, parts

    def get_config(self):
        return {**super().get_config(), "tie_embeddings": self.tie_embeddings}


def _attend(attention, h, keys, mask, parts, name=None):
    """One attention of a decoding step: `(context, weights)` for the query `h`
    `(batch, units)`. With a `name`, its query, scaled scores and per-head context go into
    `parts` as `{name}_query`, `{name}_scores`, `{name}_context`."""
    if name is None:
        return attention(h, keys=keys, mask=mask)
    context, weights, scores = attention(h, keys=keys, mask=mask, return_scores=True)
    parts[f"{name}_query"] = ops.squeeze(attention.project_query(ops.expand_dims(h, 1)), 2)
    parts[f"{name}_scores"] = scores
    parts[f"{name}_context"] = attention.head_context(weights, keys[1])
    return context, weights
