"""``keras-attn-gui --screenshot FILE.png``: show a view at work and save a picture of it.

A :class:`ScreenshotRun` waits for the model, does the view's work (translate a
sentence; step a sentence to the end; the same and show the alignment or the diagnostics;
step to the middle of the sentence and show the anatomy of that step; open the Compare
window, compare and click the longest sentence), waits for the worker's answer, saves
``window.grab()`` (the Compare window's for "compare") and ends the event loop with 0 (1
when the model could not be opened or the work failed, after saving what the window shows).

``python -m keras_attn_app.screenshot`` takes the same options and a few more for the step
view: ``--page`` (any page of the step view, e.g. ``encoder`` or ``heads`` for a
Transformer), ``--head LAYER,HEAD`` (counting from 1; ``LAYER,avg`` for the average of the
layer's heads) and ``--at-step N`` (go back to step N after decoding to the end).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from .app import VIEWS, WIZARD_PAGES
from .widgets.pictures import grab_widget

RUN_VIEWS = VIEWS[:-1]  # the views a ScreenshotRun drives (the wizard is app.py's)
SIZE = (1280, 800)
SETTLE_MS = 400  # let layouts and the heatmap settle before the picture
COMPARE_PAIRS = 300  # test pairs a compare screenshot scores
#: The step view's page, layer and head and step, set by ``python -m keras_attn_app.screenshot``
#: (:func:`main`): ``{"page": name, "head": (layer, head), "at_step": n}``.
STEP_OPTIONS: dict[str, Any] = {}


class ScreenshotRun(QObject):
    """Drive `window` through one view's work, then save a picture and quit."""

    def __init__(self, window, path, view="step", sentence=None, timeout=240.0):
        super().__init__(window)
        if view not in RUN_VIEWS:
            raise ValueError(
                f"Received an invalid value for argument `view`, expected one of "
                f"{RUN_VIEWS}, got {view!r}."
            )
        self.window, self.path, self.view, self.sentence = window, Path(path), view, sentence
        self.timeout = timeout
        self.code = None
        self.target = window  # what the picture shows
        self.page = STEP_OPTIONS.get("page")
        self.head = STEP_OPTIONS.get("head")
        self.at_step = STEP_OPTIONS.get("at_step")

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
        if self.view == "compare":
            self._compare()
            return
        w.show_tab("step")
        view = w.step_view
        if self.view in ("alignment", "anatomy", "diagnostics"):
            view.pages.show_view(self.view)
        if self.page:
            view.pages.show_view(self.page)
        if self.head is not None:
            view.pages.head_selector.select(*self.head)
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
        middle = max(1, (len(snapshot["target_tokens"]) + 1) // 2)
        going_back = self.view == "anatomy" or self.at_step
        if self.at_step:
            middle = max(1, int(self.at_step))
        if event == "start":
            view.to_end()
        elif event == "end" and going_back and len(snapshot["target_tokens"]) > middle:
            self._middle = middle
            view.back()
        elif event == "back" and len(snapshot["target_tokens"]) > getattr(self, "_middle", 1):
            view.back()
        elif event in ("end", "back"):
            self._settle()

    def _compare(self):
        """Compare the models the window offers on its suggested test file, then click the
        longest sentence."""
        window = self.window.show_compare()
        self.target = window
        window.resize(*SIZE)
        window.result_shown.connect(self._compared)
        window.sentence_shown.connect(lambda index: self._settle())
        self.window.worker.compare_failed.connect(self._compare_failed)
        if not window.running:
            window.limit.setValue(COMPARE_PAIRS)
            window.run()
        if not window.running:  # nothing to compare with
            self._finish(1, f"cannot compare: {window.status.text()}")

    def _compared(self, result):
        window = self.target
        if result.get("comparison") is None:
            self._finish(1, f"the comparison ended without scores: {window.status.text()}")
            return
        table = window.sentences
        table.sortItems(1, Qt.SortOrder.DescendingOrder)  # the longest sentence first
        table.selectRow(0)

    def _settle(self):
        QTimer.singleShot(SETTLE_MS, lambda: self._finish(0))

    def _compare_failed(self, title, message):
        self._finish(1, f"{title}: {message}")

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
        save(self.window, self.path, self.target)
        print(self.path)
        QApplication.instance().exit(code)


def save(window, path, target=None) -> Path:
    """Draw pending updates, then save a picture of `target` (default: `window`) to
    `path`."""
    from .widgets.heatmap import HeatmapCanvas

    target = target or window
    for heatmap in {window.step_view.pages.heatmap, *target.findChildren(HeatmapCanvas)}:
        heatmap.flush()
        heatmap.draw()
    QApplication.processEvents()
    return grab_widget(target, path)


POLL_MS = 200


class WizardScreenshot(QObject):
    """Drive the training wizard to one of its pages, then save a picture of it and quit.

    "data" is the first page as it opens. With a corpus file (`data`) the wizard reads it
    and goes on: "map" once it is read and checked, "text", "model" once the settings in
    use are chosen and an epoch is timed, "train" once a whole run has trained with the
    time limit `minutes` (the settings chosen automatically for that limit). The exit
    code is 0, or 1 when a page shows a problem or the time runs out (after saving what
    the wizard shows).
    """

    def __init__(self, wizard, path, page="data", data=None, minutes=0.0, timeout=None):
        super().__init__(wizard)
        if page not in WIZARD_PAGES:
            raise ValueError(
                f"Received an invalid value for argument `page`, expected one of "
                f"{WIZARD_PAGES}, got {page!r}."
            )
        if page != "data" and not data:
            raise ValueError(f"The wizard's {page!r} page needs a corpus file (data).")
        self.wizard, self.path, self.page, self.data = wizard, Path(path), page, data
        self.minutes = float(minutes or (5 if page == "train" else 0))
        self.timeout = timeout or 300.0 + (self.minutes * 90 if page == "train" else 0)
        self.code = None

    def begin(self):
        QTimer.singleShot(
            int(self.timeout * 1000), lambda: self._finish(1, f"gave up after {self.timeout:g} s")
        )
        self._wait(lambda: self.wizard.capabilities is not None, self._ready)

    def _wait(self, condition, then):
        """Call `then` once `condition()` holds, checking every :data:`POLL_MS`."""
        if self.code is not None:
            return
        problem = self._problem()
        if problem:
            self._finish(1, problem)
        elif condition():
            then()
        else:
            QTimer.singleShot(POLL_MS, lambda: self._wait(condition, then))

    def _problem(self) -> str | None:
        w = self.wizard
        for label in (
            w.data_page.status,
            w.map_page.error,
            w.model_page.problem,
            w.train_page.problem,
        ):
            if label.isVisibleTo(w) and label.text():
                return label.text()
        return None

    def _ready(self):
        w = self.wizard
        if self.page == "data":
            self._settle()
            return
        w.data_page.set_files([str(self.data)])
        w.next()
        self._wait(w.map_page.isComplete, self._read)

    def _read(self):
        w = self.wizard
        if self.page == "map":
            self._settle()
            return
        w.next()
        if self.page == "text":
            self._settle()
            return
        w.next()
        model = w.model_page
        model.time_limit.setValue(round(self.minutes))
        self._wait(
            lambda: (
                "per epoch" in model.timing.text() or "could not be measured" in model.timing.text()
            ),
            self._measured,
        )

    def _measured(self):
        w = self.wizard
        if self.page == "model":
            self._settle()
            return
        w.next()
        train = w.train_page
        train.start_button.click()
        self._wait(lambda: train.outcome is not None, self._settle)

    def _settle(self):
        QTimer.singleShot(SETTLE_MS, lambda: self._finish(0))

    def _finish(self, code, message=None):
        if self.code is not None:
            return
        self.code = code
        if message:
            print(f"keras-attn-gui --screenshot: {message}", file=sys.stderr)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        self.wizard.train_page.heatmap.flush()
        for canvas in self.wizard.findChildren(FigureCanvasQTAgg):
            canvas.draw()
        QApplication.processEvents()
        grab_widget(self.wizard, self.path)
        print(self.path)
        QApplication.instance().exit(code)


def main(argv: list[str] | None = None) -> int:
    """``keras-attn-gui``'s screenshot with the step view's page, head and step chosen."""
    from . import screenshot  # this module as app.run imports it (not __main__)
    from .app import build_parser, run
    from .widgets.head_grid import AVERAGE

    options = screenshot.STEP_OPTIONS

    parser = build_parser()
    parser.add_argument(
        "--page",
        help="the step view's page: heatmap, alignment, beam, "
        "anatomy, diagnostics, heads, encoder, decoder",
    )
    parser.add_argument(
        "--head",
        metavar="LAYER,HEAD",
        help="a Transformer's layer and head, from 1 (HEAD 'avg': average)",
    )
    parser.add_argument(
        "--at-step", type=int, metavar="N", help="show step N (after decoding to the end)"
    )
    args = parser.parse_args(argv)
    if not args.screenshot:
        parser.error("--screenshot FILE.png is needed")
    options.clear()
    if args.page:
        options["page"] = args.page
    if args.head:
        layer, _, head = args.head.partition(",")
        options["head"] = (int(layer) - 1, AVERAGE if head in ("", "avg") else int(head) - 1)
    if args.at_step:
        options["at_step"] = args.at_step
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
