"""The translate view: sentences in, translations out, with alternatives and scores.

Type one sentence a line and press Ctrl+Enter. The beam width (1 is greedy decoding)
and the sampling temperature (0 turns sampling off) choose how outputs are searched; the
alternatives list holds the n-best outputs of the first sentence with their scores. A
whole text file, one sentence a line, is translated in the worker with a progress bar and
a Cancel button, and the translations are saved where the person chooses.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import icons


class TranslateView(QWidget):
    """Translate typed sentences or a text file."""

    translate_requested = Signal(str, int, float)  # text, beam width, temperature
    file_requested = Signal(str, int)  # path, beam width
    cancel_requested = Signal()
    error = Signal(str, str)
    result_shown = Signal()
    file_finished = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.file_result: dict | None = None
        self.last_result: dict | None = None
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_options())
        layout.addWidget(self._build_texts(), 1)
        layout.addWidget(self._build_file_box())

    def _build_options(self) -> QHBoxLayout:
        """Beam width, temperature, the method they make, and the Translate button."""
        self.translate_button = QPushButton(icons.icon("translate"), "Translate")
        self.translate_button.setToolTip("Translate (Ctrl+Enter)")
        self.translate_button.clicked.connect(self.translate)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.translate)
        self.width_box = QSpinBox(minimum=1, maximum=16, value=1)
        self.width_box.setToolTip(
            "Beam width: 1 is greedy decoding; more keeps more "
            "hypotheses at each step and lists them below."
        )
        self.temperature_box = QDoubleSpinBox(
            minimum=0.0, maximum=3.0, singleStep=0.1, value=0.0, decimals=2
        )
        self.temperature_box.setToolTip(
            "Sampling temperature: 0 is off (search); above 0, "
            "tokens are drawn at random, more freely the higher."
        )
        self.method = QLabel()
        options = QHBoxLayout()
        options.addWidget(QLabel("Beam width"))
        options.addWidget(self.width_box)
        options.addWidget(QLabel("(1 = greedy)"))
        options.addSpacing(16)
        options.addWidget(QLabel("Temperature"))
        options.addWidget(self.temperature_box)
        options.addWidget(QLabel("(0 = off)"))
        options.addStretch(1)
        options.addWidget(self.method)
        options.addWidget(self.translate_button)
        return options

    def _build_texts(self) -> QSplitter:
        """Input, translation and the first sentence's alternatives, one above the other."""
        self.input = QPlainTextEdit()
        self.input.setPlaceholderText("Type a sentence (one a line), then press Ctrl+Enter.")
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The translation appears here.")
        self.alternatives = QTableWidget(0, 2)
        self.alternatives.setHorizontalHeaderLabels(["Score", "Alternative"])
        self.alternatives.verticalHeader().setVisible(False)
        self.alternatives.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.alternatives.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.alternatives.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        texts = QSplitter(Qt.Orientation.Vertical)
        for title, widget in (
            ("Input", self.input),
            ("Translation", self.output),
            ("Alternatives for the first sentence", self.alternatives),
        ):
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(QLabel(title))
            layout.addWidget(widget)
            texts.addWidget(box)
        texts.setSizes([160, 160, 240])
        return texts

    def _build_file_box(self) -> QGroupBox:
        """A whole file: choose, progress, cancel, save."""
        self.file_button = QPushButton(icons.icon("open"), "Translate a file…")
        self.file_button.setToolTip("Translate a UTF-8 text file, one sentence a line.")
        self.file_button.clicked.connect(self.choose_file)
        self.file_label = QLabel("No file yet.")
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m sentences")
        self.progress.setTextVisible(False)
        self.progress.setValue(0)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.save_button = QPushButton(icons.icon("save"), "Save translations…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.choose_save)
        file_box = QGroupBox("Translate a text file")
        file_layout = QHBoxLayout(file_box)
        file_layout.addWidget(self.file_button)
        file_layout.addWidget(self.file_label, 1)
        file_layout.addWidget(self.progress, 1)
        file_layout.addWidget(self.cancel_button)
        file_layout.addWidget(self.save_button)
        return file_box

    # -- typed text ------------------------------------------------------------------
    def translate(self):
        text = self.input.toPlainText()
        if not text.strip():
            self.error.emit("Nothing to translate", "Type a sentence first.")
            return
        self.translate_button.setEnabled(False)
        self.translate_requested.emit(
            text, self.width_box.value(), float(self.temperature_box.value())
        )

    def show_result(self, result: dict):
        self.last_result = result
        self.translate_button.setEnabled(True)
        self.output.setPlainText("\n".join(result["outputs"]))
        self.method.setText(result["method"])
        self.alternatives.setRowCount(0)
        for text, score, log_prob in result["alternatives"]:
            row = self.alternatives.rowCount()
            self.alternatives.insertRow(row)
            number = QTableWidgetItem(f"{score:.3f}")
            number.setToolTip(f"log-probability {log_prob:.3f}")
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.alternatives.setItem(row, 0, number)
            self.alternatives.setItem(row, 1, QTableWidgetItem(text))
        self.result_shown.emit()

    def request_failed(self):
        self.translate_button.setEnabled(True)

    # -- files ---------------------------------------------------------------------
    def choose_file(self):
        path, _ = QFileDialog.getOpenFileName(
            self, "Translate a text file", "", "Text files (*.txt);;All files (*)"
        )
        if path:
            self.translate_file(path)

    def translate_file(self, path):
        self.file_result = None
        self.file_label.setText(Path(path).name)
        self.progress.setMaximum(1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.cancel_button.setEnabled(True)
        self.file_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.file_requested.emit(str(path), self.width_box.value())

    def cancel(self):
        self.cancel_button.setEnabled(False)
        self.cancel_requested.emit()

    def show_progress(self, done: int, total: int):
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def show_file_result(self, result: dict):
        self.file_result = result
        self.cancel_button.setEnabled(False)
        self.file_button.setEnabled(True)
        done, total = len(result["translations"]), len(result["sources"])
        name = Path(result["path"]).name
        if result["cancelled"]:
            self.file_label.setText(f"{name}: cancelled after {done} of {total} lines")
        else:
            self.file_label.setText(f"{name}: {total} lines translated")
        self.save_button.setEnabled(done > 0)
        self.file_finished.emit(result)

    def file_failed(self):
        self.cancel_button.setEnabled(False)
        self.file_button.setEnabled(True)

    def choose_save(self):
        if not self.file_result:
            return
        source = Path(self.file_result["path"])
        suggestion = str(source.with_name(f"{source.stem}.translated.txt"))
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the translations", suggestion, "Text files (*.txt);;All files (*)"
        )
        if path:
            try:
                self.save_translations(path)
            except OSError as error:
                self.error.emit(
                    "Cannot save the translations", f"{path}: {error.strerror or error}"
                )

    def save_translations(self, path) -> Path:
        """Write the file's translations, one a line (only the lines done when cancelled)."""
        path = Path(path)
        lines = self.file_result["translations"] if self.file_result else []
        path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        return path
