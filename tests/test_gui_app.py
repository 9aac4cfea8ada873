"""Tests of the app's start-up: fast imports, settings, the error log and screenshots."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings  # noqa: E402

from keras_attn_app import app, excepthook, settings  # noqa: E402
from keras_attn_app.settings import MAX_RECENT, Settings  # noqa: E402
from tests.gui_helpers import PNG_SIGNATURE, ROOT, run_gui  # noqa: E402


@pytest.fixture(scope="module")
def model_file(trained, tmp_path_factory):
    from keras_attn.saving import save_model

    path = tmp_path_factory.mktemp("gui-app") / "reverse.keras"
    save_model(trained[0].model, path)
    return path


def test_the_window_modules_do_not_import_tensorflow():
    """Importing the app and its window leaves TensorFlow for the worker thread."""
    code = (
        "import sys, keras_attn_app.app, keras_attn_app.main_window, keras_attn_app.views.step_view; "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules, "
        "'PySide6.QtWidgets' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert out == ["False", "False", "True"]
    code = "import sys, keras_attn_app.app; print('PySide6' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert out == ["False"]  # so `keras-attn gui` costs the other commands nothing


def test_recent_models_are_newest_first_unique_and_capped(tmp_path):
    """The recent list keeps the last 8 distinct models, newest first."""
    s = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    for i in range(10):
        s.add_recent_model(tmp_path / f"m{i}.keras")
    s.add_recent_model(tmp_path / "m5.keras")
    recent = [Path(p).name for p in s.recent_models()]
    assert recent[0] == "m5.keras" and len(recent) == MAX_RECENT
    assert len(set(recent)) == MAX_RECENT and "m0.keras" not in recent


def test_settings_file_can_be_chosen_by_environment(tmp_path, monkeypatch):
    """KERAS_ATTN_SETTINGS points the app at another settings file."""
    path = tmp_path / "elsewhere.ini"
    monkeypatch.setenv(settings.SETTINGS_ENV, str(path))
    s = Settings()
    s.set_last_model("/some/model.keras")
    s.sync()
    assert path.exists() and Settings().last_model() == "/some/model.keras"


def test_uncaught_errors_go_to_the_log_file(tmp_path, monkeypatch, qapp):
    """The installed excepthook writes the traceback to keras-attn.log."""
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr("threading.excepthook", __import__("threading").excepthook)
    reporter = excepthook.install(interactive=False)
    shown = []
    reporter.report.connect(shown.append)
    try:
        raise RuntimeError("something unexpected")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    log = (tmp_path / settings.LOG_NAME).read_text(encoding="utf-8")
    assert "RuntimeError: something unexpected" in log and "Traceback" in log
    assert shown == ["RuntimeError: something unexpected"]


def test_command_line_options():
    """--screenshot, --view, --sentence, --model and --color-scheme are understood."""
    args = app.build_parser().parse_args(
        [
            "--screenshot",
            "x.png",
            "--view",
            "alignment",
            "--sentence",
            "a b",
            "--model",
            "m.keras",
            "--color-scheme",
            "dark",
        ]
    )
    assert (args.screenshot, args.view, args.sentence, args.model, args.color_scheme) == (
        "x.png",
        "alignment",
        "a b",
        "m.keras",
        "dark",
    )
    from unittest import mock

    from keras_attn.cli import main

    # `keras-attn gui ...` passes its options on to `python -m keras_attn_app.app` unchanged.
    with mock.patch("subprocess.call", return_value=0) as call:
        assert main(["gui", "--model", "m.keras", "--view", "step"]) == 0
    options = call.call_args.args[0][3:]
    assert call.call_args.args[0][1:3] == ["-m", "keras_attn_app.app"]
    assert options == ["--model", "m.keras", "--view", "step"]
    assert app.build_parser().parse_args(options).model == "m.keras"
    with pytest.raises(SystemExit):  # other commands still refuse unknown options
        main(["check", "x.tsv", "--no-such-option"])


def test_screenshot_of_the_step_view(model_file, tmp_path):
    """`python -m keras_attn_app.app --screenshot x.png --view step` writes a 1280x800 PNG and exits 0."""
    shot = tmp_path / "x.png"
    result = run_gui(
        [
            "--screenshot",
            str(shot),
            "--view",
            "step",
            "--model",
            str(model_file),
            "--sentence",
            "a b c",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = shot.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 800)
    assert not (tmp_path / "settings.ini").exists()  # a screenshot changes no settings


def test_wizard_screenshot(tmp_path):
    """--view wizard pictures the training wizard's first page."""
    shot = tmp_path / "w.png"
    result = run_gui(["--screenshot", str(shot), "--view", "wizard"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert shot.read_bytes()[:8] == PNG_SIGNATURE


def test_window_shows_quickly_without_waiting_for_tensorflow(model_file, tmp_path):
    """The window is on screen well before TensorFlow has loaded."""
    code = (
        "import time; began = time.perf_counter()\n"
        "import os, sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from keras_attn_app.main_window import MainWindow\n"
        "window = MainWindow(model_path=sys.argv[1])\n"
        "window.show()\n"
        "def shown():\n"
        "    print(f'{time.perf_counter() - began:.3f}', window.isVisible(),\n"
        "          window.status_label.text(), flush=True)\n"
        "    os._exit(0)\n"
        "QTimer.singleShot(0, shown)\n"
        "app.exec()\n"
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        settings.SETTINGS_ENV: str(tmp_path / "s.ini"),
    }
    out = subprocess.run(
        [sys.executable, "-c", code, str(model_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split(maxsplit=2)
    seconds, visible, status = float(out[0]), out[1], out[2].strip()
    print(f"\nwindow visible after {seconds:.2f} s")
    assert visible == "True" and status == "Loading TensorFlow…"
    assert seconds < 4.0  # aim: under 2 s; loose here, the test machines are shared
