"""Tests of keras_attn.text.make_dataset: batches, START/END, shuffling, bucketing."""

import random

import numpy as np
import pytest
import tensorflow as tf

from keras_attn.errors import DataError
from keras_attn.text import (
    END_ID,
    START_ID,
    TextEncoder,
    bucket_boundaries,
    count_padding,
    make_dataset,
    token_count,
)

WORDS = "ich du er sie wir ihr haus baum katze hund sieht hat ist groß klein rot".split()


def skewed_pairs(n=400, seed=0):
    """Mostly short pairs and a few long ones: padding matters."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        length = rng.randint(1, 3) if rng.random() < 0.85 else rng.randint(15, 25)
        source = " ".join(rng.choice(WORDS) for _ in range(length))
        target = " ".join(rng.choice(WORDS) for _ in range(max(1, length + rng.randint(-1, 1))))
        pairs.append((source, target))
    return pairs


PAIRS = skewed_pairs()


@pytest.fixture(scope="module")
def encoders():
    source = TextEncoder.build([s for s, _ in PAIRS], max_length=30)
    target = TextEncoder.build([t for _, t in PAIRS], max_length=30)
    return source, target


def batches(dataset):
    return [(s.numpy(), i.numpy(), o.numpy()) for (s, i), o in dataset]


def rows(array):
    """Rows of a padded batch without their trailing padding."""
    return [tuple(int(x) for x in row[row != 0]) for row in array]


@pytest.mark.parametrize("bucketing", [False, True])
def test_shapes_dtypes_and_start_end(encoders, bucketing):
    """Each batch holds int32 (source+END, START+target, target+END), padded with 0."""
    source, target = encoders
    dataset = make_dataset(PAIRS, source, target, batch_size=16, bucketing=bucketing)
    spec = dataset.element_spec
    assert spec[0][0].dtype == spec[0][1].dtype == spec[1].dtype == tf.int32
    assert spec[1].shape.as_list() == [None, None]
    seen = 0
    for src, tin, tout in batches(dataset):
        assert src.shape[0] == tin.shape[0] == tout.shape[0] <= 16
        assert tin.shape == tout.shape
        for s_row, i_row, o_row in zip(rows(src), rows(tin), rows(tout), strict=True):
            assert s_row[-1] == END_ID and END_ID not in s_row[:-1]
            assert i_row[0] == START_ID and o_row[-1] == END_ID
            assert i_row[1:] == o_row[:-1]
        seen += src.shape[0]
    assert seen == len(PAIRS)


def test_ids_match_encoder_in_order_without_shuffle(encoders):
    """Without shuffling or bucketing, batches follow the pairs and the encoder's ids."""
    source, target = encoders
    dataset = make_dataset(PAIRS[:10], source, target, batch_size=4, shuffle=False, bucketing=False)
    src = [r for b in batches(dataset) for r in rows(b[0])]
    tout = [r for b in batches(dataset) for r in rows(b[2])]
    expected_src = source.encode([s for s, _ in PAIRS[:10]]).to_list()
    expected_tgt = target.encode([t for _, t in PAIRS[:10]]).to_list()
    assert src == [tuple(r) + (END_ID,) for r in expected_src]
    assert tout == [tuple(r) + (END_ID,) for r in expected_tgt]


def test_every_pair_once_per_epoch_with_bucketing(encoders):
    """Bucketing and shuffling neither lose nor repeat pairs."""
    source, target = encoders
    plain = make_dataset(PAIRS, source, target, shuffle=False, bucketing=False)
    bucketed = make_dataset(PAIRS, source, target, batch_size=16)
    as_set = lambda ds: sorted(r for b in batches(ds) for r in rows(b[0]))  # noqa: E731
    assert as_set(bucketed) == as_set(plain)


def test_seeded_shuffle_is_deterministic(encoders):
    """The same seed gives the same batches; another seed or the next epoch differs."""
    source, target = encoders
    make = lambda seed: make_dataset(PAIRS, source, target, batch_size=16, seed=seed)  # noqa: E731
    first, again, other = make(5), make(5), make(6)
    epoch1 = batches(first)
    assert _same(epoch1, batches(again))
    assert not _same(epoch1, batches(other))
    epoch2 = batches(first)
    assert not _same(epoch1, epoch2)
    assert _same(epoch2, batches(again))  # reshuffled, but reproducibly


