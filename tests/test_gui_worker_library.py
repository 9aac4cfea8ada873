"""The app's worker uses the library itself: translations through translate_batch, errors
recognised by their classes."""

import pytest

pytest.importorskip("PySide6")

import keras_attn  # noqa: E402
from keras_attn.demo import model_path  # noqa: E402
from keras_attn.errors import DataError, KerasAttnError  # noqa: E402
from keras_attn.evaluation import translate_batch  # noqa: E402
from keras_attn.search import score  # noqa: E402
from keras_attn_app import worker, worker_tasks  # noqa: E402

SENTENCES = ["Nov 3rd, 1999", "14/07/89", "Thursday, 26 November 2026"]


@pytest.fixture(scope="module")
def model():
    return keras_attn.load(model_path("dates"))


def test_library_errors_are_recognised_by_class_not_by_name():
    """Any keras_attn error (subclasses too) is shown as its message alone; a foreign
    exception that merely shares the name is not taken for one."""

    class ShortFile(DataError):
        pass

    Impostor = type("KerasAttnError", (Exception,), {})
    assert worker.describe(ShortFile("pairs.tsv: line 3: no tab")) == "pairs.tsv: line 3: no tab"
    assert worker.describe(worker.NoModelError("No model loaded")) == "No model loaded"
    assert worker._expected(KerasAttnError("x")) and not worker._expected(Impostor("x"))
    assert worker.describe(Impostor("boom")) == "KerasAttnError: boom"


def test_greedy_translation_is_the_library_s_with_its_log_probability(model):
    """Typed text (step by step) and files (the compiled loop) give the model's own greedy
    translations; the alternative shown is the output with its teacher-forced
    log-probability."""
    outputs, alternatives, method = worker_tasks.translate_lines(model, SENTENCES, 1, 0.0)
    assert method == "greedy"
    assert outputs == [options[0].text for options in translate_batch(model, SENTENCES)]
    assert outputs == model.translate(SENTENCES) == ["1999-11-03", "1989-07-14", "2026-11-26"]
    ((text, shown_score, log_prob),) = alternatives
    first = translate_batch(model, SENTENCES[:1])[0][0]
    expected = score(model, model.source_ids(SENTENCES[:1]), [first.token_ids])[0]
    assert text == outputs[0] and shown_score == log_prob == pytest.approx(expected, abs=1e-4)
    plain, none, _ = worker_tasks.translate_lines(model, SENTENCES, 1, 0.0, alternatives=False)
    assert plain == outputs and none == []
    assert -5 < log_prob <= 0


def test_beam_translation_lists_the_n_best_of_the_first_line(model):
    """Beam search: the library's outputs, and the first line's n-best list by score."""
    outputs, alternatives, method = worker_tasks.translate_lines(model, SENTENCES, 3, 0.0)
    assert method == "beam search, width 3"
    found = translate_batch(model, SENTENCES, beam=3, n_best=3)
    assert outputs == [options[0].text for options in found]
    assert alternatives == [(o.text, o.score, o.log_prob) for o in found[0]]
    assert len(alternatives) == 3 and alternatives[0][0] == outputs[0]
    assert [a[1] for a in alternatives] == sorted((a[1] for a in alternatives), reverse=True)
    plain, none, _ = worker_tasks.translate_lines(model, SENTENCES, 3, 0.0, alternatives=False)
    assert plain == outputs and none == []


def test_sampling_offers_distinct_samples_most_probable_first(model):
    """Sampling: one sample per line, and distinct samples of the first line (its output
    among them) ranked by log-probability."""
    outputs, alternatives, method = worker_tasks.translate_lines(model, SENTENCES, 4, 1.5)
    assert method == "sampling, temperature 1.5"
    assert len(outputs) == len(SENTENCES) and all(outputs)
    texts = [a[0] for a in alternatives]
    assert outputs[0] in texts and len(set(texts)) == len(texts) <= worker_tasks.MAX_SAMPLES
    log_probs = [a[2] for a in alternatives]
    assert log_probs == sorted(log_probs, reverse=True)
    assert all(a[1] == a[2] <= 0 for a in alternatives)


def test_warm_up_traces_once_for_every_sentence_length_and_count():
    """After a model's warm-up, translating and stepping through sentences of other
    lengths, several at once, or by beam search traces nothing more."""
    from keras_attn.search import compiled_encode, compiled_step

    fresh = keras_attn.load(model_path("dates"))
    session = worker_tasks.new_session(fresh)
    worker_tasks.warm_up(fresh, session, model_path("dates"))
    functions = [compiled_encode(fresh), compiled_step(fresh)]
    if getattr(session, "anatomy", False):
        from keras_attn.search import compiled_step_anatomy

        functions.append(compiled_step_anatomy(fresh))
    traced = [f.experimental_get_tracing_count() for f in functions]
    assert traced == [1] * len(functions)
    outputs, _, _ = worker_tasks.translate_lines(fresh, SENTENCES, 1, 0.0)
    assert outputs == ["1999-11-03", "1989-07-14", "2026-11-26"]
    worker_tasks.translate_lines(fresh, SENTENCES[1:], 2, 0.0)
    session.start(SENTENCES[2])
    session.run_to_end()
    assert session.translation == "2026-11-26"
    assert [f.experimental_get_tracing_count() for f in functions] == traced


def test_a_worker_thread_lets_the_window_take_the_lock_sooner(qtbot):
    """Starting a worker's thread shortens the time a busy thread holds the interpreter
    lock while the window's thread waits (never lengthens one set shorter)."""
    import sys

    from PySide6.QtCore import QObject

    class Idle(QObject):
        def start(self):
            pass

    before = sys.getswitchinterval()
    try:
        for start, expected in ((0.005, worker.SWITCH_INTERVAL), (0.0005, 0.0005)):
            sys.setswitchinterval(start)
            thread = worker.WorkerThread(Idle())
            thread.start()
            assert sys.getswitchinterval() == pytest.approx(expected)
            thread.quit()
            assert thread.wait(5000)
    finally:
        sys.setswitchinterval(before)
