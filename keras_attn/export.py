"""Exporting a model as a TensorFlow SavedModel that translates strings.

The exported folder needs only TensorFlow and ``tensorflow_text`` (for its text ops) to
run, not keras_attn: normalization, tokenization, greedy decoding and detokenization all
happen inside the saved graph.

    >>> import tensorflow as tf
    >>> import tensorflow_text  # registers the text ops the graph uses
    >>> translator = tf.saved_model.load("exported")
    >>> out = translator.signatures["serving_default"](sentences=tf.constant(["ein Satz"]))
    >>> out["translations"]  # tf.string (batch,)

The ``serving_default`` signature (also callable as ``translator.translate(sentences)``)
takes ``sentences``, a ``tf.string`` tensor of shape ``(batch,)``, and returns a dict:

* ``translations``: ``tf.string`` ``(batch,)``, exactly what
  :meth:`Translator.translate <keras_attn.model.Translator.translate>` returns;
* ``tokens``: ``int32`` ``(batch, T)``, the output token ids (0 after each sentence's
  ``[END]``);
* ``attention``: ``float32`` ``(batch, T, src_len)``, the attention weights of every
  output token over the source tokens (``[END]`` included, padding last).

An empty batch gives empty outputs. An empty sentence, which
:meth:`~keras_attn.model.Translator.translate` refuses, is translated from ``[END]`` alone.

Detokenization in the graph (:func:`decode_in_graph`) follows the same rules as
:meth:`TextEncoder.decode <keras_attn.text.TextEncoder.decode>` and gives the same
strings.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import tensorflow as tf

from keras_attn.errors import ModelFileError
from keras_attn.text.detokenize import CLOSING, CONTINUATION, OPENING, SPACE
from keras_attn.text.vocabulary import END_ID, PAD_ID, START_ID

ENDPOINT = "translate"
INPUT_NAME = "sentences"
INFO_FILE = "keras_attn.json"

# Everything Python's str.split() splits at (the characters whose str.isspace() is true).
PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# Quote marks and the codes the quote-pairing loop gives them.
QUOTE_CODES = {'"': 1, "'": 2, "“": 3, "”": 4, "‘": 5, "’": 6, "„": 7, "‚": 8}
# Text written without spaces: Han, kana, CJK marks, full-width forms, but not the
# Hangul compatibility jamo (U+3130-U+318F).
CJK_RANGES = (
    (0x2E80, 0x312F),
    (0x3190, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)


def _char_class(chars) -> str:
    """An RE2 character class matching exactly `chars`."""
    return "[" + "".join(f"\\x{{{ord(c):X}}}" for c in sorted(chars)) + "]"


_CJK_CLASS = "[" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in CJK_RANGES) + "]"
_WHITESPACE_RUN = _char_class(PYTHON_WHITESPACE) + "+"


# -- detokenization in the graph ------------------------------------------------------------
def _kept_ids(ids) -> tf.RaggedTensor:
    """Ids up to the first [END], without [PAD] and [START], as a ragged `(batch, None)`."""
    ids = tf.convert_to_tensor(ids, tf.int32)
    before_end = tf.equal(tf.cumsum(tf.cast(tf.equal(ids, END_ID), tf.int32), axis=1), 0)
    keep = before_end & tf.not_equal(ids, PAD_ID) & tf.not_equal(ids, START_ID)
    return tf.ragged.boolean_mask(ids, keep)


def _merge_pieces(tokens: tf.RaggedTensor) -> tf.RaggedTensor:
    """WordPiece pieces to words: a piece ``##x`` continues the word before it."""
    flat = tokens.flat_values
    rows = tokens.value_rowids()
    position = tf.range(tf.size(flat, out_type=tf.int64)) - tf.gather(tokens.row_starts(), rows)
    continues = tf.strings.regex_full_match(flat, "(?s)" + CONTINUATION + ".+")
    text = tf.where(continues, tf.strings.regex_replace(flat, "^" + CONTINUATION, ""), flat)
    starts = tf.logical_not(continues) | tf.equal(position, 0)
    word_index = tf.cumsum(tf.cast(starts, tf.int64)) - 1
    n_words = tf.reduce_sum(tf.cast(starts, tf.int64))
    words = tf.strings.unsorted_segment_join(text, word_index, num_segments=n_words)
    return tf.RaggedTensor.from_value_rowids(
        words, tf.boolean_mask(rows, starts), nrows=tokens.nrows()
    )


