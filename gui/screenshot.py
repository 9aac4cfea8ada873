"""``keras-attn-gui --screenshot FILE.png``: show a view at work and save a picture of it.

A :class:`ScreenshotRun` waits for the model, does the view's work (translate a
sentence; step a sentence to the end; the same and show the alignment), waits for the
worker's answer, saves ``window.grab()`` and ends the event loop with 0 (1 when the model
could not be opened or the work failed, after saving what the window shows).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

VIEWS = ("translate", "step", "alignment", "wizard")
SIZE = (1280, 800)
SETTLE_MS = 400  # let layouts and the heatmap settle before the picture


class ScreenshotRun(QObject):
    """Drive `window` through one view's work, then save a picture and quit."""

    def __init__(self, window, path, view="step", sentence=None, timeout=240.0):
        super().__init__(window)
        if view not in VIEWS[:3]:
            raise ValueError(f"Received an invalid value for argument `view`, expected one of "
                             f"{VIEWS[:3]}, got {view!r}.")
        self.window, self.path, self.view, self.sentence = window, Path(path), view, sentence
        self.timeout = timeout
        self.code = None

    def begin(self):
        w = self.window
        w.error_shown.connect(self._failed)
        QTimer.singleShot(int(self.timeout * 1000), self._timed_out)
        if w.summary is not None:
            self._go(w.summary)
        else:
            w.model_ready.connect(self._go)
            if w.pages.currentWidget() is w.empty_page:  # nothing to open
                self._finish(1, "no model to open: pass --model PATH")

    def _go(self, summary):
        w = self.window
        sentence = self.sentence or summary["sample_sentence"]
        if self.view == "translate":
            w.show_tab("translate")
            view = w.translate_view
            view.result_shown.connect(self._settle)
            view.input.setPlainText(sentence)
            view.translate()
            return
        w.show_tab("step")
        view = w.step_view
        if self.view == "alignment":
            view.show_view("alignment")
        view.snapshot_shown.connect(self._snapshot)
        if view.sentence.text().strip() != sentence:
            view.sentence.setText(sentence)
            view.start()
        elif view.snapshot is not None and view.snapshot["sentence"] == sentence:
            view.to_end()

    def _snapshot(self, event):
        view = self.window.step_view
        snapshot = view.snapshot
        if snapshot["sentence"] != view.sentence.text().strip():
            return
        if event == "start":
            view.to_end()
        elif event == "end":
            self._settle()

    def _settle(self):
        QTimer.singleShot(SETTLE_MS, lambda: self._finish(0))

    def _failed(self, title, message):
        self._finish(1, f"{title}: {message}")

    def _timed_out(self):
        self._finish(1, f"gave up after {self.timeout:g} s")

    def _finish(self, code, message=None):
        if self.code is not None:
            return
        self.code = code
        if message:
            print(f"keras-attn-gui --screenshot: {message}", file=sys.stderr)
        save(self.window, self.path)
        print(self.path)
        QApplication.instance().exit(code)


def save(window, path) -> Path:
    """Draw pending updates, then save `window.grab()` to `path`."""
    path = Path(path)
    heatmap = window.step_view.heatmap
    heatmap.flush()
    heatmap.draw()
    QApplication.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        raise OSError(f"{path}: could not write the picture.")
    return path


def grab_widget(widget, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise OSError(f"{path}: could not write the picture.")
    return path
