"""The main window's actions and menus: File, Models, View, Help.

:class:`WindowMenus` makes the actions (with their shortcuts, icons and tips), puts them
in the window's menu bar and keeps the lists that change: recent models (from the
settings) and the demo models bundled with the app. The actions call the window's own
methods (open, save, export, compare, train, ...); the window enables them once a model is
loaded (:meth:`WindowMenus.set_model_loaded`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from . import icons
from .settings import demo_models

NO_EXPORT_TIP = "Exporting needs keras_attn.export, which this installation does not have."
SHORTCUTS_HELP = """<table>
<tr><td><b>Right</b></td><td>decode the next token</td></tr>
<tr><td><b>Left</b></td><td>undo the last step</td></tr>
<tr><td><b>Space</b></td><td>play or pause</td></tr>
<tr><td><b>Home</b></td><td>start the sentence again</td></tr>
<tr><td><b>End</b></td><td>decode to the end</td></tr>
<tr><td><b>Ctrl+Enter</b></td><td>translate (Translate tab)</td></tr>
<tr><td><b>Ctrl+O</b></td><td>open a model</td></tr>
<tr><td><b>Ctrl+I</b></td><td>model info</td></tr>
</table>"""


class WindowMenus:
    """The actions and menus of `window` (a :class:`~.main_window.MainWindow`)."""

    def __init__(self, window):
        self.window = window
        self._icons: list[tuple[QAction, str]] = []  # redrawn when the colours change
        self._make_actions()
        self._make_menus()

    def _make_actions(self):
        window = self.window

        def action(text, slot, shortcut=None, icon=None, tip=None):
            item = QAction(text, window)
            if icon:
                item.setIcon(icons.icon(icon))
                self._icons.append((item, icon))
            if shortcut:
                item.setShortcut(QKeySequence(shortcut))
            if tip:
                item.setToolTip(tip)
                item.setStatusTip(tip)
            item.triggered.connect(slot)
            return item

        self.open_action = action(
            "&Open Model…",
            window.choose_model,
            QKeySequence.StandardKey.Open,
            "open",
            "Open a .keras model file",
        )
        self.save_action = action(
            "Save Model &As…",
            window.choose_save_model,
            QKeySequence.StandardKey.SaveAs,
            "save",
            "Save the model to another .keras file",
        )
        self.info_action = action(
            "Model &Info…",
            window.show_model_info,
            "Ctrl+I",
            "info",
            "Configuration, vocabularies, parameters and training facts",
        )
        self.export_action = action(
            "&Export SavedModel…",
            window.choose_export_model,
            None,
            "export",
            "Export a TensorFlow SavedModel that translates strings",
        )
        self.train_action = action(
            "&Train a New Model…",
            window.show_wizard,
            "Ctrl+T",
            None,
            "Train a model on your own parallel text, step by step",
        )
        self.compare_action = action(
            "&Compare Models…",
            window.show_compare,
            None,
            None,
            "Score several models on the same test sentences, by "
            "sentence length, and look at their translations side "
            "by side",
        )
        self.file_action = action(
            "&Translate a Text File…",
            window.translate_file_from_menu,
            None,
            "translate",
            "Translate a file, one sentence a line",
        )
        self.quit_action = action("&Quit", window.close, QKeySequence.StandardKey.Quit)
        self.step_tab_action = action("&Step Through", lambda: window.show_tab("step"), "Ctrl+1")
        self.translate_tab_action = action(
            "&Translate", lambda: window.show_tab("translate"), "Ctrl+2"
        )
        self.shortcuts_action = action("&Keyboard Shortcuts", self._show_shortcuts)
        self.about_action = action("&About keras-attn", self._show_about)

    def _make_menus(self):
        window = self.window
        bar = window.menuBar()
        self.recent_menu = QMenu("Open &Recent", window)
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.file_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        models = bar.addMenu("&Models")
        models.setToolTipsVisible(True)
        models.addAction(self.open_action)
        models.addMenu(self.recent_menu)
        self.demo_menu = QMenu("&Demo Models", window)
        self.demo_menu.setToolTipsVisible(True)
        self.demo_menu.aboutToShow.connect(self._fill_demo_menu)
        models.addMenu(self.demo_menu)
        models.addAction(self.save_action)
        models.addSeparator()
        models.addAction(self.train_action)
        models.addAction(self.info_action)
        models.addAction(self.compare_action)
        models.addAction(self.export_action)
        self.models_menu = models
        view = bar.addMenu("&View")
        view.addAction(self.step_tab_action)
        view.addAction(self.translate_tab_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        self.fill_recent_menu()
        self._fill_demo_menu()

    def set_model_loaded(self, loaded: bool, can_export: bool | None):
        """Enable what needs a model; export also needs keras_attn.export (None: not
        known yet, before TensorFlow has loaded)."""
        for item in (self.save_action, self.info_action, self.file_action, self.compare_action):
            item.setEnabled(loaded)
        self.export_action.setEnabled(loaded and bool(can_export))
        if can_export is False:
            self.export_action.setToolTip(NO_EXPORT_TIP)
            self.export_action.setStatusTip(NO_EXPORT_TIP)

    def fill_recent_menu(self):
        """List the recent models (after one was opened, saved or found missing)."""
        self.recent_menu.clear()
        recent = self.window.settings.recent_models()
        for path in recent:
            item = self.recent_menu.addAction(Path(path).name)
            item.setToolTip(path)
            item.setStatusTip(path)
            item.triggered.connect(lambda checked=False, p=path: self.window.open_model(p))
        if recent:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear the List")
            clear.triggered.connect(self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _fill_demo_menu(self):
        """One entry per model bundled in assets/models: a click opens it."""
        self.demo_menu.clear()
        models = demo_models()
        for model in models:
            item = self.demo_menu.addAction(model.title)
            item.setToolTip(model.description or str(model.path))
            item.setStatusTip(str(model.path))
            item.setData(str(model.path))
            item.triggered.connect(
                lambda checked=False, p=str(model.path): self.window.open_model(p)
            )
        if not models:
            empty = self.demo_menu.addAction("No bundled models in this installation")
            empty.setEnabled(False)

    def _clear_recent(self):
        self.window.settings.clear_recent_models()
        self.fill_recent_menu()

    def refresh_icons(self):
        """Draw the actions' icons again in the palette's colours."""
        for item, name in self._icons:
            item.setIcon(icons.icon(name))

    def _show_shortcuts(self):
        QMessageBox.information(self.window, "Keyboard shortcuts", SHORTCUTS_HELP)

    def _show_about(self):
        QMessageBox.about(
            self.window,
            "About keras-attn",
            "<b>keras-attn</b><br>Neural machine translation with attention "
            "you can see: train small translators, then watch the decoder "
            "attend to the source, one token at a time.",
        )
