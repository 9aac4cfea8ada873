"""The Compare window: several models, one test file, scores by sentence length.

One module, longer than most: one window's form, progress, results and their tables,
which share its state (the models chosen, the last comparison); the per-sentence detail
is apart, in :mod:`.compare_detail`.

Choose models (the open one is preselected; bundled models trained on the same data too)
and a parallel test file, press Compare: the worker runs
:func:`keras_attn.compare.compare_models` with progress, and Cancel stops it. The window
then shows the length curve (:func:`keras_attn.plotting.plot_length_curve`, BLEU or chrF),
the scores of each source-length bucket, the comparison's warnings, and the test
sentences; clicking a sentence shows every model's translation and attention side by side
(:class:`~.compare_detail.SentenceDetail`).

The window never touches TensorFlow: requests go out as signals to the worker's slots, and
the answers come back to :meth:`show_progress`, :meth:`show_result`, :meth:`show_failure`
and :meth:`show_sentence`.
"""

from __future__ import annotations

import html
import warnings
from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from ..settings import card_test_file, demo_models, model_card
from .compare_detail import SentenceDetail

METRICS = (("bleu", "BLEU"), ("chrf", "chrF"))
DEFAULT_LIMIT = 1000
MAX_WARNINGS = 2  # warning lines shown; the others are in the tooltip
TEST_FILTER = "Parallel text (*.tsv *.csv *.tmx *.txt);;All files (*)"


