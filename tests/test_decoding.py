"""Tests of the decoders (greedy, beam, sampling) and the step-through session."""

import numpy as np
import pytest

from keras_attn.errors import TranslationError
from keras_attn.search import beam_search, length_penalty, sample, score
from keras_attn.session import DecodingSession
from keras_attn.text import END_ID


def _sentences(held_out, n=17):
    """n sentences of mixed lengths, plus one with unknown words."""
    return [s for s, _ in held_out[: n - 1]] + ["a b zzz c d e f g h i"]


def _greedy_ids(model, sentences):
    tokens, weights, lengths = model.greedy(model.source_ids(sentences))
    tokens, lengths = np.asarray(tokens), np.asarray(lengths)
    return [tokens[i, : lengths[i]].tolist() for i in range(len(sentences))], np.asarray(weights)


def test_session_stepping_equals_batch_greedy(trained):
    """Stepping a session to the end gives exactly the batch greedy tokens and attention."""
    model = trained[0].model
    sentences = _sentences(trained[1])
    expected, weights = _greedy_ids(model, sentences)
    session = DecodingSession(model)
    for i, sentence in enumerate(sentences):
        session.start(sentence)
        session.run_to_end()
        assert session.target_ids == expected[i]
        src_len = len(session.source_tokens)
        np.testing.assert_allclose(
            session.attention, weights[i, : len(expected[i]), :src_len], atol=1e-5
        )
        assert np.all(weights[i, :, src_len:] == 0.0)
    assert session.translation == model.translate([sentences[-1]])[0]


def test_beam_width_one_equals_greedy(trained):
    """Beam search with one beam gives the greedy output."""
    model = trained[0].model
    sentences = _sentences(trained[1])
    expected, _ = _greedy_ids(model, sentences)
    results = beam_search(model, model.source_ids(sentences), width=1)
    assert [r[0].tokens for r in results] == expected


def test_beam_results_do_not_depend_on_the_batch(trained):
    """Each sentence gets the same n-best list alone as in a batch of 17 mixed lengths."""
    model = trained[0].model
    sentences = _sentences(trained[1])
    together = beam_search(model, model.source_ids(sentences), width=4, n_best=3)
    for i in (0, 5, 16):
        alone = beam_search(model, model.source_ids([sentences[i]]), width=4, n_best=3)[0]
        assert [h.tokens for h in alone] == [h.tokens for h in together[i]]
        np.testing.assert_allclose(
            [h.score for h in alone], [h.score for h in together[i]], rtol=1e-5
        )


def test_nbest_sorted_and_scores_match_rescoring(trained):
    """n-best lists are sorted by score, and each score equals a teacher-forced rescoring."""
    model = trained[0].model
    sentence = trained[1][3][0]
    (hyps,) = beam_search(model, model.source_ids([sentence]), width=5, alpha=0.6, n_best=5)
    assert len(hyps) == 5
    scores = [h.score for h in hyps]
    assert scores == sorted(scores, reverse=True)
    assert len({tuple(h.tokens) for h in hyps}) == 5
    ids = model.source_ids([sentence] * 5)
    rescored = score(model, ids, [h.tokens for h in hyps], alpha=0.6)
    np.testing.assert_allclose(rescored, scores, rtol=1e-4, atol=1e-4)
    for h in hyps:
        assert h.log_prob / length_penalty(len(h.tokens), 0.6) == pytest.approx(h.score)
        assert h.weights.shape == (len(h.tokens), ids.shape[1])


def test_back_then_step_reproduces_the_step(trained):
    """back() undoes a step, and step() then gives the same token, candidates and weights."""
    session = DecodingSession(trained[0].model, top_k=3)
    session.start(trained[1][0][0])
    first = session.step()
    second = session.step()
    assert session.back() == first
    again = session.step()
    assert again.token_id == second.token_id and again.index == 1
    np.testing.assert_array_equal(again.weights, second.weights)
    assert [c.token for c in again.candidates] == [c.token for c in second.candidates]
    probabilities = [c.probability for c in again.candidates]
    assert probabilities == sorted(probabilities, reverse=True) and len(probabilities) == 3


def test_force_changes_the_output_from_that_step_on(trained):
    """Forcing the second-best candidate changes the token and what follows it."""
    model = trained[0].model
    session = DecodingSession(model)
    session.start(trained[1][1][0])
    session.run_to_end()
    greedy_tokens = list(session.target_tokens)
    while len(session.steps) > 1:
        session.back()
    runner_up = session.steps[0].candidates[1]
    forced = session.force(runner_up.token)
    assert forced.forced and forced.token == runner_up.token
    assert forced.probability == pytest.approx(runner_up.probability)
    session.run_to_end()
    assert session.target_tokens[0] == runner_up.token
    assert session.target_tokens != greedy_tokens
    with pytest.raises(TranslationError, match="not in the target vocabulary"):
        session.force("no-such-token")


def test_session_messages_for_bad_use(trained):
    """Empty input, stepping before start and stepping past the end get clear messages."""
    session = DecodingSession(trained[0].model)
    with pytest.raises(TranslationError, match="start"):
        session.step()
    with pytest.raises(TranslationError, match="empty"):
        session.start("   ")
    session.start("a b")
    session.run_to_end()
    assert session.steps[-1].finished
    with pytest.raises(TranslationError, match="ended"):
        session.step()


def test_session_truncates_long_input_and_says_so(trained):
    """A sentence longer than the model reads is cut, and the session reports it."""
    model = trained[0].model
    session = DecodingSession(model)
    tokens = session.start(" ".join(["a"] * 500))
    assert session.truncated and session.token_count == 500
    assert len(tokens) == model.source_text.max_length + 1  # [END] appended
    assert session.run_to_end()[-1].finished


def test_sampling_is_seeded_and_zero_temperature_is_greedy(trained):
    """Sampling with a seed repeats; temperature 0 gives the greedy output; top-k holds."""
    model = trained[0].model
    sentences = _sentences(trained[1], n=6)
    ids = model.source_ids(sentences)
    expected, _ = _greedy_ids(model, sentences)
    assert [h.tokens for h in sample(model, ids, temperature=0)] == expected
    a = sample(model, ids, temperature=1.5, seed=7)
    b = sample(model, ids, temperature=1.5, seed=7)
    assert [h.tokens for h in a] == [h.tokens for h in b]
    top1 = sample(model, ids, temperature=2.0, top_k=1, seed=3)
    assert [h.tokens for h in top1] == expected
    assert all(h.tokens[-1] == END_ID or not h.finished for h in a)


def test_beam_trace_describes_a_tree(trained):
    """The beam trace has one list of beams per step, each pointing at a parent beam."""
    session = DecodingSession(trained[0].model)
    session.start(trained[1][2][0])
    hyps, trace = session.beam(width=3)
    assert hyps and len(trace) >= len(hyps[0].tokens) - 1
    for depth, beams in enumerate(trace):
        assert beams, depth
        for beam in beams:
            assert isinstance(beam["token"], str)
            assert 0 <= beam["parent"] < 3