def _same(a, b):
    return len(a) == len(b) and all(
        all(np.array_equal(x, y) for x, y in zip(p, q, strict=True))
        for p, q in zip(a, b, strict=True)
    )


def test_bucketing_cuts_padding(encoders):
    """Bucketed batches hold the same tokens with less padding than plain padded batches."""
    source, target = encoders
    plain = count_padding(make_dataset(PAIRS, source, target, batch_size=16, bucketing=False))
    bucketed = count_padding(make_dataset(PAIRS, source, target, batch_size=16))
    assert bucketed.real_tokens == plain.real_tokens
    assert bucketed.padded_slots < plain.padded_slots
    assert bucketed.padding_ratio < 0.5 * plain.padding_ratio


def test_drop_remainder_gives_full_batches(encoders):
    """With drop_remainder every batch has exactly batch_size rows."""
    source, target = encoders
    for bucketing in (False, True):
        dataset = make_dataset(
            PAIRS, source, target, batch_size=16, bucketing=bucketing, drop_remainder=True
        )
        sizes = {b[0].shape[0] for b in batches(dataset)}
        assert sizes == {16}


def test_token_count_counts_target_tokens(encoders):
    """token_count is the number of target tokens plus one END per sentence."""
    source, target = encoders
    dataset = make_dataset(PAIRS, source, target, batch_size=32)
    lengths = target.encode([t for _, t in PAIRS]).row_lengths().numpy()
    assert token_count(dataset) == int(lengths.sum()) + len(PAIRS)


def test_bucket_boundaries_ladder():
    """The ladder increases strictly and covers the longest sequence."""
    ladder = bucket_boundaries(51)
    assert ladder[:3] == [2, 3, 4] and ladder[-1] == 52
    assert all(a < b for a, b in zip(ladder, ladder[1:], strict=False))


def test_no_pairs_is_a_data_error(encoders):
    """An empty list of pairs raises DataError."""
    source, target = encoders
    with pytest.raises(DataError):
        make_dataset([], source, target)


def test_batches_by_tokens_hold_the_budget_and_every_pair(encoders):
    """With a token budget, short sentences come many to a batch and long ones few; no
    batch goes over the budget (unless one sentence alone does), and the stream's step
    count is the number of batches an epoch really has."""
    from keras_attn.text.pipeline import bucket_batch_sizes, training_stream

    source, target = encoders
    pairs = skewed_pairs()
    assert bucket_batch_sizes([3, 10], 8, batch_tokens=40, longest=30) == [20, 4, 1]
    assert bucket_batch_sizes([3, 10], 8) == [8, 8, 8]
    dataset = make_dataset(pairs, source, target, batch_tokens=60, shuffle=False)
    sizes, seen = [], 0
    for (source_ids, _), target_out in dataset:
        longest = max(source_ids.shape[1], target_out.shape[1])
        assert source_ids.shape[0] * longest <= 60 or source_ids.shape[0] == 1
        sizes.append(source_ids.shape[0])
        seen += source_ids.shape[0]
    assert seen == len(pairs) and max(sizes) >= 10 * min(sizes)
    stream, steps = training_stream(pairs, source, target, batch_tokens=60, seed=3)
    first_epoch = list(stream.take(steps))
    assert sum(int(x[0][0].shape[0]) for x in first_epoch) == len(pairs)


def test_datasets_run_without_the_autotune_thread(encoders):
    """Dropping an iterator waits for tf.data's autotune thread: 21-34 s between epochs."""
    from keras_attn.text.pipeline import training_stream

    source, target = encoders
    stream, _ = training_stream(PAIRS, source, target, batch_size=16)
    validation = make_dataset(PAIRS, source, target, batch_size=16, shuffle=False)
    for dataset in (stream, validation):
        assert dataset.options().autotune.enabled is False
    # The same batches, in the same order, as with the autotuning thread.
    expected = make_dataset(PAIRS, source, target, batch_size=16, shuffle=False)
    options = tf.data.Options()
    options.autotune.enabled = True
    got, want = batches(validation), batches(expected.with_options(options))
    assert len(got) == len(want)
    for one, other in zip(got, want, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(one, other, strict=True))