class CompareWindow(QWidget):
    """Compare models by source length (a window of its own)."""

    compare_requested = Signal(object)  # {"paths", "test", "limit"}
    sentence_requested = Signal(int)
    cancel_requested = Signal()
    result_shown = Signal(object)  # the worker's answer, once drawn
    sentence_shown = Signal(int)

    def __init__(self, parent=None, settings=None):
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setWindowTitle("Compare models — keras-attn")
        self.settings = settings
        self.result: dict | None = None
        self.running = False
        self._auto_run_done = False
        self.warnings = QLabel()  # the comparison's warnings, under the controls
        self.warnings.setWordWrap(True)
        self.warnings.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_models_row())
        layout.addLayout(self._build_test_row())
        layout.addLayout(self._build_run_row())
        layout.addWidget(self.warnings)
        layout.addWidget(self._build_results(), 1)
        self.resize(1280, 800)
        if settings is not None:
            self.test_edit.setText(settings.value("compare/test", "", str))
            self.limit.setValue(settings.value("compare/limit", DEFAULT_LIMIT, int))
        self._draw()

    # -- building --------------------------------------------------------------------
    def _build_models_row(self) -> QHBoxLayout:
        """The models to tick, with Add and Remove."""
        self.models = QListWidget()
        self.models.setToolTip("Tick the models to compare.")
        self.models.setMaximumHeight(76)
        add = QPushButton("Add Models…")
        add.clicked.connect(self.choose_models)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_selected)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Models"), 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.models, 1)
        row.addLayout(buttons)
        return row

    def _build_test_row(self) -> QHBoxLayout:
        """The test file and how many of its pairs to use."""
        self.test_edit = QLineEdit()
        self.test_edit.setPlaceholderText("A parallel test file: source and reference")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_test_file)
        self.limit = QSpinBox(minimum=0, maximum=10_000_000, value=DEFAULT_LIMIT)
        self.limit.setSpecialValueText("all")
        self.limit.setToolTip("Use the first N pairs of the file (0: all of them)")
        row = QHBoxLayout()
        row.addWidget(QLabel("Test file"))
        row.addWidget(self.test_edit, 1)
        row.addWidget(choose)
        row.addWidget(QLabel("First pairs"))
        row.addWidget(self.limit)
        return row

    def _build_run_row(self) -> QHBoxLayout:
        """Compare, Cancel, the progress bar and the status line."""
        self.compare_button = QPushButton("Compare")
        self.compare_button.setDefault(True)
        self.compare_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.status = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.compare_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress)
        row.addWidget(self.status, 1)
        return row

    def _build_results(self) -> QSplitter:
        """The length curve and the bucket table on the left; the test sentences and the
        clicked sentence's detail on the right."""
        self.metric_box = QComboBox()
        for key, text in METRICS:
            self.metric_box.addItem(text, key)
        self.metric_box.currentIndexChanged.connect(lambda *_: self._draw())
        self.figure = Figure(figsize=(5, 3.2))
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumSize(320, 220)
        self.buckets = _table()
        self.sentences = _table()
        self.sentences.setSortingEnabled(True)
        self.sentences.itemSelectionChanged.connect(self._sentence_clicked)
        self.detail = SentenceDetail()
        metric_row = QHBoxLayout()
        metric_row.addWidget(QLabel("<b>Score by source length</b>"))
        metric_row.addStretch(1)
        metric_row.addWidget(QLabel("Metric"))
        metric_row.addWidget(self.metric_box)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(metric_row)
        left_layout.addWidget(self.canvas, 3)
        left_layout.addWidget(self.buckets, 2)
        right = QSplitter(Qt.Orientation.Vertical)
        sentences = QWidget()
        sentences_layout = QVBoxLayout(sentences)
        sentences_layout.setContentsMargins(0, 0, 0, 0)
        sentences_layout.addWidget(QLabel("<b>Test sentences</b> (click one; sort by a column)"))
        sentences_layout.addWidget(self.sentences)
        right.addWidget(sentences)
        right.addWidget(self.detail)
        right.setSizes([170, 430])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setSizes([470, 810])
        return self.splitter

    # -- choosing --------------------------------------------------------------------
    def add_model(self, path, checked: bool = False) -> QListWidgetItem:
        """Add a model file to the list (once); tick it when `checked`."""
        path = str(Path(path).resolve())
        for row in range(self.models.count()):
            item = self.models.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == path:
                if checked:
                    item.setCheckState(Qt.CheckState.Checked)
                return item
        title = model_card(path).get("title")
        text = Path(path).name + (f" — {title}" if isinstance(title, str) else "")
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, path)
        item.setToolTip(path)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.models.addItem(item)
        return item

    def prepare(self, open_model=None, recent=()):
        """Offer the open model (ticked), the bundled models (ticked when trained on the
        same data as the open model) and the recent ones; suggest a test file."""
        dataset = model_card(open_model).get("dataset") if open_model else None
        if open_model:
            self.add_model(open_model, checked=True)
        for model in demo_models():
            self.add_model(
                model.path,
                checked=bool(dataset) and model_card(model.path).get("dataset") == dataset,
            )
        for path in recent:
            if Path(path).is_file():
                self.add_model(path)
        if open_model and not self.test_edit.text().strip():
            suggestion = card_test_file(open_model)
            if suggestion is not None:
                self.test_edit.setText(str(suggestion))

    def checked_paths(self) -> list[str]:
        return [
            self.models.item(r).data(Qt.ItemDataRole.UserRole)
            for r in range(self.models.count())
            if self.models.item(r).checkState() == Qt.CheckState.Checked
        ]

    def choose_models(self):
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Add models to compare", "", "keras-attn models (*.keras)"
        )
        for path in paths:
            self.add_model(path, checked=True)

    def _remove_selected(self):
        for item in self.models.selectedItems():
            self.models.takeItem(self.models.row(item))

    def choose_test_file(self):
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a test file", self.test_edit.text(), TEST_FILTER
        )
        if path:
            self.test_edit.setText(path)

    def showEvent(self, event):  # noqa: N802 (Qt's name)
        """The first time: compare at once when two models and a test file are ready
        (the bundled lesson pair shows its curve the moment the window opens)."""
        super().showEvent(event)
        if (
            not self._auto_run_done
            and len(self.checked_paths()) >= 2
            and Path(self.test_edit.text().strip()).is_file()
        ):
            self._auto_run_done = True
            self.run()

    def closeEvent(self, event):  # noqa: N802
        self.cancel()  # a comparison nobody looks at need not go on
        super().closeEvent(event)

    # -- running ---------------------------------------------------------------------
    def run(self):
        paths, test = self.checked_paths(), self.test_edit.text().strip()
        if not paths:
            self._say("Tick at least one model to compare.", warning=True)
            return
        if not test:
            self._say("Choose a test file first.", warning=True)
            return
        self._auto_run_done = True
        if self.settings is not None:
            self.settings.set_value("compare/test", test)
            self.settings.set_value("compare/limit", self.limit.value())
        self.running = True
        self.compare_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self._say(f"Comparing {len(paths)} model(s)…")
        self.compare_requested.emit({"paths": paths, "test": test, "limit": self.limit.value()})

    def cancel(self):
        if self.running:
            self._say("Cancelling…")
            self.cancel_requested.emit()

    def show_progress(self, done: int, total: int):
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self._say(f"{done:,} of {total:,} translations done")

    def _finished(self):
        self.running = False
        self.compare_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()

    def show_failure(self, title: str, message: str):
        self._finished()
        self._say(f"{title}: {message}", warning=True)

    def show_result(self, result: dict):
        """Draw the worker's answer: curve, bucket table, warnings, sentences."""
        self._finished()
        comparison = result.get("comparison")
        if comparison is None:
            self._say(
                "Cancelled: nothing was scored."
                if result.get("cancelled")
                else "Nothing was compared.",
                warning=bool(result.get("cancelled")),
            )
            self.result_shown.emit(result)
            return
        self.result = result
        pairs = len(comparison.sources)
        state = "Cancelled — scores of the pairs done so far: " if result.get("cancelled") else ""
        best = ", ".join(
            f"{name} BLEU {comparison.overall[name]['bleu']:.1f} / chrF "
            f"{comparison.overall[name]['chrf']:.1f}"
            for name in comparison.names
        )
        self._say(
            f"{state}{pairs:,} pairs of {Path(result.get('test', '')).name}: {best}",
            warning=bool(result.get("cancelled")),
        )
        c = theme.colors(self.palette())
        notes = list(getattr(comparison, "warnings", []) or [])
        shown = notes[:MAX_WARNINGS]
        if len(notes) > MAX_WARNINGS:
            shown.append(f"and {len(notes) - MAX_WARNINGS} more (point here to read them all)")
        self.warnings.setText(
            "<br>".join(
                f"<span style='color:{c['warning'].name()}'>⚠ {html.escape(str(w))}</span>"
                for w in shown
            )
        )
        self.warnings.setToolTip("\n".join(notes) if len(notes) > MAX_WARNINGS else "")
        self.warnings.setVisible(bool(notes))
        self._fill_sentences(comparison)
        self._draw()
        self.detail.clear()
        self.result_shown.emit(result)

    def _say(self, text: str, warning: bool = False):
        c = theme.colors(self.palette())
        self.status.setStyleSheet(f"color: {c['warning'].name()};" if warning else "")
        self.status.setText(text)

    # -- results -----------------------------------------------------------------------
    @property
    def metric_key(self) -> str:
        return self.metric_box.currentData()

    def _draw(self):
        c = theme.colors(self.palette())
        self.figure.clear()
        self.figure.set_facecolor(c["base"].name())
        axes = self.figure.add_subplot()
        axes.set_facecolor(c["base"].name())
        comparison = self.result["comparison"] if self.result else None
        if comparison is None:
            axes.set_axis_off()
            axes.text(
                0.5,
                0.5,
                "Choose models and a test file, then press Compare.",
                ha="center",
                va="center",
                transform=axes.transAxes,
                fontsize=10,
                color=c["text"].name(),
            )
        else:
            from keras_attn import plotting  # loaded on the worker's thread already

            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
                plotting.plot_length_curve(axes, comparison, metric=self.metric_key, dark=c["dark"])
            self.figure.tight_layout()
            self._fill_buckets(comparison)
        self.canvas.draw_idle()

    def _fill_buckets(self, comparison):
        metric, label = self.metric_key, self.metric_box.currentText()
        table = self.buckets
        table.clear()
        table.setColumnCount(2 + len(comparison.names))
        table.setHorizontalHeaderLabels(
            ["Source length", "Pairs", *[f"{name} {label}" for name in comparison.names]]
        )
        table.setRowCount(len(comparison.buckets) + 1)
        for row, (bucket, text) in enumerate(
            zip(comparison.buckets, comparison.bucket_labels(), strict=True)
        ):
            table.setItem(row, 0, _item(f"{text} words"))
            table.setItem(row, 1, _item(f"{bucket[2]:,}", right=True))
            for column, name in enumerate(comparison.names):
                score = comparison.by_bucket[name][row].get(metric)
                table.setItem(
                    row, 2 + column, _item("–" if score is None else f"{score:.1f}", right=True)
                )
        last = len(comparison.buckets)
        table.setItem(last, 0, _item("all lengths", bold=True))
        table.setItem(last, 1, _item(f"{len(comparison.sources):,}", right=True, bold=True))
        for column, name in enumerate(comparison.names):
            table.setItem(
                last,
                2 + column,
                _item(f"{comparison.overall[name][metric]:.1f}", right=True, bold=True),
            )
        table.resizeColumnsToContents()

    def _fill_sentences(self, comparison):
        table = self.sentences
        table.setSortingEnabled(False)
        table.clear()
        table.setColumnCount(4)
        table.setHorizontalHeaderLabels(["#", "Words", "Source", "Reference"])
        table.setRowCount(len(comparison.sources))
        for row, (source, reference) in enumerate(
            zip(comparison.sources, comparison.references, strict=True)
        ):
            number = _item(row + 1, right=True)
            number.setData(Qt.ItemDataRole.UserRole, row)
            table.setItem(row, 0, number)
            table.setItem(row, 1, _item(len(source.split()), right=True))
            table.setItem(row, 2, _item(source))
            table.setItem(row, 3, _item(reference))
        table.setSortingEnabled(True)
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        table.resizeColumnToContents(0)
        table.resizeColumnToContents(1)

    def sentence_row(self, index: int) -> int:
        """The table row showing test sentence `index` (rows move when sorted)."""
        for row in range(self.sentences.rowCount()):
            if self.sentences.item(row, 0).data(Qt.ItemDataRole.UserRole) == index:
                return row
        raise IndexError(f"No test sentence {index} is listed.")

    def _sentence_clicked(self):
        rows = self.sentences.selectionModel().selectedRows()
        if not rows or self.result is None:
            return
        index = self.sentences.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        self.detail.clear("Decoding the sentence with each model…")
        self.sentence_requested.emit(int(index))

    def show_sentence(self, result: dict):
        self.detail.show_result(result)
        self.sentence_shown.emit(result["index"])


def _table() -> QTableWidget:
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    return table


def _item(value, right=False, bold=False) -> QTableWidgetItem:
    item = QTableWidgetItem()
    if isinstance(value, int):
        item.setData(Qt.ItemDataRole.DisplayRole, value)  # sorts as a number
    else:
        item.setText(str(value))
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bold:
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    return item
