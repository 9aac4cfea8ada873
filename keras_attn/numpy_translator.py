"""Greedy translation of an RNN model's ``.keras`` file with NumPy alone.

TensorFlow takes seconds to import. :class:`NumpyTranslator` reads a saved RNN translator
(:class:`keras_attn.model.Translator`) with `zipfile`, `json` and `h5py`, and translates
one sentence at a time greedily with the same arithmetic in NumPy, so that the app can
answer its first request while TensorFlow is still loading. It gives the tokens, the
log-probability and the attention weights that greedy decoding of the loaded Keras model
gives (tests/test_numpy_translator.py compares them on every kind of RNN model), and
nothing else: beam search, sampling, the step-through session and the Transformer need
TensorFlow.

    >>> quick = NumpyTranslator.load("model.keras")   # about a tenth of a second
    >>> quick.translate("Ich habe heute keine Zeit.").text
    "I don't have time today."

A model it cannot run exactly (a Transformer, or one saved with another compute dtype)
is refused by :meth:`NumpyTranslator.load` with :class:`NotSupported`; the caller then
waits for TensorFlow.
"""

from __future__ import annotations

import dataclasses
import io
import os
import zipfile

import numpy as np

from keras_attn.config import Config, as_saved
from keras_attn.errors import KerasAttnError, ModelFileError
from keras_attn.saving import read_model_config
from keras_attn.sentences import check_text
from keras_attn.text.plain import NewCharacters, PlainTextEncoder
from keras_attn.text.specials import END_ID, START_ID

#: Keras's LayerNormalization epsilon, which the decoder's `norm` layer keeps.
LAYER_NORM_EPSILON = 1e-3


class NotSupported(Exception):
    """The model is of a kind :class:`NumpyTranslator` does not run (the message says
    which); TensorFlow's model translates it."""


@dataclasses.dataclass
class GreedyTranslation:
    """One sentence's greedy translation.

    Attributes:
        text: the readable output ("" when nothing is left of the sentence once
            normalized).
        log_prob: the summed log-probability of the output tokens.
        token_ids: output token ids, `[END]` included when it was produced.
        weights: float32 `(len(token_ids), src_len)` attention weights, `src_len` being
            the source tokens plus `[END]` (all zeros without attention).
    """

    text: str
    log_prob: float
    token_ids: list[int]
    weights: np.ndarray


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # no overflow warnings for large |x|


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


