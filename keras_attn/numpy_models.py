"""The arithmetic of keras-attn's two model kinds in NumPy, one sentence at a time, from a
saved file's weights: :class:`RnnModel` (:class:`keras_attn.model.Translator`: the
bidirectional encoder, the attention decoder) and :class:`TransformerModel`
(:class:`keras_attn.transformer.TransformerTranslator`). Used by
:class:`keras_attn.numpy_translator.NumpyTranslator`; each computes what its Keras layers
compute, in float32, and tests/test_numpy_translator.py holds them to it.

Both have the decoding interface of the Keras models for a batch of one:
``encode(ids) -> (memory, state)`` and ``step(token, state, memory) -> (logits, state,
weights)``. Weights are read by their paths in the file's ``model.weights.h5``, which
follow the layers' attribute names; a missing one raises KeyError naming it.
"""

from __future__ import annotations

import numpy as np

#: Keras's LayerNormalization epsilon, which the RNN decoder's `norm` layer keeps.
RNN_NORM_EPSILON = 1e-3
#: The epsilon of every layer norm of the Transformer (keras_attn.layers.transformer_*).
TRANSFORMER_NORM_EPSILON = 1e-6
#: The layer norms of a Transformer encoder block and decoder block, by attribute name.
ENCODER_NORMS = ("attention_norm", "feed_forward_norm")
DECODER_NORMS = ("self_norm", "cross_norm", "feed_forward_norm")


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # no overflow warnings for large |x|


def _softmax(scores):
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)


def _layer_norm(x, norm, epsilon):
    gamma, beta = norm
    mean = x.mean(axis=-1, keepdims=True)
    variance = np.square(x - mean).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def _pair(w, prefix):
    """`(vars/0, vars/1)` of the layer at `prefix`: a kernel and bias, or a norm's scale
    and offset."""
    return w[f"{prefix}/vars/0"], w[f"{prefix}/vars/1"]


def _numbered(prefix: str, i: int) -> str:
    """The path Keras gives the `i`-th layer of a list: ``prefix``, ``prefix_1``, ..."""
    return prefix + (f"_{i}" if i else "")


# -- the RNN model ----------------------------------------------------------------------
class _Cell:
    """A Keras GRU (``reset_after=True``) or LSTM cell's step, from its saved weights."""

    def __init__(self, kind, weights, prefix):
        self.kind = kind
        self.kernel = weights[f"{prefix}/cell/vars/0"]
        self.recurrent = weights[f"{prefix}/cell/vars/1"]
        bias = weights[f"{prefix}/cell/vars/2"]
        if kind == "gru":  # (2, 3 * units): input bias, recurrent bias
            self.bias_x, self.bias_h = bias[0], bias[1]
        else:
            self.bias_x, self.bias_h = bias, np.zeros_like(bias)

    def step(self, x, state):
        """`x` `(features,)`, state `[h]` (GRU) or `[h, c]` (LSTM) -> `(h, new state)`."""
        if self.kind == "gru":
            h = state[0]
            x_z, x_r, x_h = np.split(x @ self.kernel + self.bias_x, 3)
            h_z, h_r, h_h = np.split(h @ self.recurrent + self.bias_h, 3)
            z = _sigmoid(x_z + h_z)
            r = _sigmoid(x_r + h_r)
            h = z * h + (1.0 - z) * np.tanh(x_h + r * h_h)
            return h, [h]
        h, c = state
        i, f, g, o = np.split(x @ self.kernel + h @ self.recurrent + self.bias_x, 4)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        return h, [h, c]

    def run(self, x):
        """The cell over `x` `(time, features)` from zero states: `(outputs, final state)`."""
        units = self.recurrent.shape[0]
        state = [np.zeros(units, np.float32) for _ in range(2 if self.kind == "lstm" else 1)]
        outputs = []
        for row in x:
            h, state = self.step(row, state)
            outputs.append(h)
        return np.stack(outputs), state


