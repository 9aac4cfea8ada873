"""Figures rendered off the window's thread: the worker draws, the window keeps answering,
changes wait for the render in progress, and the picture shown is the newest one."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")

from matplotlib.artist import Artist  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402

from keras_attn_app.widgets.background_canvas import (  # noqa: E402
    BackgroundCanvas,
    changes_figure,
)

TIMEOUT = 10_000


class Gate(Artist):
    """An artist whose drawing waits until the test opens the gate, and notes the
    thread it was drawn on."""

    def __init__(self):
        super().__init__()
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.threads: list[int] = []

    def draw(self, renderer):
        self.threads.append(threading.get_ident())
        self.entered.set()
        self.gate.wait(TIMEOUT / 1000)


class Picture(BackgroundCanvas):
    def __init__(self):
        figure = Figure(figsize=(4, 3), dpi=100)
        super().__init__(figure)
        self.axes = figure.add_subplot()
        self.image = self.axes.imshow(np.zeros((4, 5)), vmin=0, vmax=1)
        self.values = np.zeros((4, 5))
        self.applied: list[float] = []

    def show_values(self, values):
        self.values = np.asarray(values, float)
        self._apply()

    @changes_figure
    def _apply(self):
        self.image.set_data(self.values)
        self.applied.append(float(self.values[0, 0]))
        self.draw_idle()


def _pixels(canvas: Picture) -> np.ndarray:
    """The frame shown, as an RGBA array."""
    frame = canvas.frame()
    assert frame is not None
    data = frame.constBits()
    return np.frombuffer(data, np.uint8).reshape(frame.height(), frame.width(), 4).copy()


def _reference(canvas: Picture) -> np.ndarray:
    """The same figure rendered at once on this thread by plain Agg."""
    agg = FigureCanvasAgg(Figure(figsize=canvas.figure.get_size_inches(), dpi=100))
    axes = agg.figure.add_subplot()
    axes.imshow(canvas.values, vmin=0, vmax=1)
    axes.set_position(canvas.axes.get_position())
    agg.draw()
    return np.asarray(agg.buffer_rgba())


def _shown(qtbot, size=(400, 300)) -> Picture:
    canvas = Picture()
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    qtbot.waitUntil(lambda: canvas.frame() is not None and not canvas.rendering, timeout=TIMEOUT)
    return canvas


def _blocked(qtbot, canvas: Picture, value: float) -> Gate:
    """Show `value` everywhere and wait until the worker is inside its render, held there
    until the gate opens."""
    gate = Gate()
    canvas.figure.add_artist(gate)
    canvas.show_values(np.full((4, 5), value))
    qtbot.waitUntil(gate.entered.is_set, timeout=TIMEOUT)
    return gate


def test_draw_idle_renders_on_another_thread_and_paints_the_same_pixels(qtbot):
    canvas = _shown(qtbot)
    gate = Gate()
    gate.gate.set()
    canvas.figure.add_artist(gate)
    before = canvas.renders
    canvas.show_values(np.linspace(0, 1, 20).reshape(4, 5))
    qtbot.waitUntil(lambda: canvas.renders > before and not canvas.rendering, timeout=TIMEOUT)
    assert gate.threads and threading.get_ident() not in gate.threads
    canvas.figure.artists.remove(gate)
    canvas.draw()  # now on this thread, without the gate
    np.testing.assert_array_equal(_pixels(canvas), _reference(canvas))


def test_the_window_answers_while_a_render_runs_and_changes_wait_for_it(qtbot):
    canvas = _shown(qtbot)
    gate = _blocked(qtbot, canvas, 0.25)
    assert canvas.applied == [0.25] and canvas.rendering

    ticks = []
    QTimer.singleShot(0, lambda: ticks.append("tick"))
    qtbot.waitUntil(lambda: ticks == ["tick"], timeout=2000)  # the event loop runs

    # Two changes while the worker draws: neither touches the figure yet; the newest runs
    # once the render ends.
    canvas.show_values(np.full((4, 5), 0.5))
    canvas.show_values(np.full((4, 5), 0.75))
    assert canvas.applied == [0.25]
    assert float(canvas.image.get_array()[0, 0]) == 0.25

    gate.gate.set()
    qtbot.waitUntil(lambda: canvas.applied == [0.25, 0.75], timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not canvas.rendering and not canvas._dirty, timeout=TIMEOUT)
    canvas.figure.artists.remove(gate)
    canvas.draw()
    np.testing.assert_array_equal(_pixels(canvas), _reference(canvas))


def test_an_older_render_never_replaces_a_newer_picture(qtbot):
    canvas = _shown(qtbot)
    gate = _blocked(qtbot, canvas, 0.2)
    opener = threading.Timer(0.2, gate.gate.set)
    opener.start()
    # draw() waits for the background render, then renders the newest figure at once.
    canvas.show_values(np.full((4, 5), 0.9))  # waits: the worker draws
    canvas.draw()
    opener.join()
    assert canvas.applied == [0.2, 0.9]
    newest = _pixels(canvas)
    qtbot.wait(100)  # the worker's queued result arrives, and is not shown over it
    np.testing.assert_array_equal(_pixels(canvas), newest)
    np.testing.assert_array_equal(newest, _reference(canvas))  # 0.9 everywhere


def test_a_resize_waits_for_the_render_and_draws_at_the_new_size(qtbot):
    canvas = _shown(qtbot)
    canvas.resize(500, 360)
    qtbot.waitUntil(
        lambda: canvas.frame() is not None and canvas.frame().width() == 500, timeout=TIMEOUT
    )
    assert canvas.frame().height() == 360
