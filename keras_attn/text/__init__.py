"""Text: normalization, vocabularies, tokenizers, detokenization and the input pipeline.

    >>> from keras_attn.text import TextEncoder, make_dataset
    >>> source = TextEncoder.build(german_sentences, tokenizer="subword", vocab_size=4000)
    >>> source.encode(["Wie geht's?"])          # int32 RaggedTensor (batch, None)
    >>> source.decode([[5, 17, 3]])              # readable strings, stop at [END]
    >>> dataset = make_dataset(pairs, source, target, batch_size=64)

Ids 0 to 3 of every vocabulary are ``[PAD]``, ``[UNK]``, ``[START]`` and ``[END]``.
"""

from keras_attn.text.detokenize import SPACE, detokenize
from keras_attn.text.encoder import TOKENIZERS, TextEncoder
from keras_attn.text.normalize import normalize
from keras_attn.text.pipeline import (
    PaddingCount,
    bucket_boundaries,
    count_padding,
    make_dataset,
    token_count,
)
from keras_attn.text.vocabulary import (
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