class RnnModel:
    """:class:`keras_attn.model.Translator`'s encoder and decoder step.

    Args:
        m: the model's :class:`~keras_attn.config.ModelConfig`.
        w: the file's weights by path.
    """

    def __init__(self, m, w):
        self.rnn = m.rnn
        self.source_embedding = w["encoder/embedding/vars/0"]
        self.encoder_layers = [
            (
                _Cell(
                    m.rnn, w, f"{_numbered('encoder/rnn_layers/bidirectional', i)}/forward_layer"
                ),
                _Cell(
                    m.rnn, w, f"{_numbered('encoder/rnn_layers/bidirectional', i)}/backward_layer"
                ),
            )
            for i in range(m.encoder_layers)
        ]
        self.bridges = [
            _pair(w, _numbered("encoder/bridges/dense", i))
            for i in range(2 if m.rnn == "lstm" else 1)
        ]
        self.target_embedding = w["decoder/embedding/vars/0"]
        self.cell = _Cell(m.rnn, w, "decoder/rnn")
        self.attention = m.attention
        if m.attention in ("bahdanau", "luong-concat"):
            self.key_dense = w["decoder/attention/key_dense/vars/0"]
            self.query_dense = w["decoder/attention/query_dense/vars/0"]
            self.score_dense = w["decoder/attention/score_dense/vars/0"][:, 0]
        elif m.attention == "luong-general":
            self.key_dense = w["decoder/attention/key_dense/vars/0"]
        self.style = m.style
        self.input_feeding = m.input_feeding
        self.combine = w["decoder/combine/vars/0"]
        self.norm = _pair(w, "decoder/norm") if m.output_norm else None
        self.tie_projection = None
        if m.tie_embeddings:
            self.output_kernel = self.target_embedding.T
            self.output_bias = w["decoder/vars/0"]
            if m.embedding_dim != m.units:
                self.tie_projection = w["decoder/tie_projection/vars/0"]
        else:
            self.output_kernel, self.output_bias = _pair(w, "decoder/output_dense")

    def encode(self, ids):
        """`((outputs (src_len, units), keys), initial decoder state)` of source ids."""
        x = self.source_embedding[np.asarray(ids)]
        finals: tuple = ()
        for forward, backward in self.encoder_layers:
            fw_out, fw_state = forward.run(x)
            bw_out, bw_state = backward.run(x[::-1])
            x = fw_out + bw_out[::-1]
            finals = (fw_state, bw_state)
        fw_state, bw_state = finals
        state = [
            np.tanh(np.concatenate([f, b]) @ kernel + bias)
            for (kernel, bias), f, b in zip(self.bridges, fw_state, bw_state, strict=True)
        ]
        if self.attention in ("bahdanau", "luong-concat", "luong-general"):
            keys = x @ self.key_dense
        elif self.attention == "none":
            keys = state[0]  # the fixed context
        else:  # luong-dot
            keys = x
        if self.input_feeding:
            state.append(np.zeros_like(state[0]))
        return (x, keys), state

    def _attend(self, query, outputs, keys):
        if self.attention == "none":
            return keys, np.zeros(len(outputs), np.float32)
        if self.attention in ("bahdanau", "luong-concat"):
            scores = np.tanh(keys + query @ self.query_dense) @ self.score_dense
        else:
            scores = keys @ query
        weights = _softmax(scores)
        return weights @ outputs, weights

    def step(self, token: int, state: list, memory):
        """One decoding step: `(logits (vocab,), new state, weights (src_len,))`."""
        outputs, keys = memory
        x = self.target_embedding[token]
        n = 2 if self.rnn == "lstm" else 1
        if self.style == "bahdanau":
            context, weights = self._attend(state[0], outputs, keys)
            x = np.concatenate([x, context])
        elif self.input_feeding:
            x = np.concatenate([x, state[n]])
        h, new_state = self.cell.step(x, state[:n])
        if self.style == "luong":
            context, weights = self._attend(h, outputs, keys)
        attentional = np.tanh(np.concatenate([h, context]) @ self.combine)
        if self.norm is not None:
            attentional = _layer_norm(attentional, self.norm, RNN_NORM_EPSILON)
        if self.input_feeding:
            new_state.append(attentional)
        if self.tie_projection is not None:
            attentional = attentional @ self.tie_projection
        return attentional @ self.output_kernel + self.output_bias, new_state, weights


