"""A matplotlib canvas that renders its figure off the window's thread.

Rendering a figure with Agg takes 50-120 ms on the machines this app is measured on (an
attention heatmap with its labels and colour bar, or the wizard's three training curves).
Drawn on the window's thread, every step of a played decoding and every finished epoch
froze the window that long (``bench/gui_stall.py``). A :class:`BackgroundCanvas` keeps
the figure and the widget of ``FigureCanvasQTAgg`` but:

* ``draw_idle()`` renders the figure on one worker thread shared by all canvases and,
  when the picture is ready, paints it; the window's thread only copies pixels;
* a canvas that rebuilds its figure for new data (the heatmap) can do it on the worker
  too: :meth:`BackgroundCanvas._snapshot` takes the data on the window's thread as a
  render begins and :meth:`BackgroundCanvas._prepare` builds the figure from it before
  the draw;
* changes to the figure wait while a render runs: a method decorated with
  :func:`changes_figure` that is called then is run once, when the render ends (calls
  of the same method in between count once, since each reads the newest data);
* ``draw()`` still renders at once on the calling thread (for pictures saved or
  grabbed), after the render in progress, if any;
* a picture older than the one shown is dropped, so that a slow render can never
  replace a newer one.

Only one thread touches the figure at a time: the worker while it renders, the window's
thread otherwise (it waits for the worker before a resize or a save). Matplotlib's font
objects are kept per thread (``font_manager._get_font``), so the two never share one.
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from PySide6.QtCore import QPoint, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

log = logging.getLogger(__name__)

_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """The one thread that renders figures (one at a time, in order)."""
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="figure-render")
        return _EXECUTOR


def changes_figure(method):
    """Run `method` (which changes the figure) now, or once the render in progress ends."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self.rendering:
            self._waiting[method.__name__] = lambda: wrapper(self, *args, **kwargs)
            return None
        return method(self, *args, **kwargs)

    return wrapper


def _unless_rendering(name: str):
    """A Qt event handler that gives the event to matplotlib's canvas, or, while a render
    runs, to the plain widget."""

    def handler(self, event):
        owner = QWidget if self.rendering else FigureCanvasQTAgg
        getattr(owner, name)(self, event)

    handler.__name__ = name
    return handler


