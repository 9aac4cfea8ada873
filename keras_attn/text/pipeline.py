"""The `tf.data` input pipeline: sentence pairs to padded batches of token ids.

:func:`make_dataset` tokenizes inside the graph (``Dataset.map`` over string tensors,
a thousand sentences a call), caches the ids, shuffles with a seed, groups sentences of
similar length into the same batch (``Dataset.bucket_by_sequence_length``) and pads each
batch to its longest sentence with ``PAD_ID`` (0). Each element is::

    ((source_ids, target_in), target_out)
    source_ids: encode(source) + [END]      int32 `(batch, src_len)`
    target_in:  [START] + encode(target)    int32 `(batch, tgt_len)`
    target_out: encode(target) + [END]      int32 `(batch, tgt_len)`

:func:`training_stream` gives the same batches epoch after epoch for ``model.fit``, each
epoch shuffled in an order that depends only on the seed and the epoch's number, so that a
run resumed at epoch ``k`` sees the very batches an uninterrupted run would.

:func:`count_padding` and :func:`token_count` measure what a dataset holds.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from keras_attn.errors import DataError
from keras_attn.text.vocabulary import END_ID, START_ID

_ENCODE_CHUNK = 1024  # sentences tokenized per map call
_MAX_SHUFFLE_BUFFER = 200_000


def bucket_boundaries(max_length: int) -> list[int]:
    """A fixed ladder of bucket boundaries for sequence lengths up to `max_length`.

    Step 1 up to 16 tokens, 2 up to 32, 4 up to 64, then 8: fine where most sentences
    are, coarse where few are. Sentences of length `n` go to the bucket of the first
    boundary greater than `n`.
    """
    boundaries, length = [], 2
    while length <= max_length:
        boundaries.append(length)
        length += 1 if length < 16 else 2 if length < 32 else 4 if length < 64 else 8
    boundaries.append(max_length + 1)  # the longest sequences get a bucket of their own
    return boundaries


def bucket_batch_sizes(
    boundaries, batch_size: int, batch_tokens: int = 0, longest: int | None = None
) -> list[int]:
    """Sentences per batch in each length bucket of `boundaries`.

    Args:
        boundaries: bucket boundaries as for :func:`make_dataset`.
        batch_size: sentences per batch when `batch_tokens` is 0.
        batch_tokens: tokens per batch (the bucket's longest sequence times the batch's
            sentences, padding included): short sentences then come many to a batch and
            long ones few, so every step does about the same work.
        longest: the longest sequence of the last bucket (default: the last boundary).

    Returns:
        `len(boundaries) + 1` batch sizes, each at least 1.
    """
    if not batch_tokens:
        return [batch_size] * (len(boundaries) + 1)
    tops = [b - 1 for b in boundaries] + [longest or boundaries[-1]]
    return [max(1, batch_tokens // max(1, top)) for top in tops]


def make_dataset(
    pairs,
    source,
    target,
    *,
    batch_size=64,
    shuffle=True,
    seed=1234,
    bucketing=True,
    drop_remainder=False,
    cache=True,
    boundaries=None,
    batch_tokens=0,
) -> tf.data.Dataset:
    """Batches of token ids for training or evaluating a translation model.

    Args:
        pairs: a list of ``(source_sentence, target_sentence)`` string pairs.
        source: the :class:`~keras_attn.text.TextEncoder` of the source side.
        target: the :class:`~keras_attn.text.TextEncoder` of the target side.
        batch_size: sentence pairs per batch.
        shuffle: shuffle the pairs, differently each epoch, the same way for the same
            `seed` (the buffer holds every pair, up to 200,000).
        seed: the shuffling seed.
        bucketing: batch sentences of similar length together (by the longer of the
            source and target sequences) to cut padding; batches then come in an order
            that depends on how fast each bucket fills.
        drop_remainder: drop batches smaller than `batch_size` (with bucketing, the
            last incomplete batch of each bucket).
        cache: keep the token ids in memory after the first pass.
        boundaries: bucket boundaries (increasing lengths); default
            :func:`bucket_boundaries` of the longest possible sequence.
        batch_tokens: with bucketing, batch by tokens instead of sentences (see
            :func:`bucket_batch_sizes`); 0: `batch_size` sentences.

    Returns:
        A `tf.data.Dataset` of ``((source_ids, target_in), target_out)``, int32
        tensors padded with 0 (see the module docstring).
    """
    pairs = list(pairs)
    sources, targets = _check_pairs(pairs, batch_size)

    def encode(src, tgt):
        src_ids = source.encode(src)
        tgt_ids = target.encode(tgt)
        n = tf.shape(src)[0]
        end = tf.fill([n, 1], END_ID)
        start = tf.fill([n, 1], START_ID)
        return (
            (tf.concat([src_ids, end], axis=1), tf.concat([start, tgt_ids], axis=1)),
            tf.concat([tgt_ids, end], axis=1),
        )

    dataset = tf.data.Dataset.from_tensor_slices(
        (tf.constant(sources, dtype=tf.string), tf.constant(targets, dtype=tf.string))
    )
    dataset = dataset.batch(_ENCODE_CHUNK).map(
        encode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    # Unbatched ragged rows are typed as ragged; identity makes them plain tensors.
    dataset = dataset.unbatch().map(
        lambda x, y: ((tf.identity(x[0]), tf.identity(x[1])), tf.identity(y))
    )
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(
            min(len(pairs), _MAX_SHUFFLE_BUFFER), seed=seed, reshuffle_each_iteration=True
        )
    if bucketing:
        if boundaries is None:
            boundaries = bucket_boundaries(max(source.max_length, target.max_length) + 1)
        boundaries = [int(b) for b in boundaries]
        dataset = dataset.bucket_by_sequence_length(
            element_length_func=_pair_length,
            bucket_boundaries=boundaries,
            bucket_batch_sizes=bucket_batch_sizes(boundaries, batch_size, batch_tokens),
            drop_remainder=drop_remainder,
        )
    else:
        dataset = dataset.padded_batch(batch_size, drop_remainder=drop_remainder)
    return without_autotune_thread(dataset.prefetch(tf.data.AUTOTUNE))


def training_stream(
    pairs,
    source,
    target,
    *,
    batch_size=64,
    seed=1234,
    bucketing=True,
    first_epoch=0,
    boundaries=None,
    batch_tokens=0,
) -> tuple[tf.data.Dataset, int]:
    """An endless stream of training batches, epoch after epoch, and the batches an epoch.

    Epoch ``e`` is one pass over every pair in a pseudorandom order that depends only on
    `seed` and ``e`` (a stateless permutation, ``tf.random.experimental.index_shuffle``):
    no random state carries from one epoch to the next, so a stream that starts at
    `first_epoch` gives exactly the batches an uninterrupted stream gives from that epoch
    on. Batches are made as :func:`make_dataset` makes them (bucketed by length, or padded
    in order), and every epoch holds the same number of them.

    Args:
        pairs, source, target, batch_size, bucketing, boundaries, batch_tokens: as for
            :func:`make_dataset`.
        seed: the shuffling seed.
        first_epoch: the epoch the stream starts at (counting from 0).

    Returns:
        ``(dataset, steps_per_epoch)``: an endless `tf.data.Dataset` of
        ``((source_ids, target_in), target_out)`` for
        ``model.fit(dataset, steps_per_epoch=steps_per_epoch, initial_epoch=first_epoch)``.
    """
    sources, targets = _check_pairs(pairs, batch_size)
    count = len(sources)
    rows: dict[str, list] = {"src": [], "tgt": []}
    for start in range(0, count, _ENCODE_CHUNK):  # token ids of every pair, computed once
        rows["src"].append(source.encode(list(sources[start : start + _ENCODE_CHUNK])))
        rows["tgt"].append(target.encode(list(targets[start : start + _ENCODE_CHUNK])))
    src, tgt = (tf.cast(tf.concat(rows[key], axis=0), tf.int32) for key in ("src", "tgt"))
    end = tf.fill([count, 1], END_ID)
    start_ids = tf.fill([count, 1], START_ID)
    source_ids = tf.concat([src, end], axis=1)
    target_in = tf.concat([start_ids, tgt], axis=1)
    target_out = tf.concat([tgt, end], axis=1)
    lengths = np.maximum(source_ids.row_lengths().numpy(), target_out.row_lengths().numpy())

    if bucketing:
        if boundaries is None:
            boundaries = bucket_boundaries(max(source.max_length, target.max_length) + 1)
        boundaries = [int(b) for b in boundaries]
        # Each bucket gives ceil(size / its batch size) batches whatever the order.
        buckets = np.searchsorted(np.asarray(boundaries), lengths, side="right")
        sizes = np.bincount(buckets, minlength=len(boundaries) + 1)
        batch_sizes = bucket_batch_sizes(
            boundaries, batch_size, batch_tokens, longest=int(lengths.max())
        )
        steps = int(sum(-(-int(size) // per) for size, per in zip(sizes, batch_sizes, strict=True)))
    else:
        steps = -(-count // batch_size)
    last = tf.constant(count - 1, tf.int64)
    seed = int(seed)

    def gather(indices):
        return (
            (tf.gather(source_ids, indices), tf.gather(target_in, indices)),
            tf.gather(target_out, indices),
        )

    def one_epoch(epoch):
        key = tf.stack([tf.constant(seed, tf.int64), epoch])
        order = (
            tf.data.Dataset.range(count)
            .batch(_ENCODE_CHUNK)
            .map(lambda i: tf.random.experimental.index_shuffle(i, key, last))
        )
        rows = (
            order.map(gather)
            .unbatch()
            .map(lambda x, y: ((tf.identity(x[0]), tf.identity(x[1])), tf.identity(y)))
        )
        if bucketing:
            batches = rows.bucket_by_sequence_length(
                element_length_func=_pair_length,
                bucket_batch_sizes=batch_sizes,
                bucket_boundaries=boundaries,
            )
        else:
            batches = rows.padded_batch(batch_size)
        return batches.repeat().take(steps)  # exactly `steps` (a safeguard: they are)

    stream = tf.data.Dataset.range(int(first_epoch), 2**62).flat_map(one_epoch)
    return without_autotune_thread(stream.prefetch(tf.data.AUTOTUNE)), steps


def without_autotune_thread(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset` without tf.data's autotuning thread, so that its iterators drop at once.

    An iterator of an autotuned dataset runs a thread that re-plans the pipeline at
    intervals growing up to a minute; dropping the iterator can wait for that thread's
    current interval to end. `keras.Model.fit` drops the previous epoch's validation
    iterator before validating again: measured on Tatoeba (`bench/epoch_stalls.py`),
    about half the epochs waited 21 to 34 s there, idle. The training stream, whose
    iterator is dropped when training ends or is stopped, runs the same way. Without
    the thread, `AUTOTUNE` prefetch buffers still grow with demand (tf.data's prefetch
    autotuner), and parallel maps run as many calls as the machine has cores, up to 16.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def _check_pairs(pairs, batch_size):
    """`(sources, targets)` of `pairs`, after checking them and `batch_size`."""
    pairs = list(pairs)
    if not pairs:
        raise DataError("Received no sentence pairs to make a dataset from.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(
            f"Received an invalid value for argument `batch_size`: {batch_size!r}; "
            f"expected an integer >= 1."
        )
    try:
        sources, targets = zip(*pairs, strict=True)
    except (TypeError, ValueError) as error:
        raise DataError("Expected `pairs` to hold (source, target) string pairs.") from error
    return sources, targets


def _pair_length(inputs, target_out):
    source_ids, _ = inputs
    return tf.maximum(tf.shape(source_ids)[0], tf.shape(target_out)[0])


class PaddingCount(NamedTuple):
    """Token slots of a padded dataset: real tokens and all slots (real + padding)."""

    real_tokens: int
    padded_slots: int

    @property
    def padding_ratio(self) -> float:
        """Share of slots that hold padding."""
        return 1.0 - self.real_tokens / self.padded_slots if self.padded_slots else 0.0


def count_padding(dataset: tf.data.Dataset) -> PaddingCount:
    """Counts real tokens and slots over one pass of a :func:`make_dataset` dataset.

    Counts the source ids and the target outputs (the target inputs have the same shape
    as the target outputs); a real token is any id other than ``PAD_ID`` (0).
    """
    real = slots = 0
    for (source_ids, _), target_out in dataset:
        for batch in (source_ids, target_out):
            array = np.asarray(batch)
            real += int(np.count_nonzero(array))
            slots += int(array.size)
    return PaddingCount(real, slots)


def token_count(dataset: tf.data.Dataset) -> int:
    """Real target tokens (END included) in one pass of a :func:`make_dataset` dataset."""
    return sum(int(np.count_nonzero(np.asarray(target_out))) for _, target_out in dataset)