# -- the Transformer ----------------------------------------------------------------------
class _Attention:
    """A :class:`keras_attn.layers.MultiHeadAttention`'s projections (`query`, `key`,
    `value`, `output`, each a kernel and bias) and its arithmetic for one sentence."""

    def __init__(self, w, prefix, heads):
        self.heads = heads
        self.query, self.key, self.value, self.output = (
            _pair(w, f"{prefix}/{name}_dense") for name in ("query", "key", "value", "output")
        )
        self.scale = np.float32(1.0 / np.sqrt(self.query[0].shape[1] // heads))

    def split(self, x, dense):
        """`x` `(T, units)` projected by `dense`, per head: `(heads, T, d_head)`."""
        y = x @ dense[0] + dense[1]
        return y.reshape(len(x), self.heads, -1).transpose(1, 0, 2)

    def __call__(self, x, keys, values):
        """`x` `(Tq, units)` over per-head `keys`, `values` `(heads, Tv, d_head)`:
        `(context (Tq, units), weights (heads, Tq, Tv))`."""
        q = self.split(x, self.query)
        weights = _softmax(q @ keys.transpose(0, 2, 1) * self.scale)
        context = (weights @ values).transpose(1, 0, 2).reshape(len(x), -1)
        return context @ self.output[0] + self.output[1], weights


class _Positions:
    """A :class:`keras_attn.layers.transformer_positions.PositionalEmbedding`: token
    vectors times `sqrt(units)` plus sinusoidal or learned position vectors."""

    def __init__(self, w, prefix, positions):
        self.tokens = w[f"{prefix}/embedding/token_embedding/vars/0"]
        self.units = self.tokens.shape[1]
        self.table = (
            w[f"{prefix}/embedding/position_embedding/vars/0"] if positions == "learned" else None
        )

    def __call__(self, ids, start=0):
        x = self.tokens[np.asarray(ids)] * np.float32(np.sqrt(self.units))
        positions = np.arange(start, start + len(ids))
        if self.table is not None:
            return x + self.table[positions]
        rates = np.exp(
            np.arange(0, self.units, 2, dtype=np.float32)
            * np.float32(-np.log(10000.0) / self.units)
        )
        angles = positions.astype(np.float32)[:, None] * rates
        return x + np.stack([np.sin(angles), np.cos(angles)], axis=-1).reshape(len(ids), -1)


def _feed_forward(x, weights):
    """`W2 relu(W1 x + b1) + b2`, `weights` the pairs `(inner, outer)`."""
    inner, outer = weights
    return np.maximum(x @ inner[0] + inner[1], 0.0) @ outer[0] + outer[1]


class TransformerModel:
    """:class:`keras_attn.transformer.TransformerTranslator`'s encoder and decoder step
    (pre-norm blocks). The decoder keeps each block's self-attention keys and values of
    the positions written so far, as the Keras decoder's cache does.

    Args:
        m: the model's :class:`~keras_attn.config.ModelConfig`.
        w: the file's weights by path.
    """

    def __init__(self, m, w):
        self.heads = m.heads
        self.source = _Positions(w, "encoder", m.positions)
        self.target = _Positions(w, "decoder", m.positions)
        self.encoder_blocks = [
            _numbered("encoder/blocks/transformer_encoder_block", i) for i in range(m.layers)
        ]
        self.decoder_blocks = [
            _numbered("decoder/blocks/transformer_decoder_block", i) for i in range(m.layers)
        ]
        self.attentions = {
            f"{block}/{name}": _Attention(w, f"{block}/{name}", m.heads)
            for block, names in [
                *((b, ("attention",)) for b in self.encoder_blocks),
                *((b, ("self_attention", "cross_attention")) for b in self.decoder_blocks),
            ]
            for name in names
        }
        self.norms = {
            path: _pair(w, path)
            for path in [
                "encoder/final_norm",
                "decoder/final_norm",
                *(f"{b}/{n}" for b in self.encoder_blocks for n in ENCODER_NORMS),
                *(f"{b}/{n}" for b in self.decoder_blocks for n in DECODER_NORMS),
            ]
        }
        self.feed_forwards = {
            block: (
                _pair(w, f"{block}/feed_forward/inner"),
                _pair(w, f"{block}/feed_forward/outer"),
            )
            for block in self.encoder_blocks + self.decoder_blocks
        }
        if m.tie_embeddings:
            self.output_kernel, self.output_bias = self.target.tokens.T, w["decoder/vars/0"]
        else:
            self.output_kernel, self.output_bias = _pair(w, "decoder/output_dense")

    def _norm(self, x, path):
        return _layer_norm(x, self.norms[path], TRANSFORMER_NORM_EPSILON)

    def encode(self, ids):
        """`(memory, state)`: every decoder block's cross-attention keys and values of
        the source; an empty self-attention cache at position 0."""
        x = self.source(ids)
        for block in self.encoder_blocks:
            attention = self.attentions[f"{block}/attention"]
            h = self._norm(x, f"{block}/attention_norm")
            keys, values = attention.split(h, attention.key), attention.split(h, attention.value)
            x = x + attention(h, keys, values)[0]
            h = self._norm(x, f"{block}/feed_forward_norm")
            x = x + _feed_forward(h, self.feed_forwards[block])
        outputs = self._norm(x, "encoder/final_norm")
        memory = []
        for block in self.decoder_blocks:
            cross = self.attentions[f"{block}/cross_attention"]
            memory.append((cross.split(outputs, cross.key), cross.split(outputs, cross.value)))
        state = {"position": 0, "cache": [None] * len(self.decoder_blocks)}
        return memory, state

    def step(self, token: int, state: dict, memory):
        """One decoding step: `(logits (vocab,), new state, weights (src_len,))`; the
        weights are the last block's attention over the source, averaged over its heads."""
        x = self.target([token], start=state["position"])
        cache = []
        for block, (cross_keys, cross_values), past in zip(
            self.decoder_blocks, memory, state["cache"], strict=True
        ):
            attention = self.attentions[f"{block}/self_attention"]
            h = self._norm(x, f"{block}/self_norm")
            keys, values = attention.split(h, attention.key), attention.split(h, attention.value)
            if past is not None:
                keys = np.concatenate([past[0], keys], axis=1)
                values = np.concatenate([past[1], values], axis=1)
            cache.append((keys, values))
            x = x + attention(h, keys, values)[0]
            h = self._norm(x, f"{block}/cross_norm")
            context, weights = self.attentions[f"{block}/cross_attention"](
                h, cross_keys, cross_values
            )
            x = x + context
            h = self._norm(x, f"{block}/feed_forward_norm")
            x = x + _feed_forward(h, self.feed_forwards[block])
        hidden = self._norm(x[0], "decoder/final_norm")
        logits = hidden @ self.output_kernel + self.output_bias
        new_state = {"position": state["position"] + 1, "cache": cache}
        return logits, new_state, weights[:, 0].mean(axis=0)
