"""Beam search's length penalty is a setting of the model (`decode.length_alpha`): every
entry point that runs beam search uses it unless told otherwise, and models saved before
the setting existed keep the exponent they were decoded with (0.6)."""

from pathlib import Path

import pytest

from keras_attn import saving
from keras_attn.cli import build_parser
from keras_attn.config import Config
from keras_attn.evaluation import evaluate, translate_batch
from keras_attn.search import beam_search, length_penalty
from keras_attn.session import DecodingSession
from keras_attn.training import build_model
from tests.conftest import TINY
from tests.helpers import reverse_pairs

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def test_new_models_get_the_default_and_old_ones_keep_theirs(tmp_path):
    assert Config().decode.length_alpha == 1.5
    old = saving.load_model(ASSETS / "models" / "toy_language.keras")
    assert old.length_alpha == 0.6
    model = build_model(TINY.replace(**{"decode.length_alpha": 1.7}), reverse_pairs(100, seed=3))
    path = tmp_path / "m.keras"
    saving.save_model(model, path)
    assert saving.load_model(path).length_alpha == 1.7
    with pytest.raises(ValueError, match="decode.length_alpha"):
        TINY.replace(**{"decode.length_alpha": -1.0}).validate()


@pytest.mark.parametrize("alpha", [0.0, 2.5])
def test_beam_search_ranks_by_the_models_exponent(trained, monkeypatch, alpha):
    model = trained[0].model
    monkeypatch.setattr(model.config.decode, "length_alpha", alpha)
    sentences = [s for s, _ in trained[1][:6]]
    ids = model.source_ids(sentences)
    for hyps in beam_search(model, ids, width=3, n_best=3):
        for h in hyps:
            assert h.score == pytest.approx(h.log_prob / length_penalty(len(h.tokens), alpha))
        assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)
    own = translate_batch(model, sentences, beam=3, n_best=3)
    given = translate_batch(model, sentences, beam=3, n_best=3, alpha=alpha)
    assert [[t.score for t in o] for o in own] == [[t.score for t in o] for o in given]
    assert evaluate(model, trained[1][:6], beam=3).alpha == alpha
    session = DecodingSession(model)
    session.start(sentences[0])
    hyps, _ = session.beam(width=3)
    for h in hyps:
        assert h.score == pytest.approx(h.log_prob / length_penalty(len(h.tokens), alpha))


def test_the_command_line_leaves_the_exponent_to_the_model():
    parser = build_parser()
    assert parser.parse_args(["translate", "m.keras", "--beam", "5"]).alpha is None
    assert parser.parse_args(["translate", "m.keras", "--beam", "5", "--alpha", "1.5"]).alpha == 1.5
