"""Text: normalization, vocabularies, tokenizers, detokenization and the input pipeline.

    >>> from keras_attn.text import TextEncoder, make_dataset
    >>> source = TextEncoder.build(german_sentences, tokenizer="subword", vocab_size=4000)
    >>> source.encode(["Wie geht's?"])          # int32 RaggedTensor (batch, None)
    >>> source.decode([[5, 17, 3]])              # readable strings, stop at [END]
    >>> dataset = make_dataset(pairs, source, target, batch_size=64)

Ids 0 to 3 of every vocabulary are ``[PAD]``, ``[UNK]``, ``[START]`` and ``[END]``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from keras_attn.config import TOKENIZER_KINDS as TOKENIZERS
from keras_attn.text.detokenize import SPACE, detokenize
from keras_attn.text.normalize import normalize
from keras_attn.text.specials import (
    END,
    END_ID,
    PAD,
    PAD_ID,
    SPECIALS,
    START,
    START_ID,
    UNK,
    UNK_ID,
)

if TYPE_CHECKING:
    from keras_attn.text.encoder import TextEncoder
    from keras_attn.text.pipeline import (
        PaddingCount,
        bucket_boundaries,
        count_padding,
        make_dataset,
        token_count,
    )

# Names that need TensorFlow, imported on first use (PEP 562), so that the light parts
# (the special tokens, detokenization, :mod:`keras_attn.text.plain`) load without it.
_LAZY = {
    "TextEncoder": "keras_attn.text.encoder",
    "PaddingCount": "keras_attn.text.pipeline",
    "bucket_boundaries": "keras_attn.text.pipeline",
    "count_padding": "keras_attn.text.pipeline",
    "make_dataset": "keras_attn.text.pipeline",
    "token_count": "keras_attn.text.pipeline",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "END",
    "END_ID",
    "PAD",
    "PAD_ID",
    "SPACE",
    "SPECIALS",
    "START",
    "START_ID",
    "TOKENIZERS",
    "UNK",
    "UNK_ID",
    "PaddingCount",
    "TextEncoder",
    "bucket_boundaries",
    "count_padding",
    "detokenize",
    "make_dataset",
    "normalize",
    "token_count",
]
