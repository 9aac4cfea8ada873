"""The main window: the two tabs (step through, translate), the status bar, the worker
thread, and what the menus do (the menus themselves: :mod:`.menus`).

The window owns one :class:`~.worker.Worker` on a :class:`~.worker.WorkerThread`. The
views (:mod:`.views`) ask for work through signals connected to the worker's slots
(queued across the threads); the worker answers through signals connected to the views'
methods (queued back to the GUI thread). The window itself never imports TensorFlow, so
it shows at once while the worker loads TensorFlow and the model. The Compare window and
the training wizard (:mod:`.wizard`) are made the first time they are asked for.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from . import icons, theme
from .menus import WindowMenus
from .quick_start import QuickStart
from .settings import Settings, demo_model
from .views.model_info import ModelInfoDialog
from .views.step_view import StepView
from .views.translate_view import TranslateView
from .worker import Worker, WorkerThread

EMPTY_TEXT = "No model loaded — open a .keras model (File ▸ Open)"


class MainWindow(QMainWindow):
    """The keras-attn desktop window.

    Args:
        model_path: a ``.keras`` file to open; None opens the last used model, or the
            bundled demo model the first time.
        settings: a :class:`~.settings.Settings` (tests pass a temporary one).
        open_default: when `model_path` is None, open the last or the demo model.
        interactive: False sends error messages to stderr instead of dialogs (used when
            taking screenshots without anyone watching).
    """

    # Requests the window itself sends to the worker.
    load_requested = Signal(str)
    translate_to_worker = Signal(str, int, float)  # text, beam width, temperature
    save_requested = Signal(str)
    export_requested = Signal(str, bool)  # folder, replace it when it holds files
    # News for whoever drives the window (screenshots, tests), in the GUI thread.
    model_ready = Signal(object)
    quick_ready = Signal(object)  # the first model answers greedy requests (.quick_start)
    model_error = Signal(str)
    error_shown = Signal(str, str)

    def __init__(
        self, model_path=None, settings: Settings | None = None, open_default=True, interactive=True
    ):
        super().__init__()
        self.settings = settings or Settings()
        self.interactive = interactive
        self.summary: dict | None = None
        self.can_export: bool | None = None
        self._busy = 0
        self._shut_down = False
        self.setWindowTitle("keras-attn")
        self.setWindowIcon(icons.app_icon())

        self.step_view = StepView()
        self.translate_view = TranslateView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.step_view, icons.icon("step"), "Step through")
        self.tabs.addTab(self.translate_view, icons.icon("translate"), "Translate")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.empty_page = self._make_empty_page()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_page)
        self.pages.addWidget(self.tabs)
        self.setCentralWidget(self.pages)

        self.status_label = QLabel("Loading TensorFlow…")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.hide()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.busy_bar)

        self.menus = WindowMenus(self)
        self._start_worker()
        self._restore_settings()
        self.menus.set_model_loaded(False, self.can_export)
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._scheme_changed)

        path = model_path
        if path is None and open_default:
            last = self.settings.last_model()
            path = last if last and Path(last).is_file() else demo_model()
        self.quick: QuickStart | None = None
        self._tab_before_quick = None  # the tab shown when the quick start took over
        self._quick_text = ""  # the Translate tab's text then
        if path:
            self.pages.setCurrentWidget(self.tabs)
            self.tabs.setEnabled(False)
            self.open_model(str(path))
            self._start_quick(str(path))
        else:
            self._show_empty()

    # -- building ------------------------------------------------------------------
    def _make_empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        label = QLabel(EMPTY_TEXT)
        label.setObjectName("empty-state")
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        label.setFont(font)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        button = QPushButton(icons.icon("open"), "Open a model…")
        button.clicked.connect(self.choose_model)
        layout.addWidget(label)
        row = QVBoxLayout()
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(row)
        layout.addStretch(2)
        self.empty_label = label
        return page

    def _start_worker(self):
        self.worker = Worker()
        self.thread = WorkerThread(self.worker, self)
        self.thread.setObjectName("keras-attn worker")
        self.worker.moveToThread(self.thread)
        self.thread.finished.connect(self.worker.deleteLater)
        w = self.worker
        # Requests (queued: the worker lives on its own thread).
        self.load_requested.connect(w.load_model)
        self.save_requested.connect(w.save_model)
        self.export_requested.connect(w.export_model)
        sv, tv = self.step_view, self.translate_view
        sv.start_requested.connect(w.start_decoding)
        sv.step_requested.connect(w.step)
        sv.back_requested.connect(w.back)
        sv.end_requested.connect(w.run_to_end)
        sv.force_requested.connect(w.force)
        sv.beam_requested.connect(w.beam)
        tv.translate_requested.connect(self._translate)
        tv.file_requested.connect(w.translate_file)
        tv.cancel_requested.connect(self._cancel_work)
        # Answers (queued back to this thread).
        w.status.connect(self._show_status)
        w.busy.connect(self._set_busy)
        w.ready.connect(self._worker_ready)
        w.model_loaded.connect(self._model_loaded)
        w.model_failed.connect(self._model_failed)
        w.model_saved.connect(self._model_saved)
        w.model_exported.connect(self._model_exported)
        w.translated.connect(tv.show_result)
        self.translate_to_worker.connect(w.translate)
        w.file_progress.connect(tv.show_progress)
        w.file_done.connect(tv.show_file_result)
        w.decoded.connect(sv.show_snapshot)
        w.beam_done.connect(sv.show_beam)
        w.failed.connect(self._worker_failed)
        sv.error.connect(self.show_error)
        tv.error.connect(self.show_error)
        self.thread.start()

    # -- the first seconds ----------------------------------------------------------
    def _start_quick(self, path: str):
        """Read the model at start-up with NumPy (:mod:`.quick_start`), so that the
        Translate tab answers before TensorFlow has loaded."""
        quick = self.quick = QuickStart(path, self)
        quick.ready.connect(self._quick_ready)
        quick.translated.connect(self.translate_view.show_result)
        quick.declined.connect(self.translate_to_worker)
        quick.failed.connect(self._worker_failed)
        quick.start()

    def _quick_ready(self, info: dict):
        if self.quick is None or self.summary is not None or self.quick.path != info["path"]:
            return  # the worker's model came first, or another model is being opened
        self.tabs.setEnabled(True)
        self._tab_before_quick = self.tabs.currentWidget()
        self.tabs.setTabEnabled(self.tabs.indexOf(self.step_view), False)
        self.tabs.setCurrentWidget(self.translate_view)
        self.setWindowTitle(f"keras-attn — {info['name']}")
        if not self.translate_view.input.toPlainText().strip():
            self.translate_view.input.setPlainText(info["sample_sentence"])
        self._quick_text = self.translate_view.input.toPlainText()
        self._show_status(
            "Loading TensorFlow… Greedy translation works already; beam search, sampling "
            "and stepping through come when it has loaded."
        )
        self.quick_ready.emit(info)

    def _end_quick(self):
        """The worker has a model (or failed to open the first): back to it alone."""
        if self.quick is not None:
            self.quick.close()
            self.quick = None
            self.tabs.setTabEnabled(self.tabs.indexOf(self.step_view), True)
            # Back to the tab the window opened on, unless the Translate tab was used.
            view = self.translate_view
            if (
                self._tab_before_quick not in (None, view)
                and view.last_result is None
                and view.input.toPlainText() == self._quick_text
            ):
                self.tabs.setCurrentWidget(self._tab_before_quick)

    def _translate(self, text: str, width: int, temperature: float):
        """A Translate request: answered by the NumPy reading until the worker has its
        model (greedy requests only), by the worker otherwise."""
        if self.summary is None and self.quick is not None:
            if self.quick.can_translate(width, temperature):
                self.quick.translate(text, width, temperature)
                return
        self.translate_to_worker.emit(text, width, temperature)

    # -- models --------------------------------------------------------------------
    def open_model(self, path: str):
        """Ask the worker to open a model; the current one stays until the new one loads."""
        if self.summary is None and self.quick is not None and self.quick.path != str(path):
            self._end_quick()  # another model was chosen while TensorFlow loads
            self.tabs.setEnabled(False)
        self._show_status(
            f"Opening {Path(path).name}…" if self.can_export is not None else "Loading TensorFlow…"
        )
        self.load_requested.emit(str(path))

    def choose_model(self):
        start = str(Path(self.summary["path"]).parent) if self.summary else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a model", start, "keras-attn models (*.keras);;All files (*)"
        )
        if path:
            self.open_model(path)

    def choose_save_model(self):
        if not self.summary:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the model as", self.summary["path"], "keras-attn models (*.keras)"
        )
        if path:
            if not path.endswith(".keras"):
                path += ".keras"
            self.save_requested.emit(path)

    def choose_export_model(self):
        if not self.summary or not self.can_export:
            return
        suggestion = str(Path(self.summary["path"]).with_suffix("")) + "-savedmodel"
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export a SavedModel (a new folder)",
            suggestion,
            "Folders (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not path:
            return
        folder = Path(path)
        replace = folder.is_dir() and any(folder.iterdir())
        if (
            replace
            and QMessageBox.question(
                self,
                "Replace the folder?",
                f"{folder} already holds files. Replace it with the exported model?",
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        self.export_requested.emit(path, replace)

    def show_model_info(self):
        if not self.summary:
            return None
        dialog = ModelInfoDialog(self.summary, self)
        dialog.show()
        return dialog

    def show_compare(self):
        """Open the Compare window (the open model ticked); it works through the worker."""
        window = getattr(self, "compare_window", None)
        if window is None:
            from .views.compare_view import CompareWindow

            window = self.compare_window = CompareWindow(self, settings=self.settings)
            w = self.worker
            window.compare_requested.connect(w.compare)
            window.sentence_requested.connect(w.compare_sentence)
            window.cancel_requested.connect(self._cancel_work)
            w.compare_progress.connect(window.show_progress)
            w.compare_done.connect(window.show_result)
            w.compare_failed.connect(window.show_failure)
            w.compared_sentence.connect(window.show_sentence)
        window.prepare(
            self.summary["path"] if self.summary else None, self.settings.recent_models()
        )
        window.show()
        window.raise_()
        return window

    def show_wizard(self):
        """Open the training wizard; the model it saves is opened here."""
        if getattr(self, "wizard", None) is None:
            from .wizard.train_wizard import TrainWizard

            self.wizard = TrainWizard(parent=self, settings=self.settings)
            self.wizard.modelSaved.connect(self.open_model)
        self.wizard.show()
        self.wizard.raise_()
        return self.wizard

    def _model_loaded(self, summary: dict):
        first = self.summary is None
        self._end_quick()
        self.summary = summary
        self.pages.setCurrentWidget(self.tabs)
        self.tabs.setEnabled(True)
        self.setWindowTitle(f"keras-attn — {summary['name']}")
        self.settings.set_last_model(summary["path"])
        self.settings.add_recent_model(summary["path"])
        self.menus.fill_recent_menu()
        self.menus.set_model_loaded(True, self.can_export)
        sample = summary["sample_sentence"]
        self.step_view.set_model(summary)
        self.step_view.reset(sample)
        if first or not self.translate_view.input.toPlainText().strip():
            self.translate_view.input.setPlainText(sample)
        self.step_view.start()
        self._tab_changed(self.tabs.currentIndex())
        self.model_ready.emit(summary)

    def _model_failed(self, path: str, message: str):
        if not Path(path).exists():
            self.settings.remove_recent_model(path)
            self.menus.fill_recent_menu()
        if self.summary:
            message += f"\n\nThe model {self.summary['name']} stays open."
        else:
            self._end_quick()
            self._show_empty()
        self.model_error.emit(message)
        self.show_error("Cannot open the model", message)

    def _model_saved(self, path: str):
        self.summary = {**self.summary, "path": path, "name": Path(path).name}
        self.setWindowTitle(f"keras-attn — {self.summary['name']}")
        self.settings.set_last_model(path)
        self.settings.add_recent_model(path)
        self.menus.fill_recent_menu()
        self.statusBar().showMessage(f"Saved {path}", 8000)

    def _model_exported(self, folder: str, signature: str):
        self.statusBar().showMessage(f"Exported a SavedModel to {folder}", 8000)
        if self.interactive:
            QMessageBox.information(
                self, "SavedModel exported", f"Written to {folder}\n\n{signature}"
            )

    def _worker_ready(self, capabilities: dict):
        self.can_export = bool(capabilities.get("export"))
        self.menus.set_model_loaded(self.summary is not None, self.can_export)
        if self.pages.currentWidget() is self.empty_page:
            self._show_status("No model loaded")

    def _show_empty(self):
        self.pages.setCurrentWidget(self.empty_page)
        self.step_view.set_shortcuts_enabled(False)
        self._show_status("No model loaded")

    # -- worker news ---------------------------------------------------------------
    def _show_status(self, text: str):
        self.status_label.setText(text)

    def _set_busy(self, busy: bool):
        self._busy = max(0, self._busy + (1 if busy else -1))
        self.busy_bar.setVisible(self._busy > 0)

    def _worker_failed(self, title: str, message: str):
        self.step_view.request_failed()
        self.translate_view.request_failed()
        self.translate_view.file_failed()
        self.show_error(title, message)

    def _cancel_work(self):
        self.worker.cancel()  # sets a flag, safe from this thread

    def show_error(self, title: str, message: str):
        """Tell the person something went wrong (a dialog, or stderr when unattended)."""
        self.error_shown.emit(title, message)
        if self.interactive:
            QMessageBox.warning(self, title, message)
        else:
            print(f"keras-attn-gui: {title}: {message}", file=sys.stderr)

    # -- views -----------------------------------------------------------------------
    def show_tab(self, name: str):
        self.tabs.setCurrentWidget(self.step_view if name == "step" else self.translate_view)

    def _tab_changed(self, index: int):
        self.step_view.set_shortcuts_enabled(self.tabs.widget(index) is self.step_view)

    def translate_file_from_menu(self):
        self.show_tab("translate")
        self.translate_view.choose_file()

    def changeEvent(self, event):  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            QTimer.singleShot(0, self._colors_changed)  # once the children have theirs too
        super().changeEvent(event)

    def _scheme_changed(self, *args):
        QTimer.singleShot(0, self._colors_changed)  # once the palette has followed

    def _colors_changed(self, *args):
        """Light and dark swapped: redraw what has colours of its own."""
        icons.clear_cache()
        self.tabs.setTabIcon(0, icons.icon("step"))
        self.tabs.setTabIcon(1, icons.icon("translate"))
        self.menus.refresh_icons()
        self.step_view.apply_colors()

    def is_dark(self) -> bool:
        return theme.is_dark(self.palette())

    # -- settings and closing --------------------------------------------------------
    def _restore_settings(self):
        s = self.settings
        geometry = s.value("window/geometry", b"", bytes)
        if geometry:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        self.tabs.setCurrentIndex(s.value("window/tab", 0, int))
        self.translate_view.width_box.setValue(s.value("translate/beam_width", 1, int))
        self.translate_view.temperature_box.setValue(s.value("translate/temperature", 0.0, float))
        self.step_view.speed.setValue(s.value("step/speed", 3, int))
        self.step_view.pages.beam.width_box.setValue(s.value("step/beam_width", 4, int))

    def save_settings(self):
        s = self.settings
        s.set_value("window/geometry", self.saveGeometry())
        s.set_value("window/tab", self.tabs.currentIndex())
        s.set_value("translate/beam_width", self.translate_view.width_box.value())
        s.set_value("translate/temperature", self.translate_view.temperature_box.value())
        s.set_value("step/speed", self.step_view.speed.value())
        s.set_value("step/beam_width", self.step_view.pages.beam.width_box.value())
        s.sync()

    def shutdown(self):
        """Stop the worker thread (waits for the request it is running to end)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.step_view.pause()
        self.worker.cancel()
        self.thread.quit()
        self.thread.wait()

    def closeEvent(self, event):  # noqa: N802
        wizard = getattr(self, "wizard", None)
        if wizard is not None and not wizard.close_for_quit(self.close):
            # The wizard asked and was told no, or stops its training first (the last
            # finished epoch stays in its checkpoint) and closes the window then.
            event.ignore()
            return
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