class NumpyTranslator:
    """An RNN translator's greedy decoding in NumPy (see the module's text).

    Build it with :meth:`load`. Attributes, as a
    :class:`~keras_attn.model.Translator` names them: `config` (the model's
    :class:`~keras_attn.config.Config`), `info` (the facts saved with it),
    `source_text` and `target_text` (:class:`~keras_attn.text.plain.PlainTextEncoder`).
    """

    def __init__(
        self, config: Config, source_vocabulary, target_vocabulary, weights: dict, info=None
    ):
        self.config = config
        self.info = dict(info or {})
        m = config.model
        self.source_text = PlainTextEncoder(source_vocabulary, **config.source.encoder_options())
        self.target_text = PlainTextEncoder(target_vocabulary, **config.target.encoder_options())
        self._read(m, weights)

    def _read(self, m, w):
        """Take the weights `w` (arrays by their path in the file) the model `m` needs;
        KeyError naming the first one missing."""
        self.rnn = m.rnn
        self.source_embedding = w["encoder/embedding/vars/0"]
        self.encoder_layers = []
        for i in range(m.encoder_layers):
            name = "encoder/rnn_layers/bidirectional" + (f"_{i}" if i else "")
            self.encoder_layers.append(
                (
                    _Cell(m.rnn, w, f"{name}/forward_layer"),
                    _Cell(m.rnn, w, f"{name}/backward_layer"),
                )
            )
        self.bridges = [
            (w[f"{name}/vars/0"], w[f"{name}/vars/1"])
            for name in (
                "encoder/bridges/dense" + (f"_{i}" if i else "")
                for i in range(2 if m.rnn == "lstm" else 1)
            )
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
        self.norm = (w["decoder/norm/vars/0"], w["decoder/norm/vars/1"]) if m.output_norm else None
        if m.tie_embeddings:
            self.output_kernel = self.target_embedding.T
            self.output_bias = w["decoder/vars/0"]
            self.tie_projection = (
                w["decoder/tie_projection/vars/0"] if m.embedding_dim != m.units else None
            )
        else:
            self.output_kernel = w["decoder/output_dense/vars/0"]
            self.output_bias = w["decoder/output_dense/vars/1"]
            self.tie_projection = None

    # -- reading a file ------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike) -> NumpyTranslator:
        """Read a ``.keras`` file of an RNN translator.

        Raises:
            ModelFileError: the file is missing, damaged or not a keras-attn model (as
                :func:`keras_attn.saving.load_model` would say).
            NotSupported: a model this class does not run (a Transformer, or another
                compute dtype than float32).
        """
        saved = read_model_config(path)
        options = saved.get("config")
        if not isinstance(options, dict):
            raise ModelFileError(f"{path}: the file is damaged (its config.json has no model).")
        reason = cls.unsupported(saved)
        if reason:
            raise NotSupported(reason)
        try:
            config = Config.from_dict(as_saved(options["config"]))
            source, target = options["source_vocabulary"], options["target_vocabulary"]
        except (KeyError, TypeError, ValueError, KerasAttnError) as error:
            raise ModelFileError(f"{path}: the file is damaged ({error}).") from None
        try:
            weights = _read_weights(path)
        except (OSError, KeyError, zipfile.BadZipFile, ValueError) as error:
            raise ModelFileError(f"{path}: its weights cannot be read ({error}).") from None
        try:
            info = options.get("info")
            return cls(config, source, target, weights, info if isinstance(info, dict) else None)
        except KeyError as error:
            raise ModelFileError(
                f"{path}: the file is damaged: its weights lack {error.args[0]}, which its "
                "configuration needs."
            ) from None
        except (TypeError, ValueError, IndexError) as error:
            raise ModelFileError(f"{path}: the file is damaged ({error}).") from None

    @staticmethod
    def unsupported(saved: dict) -> str | None:
        """Why the model a config.json describes cannot run here; None when it can."""
        if saved.get("class_name") != "Translator":
            return f"a {saved.get('class_name')} needs TensorFlow"
        options = saved.get("config") or {}
        model = (options.get("config") or {}).get("model") or {}
        if model.get("architecture", "rnn") != "rnn":
            return "a Transformer needs TensorFlow"
        policy = options.get("dtype")
        name = policy.get("config", {}).get("name") if isinstance(policy, dict) else policy
        if name not in (None, "float32"):
            return f"the model computes in {name}, not float32"
        return None

    # -- the model -----------------------------------------------------------------
    def source_ids(self, sentence: str) -> list[int]:
        """The ids the model reads: the sentence's tokens (at most `max_length`), then END."""
        return [*self.source_text.encode(sentence), END_ID]

    def encode(self, ids):
        """`(outputs (src_len, units), keys, initial decoder state)` of source ids."""
        x = self.source_embedding[np.asarray(ids)]
        finals: tuple = ()
        for forward, backward in self.encoder_layers:
            fw_out, fw_state = _run(forward, x)
            bw_out, bw_state = _run(backward, x[::-1])
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
        return x, keys, state

    def _attend(self, query, outputs, keys):
        if self.attention == "none":
            return keys, np.zeros(len(outputs), np.float32)
        if self.attention in ("bahdanau", "luong-concat"):
            scores = np.tanh(keys + query @ self.query_dense) @ self.score_dense
        else:
            scores = keys @ query
        weights = np.exp(scores - scores.max())
        weights /= weights.sum()
        return weights @ outputs, weights

    def step(self, token: int, state: list, outputs, keys):
        """One decoding step: `(logits (vocab,), new state, weights (src_len,))`."""
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
            gamma, beta = self.norm
            mean = attentional.mean()
            variance = np.square(attentional - mean).mean()
            attentional = (attentional - mean) / np.sqrt(variance + LAYER_NORM_EPSILON)
            attentional = attentional * gamma + beta
        if self.input_feeding:
            new_state.append(attentional)
        if self.tie_projection is not None:
            attentional = attentional @ self.tie_projection
        return attentional @ self.output_kernel + self.output_bias, new_state, weights

    def translate(self, sentence: str) -> GreedyTranslation:
        """Greedy decoding of one sentence, as :func:`keras_attn.evaluation.translate_batch`
        with `temperature=0` gives it: the most likely token at every step, never one
        that repeats a phrase of the model's `no_repeat_ngram` tokens, at most
        ``min(2 * src_len + 10, target max_length + 1)`` tokens.

        Raises:
            TranslationError: the sentence holds a lone surrogate (not text).
            NotSupported: it holds characters unknown to Python's Unicode database
                (:class:`~keras_attn.text.plain.NewCharacters`).
        """
        check_text(sentence)
        try:
            ids = self.source_ids(sentence) if sentence.strip() else [END_ID]
        except NewCharacters as error:
            raise NotSupported(f"This sentence needs TensorFlow's text reading: {error}") from None
        if len(ids) <= 1:  # nothing left once normalized
            return GreedyTranslation("", 0.0, [], np.zeros((0, 0), np.float32))
        outputs, keys, state = self.encode(ids)
        cap = min(2 * len(ids) + 10, self.config.target.max_length + 1)
        guard = self.config.repeat_guard()
        token, log_prob = START_ID, 0.0
        written: list[int] = []
        rows: list = []
        while len(written) < cap:
            logits, state, weights = self.step(token, state, outputs, keys)
            logits = logits.astype(np.float64)
            top = logits.max()
            log_p = logits - (top + np.log(np.exp(logits - top).sum()))
            for banned in _repeats(written, guard):
                logits[banned] = -np.inf
            token = int(np.argmax(logits))
            written.append(token)
            rows.append(weights)
            log_prob += float(log_p[token])
            if token == END_ID:
                break
        return GreedyTranslation(
            self.target_text.decode(written), log_prob, written, np.asarray(rows, np.float32)
        )


def _run(cell: _Cell, x):
    """A cell over `x` `(time, features)` from zero states: `(outputs, final state)`."""
    units = cell.recurrent.shape[0]
    state = [np.zeros(units, np.float32) for _ in range(2 if cell.kind == "lstm" else 1)]
    outputs = []
    for row in x:
        h, state = cell.step(row, state)
        outputs.append(h)
    return np.stack(outputs), state


def _repeats(written: list[int], n: int) -> list[int]:
    """The tokens that, written next, would repeat a phrase of `n` tokens of `written`
    (:func:`keras_attn.search.repeat_bans` for one output)."""
    if n < 1 or len(written) < n:
        return []
    tail = written[len(written) - n + 1 :] if n > 1 else []
    return [
        written[start + n - 1]
        for start in range(len(written) - n + 1)
        if written[start : start + n - 1] == tail
    ]


def _read_weights(path) -> dict:
    """Every array of the file's ``model.weights.h5``, by its path inside it."""
    import h5py

    with zipfile.ZipFile(path) as archive:
        data = archive.read("model.weights.h5")
    arrays: dict = {}
    with h5py.File(io.BytesIO(data), "r") as weights:
        weights.visititems(
            lambda name, item: (
                arrays.__setitem__(name, np.asarray(item, np.float32))
                if isinstance(item, h5py.Dataset)
                else None
            )
        )
    return arrays