def _join_chars(tokens: tf.RaggedTensor) -> tf.RaggedTensor:
    """Character tokens to words, split at the space token ``▁`` (and any whitespace)."""
    tokens = tf.ragged.map_flat_values(lambda t: tf.where(tf.equal(t, SPACE), " ", t), tokens)
    text = tf.strings.reduce_join(tokens, axis=1)
    text = tf.strings.regex_replace(text, _WHITESPACE_RUN, " ")
    return tf.strings.split(text, sep=" ")


def _quote_roles(codes, previous_ends_in_s):
    """Which quote marks open and which close, pairing them as `detokenize` does.

    Args:
        codes: int32 `(batch, words)`, the `QUOTE_CODES` of each word (0: not a quote).
        previous_ends_in_s: bool `(batch, words)`, the word before ends in "s" or "S".

    Returns:
        `(opens, closes)`, bool `(batch, words)`.
    """
    batch, width = tf.shape(codes)[0], tf.shape(codes)[1]
    slots = tf.range(width + 1)[None, :]
    columns = tf.range(width)[None, :]

    def body(t, stack, depth, opens, closes):
        q = codes[:, t]
        top = tf.where(depth > 0, tf.gather(stack, tf.maximum(depth - 1, 0), batch_dims=1), 0)
        c = QUOTE_CODES
        pops = (
            (tf.equal(q, c['"']) & tf.equal(top, c['"']))
            | (tf.equal(q, c["'"]) & tf.equal(top, c["'"]))
            | (tf.equal(q, c["“"]) & tf.equal(top, c["„"]))
            | (tf.equal(q, c["‘"]) & tf.equal(top, c["‚"]))
            | (tf.equal(q, c["”"]) & (tf.equal(top, c["“"]) | tf.equal(top, c["„"])))
            | (tf.equal(q, c["’"]) & (tf.equal(top, c["‘"]) | tf.equal(top, c["‚"])))
        )
        # A possessive ' after an s, and a ’ with nothing to close, close without popping.
        closes_only = tf.logical_not(pops) & (
            (tf.equal(q, c["'"]) & previous_ends_in_s[:, t]) | tf.equal(q, c["’"])
        )
        pushes = (q > 0) & tf.logical_not(pops) & tf.logical_not(closes_only)
        stack = tf.where(pushes[:, None] & tf.equal(slots, depth[:, None]), q[:, None], stack)
        depth = depth + tf.cast(pushes, tf.int32) - tf.cast(pops, tf.int32)
        here = tf.equal(columns, t)
        opens = opens | (here & pushes[:, None])
        closes = closes | (here & (pops | closes_only)[:, None])
        return t + 1, stack, depth, opens, closes

    no = tf.zeros([batch, width], tf.bool)
    _, _, _, opens, closes = tf.while_loop(
        lambda t, *_: t < width,
        body,
        (
            tf.constant(0),
            tf.zeros([batch, width + 1], tf.int32),
            tf.zeros([batch], tf.int32),
            no,
            no,
        ),
    )
    return opens, closes


