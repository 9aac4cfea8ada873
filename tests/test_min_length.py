"""Beam search's shortest output: no output ends before it has `decode.min_length_ratio`
target tokens per source token, a ratio chosen from the training pairs."""

from pathlib import Path

import numpy as np

from keras_attn import saving
from keras_attn.config import Config
from keras_attn.search import MIN_LENGTH_SLACK, beam_search
from keras_attn.sizing import MIN_LENGTH_PERCENTILE, min_length_ratio
from keras_attn.text import TextEncoder
from keras_attn.training import build_model
from tests.conftest import TINY
from tests.helpers import reverse_pairs

ASSETS = Path(__file__).resolve().parents[1] / "assets"
WORDS = {"source.tokenizer": "word", "target.tokenizer": "word"}


def _encoders(pairs):
    return [
        TextEncoder.build([p[i] for p in pairs], tokenizer="word", vocab_size=100, max_length=50)
        for i in (0, 1)
    ]


def test_the_ratio_is_a_low_percentile_of_the_training_pairs():
    # Targets of 3 words for sources of 2 (ratio 1.5), and a few of 1 word (0.5).
    pairs = [("a b", "x y z")] * 97 + [("a b", "x")] * 3
    source, target = _encoders(pairs)
    expected = np.percentile([1.5] * 97 + [0.5] * 3, MIN_LENGTH_PERCENTILE)
    assert expected < 1.5
    ratio = min_length_ratio(source, target, pairs)
    assert ratio == np.floor(expected * 20) / 20  # rounded down to 0.05
    assert min_length_ratio(source, target, [("a b", "x y z")] * 20) == 1.5
    assert min_length_ratio(source, target, []) == 0.0


def test_a_new_model_gets_its_ratio_and_keeps_one_that_is_set(tmp_path):
    pairs = reverse_pairs(200, seed=4)  # a target as long as its source
    model = build_model(TINY.replace(**WORDS), pairs)
    assert Config().decode.min_length_ratio == -1  # chosen when the model is built
    assert model.config.decode.min_length_ratio == 1.0
    assert model.min_length_ratio == 1.0
    path = tmp_path / "m.keras"
    saving.save_model(model, path)
    assert saving.load_model(path).min_length_ratio == 1.0
    kept = build_model(TINY.replace(**WORDS, **{"decode.min_length_ratio": 0.0}), pairs)
    assert kept.min_length_ratio == 0.0


def test_models_saved_before_decode_as_they_did():
    old = saving.load_model(ASSETS / "models" / "toy_language.keras")
    assert old.min_length_ratio == 0.0
    assert old.config.decode.min_length_ratio == 0.0


def test_beam_search_ends_no_output_before_the_shortest_length(trained):
    """The reverse task's model writes outputs as long as their sources; asked for 2
    tokens per source token, every hypothesis is at least that long (less the slack
    given to short sentences), and with 0 the outputs are the model's own."""
    model = trained[0].model
    sentences = [s for s, _ in trained[1]]
    counts = model.source_text.encode(sentences).row_lengths().numpy()
    # Sources long enough that twice their length, less the slack, exceeds it.
    sentences = [s for s, n in zip(sentences, counts, strict=True) if n > MIN_LENGTH_SLACK][:16]
    assert len(sentences) == 16
    ids = model.source_ids(sentences)
    with_end = np.sum(np.asarray(ids) != 0, axis=1)
    lengths = with_end - 1  # without the source's [END]
    free = beam_search(model, ids, width=3, n_best=3, min_length_ratio=0.0)
    bounded = beam_search(model, ids, width=3, n_best=3, min_length_ratio=2.0)
    caps = np.asarray(model.max_output_length(with_end))
    shorter = 0
    for n, cap, free_hyps, hyps in zip(lengths, caps, free, bounded, strict=True):
        shortest = min(int(np.floor(2.0 * n)) - MIN_LENGTH_SLACK, int(cap) - 1)
        for h in hyps:
            assert len(h.tokens) - 1 >= shortest  # tokens before [END]
        shorter += len(free_hyps[0].tokens) - 1 < shortest
    assert shorter == len(sentences)  # the bound changed every best output
