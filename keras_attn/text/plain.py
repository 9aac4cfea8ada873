"""A sentence to token ids and back in plain Python: :class:`PlainTextEncoder`.

:class:`~keras_attn.text.TextEncoder` encodes with TensorFlow ops, so that it runs inside
``tf.data`` and compiled graphs. This class reads the same configuration and gives the same
ids for one sentence at a time with the standard library, the `regex` module and nothing
else, so that a sentence can be read before TensorFlow has loaded (the app's first
translation, :mod:`keras_attn.numpy_translator`). tests/test_plain_text.py checks that
both give the same ids and the same text.
"""

from __future__ import annotations

import unicodedata

from keras_attn.config import TOKENIZER_KINDS
from keras_attn.text.detokenize import CONTINUATION, SPACE, text_of
from keras_attn.text.normalize import normalize_text
from keras_attn.text.specials import SPECIALS, UNK_ID, output_ids

#: Words longer than this many UTF-8 bytes are one `[UNK]` (as
#: ``tensorflow_text.FastWordpieceTokenizer``'s `max_bytes_per_word`).
MAX_BYTES_PER_WORD = 100


class NewCharacters(ValueError):
    """A sentence holds characters unassigned in Python's Unicode database (newer, or
    not characters at all). The character classes of TensorFlow's regular expressions
    come from other Unicode tables, so the two readings of such a sentence could differ
    (newly added Han ideographs, for one); TensorFlow's encoder reads it instead."""


class PlainTextEncoder:
    """One language side's tokenizer, from a :class:`~keras_attn.text.TextEncoder`'s
    configuration (``TextEncoder.get_config()``, or the fields of a saved model).

    Args:
        vocabulary: the token strings, the four special tokens first.
        tokenizer: ``"word"``, ``"subword"`` or ``"char"``.
        lowercase, strip_accents, normalization, max_length: as for `TextEncoder`.
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
        self.vocabulary = [str(v) for v in vocabulary]
        if tuple(self.vocabulary[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"A vocabulary must start with {list(SPECIALS)}.")
        if tokenizer not in TOKENIZER_KINDS:
            raise ValueError(f"Unknown tokenizer {tokenizer!r}.")
        self.tokenizer = tokenizer
        self.lowercase = bool(lowercase)
        self.strip_accents = bool(strip_accents)
        self.normalization = normalization
        self.max_length = int(max_length)
        self._index = {token: i for i, token in enumerate(self.vocabulary)}

    def normalize(self, sentence: str) -> str:
        """The sentence as the tokenizer reads it: words separated by single spaces."""
        return normalize_text(
            sentence,
            lowercase=self.lowercase,
            strip_accents=self.strip_accents,
            form=self.normalization,
        )

    def encode(self, sentence: str) -> list[int]:
        """Token ids of one sentence, without START or END, cut to `max_length`
        (``TextEncoder.encode`` of a batch of one).

        Raises:
            NewCharacters: the sentence holds a character that Python's Unicode database
                does not know.
        """
        unknown = next((c for c in sentence if unicodedata.category(c) == "Cn"), None)
        if unknown is not None:
            raise NewCharacters(
                f"U+{ord(unknown):04X} is not in Python's Unicode {unicodedata.unidata_version} "
                "database, so the plain-Python reading might differ from TensorFlow's."
            )
        normalized = self.normalize(sentence)
        words = normalized.split(" ") if normalized else []
        if self.tokenizer == "word":
            ids = [self._index.get(word, UNK_ID) for word in words]
        elif self.tokenizer == "subword":
            ids = [i for word in words for i in self._pieces(word)]
        else:
            ids = [self._index.get(c, UNK_ID) for c in normalized.replace(" ", SPACE)]
        return ids[: self.max_length]

    def _pieces(self, word: str) -> list[int]:
        """WordPiece: the longest piece of the vocabulary at the start of the word, then
        the longest ``##`` piece at each next position; one `[UNK]` for a word that cannot
        be covered so, or that is longer than `MAX_BYTES_PER_WORD` bytes."""
        if len(word.encode("utf-8")) > MAX_BYTES_PER_WORD:
            return [UNK_ID]
        ids = []
        start = 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else CONTINUATION + word[start:end]
                found = self._index.get(piece)
                if found is not None:
                    ids.append(found)
                    start = end
                    break
            else:
                return [UNK_ID]
        return ids

    def decode(self, ids) -> str:
        """The readable sentence of output ids up to the first END (PAD and START
        skipped), as ``TextEncoder.decode`` gives it."""
        return text_of([self.vocabulary[i] for i in output_ids(ids)], self.tokenizer)