def detokenize_in_graph(words: tf.RaggedTensor) -> tf.Tensor:
    """:func:`keras_attn.text.detokenize` for a ragged `(batch, None)` of words.

    Returns:
        `tf.string` `(batch,)`, one sentence a row.
    """
    words = tf.ragged.boolean_mask(words, tf.not_equal(words, ""))
    dense = words.to_tensor(default_value="")
    real = tf.sequence_mask(words.row_lengths(), maxlen=tf.shape(dense, out_type=tf.int64)[1])
    previous = tf.pad(dense[:, :-1], [[0, 0], [1, 0]])
    has_previous = tf.pad(real[:, :-1], [[0, 0], [1, 0]])

    codes = tf.zeros(tf.shape(dense), tf.int32)
    for mark, code in QUOTE_CODES.items():
        codes += tf.where(tf.equal(dense, mark), code, 0)
    ends_in_s = has_previous & tf.strings.regex_full_match(previous, "(?s).*[sS]")
    quote_opens, quote_closes = _quote_roles(codes, ends_in_s)
    is_quote = codes > 0
    opens = tf.where(
        is_quote, quote_opens, tf.strings.regex_full_match(dense, _char_class(OPENING))
    )
    closes = tf.where(
        is_quote, quote_closes, tf.strings.regex_full_match(dense, _char_class(CLOSING))
    )

    glued = tf.pad(opens[:, :-1], [[0, 0], [1, 0]]) | tf.logical_not(has_previous)
    cjk_pair = (
        has_previous
        & tf.strings.regex_full_match(previous, "(?s).*" + _CJK_CLASS)
        & tf.strings.regex_full_match(dense, "(?s)" + _CJK_CLASS + ".*")
    )
    space = tf.logical_not(glued) & tf.logical_not(closes) & tf.logical_not(cjk_pair)
    pieces = tf.where(real, tf.strings.join([tf.where(space, " ", ""), dense]), "")
    return tf.strings.reduce_join(pieces, axis=1)


def decode_in_graph(text_encoder, ids) -> tf.Tensor:
    """:meth:`TextEncoder.decode` in TensorFlow ops: readable sentences from ids.

    Args:
        text_encoder: the :class:`~keras_attn.text.TextEncoder` of the ids.
        ids: int `(batch, len)`, every id inside the vocabulary.

    Returns:
        `tf.string` `(batch,)`, the same strings as ``text_encoder.decode(ids)``.
    """
    vocabulary = tf.constant(text_encoder.vocabulary, tf.string)
    tokens = tf.gather(vocabulary, _kept_ids(ids))
    if text_encoder.tokenizer == "subword":
        words = _merge_pieces(tokens)
    elif text_encoder.tokenizer == "char":
        words = _join_chars(tokens)
    else:
        words = tokens
    return detokenize_in_graph(words)


# -- the exported function ------------------------------------------------------------------
def translate_fn(model):
    """The function the SavedModel serves: sentences -> dict of translations, tokens,
    attention (see the module docstring). Runs eagerly or inside `tf.function`."""
    from keras_attn.search import greedy_search

    def translate_batch(sentences):
        ids = model.source_ids(sentences)
        tokens, weights, _ = greedy_search(model, ids)
        return {
            "translations": decode_in_graph(model.target_text, tokens),
            "tokens": tf.cast(tokens, tf.int32),
            "attention": tf.cast(weights, tf.float32),
        }

    def nothing():
        return {
            "translations": tf.zeros([0], tf.string),
            "tokens": tf.zeros([0, 0], tf.int32),
            "attention": tf.zeros([0, 0, 0], tf.float32),
        }

    def translate(sentences):
        sentences = tf.convert_to_tensor(sentences, tf.string)
        return tf.cond(tf.size(sentences) > 0, lambda: translate_batch(sentences), nothing)

    return translate


def _archive(model):
    """A `keras.export.ExportArchive` with the model, its source lookup resources and the
    translation endpoint; returns `(archive, concrete_function)`."""
    import keras

    archive = keras.export.ExportArchive()
    archive.track(model)
    for resource in model.source_text.resources():
        archive.track(resource)
    endpoint = archive.add_endpoint(
        ENDPOINT,
        translate_fn(model),
        input_signature=[tf.TensorSpec([None], tf.string, name=INPUT_NAME)],
    )
    return archive, endpoint.get_concrete_function()


def describe_signature(concrete_function) -> str:
    """Inputs and outputs of a serving function, one per line, for people."""
    args, kwargs = concrete_function.structured_input_signature
    inputs = {spec.name: spec for spec in args}
    inputs.update(kwargs)
    lines = ["signature 'serving_default' (also the method .translate):"]
    for label, specs in (("input ", inputs), ("output", concrete_function.structured_outputs)):
        for name, spec in specs.items():
            shape = tuple(spec.shape.as_list())
            lines.append(f"  {label}  {name:<13} {spec.dtype.name:<8} {shape}")
    return "\n".join(lines)


