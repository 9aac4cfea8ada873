"""Properties of the readers on arbitrary input, and of split_pairs."""

from __future__ import annotations

import os
import tempfile
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_attn.data import ParallelData, read_parallel, split_pairs
from keras_attn.data.split import split_sizes
from keras_attn.errors import ConfigurationError, DataError

FAST = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Bytes that make readers take interesting paths: separators, quotes, BOMs, markup.
_PIECES = [
    b"\t", b",", b";", b'"', b"\n", b"\r\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b"\xfe\xff",
    b"Hallo.", b"Hello.", b"  ", b"<tmx>", b"<tu>", b"</tu>", b'<tuv xml:lang="de">',
    b'<tuv xml:lang="en">', b"<seg>", b"</seg>", b"</tuv>", b"<?xml version='1.0'?>",
    b"<!DOCTYPE x>", b"&amp;", b"<body>", b"</body>", b"</tmx>", b"source\ttarget\n",
]  # fmt: skip
files = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.sampled_from(_PIECES), max_size=60).map(b"".join),
)


def check_outcome(read, *paths):
    """The reader returns consistent ParallelData or raises DataError pointing somewhere."""
    try:
        data = read()
    except DataError as error:
        assert error.line is not None or any(str(path) in str(error) for path in paths)
        assert "could not be read" not in str(error), "an unforeseen error was wrapped"
        return None
    assert isinstance(data, ParallelData)
    report = data.report
    assert report.pairs_kept == len(data.pairs) == len(data.lines) > 0
    for problem in report.problems:
        assert 1 <= problem.line <= report.total_lines + 1, problem
        assert problem.message
    for source, target in data.pairs:
        assert source and target and source == source.strip() and target == target.strip()
    return data


def temporary(content: bytes, suffix: str) -> str:
    handle, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(handle, "wb") as file:
        file.write(content)
    return path


@pytest.mark.parametrize("format", ["tsv", "csv", "tmx", None])
@FAST
@given(content=files)
def test_any_bytes_give_data_or_data_error(format, content):
    """Arbitrary bytes read in any format give ParallelData or DataError, nothing else."""
    path = temporary(content, ".dat")
    try:
        check_outcome(lambda: read_parallel(path, format=format), path)
    finally:
        os.unlink(path)


@FAST
@given(source=files, target=files)
def test_any_bytes_as_aligned_files(source, target):
    """Arbitrary bytes as two aligned text files give ParallelData or DataError."""
    source_path = temporary(source, ".de")
    target_path = temporary(target, ".en")
    try:
        check_outcome(
            lambda: read_parallel(source_path, target_path=target_path), source_path, target_path
        )
    finally:
        os.unlink(source_path)
        os.unlink(target_path)


sentence = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters='"'),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip() and text.strip() == " ".join(text.split()))


@FAST
@given(pairs=st.lists(st.tuples(sentence, sentence), min_size=1, max_size=30))
def test_tsv_round_trip(pairs):
    """Pairs written as TSV come back unchanged, first occurrences only, in order."""
    pairs = [(s.strip(), t.strip()) for s, t in pairs]
    content = "".join(f"{s}\t{t}\n" for s, t in pairs).encode()
    path = temporary(content, ".tsv")
    try:
        data = read_parallel(path, header=False, max_ratio=1e9)
    finally:
        os.unlink(path)
    expected = list(dict.fromkeys(pairs))
    assert data.pairs == expected
    assert data.report.counts().get("duplicate", 0) == len(pairs) - len(expected)


@FAST
@given(
    count=st.integers(0, 300),
    validation=st.floats(0, 0.5),
    test=st.floats(0, 0.45),
    seed=st.integers(0, 2**32),
)
def test_split_is_a_partition(count, validation, test, seed):
    """Every pair lands in exactly one set, with the sizes split_sizes promises."""
    pairs = [(f"s{i}", f"t{i}") for i in range(count)]
    train, valid, held_out = split_pairs(pairs, validation=validation, test=test, seed=seed)
    assert Counter(train + valid + held_out) == Counter(pairs)
    assert (len(train), len(valid), len(held_out)) == split_sizes(count, validation, test)
    if count >= 1:
        assert train
    if validation > 0 and count >= 2:
        assert valid


def test_split_is_deterministic():
    """The same pairs and seed give the same split; another seed gives another one."""
    pairs = [(f"s{i}", f"t{i}") for i in range(1000)]
    first = split_pairs(pairs, validation=0.1, test=0.1, seed=7)
    assert split_pairs(list(pairs), validation=0.1, test=0.1, seed=7) == first
    assert split_pairs(pairs, validation=0.1, test=0.1, seed=8) != first
    train, valid, test = first
    assert (len(train), len(valid), len(test)) == (800, 100, 100)
    assert not set(train) & set(valid) and not set(train) & set(test) and not set(valid) & set(test)
    assert train == sorted(train, key=pairs.index)  # original order kept within a set


def test_split_small_inputs():
    """Tiny inputs still get one validation pair, and never lose the training pair."""
    assert split_pairs([("a", "b")]) == ([("a", "b")], [], [])
    train, valid, test = split_pairs([("a", "b"), ("c", "d")], validation=0.05)
    assert len(train) == 1 and len(valid) == 1 and test == []
    assert split_pairs([], validation=0.1) == ([], [], [])


def test_split_rejects_bad_fractions():
    """Fractions outside [0, 1), or adding up to 1, raise ConfigurationError."""
    with pytest.raises(ConfigurationError, match="validation"):
        split_pairs([("a", "b")], validation=1.5)
    with pytest.raises(ConfigurationError, match="test"):
        split_pairs([("a", "b")], test=-0.1)
    with pytest.raises(ConfigurationError, match="nothing for training"):
        split_pairs([("a", "b")], validation=0.5, test=0.5)
