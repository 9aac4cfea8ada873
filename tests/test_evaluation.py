"""Tests of batch translation, BLEU/chrF evaluation and the `keras-attn evaluate` command."""

import json

import pytest
import sacrebleu

from keras_attn.cli import main
from keras_attn.evaluation import evaluate, translate_batch
from keras_attn.search import beam_search
from tests.helpers import write_tsv


@pytest.fixture(scope="module")
def test_pairs(trained):
    """Thirty held-out pairs, two of them with capitals in the reference."""
    pairs = list(trained[1][:28])
    pairs += [("a b c", "C B A"), ("d e", "E D")]
    return pairs


@pytest.fixture(scope="module")
def model_file(trained, tmp_path_factory):
    """The trained model saved to a .keras file."""
    import keras_attn

    return keras_attn.save(trained[0].model, tmp_path_factory.mktemp("model") / "m.keras")


def test_evaluate_matches_sacrebleu(trained, test_pairs):
    """BLEU and chrF are exactly sacrebleu's corpus scores of the greedy output."""
    model = trained[0].model
    sources = [s for s, _ in test_pairs]
    references = [r for _, r in test_pairs]
    result = evaluate(model, test_pairs)
    hypotheses = model.translate(sources)
    assert result.hypotheses == hypotheses
    assert result.references == references and result.sources == sources
    assert result.bleu == sacrebleu.corpus_bleu(hypotheses, [references]).score
    assert result.chrf == sacrebleu.corpus_chrf(hypotheses, [references]).score
    assert result.bleu_signature.startswith("nrefs:1|case:mixed|")
    assert "nc:6" in result.chrf_signature
    assert result.beam is None and result.seconds > 0 and result.sentences_per_second > 0
    summary = json.loads(json.dumps(result.to_dict()))
    assert summary["sentences"] == len(test_pairs) and summary["bleu"] == result.bleu
    lowered = evaluate(model, test_pairs, lowercase=True)
    assert lowered.bleu == sacrebleu.corpus_bleu(hypotheses, [references], lowercase=True).score
    assert lowered.bleu > result.bleu and "case:lc" in lowered.bleu_signature


def test_beam_one_is_greedy_and_beam_search_is_scored_on_its_output(trained, test_pairs):
    """beam=1 gives the greedy scores; beam=3 scores the beam search's best outputs."""
    model = trained[0].model
    sources = [s for s, _ in test_pairs]
    references = [r for _, r in test_pairs]
    greedy = evaluate(model, test_pairs)
    one = evaluate(model, test_pairs, beam=1)
    assert (one.bleu, one.chrf, one.hypotheses) == (greedy.bleu, greedy.chrf, greedy.hypotheses)
    width_one = beam_search(model, model.source_ids(sources), width=1)
    assert model.target_text.decode([r[0].tokens for r in width_one]) == greedy.hypotheses
    beam = evaluate(model, test_pairs, beam=3, batch_size=16)
    best = [options[0].text for options in translate_batch(model, sources, beam=3)]
    assert beam.hypotheses == best
    assert beam.bleu == sacrebleu.corpus_bleu(best, [references]).score
    assert beam.beam == 3 and beam.alpha == model.length_alpha


def test_translate_batch_n_best_and_empty_sentences(trained, test_pairs):
    """n-best lists are sorted by score, empty sentences stay empty, options are checked."""
    model = trained[0].model
    sentences = [test_pairs[0][0], "", test_pairs[1][0]]
    results = translate_batch(model, sentences, beam=3, n_best=2)
    assert [len(r) for r in results] == [2, 1, 2]
    assert results[1][0].text == ""
    for options in (results[0], results[2]):
        assert options[0].score >= options[1].score
        assert options[0].weights.shape[0] == len(options[0].token_ids)
    source_length = len(test_pairs[0][0].split()) + 1  # the tokens and [END]
    assert results[0][0].weights.shape[1] == source_length
    greedy = translate_batch(model, sentences)
    assert [r[0].text for r in greedy] == [
        model.translate([sentences[0]])[0],
        "",
        model.translate([sentences[2]])[0],
    ]
    with pytest.raises(ValueError, match="beam search"):
        translate_batch(model, sentences, n_best=2)
    with pytest.raises(ValueError, match="exclude"):
        translate_batch(model, sentences, beam=3, temperature=1.0)


def test_sampling_is_repeatable_with_a_seed(trained, test_pairs):
    """The same seed gives the same samples; temperature 0 gives the greedy output."""
    model = trained[0].model
    sentences = [s for s, _ in test_pairs[:6]]
    first = translate_batch(model, sentences, temperature=1.5, seed=7)
    second = translate_batch(model, sentences, temperature=1.5, seed=7)
    assert [r[0].text for r in first] == [r[0].text for r in second]
    coldest = translate_batch(model, sentences, temperature=0.0)
    assert [r[0].text for r in coldest] == model.translate(sentences)


def test_evaluate_command_writes_hypotheses_and_json(
    trained, test_pairs, model_file, tmp_path, capsys
):
    """`keras-attn evaluate --hypotheses --json` writes the outputs in test order and prints
    the same scores as `evaluate`."""
    data = write_tsv(tmp_path / "test.tsv", test_pairs)
    out = tmp_path / "hyp.txt"
    code = main(["evaluate", str(model_file), str(data), "--hypotheses", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    expected = evaluate(trained[0].model, test_pairs)
    assert out.read_text(encoding="utf-8").splitlines() == expected.hypotheses
    assert summary["bleu"] == pytest.approx(expected.bleu)
    assert summary["chrf"] == pytest.approx(expected.chrf)
    assert summary["sentences"] == len(test_pairs) and summary["beam"] is None
    assert summary["bleu_signature"] == expected.bleu_signature

    code = main(["evaluate", str(model_file), str(data), "--limit", "5", "--beam", "2"])
    assert code == 0
    text = capsys.readouterr().out
    assert "BLEU = " in text and "chrF = " in text and "nrefs:1" in text
    assert "5 sentences, beam 2" in text
