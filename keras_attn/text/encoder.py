"""`TextEncoder`: sentences of one language side to token ids and back.

Three tokenizers share one interface:

* ``word``: the space-separated words of the normalized sentence, looked up in a
  ``tf.lookup.StaticHashTable``;
* ``subword``: the same words, each split into WordPiece pieces by
  ``tensorflow_text.FastWordpieceTokenizer`` (continuation pieces start with ``##``);
* ``char``: the characters of the normalized sentence (code points), the space being
  the token ``▁``.

Encoding runs in TensorFlow ops only (normalization included), so it works eagerly,
inside ``tf.function`` and inside ``tf.data.Dataset.map``. Decoding runs in Python.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Iterable

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from keras_attn.config import TOKENIZER_KINDS
from keras_attn.errors import ConfigurationError
from keras_attn.text import vocabulary as vocab_lib
from keras_attn.text.detokenize import CONTINUATION, SPACE, detokenize, text_of
from keras_attn.text.normalize import FORMS, normalize, normalize_list
from keras_attn.text.specials import output_ids
from keras_attn.text.vocabulary import SPECIALS, UNK, UNK_ID

TOKENIZERS = TOKENIZER_KINDS  # the tokenizers an encoder can be built with
# How a WordPiece continuation piece is shown to people: "##en" -> "·en".
SHOWN_CONTINUATION = "·"

_CONFIG_KEYS = (
    "vocabulary",
    "tokenizer",
    "lowercase",
    "strip_accents",
    "normalization",
    "max_length",
)


def _check_choice(name: str, value, allowed) -> None:
    """ConfigurationError naming argument `name` unless `value` is one of `allowed`."""
    if value not in allowed:
        raise ConfigurationError(
            f"Received an invalid value for argument `{name}`: {value!r}; expected one of "
            f"{list(allowed)}."
        )


def _check_integer(name: str, value, minimum: int) -> None:
    """ConfigurationError naming argument `name` unless `value` is an int >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(
            f"Received an invalid value for argument `{name}`: {value!r}; expected an "
            f"integer >= {minimum}."
        )


