"""The repeat guard: decoding never writes the same phrase of n tokens twice."""

from pathlib import Path

import numpy as np
import pytest

from keras_attn import saving
from keras_attn.config import Config
from keras_attn.search import beam_search, repeat_bans, sample
from keras_attn.session import DecodingSession
from keras_attn.sizing import choose
from keras_attn.training import build_model
from tests.conftest import TINY
from tests.helpers import reverse_pairs

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def _repeats(tokens, n):
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(grams) != len(set(grams))


def test_repeat_bans_finds_the_tokens_that_would_repeat_a_phrase():
    history = np.array([[5, 6, 7, 5, 6, 0, 0], [1, 2, 3, 4, 5, 6, 0]], np.int32)
    assert repeat_bans(history, 5, 3).numpy().tolist() == [[0, 7]]  # "5 6" -> not 7 again
    assert repeat_bans(history, 6, 2).numpy().tolist() == []  # last token 0 / 6: new
    assert repeat_bans(history, 2, 3).numpy().tolist() == []  # no whole phrase yet
    assert repeat_bans(history, 4, 0).numpy().tolist() == []  # guard off
    assert sorted(repeat_bans(history, 3, 1).numpy()[:, 1].tolist()) == [1, 2, 3, 5, 6, 7]


@pytest.fixture(scope="module")
def untrained():
    """An untrained word model: its outputs loop, which is what the guard stops."""
    pairs = reverse_pairs(300, seed=3, min_len=6, max_len=12)
    model = build_model(
        TINY.replace(**{"source.tokenizer": "word", "target.tokenizer": "word"}), pairs
    )
    return model, [s for s, _ in pairs[:12]]


def test_every_decoder_applies_the_same_guard(untrained):
    model, sentences = untrained
    assert model.no_repeat_ngram == 3
    ids = model.source_ids(sentences)
    tokens, _, lengths = model.greedy(ids)
    greedy = [np.asarray(tokens)[i, : int(lengths[i])].tolist() for i in range(len(sentences))]
    assert not any(_repeats(g, 3) for g in greedy)
    unguarded = beam_search(model, ids, width=1, no_repeat_ngram=0)
    assert sum(_repeats(h[0].tokens, 3) for h in unguarded) >= len(sentences) // 2
    assert [h[0].tokens for h in beam_search(model, ids, width=1)] == greedy
    assert [h.tokens for h in sample(model, ids, temperature=0)] == greedy
    for hyps in beam_search(model, ids, width=3, n_best=3):
        assert not any(_repeats(h.tokens, 3) for h in hyps)
    session = DecodingSession(model)
    for sentence, expected in zip(sentences[:4], greedy, strict=False):
        session.start(sentence)
        session.run_to_end()
        assert session.target_ids == expected


def test_saved_models_say_their_guard_and_old_files_keep_theirs(untrained, tmp_path):
    model, sentences = untrained
    path = tmp_path / "m.keras"
    saving.save_model(model, path)
    loaded = saving.load_model(path)
    assert loaded.config.decode.no_repeat_ngram == 3  # resolved when built, then saved
    assert loaded.translate(sentences[:3]) == model.translate(sentences[:3])
    old = saving.load_model(ASSETS / "models" / "toy_language.keras")
    assert old.no_repeat_ngram == 0  # saved before the guard: decodes as it always did


def test_char_targets_get_no_guard_and_the_choice_says_why():
    config = Config().replace(**{"target.tokenizer": "char"})
    assert config.repeat_guard() == 0
    assert Config().replace(**{"target.tokenizer": "subword"}).repeat_guard() == 3
    pairs = reverse_pairs(400, seed=2)
    choice = choose(pairs)
    assert choice.config.repeat_guard() == 3
    assert any("never repeat a phrase of 3 tokens" in r for r in choice.reasons)
    kept = choose(pairs, settings={"decode.no_repeat_ngram": 5})
    assert kept.config.repeat_guard() == 5
    assert not any("repeat" in r for r in kept.reasons)