class BackgroundCanvas(FigureCanvasQTAgg):
    """``FigureCanvasQTAgg`` whose ``draw_idle()`` renders on a worker thread (see the
    module doc). :attr:`renders` counts finished renders, on either thread."""

    _rendered = Signal()

    def __init__(self, figure):
        self._frame: QImage | None = None  # the picture shown
        self._shown = 0  # the number of the render shown
        self._number = 0  # renders begun
        self._future: Future | None = None
        self._done: tuple[int, object] | None = None  # a worker's result, not yet shown
        self._dirty = False  # the figure changed since the last render began
        self._starting = False  # a start is queued in the event loop
        self._waiting: dict = {}  # changes to the figure waiting for the render to end
        self.renders = 0
        super().__init__(figure)
        self._rendered.connect(self._take_result)

    # -- state -----------------------------------------------------------------------
    @property
    def rendering(self) -> bool:
        """Whether the worker renders (or has rendered, unseen) this figure."""
        return self._future is not None

    def frame(self) -> QImage | None:
        """The picture painted (None before the first render)."""
        return self._frame

    # -- drawing -----------------------------------------------------------------------
    def draw_idle(self):
        """Render in the background once the event loop is free (several calls in a row
        render once)."""
        self._dirty = True
        if not self._starting:
            self._starting = True
            QTimer.singleShot(0, self, self._start)  # dropped if the widget goes

    def _before_render(self):
        """Changes to make on the window's thread just before a render (placing axes)."""

    def _snapshot(self):
        """What the render thread needs to build the figure (taken on the window's thread
        as a render begins), or None when the figure is built already."""
        return None

    def _prepare(self, snapshot):
        """Build the figure from `snapshot` on the thread that renders it."""

    def _start(self):
        self._starting = False
        if self.rendering or not self._dirty or self.figure is None or not isValid(self):
            return
        width, height = self.get_width_height(physical=True)
        if width <= 0 or height <= 0 or not self.isVisible():
            return  # drawn when shown (showEvent)
        self._dirty = False
        self._before_render()
        self._number += 1
        self._future = _executor().submit(self._render, self._number, self._snapshot())

    def _render(self, number: int, snapshot=None):
        """On the worker: build the figure if need be, draw it and keep a copy of its
        pixels."""
        try:
            if snapshot is not None:
                self._prepare(snapshot)
            renderer = FigureCanvasAgg.get_renderer(self)
            renderer.clear()
            self.figure.draw(renderer)
            result: object = np.array(renderer.buffer_rgba())
        except Exception as error:  # shown by the window's thread
            result = error
        self._done = (number, result)
        try:
            self._rendered.emit()
        except RuntimeError:  # the widget is gone
            pass

    def _take_result(self, start: bool = True):
        """On the window's thread: show the worker's picture, make the waiting changes,
        and render again if the figure changed meanwhile."""
        if self._future is None or self._done is None:
            return
        number, result = self._done
        self._done, self._future = None, None
        self.renders += 1
        if isinstance(result, BaseException):
            log.error("Could not draw a figure", exc_info=result)
        else:
            self._show(number, result)
        waiting, self._waiting = self._waiting, {}
        for change in waiting.values():
            change()
        if start and self._dirty:
            self.draw_idle()

    def wait(self):
        """Wait for the render in progress, if any, and show it (the window's thread)."""
        future = self._future
        if future is not None:
            future.result()
            self._take_result(start=False)
            if self._dirty:
                self.draw_idle()

    def flush(self):
        """Build the figure now on this thread if its data changed (before reading or
        saving it), once the render in progress, if any, has ended."""
        self.wait()
        snapshot = self._snapshot()
        if snapshot is not None:
            self._prepare(snapshot)

    def draw(self):
        """Render now on this thread (after the render in progress), and paint."""
        self.flush()
        self._dirty = False
        self._before_render()
        self._number += 1
        number = self._number
        super().draw()  # FigureCanvasAgg.draw: renders into self.renderer
        self.renders += 1
        self._show(number, np.array(self.renderer.buffer_rgba()))

    def _show(self, number: int, pixels: np.ndarray):
        if number < self._shown:
            return  # an older picture than the one shown
        self._shown = number
        height, width = pixels.shape[:2]
        image = QImage(pixels.data, width, height, width * 4, QImage.Format.Format_RGBA8888)
        image = image.copy()  # owns its pixels
        image.setDevicePixelRatio(self.device_pixel_ratio)
        self._frame = image
        self.update()

    # -- Qt --------------------------------------------------------------------------
    def paintEvent(self, event):  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        try:
            face = self.figure.get_facecolor() if self.figure is not None else (1, 1, 1, 1)
            painter.fillRect(event.rect(), QColor.fromRgbF(*face))
            if self._frame is not None:
                painter.drawImage(QPoint(0, 0), self._frame)
            self._draw_rect_callback(painter)
        finally:
            painter.end()
        if self._frame is None and not self.rendering:
            self.draw_idle()

    def showEvent(self, event):  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._dirty or self._frame is None:
            self.draw_idle()

    # Mouse events read the figure (which axes is under the pointer): not while the render
    # thread builds or draws it; the next event after the render is handled.
    mouseMoveEvent = _unless_rendering("mouseMoveEvent")
    mousePressEvent = _unless_rendering("mousePressEvent")
    mouseReleaseEvent = _unless_rendering("mouseReleaseEvent")
    wheelEvent = _unless_rendering("wheelEvent")
    enterEvent = _unless_rendering("enterEvent")
    leaveEvent = _unless_rendering("leaveEvent")

    def resizeEvent(self, event):  # noqa: N802 (Qt's name)
        self.wait()  # the figure changes size: not while the worker draws it
        super().resizeEvent(event)

    def print_figure(self, *args, **kwargs):
        """Save the figure (matplotlib's ``savefig``) once no render uses it."""
        self.wait()
        super().print_figure(*args, **kwargs)
        self._draw_pending = False  # Qt's next paint shows our picture, no draw needed
        self.draw_idle()