def usage_snippet(directory) -> str:
    """Python code that loads the export and translates a sentence."""
    return (
        f"import tensorflow as tf\n"
        f"import tensorflow_text  # registers the text ops the export uses\n"
        f"\n"
        f"translator = tf.saved_model.load({str(directory)!r})\n"
        f"out = translator.signatures['serving_default']("
        f"{INPUT_NAME}=tf.constant(['a sentence']))\n"
        f"print(out['translations'].numpy()[0].decode('utf-8'))"
    )


def _info(model, concrete_function) -> dict:
    from keras_attn import __version__

    outputs = concrete_function.structured_outputs
    return {
        "format": "keras-attn SavedModel export",
        "keras_attn_version": __version__,
        "tensorflow_version": tf.__version__,
        "signature": {
            "name": "serving_default",
            "method": ENDPOINT,
            "inputs": {INPUT_NAME: {"dtype": "string", "shape": [None]}},
            "outputs": {
                name: {"dtype": spec.dtype.name, "shape": spec.shape.as_list()}
                for name, spec in outputs.items()
            },
        },
        "decoding": "greedy",
        "source": {
            "tokenizer": model.source_text.tokenizer,
            "vocab_size": model.source_text.vocab_size,
            "max_length": model.source_text.max_length,
        },
        "target": {
            "tokenizer": model.target_text.tokenizer,
            "vocab_size": model.target_text.vocab_size,
            "max_length": model.target_text.max_length,
        },
        "config": model.config.to_dict(),
        "info": dict(getattr(model, "info", None) or {}),
    }


def _is_empty_folder(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def export(model, directory, *, overwrite=False):
    """Write `model` as a TensorFlow SavedModel translating strings (see the module
    docstring), plus ``keras_attn.json`` describing it.

    The export is written in a temporary folder beside `directory` and renamed at the
    end, so a failure never leaves a half-written export (nor damages an old one).

    Args:
        model: a :class:`~keras_attn.model.Translator`.
        directory: the folder to create.
        overwrite: replace an existing non-empty folder.

    Returns:
        `(path, signature)`: the folder as a `Path` and :func:`describe_signature` text.

    Raises:
        ModelFileError: the folder exists (and is not empty) without `overwrite`, is a
            file, or cannot be written.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ModelFileError(f"{directory}: exists and is not a folder; choose another name.")
    if directory.is_dir() and not overwrite and not _is_empty_folder(directory):
        raise ModelFileError(
            f"{directory}: the folder exists and is not empty; choose another "
            "name or pass --overwrite to replace it."
        )
    parent = directory.parent
    if not parent.is_dir():
        raise ModelFileError(f"{directory}: the folder {parent} does not exist.")
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=parent))
    except OSError as error:
        raise ModelFileError(
            f"{directory}: cannot write in {parent}: {error.strerror or error}."
        ) from error
    old = None
    try:
        try:
            archive, concrete = _archive(model)
            archive.write_out(str(temporary), verbose=False)
            (temporary / INFO_FILE).write_text(
                json.dumps(_info(model, concrete), indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
            os.chmod(temporary, 0o777 & ~_umask())  # like any new folder, not mkdtemp's 0700
            if directory.is_dir() and not _is_empty_folder(directory):
                old = Path(
                    tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".old", dir=parent)
                )
                os.replace(directory, old)
            os.replace(temporary, directory)
        except (OSError, tf.errors.OpError) as error:
            reason = getattr(error, "strerror", None) or getattr(error, "message", None) or error
            raise ModelFileError(
                f"{directory}: could not export the model: {reason}. Nothing was changed."
            ) from error
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)
        if old is not None:
            if directory.exists():  # the new export is in place: drop the old one
                shutil.rmtree(old, ignore_errors=True)
            else:  # put the old export back
                os.replace(old, directory)
    return directory, describe_signature(concrete)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def folder_size(directory) -> int:
    """Bytes in all files under `directory`."""
    return sum(p.stat().st_size for p in Path(directory).rglob("*") if p.is_file())