class TextEncoder:
    """Turns sentences of one language side into token ids and back. Holds its vocabulary.

    Args:
        vocabulary: the token strings; ids are positions. The first four entries must be
            ``[PAD]``, ``[UNK]``, ``[START]``, ``[END]``; no entry may repeat.
        tokenizer: ``"word"``, ``"subword"`` (WordPiece) or ``"char"``.
        lowercase: fold case during normalization.
        strip_accents: drop combining diacritical marks during normalization.
        normalization: Unicode normal form, ``"NFKC"`` or ``"NFKD"``.
        max_length: tokens kept per sentence by :meth:`encode`; longer input is cut.

    Example:

        >>> enc = TextEncoder.build(["Ich bin hier.", "Du bist hier."])
        >>> enc.decode(enc.encode(["Du bist hier!"]))
        ['du bist hier [UNK]']

    ("!" was never seen, so it is unknown.)
    """

    def __init__(
        self,
        vocabulary,
        *,
        tokenizer="word",
        lowercase=True,
        strip_accents=False,
        normalization="NFKC",
        max_length=50,
    ):
        vocabulary = [str(v) for v in vocabulary]
        if tuple(vocabulary[: len(SPECIALS)]) != SPECIALS:
            raise ConfigurationError(
                f"Received an invalid value for argument `vocabulary`: it must start with "
                f"{list(SPECIALS)}, got {vocabulary[: len(SPECIALS)]}."
            )
        if len(set(vocabulary)) != len(vocabulary):
            seen, repeated = set(), []
            for v in vocabulary:
                if v in seen:
                    repeated.append(v)
                seen.add(v)
            raise ConfigurationError(
                f"Received an invalid value for argument `vocabulary`: repeated entries "
                f"{repeated[:5]}."
            )
        _check_choice("tokenizer", tokenizer, TOKENIZERS)
        _check_choice("normalization", normalization, FORMS)
        for name, value in (("lowercase", lowercase), ("strip_accents", strip_accents)):
            if not isinstance(value, bool):
                raise ConfigurationError(
                    f"Received an invalid value for argument `{name}`: {value!r}; expected "
                    f"true or false."
                )
        _check_integer("max_length", max_length, 1)
        self.vocabulary: list[str] = vocabulary
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.normalization = normalization
        self.max_length = max_length
        self._index = {token: i for i, token in enumerate(vocabulary)}
        self._lock = threading.Lock()
        self._table = None
        self._wordpiece = None

    # -- construction -------------------------------------------------------
    @classmethod
    def build(
        cls,
        texts: Iterable[str],
        *,
        tokenizer="word",
        lowercase=True,
        strip_accents=False,
        normalization="NFKC",
        vocab_size=8000,
        max_length=50,
        min_count=1,
    ) -> TextEncoder:
        """Learns a vocabulary from training sentences.

        Args:
            texts: raw sentences (Python strings) of this language side.
            vocab_size: the most entries the vocabulary may hold, specials included;
                small data gives smaller vocabularies.
            min_count: the fewest occurrences a word (``word``), a character (``char``) or a
                piece (``subword``; single characters are always kept) needs to enter.
            Other arguments: as for the constructor.

        Returns:
            A `TextEncoder`. The same sentences give the same vocabulary, in any order.
        """
        _check_choice("tokenizer", tokenizer, TOKENIZERS)
        _check_integer("vocab_size", vocab_size, len(SPECIALS) + 1)
        _check_integer("min_count", min_count, 1)
        _check_choice("normalization", normalization, FORMS)
        sentences = normalize_list(
            texts, lowercase=lowercase, strip_accents=strip_accents, form=normalization
        )
        learn = {
            "word": vocab_lib.learn_words,
            "subword": vocab_lib.learn_wordpieces,
            "char": vocab_lib.learn_chars,
        }[tokenizer]
        vocabulary = learn(sentences, vocab_size, min_count)
        return cls(
            vocabulary,
            tokenizer=tokenizer,
            lowercase=lowercase,
            strip_accents=strip_accents,
            normalization=normalization,
            max_length=max_length,
        )

    @classmethod
    def from_config_for(cls, text_config, texts: Iterable[str]) -> TextEncoder:
        """Builds an encoder from a :class:`keras_attn.config.TextConfig` and sentences."""
        return cls.build(texts, vocab_size=text_config.vocab_size, **text_config.encoder_options())

    def get_config(self) -> dict:
        """A JSON-able dict holding everything, the full vocabulary included."""
        return {
            "vocabulary": list(self.vocabulary),
            "tokenizer": self.tokenizer,
            "lowercase": self.lowercase,
            "strip_accents": self.strip_accents,
            "normalization": self.normalization,
            "max_length": self.max_length,
        }

    @classmethod
    def from_config(cls, config: dict) -> TextEncoder:
        """The encoder `get_config` described: the same ids for the same text."""
        if not isinstance(config, dict):
            raise ConfigurationError(
                f"Expected a dict for the text encoder configuration, got {type(config).__name__}."
            )
        unknown = set(config) - set(_CONFIG_KEYS)
        if unknown:
            raise ConfigurationError(
                f"Unknown text encoder configuration key(s): {sorted(unknown)}; known keys: "
                f"{list(_CONFIG_KEYS)}."
            )
        if "vocabulary" not in config:
            raise ConfigurationError("The text encoder configuration has no `vocabulary`.")
        return cls(**config)

    # -- properties -------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        """Number of entries in the vocabulary, specials included."""
        return len(self.vocabulary)

    def __repr__(self):
        return (
            f"TextEncoder(tokenizer={self.tokenizer!r}, vocab_size={self.vocab_size}, "
            f"max_length={self.max_length})"
        )

    def __eq__(self, other):
        return isinstance(other, TextEncoder) and self.get_config() == other.get_config()

    __hash__ = None  # type: ignore[assignment]  # equal by value, so not hashable

    def __getstate__(self):  # tables and the lock are rebuilt on demand after a copy
        return self.get_config()

    def __setstate__(self, state):
        self.__init__(**state)

    # -- encoding (graph) -------------------------------------------------------
    def normalize(self, texts) -> tf.Tensor:
        """The encoder's normalization of `texts` (a `tf.string` tensor, same shape)."""
        return normalize(
            texts,
            lowercase=self.lowercase,
            strip_accents=self.strip_accents,
            form=self.normalization,
        )

    def _lookup_table(self):
        with self._lock:
            if self._table is None:
                with tf.init_scope():  # created eagerly even when first used in a graph
                    keys = tf.constant(self.vocabulary, dtype=tf.string)
                    values = tf.range(len(self.vocabulary), dtype=tf.int32)
                    init = tf.lookup.KeyValueTensorInitializer(keys, values)
                    self._table = tf.lookup.StaticHashTable(init, default_value=UNK_ID)
            return self._table

    def _wordpiece_tokenizer(self):
        with self._lock:
            if self._wordpiece is None:
                with tf.init_scope():
                    self._wordpiece = tf_text.FastWordpieceTokenizer(
                        self.vocabulary,
                        suffix_indicator=CONTINUATION,
                        token_out_type=tf.int32,
                        unknown_token=UNK,
                        no_pretokenization=True,
                    )
            return self._wordpiece

    def resources(self) -> list:
        """The TensorFlow objects :meth:`encode` looks tokens up with (created now if need
        be): a lookup table, or the WordPiece tokenizer. A saved graph that encodes must
        keep them, e.g. by tracking them in a SavedModel."""
        if self.tokenizer == "subword":
            return [self._wordpiece_tokenizer()]
        return [self._lookup_table()]

    def _as_batch(self, texts) -> tf.Tensor:
        if isinstance(texts, str):
            texts = [texts]
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        if texts.shape.rank == 0:
            texts = tf.expand_dims(texts, 0)
        elif texts.shape.rank not in (None, 1):
            raise ValueError(
                f"Expected sentences of shape `(batch,)`, got a tensor of shape {texts.shape}."
            )
        return texts

    def _pieces(self, normalized: tf.Tensor) -> tf.RaggedTensor:
        """Ids `(batch, words, pieces)` of normalized sentences (subword mode)."""
        words = tf.strings.split(normalized)
        return self._wordpiece_tokenizer().tokenize(words)

    def encode(self, texts) -> tf.RaggedTensor:
        """Token ids of sentences, without START or END, cut to `max_length`.

        Args:
            texts: a `tf.string` tensor of shape `(batch,)` or a list of str (a single str
                or a scalar tensor is a batch of one).

        Returns:
            An int32 `tf.RaggedTensor` of shape `(batch, None)`; tokens outside the
            vocabulary are `UNK_ID`.
        """
        return self._encode_whole(texts)[:, : self.max_length]

    def _encode_whole(self, texts) -> tf.RaggedTensor:
        normalized = self.normalize(self._as_batch(texts))
        if self.tokenizer == "word":
            return self._lookup_table().lookup(tf.strings.split(normalized))
        if self.tokenizer == "subword":
            return self._pieces(normalized).merge_dims(1, 2)
        spaced = tf.strings.regex_replace(normalized, " ", SPACE)
        return self._lookup_table().lookup(tf.strings.unicode_split(spaced, "UTF-8"))

    def token_counts(self, texts) -> list[int]:
        """Tokens in each sentence before cutting to `max_length` (to tell people when
        their input was too long)."""
        return [int(n) for n in self._encode_whole(texts).row_lengths().numpy()]

    # -- display and decoding (python) -------------------------------------------
    def tokens(self, texts) -> list[list[str]]:
        """The tokens of each sentence as the model sees them, for display.

        Unlike :meth:`decode_tokens`, a token outside the vocabulary is shown as the
        surface text it stands for (the normalized word, or the character) instead of
        ``[UNK]``. WordPiece continuations are shown as ``·en`` rather than ``##en``; in
        char mode the space is ``▁``. At most `max_length` tokens per sentence.
        """
        normalized = self.normalize(self._as_batch(texts))
        if self.tokenizer == "subword":
            pieces = self._pieces(normalized).to_list()
            words = tf.strings.split(normalized).to_list()
            out = []
            for sentence_words, sentence_pieces in zip(words, pieces, strict=True):
                shown: list[str] = []
                for word, ids in zip(sentence_words, sentence_pieces, strict=True):
                    if list(ids) == [UNK_ID]:
                        shown.append(word.decode("utf-8"))
                    else:
                        shown.extend(self._show(i) for i in ids)
                out.append(shown[: self.max_length])
            return out
        out = []
        for sentence in normalized.numpy().tolist():
            sentence = sentence.decode("utf-8")
            if self.tokenizer == "word":
                units = sentence.split()
            else:
                units = list(sentence.replace(" ", SPACE))
            out.append(units[: self.max_length])
        return out

    def _show(self, token_id: int) -> str:
        token = self.vocabulary[token_id]
        if self.tokenizer == "subword" and token.startswith(CONTINUATION) and token != CONTINUATION:
            return SHOWN_CONTINUATION + token[len(CONTINUATION) :]
        return token

    def _rows(self, ids) -> list[list[int]]:
        """Ids of any array-like form as Python lists, cut at the first END."""
        if isinstance(ids, tf.RaggedTensor):
            rows = ids.to_list()
        elif tf.is_tensor(ids) or isinstance(ids, np.ndarray):
            rows = np.asarray(ids).tolist()
        else:
            rows = [r if isinstance(r, numbers.Integral) else np.asarray(r).tolist() for r in ids]
        if rows and isinstance(rows[0], numbers.Integral):  # one sentence, shape (len,)
            rows = [rows]
        n = len(self.vocabulary)
        out = []
        for row in rows:
            kept = list(output_ids(row))
            for i in kept:
                if not 0 <= i < n:
                    raise ValueError(
                        f"Received token id {i}, outside the vocabulary of {n} entries."
                    )
            out.append(kept)
        return out

    def decode_tokens(self, ids) -> list[list[str]]:
        """The token strings of each row of ids up to the first END, for heatmap axes.

        PAD and START are skipped; ``[UNK]`` stays ``[UNK]``; WordPiece continuations are
        shown as ``·en``; in char mode the space is ``▁``.
        """
        return [[self._show(i) for i in row] for row in self._rows(ids)]

    def decode(self, ids) -> list[str]:
        """Readable sentences from ids.

        Args:
            ids: array-like of shape `(batch, len)`: a NumPy array, a `tf.Tensor`, a
                `tf.RaggedTensor` or a list of lists of ints (a flat sequence of ints is one
                sentence).

        Returns:
            One string per row: the tokens up to the first END (PAD and START skipped,
            unknown tokens as ``[UNK]``) turned into words (WordPiece pieces merged, char
            tokens joined and split at ``▁``), then joined with the spacing rules of
            :func:`keras_attn.text.detokenize`. For a sentence `x` whose tokens are all
            in the vocabulary and within `max_length`,
            ``decode(encode([x]))[0] == detokenize(normalize(x).split())``.
        """
        return [
            text_of([self.vocabulary[i] for i in row], self.tokenizer) for row in self._rows(ids)
        ]

    def readable(self, texts) -> list[str]:
        """What a perfect round trip gives: the normalized sentences, detokenized."""
        return [
            detokenize(s.decode("utf-8").split())
            for s in self.normalize(self._as_batch(texts)).numpy().tolist()
        ]
