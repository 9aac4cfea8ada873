"""Word alignments: reading gold alignments, alignments from attention, alignment error rate.

Does a model's attention find which source word each target word translates? Where the
truth is known (the generated datasets write it, :mod:`keras_attn.datasets`; people
annotate it for real languages) it can be measured:

    >>> gold = read_alignments("test.align", pairs)         # Pharaoh/Moses lines
    >>> result = evaluate_alignments(model, pairs, gold)
    >>> print(result.summary())                               # AER, argmax and threshold

**Format.** One line per sentence pair, in the order of the pairs; each line holds links
``i-j`` (sure) and ``i?j`` or ``ipj`` (possible), ``i`` the source word and ``j`` the
target word, counted from 0; words are the whitespace-separated words of the raw
sentences (so ``eats.`` is one word). An empty line: no links.

**From attention to words.** The model's tokens (words, WordPiece pieces or characters,
see :mod:`keras_attn.text`) are mapped back to the words they come from
(:func:`token_word_map`); ``[END]`` and the space token of character models belong to
no word. The attention of a target word to a source word is the attention its tokens
give to that word's tokens, summed over the source tokens and averaged over the target
tokens. The attention is that of the model reading the reference translation (forced
decoding, as Luong et al. 2015 measured it), so it is scored against the gold links of
the very words it produced. :func:`attention_alignment` then links

* ``argmax``: each target word to the source word it attends to most, unless the
  attention left over for no word (``[END]``, spaces) is larger still;
* ``threshold``: each target word to every source word given at least ``threshold``.

**Alignment error rate** (Och and Ney 2003), for predicted links A, sure links S and
possible links P (S is a part of P): ``AER = 1 - (|A∩S| + |A∩P|) / (|A| + |S|)``, summed
over the corpus. 0 is perfect; lower is better.

**Modules.** :mod:`~keras_attn.alignment.pharaoh` reads and writes the files,
:mod:`~keras_attn.alignment.scores` counts links and computes the AER,
:mod:`~keras_attn.alignment.links` maps tokens to words and reads links off attention
weights, :mod:`~keras_attn.alignment.evaluate` runs a model over a test set. Every name is
importable from ``keras_attn.alignment`` itself.
"""

from keras_attn.alignment.evaluate import (
    AlignmentResult,
    check_has_attention,
    evaluate_alignments,
    forced_attention,
)
from keras_attn.alignment.links import (
    DEFAULT_THRESHOLD,
    MODES,
    attention_alignment,
    check_threshold,
    token_word_map,
)
from keras_attn.alignment.pharaoh import (
    GoldAlignment,
    Link,
    format_alignment,
    parse_alignment,
    read_alignments,
    write_alignments,
)
from keras_attn.alignment.scores import (
    aer_precision_recall,
    alignment_counts,
    alignment_error_rate,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "MODES",
    "AlignmentResult",
    "GoldAlignment",
    "Link",
    "aer_precision_recall",
    "alignment_counts",
    "alignment_error_rate",
    "attention_alignment",
    "check_has_attention",
    "check_threshold",
    "evaluate_alignments",
    "forced_attention",
    "format_alignment",
    "parse_alignment",
    "read_alignments",
    "token_word_map",
    "write_alignments",
]
