"""The window translates before TensorFlow's model is ready: the first model read with
NumPy answers greedy requests (gui/quick_start.py); everything else, and everything after
the model has loaded, goes to the worker."""

import threading

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings  # noqa: E402

from keras_attn.demo import DEMOS, model_path  # noqa: E402
from keras_attn.numpy_translator import NumpyTranslator  # noqa: E402
from keras_attn_app import worker as worker_module  # noqa: E402
from keras_attn_app.main_window import MainWindow  # noqa: E402
from keras_attn_app.quick_start import QuickStart  # noqa: E402
from keras_attn_app.settings import Settings  # noqa: E402

TIMEOUT = 60_000


def test_quick_start_answers_greedy_requests_and_declines_the_rest(qtbot):
    path = str(model_path("toy_language"))
    quick = QuickStart(path)
    with qtbot.waitSignal(quick.ready, timeout=TIMEOUT) as ready:
        quick.start()
    assert ready.args[0]["sample_sentence"] == DEMOS["toy_language"][1][0]
    assert quick.can_translate(1, 0.0)
    assert not quick.can_translate(3, 0.0) and not quick.can_translate(1, 0.5)
    sentences = list(DEMOS["toy_language"][1][:2])
    with qtbot.waitSignal(quick.translated, timeout=TIMEOUT) as done:
        quick.translate("\n".join(sentences) + "\n\n", 1, 0.0)
    expected = [NumpyTranslator.load(path).translate(s) for s in sentences]
    assert done.args[0]["outputs"] == [t.text for t in expected]
    assert done.args[0]["method"] == "greedy"
    assert done.args[0]["alternatives"][0][1] == pytest.approx(expected[0].log_prob)
    # A character Python's Unicode tables do not know: handed back, for the worker.
    with qtbot.waitSignal(quick.declined, timeout=TIMEOUT) as declined:
        quick.translate("ta \U000323af", 1, 0.0)
    assert declined.args == ["ta \U000323af", 1, 0.0]
    with qtbot.waitSignal(quick.failed, timeout=TIMEOUT) as failed:
        quick.translate("ta \udcff", 1, 0.0)
    assert "surrogate" in failed.args[1]
    quick.close()  # the worker's model has loaded: the NumPy copy is let go
    assert quick.model is None and not quick.can_translate(1, 0.0)
    with qtbot.waitSignal(quick.declined, timeout=TIMEOUT):
        quick.translate(sentences[0], 1, 0.0)


def test_the_window_translates_before_its_model_has_loaded(qtbot, tmp_path, monkeypatch):
    """Until the worker's model is ready: greedy translations come from the quick start
    with the Step tab off; a beam request waits for the worker, which answers it once the
    model has loaded, and from then on the worker answers everything."""
    gate = threading.Event()
    load = worker_module.Worker._load

    def held_load(self, path):
        gate.wait(120)
        load(self, path)

    monkeypatch.setattr(worker_module.Worker, "_load", held_load)
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    path = str(model_path("toy_language"))
    window = MainWindow(model_path=path, settings=settings, interactive=False)
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(window.tabs.isEnabled, timeout=TIMEOUT)  # the quick start is ready
        view = window.translate_view
        assert window.summary is None and window.tabs.isEnabled()
        assert window.tabs.currentWidget() is view
        assert not window.tabs.isTabEnabled(window.tabs.indexOf(window.step_view))
        sample = DEMOS["toy_language"][1][0]
        assert view.input.toPlainText() == sample
        with qtbot.waitSignal(view.result_shown, timeout=TIMEOUT):
            view.translate_button.click()
        assert view.output.toPlainText() == NumpyTranslator.load(path).translate(sample).text
        assert view.method.text() == "greedy"

        view.width_box.setValue(3)
        with qtbot.waitSignal(view.result_shown, timeout=TIMEOUT):
            view.translate_button.click()
            qtbot.wait(200)
            assert view.method.text() == "greedy"  # the beam request waits for the model
            gate.set()
        assert view.method.text() == "beam search, width 3"
        assert window.summary is not None and window.quick is None
        assert window.tabs.currentWidget() is view  # it was used: the tab stays
        assert window.tabs.isTabEnabled(window.tabs.indexOf(window.step_view))
    finally:
        gate.set()
        window.shutdown()


def test_the_window_goes_back_to_its_tab_when_translate_was_not_used(qtbot, tmp_path, monkeypatch):
    gate = threading.Event()
    load = worker_module.Worker._load
    monkeypatch.setattr(
        worker_module.Worker, "_load", lambda self, path: (gate.wait(120), load(self, path))
    )
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    settings.set_value("window/tab", 0)  # the Step tab, as the window opens on it
    window = MainWindow(
        model_path=str(model_path("toy_language")), settings=settings, interactive=False
    )
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(window.tabs.isEnabled, timeout=TIMEOUT)  # the quick start is ready
        assert window.tabs.currentWidget() is window.translate_view
        gate.set()
        qtbot.waitUntil(lambda: window.summary is not None, timeout=TIMEOUT)
        assert window.tabs.currentWidget() is window.step_view
        assert window.tabs.isTabEnabled(0) and window.quick is None
    finally:
        gate.set()
        window.shutdown()
