"""Greedy translation of a model's ``.keras`` file with NumPy alone.

TensorFlow takes seconds to import. :class:`NumpyTranslator` reads a saved translator (an
RNN :class:`keras_attn.model.Translator` or a
:class:`keras_attn.transformer.TransformerTranslator`) with `zipfile`, `json` and `h5py`,
and translates one sentence at a time greedily with the same arithmetic in NumPy
(:mod:`keras_attn.numpy_models`), so that the app can answer its first request while
TensorFlow is still loading. It gives the tokens, the log-probability and the attention
weights that greedy decoding of the loaded Keras model gives (tests/test_numpy_translator.py
compares them on every kind of model), and nothing else: beam search, sampling and the
step-through session need TensorFlow.

    >>> quick = NumpyTranslator.load("model.keras")   # about a tenth of a second
    >>> quick.translate("Ich habe heute keine Zeit.").text
    "I don't have time today."

A model it cannot run exactly (one saved with another compute dtype than float32) is
refused by :meth:`NumpyTranslator.load` with :class:`NotSupported`; the caller then
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
from keras_attn.numpy_models import RnnModel, TransformerModel
from keras_attn.saving import read_model_config
from keras_attn.sentences import check_text
from keras_attn.text.plain import NewCharacters, PlainTextEncoder
from keras_attn.text.specials import END_ID, START_ID


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


class NumpyTranslator:
    """A translator's greedy decoding in NumPy (see the module's text).

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
        kind = TransformerModel if m.architecture == "transformer" else RnnModel
        self.model = kind(m, weights)  # KeyError naming a weight the file lacks

    # -- reading a file ------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike) -> NumpyTranslator:
        """Read a keras-attn ``.keras`` file.

        Raises:
            ModelFileError: the file is missing, damaged or not a keras-attn model (as
                :func:`keras_attn.saving.load_model` would say).
            NotSupported: a model this class does not run (another compute dtype than
                float32).
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
        if saved.get("class_name") not in ("Translator", "TransformerTranslator"):
            return f"a {saved.get('class_name')} needs TensorFlow"
        options = saved.get("config") or {}
        policy = options.get("dtype")
        name = policy.get("config", {}).get("name") if isinstance(policy, dict) else policy
        if name not in (None, "float32"):
            return f"the model computes in {name}, not float32"
        return None

    # -- the model -----------------------------------------------------------------
    def source_ids(self, sentence: str) -> list[int]:
        """The ids the model reads: the sentence's tokens (at most `max_length`), then END."""
        return [*self.source_text.encode(sentence), END_ID]

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
        memory, state = self.model.encode(ids)
        cap = min(2 * len(ids) + 10, self.config.target.max_length + 1)
        guard = self.config.repeat_guard()
        token, log_prob = START_ID, 0.0
        written: list[int] = []
        rows: list = []
        while len(written) < cap:
            logits, state, weights = self.model.step(token, state, memory)
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
