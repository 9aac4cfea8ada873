"""The training wizard's first two pages: choosing the data, then mapping and checking it.

:class:`DataPage` takes a file (TSV, CSV, TMX, two aligned text files; typed, chosen or
dropped onto the page) or a bundled sample dataset. :class:`MapPage` asks the worker to
read it with the chosen columns or languages and shows what came out: the first pairs,
every problem with its line number, and a histogram of sentence lengths. Next stays
disabled until some sentence pairs are usable.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from gui import icons, theme
from gui.wizard_plots import LengthsCanvas

FORMATS = (("Detect automatically", ""), ("Tab-separated (TSV)", "tsv"),
           ("Comma-separated (CSV)", "csv"), ("Translation memory (TMX)", "tmx"),
           ("Two aligned text files", "text"))
FILE_FILTERS = ("Parallel data (*.tsv *.tab *.csv *.tmx *.txt);;All files (*)")
PREVIEW_ROWS = 100
AUTOMATIC = "automatic"
# Where the next problem starts in a "no usable sentence pairs" message.
PROBLEM_START = re.compile(r"; (?=line \d+: |translation unit \d+)")


def show_warning(label: QLabel, text: str) -> None:
    """Show `text` in the palette's warning colour (or hide the label when empty)."""
    color = theme.colors(label.palette())["warning"].name()
    label.setStyleSheet(f"color: {color};")
    label.setText(text)
    label.setVisible(bool(text))


def make_table(headers) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(22)
    return table


class DataPage(QWizardPage):
    """Page 1: a file of one's own, or a bundled sample dataset."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Data")
        self.setSubTitle("Choose sentence pairs to learn from: a file of your own (TSV, CSV, "
                         "TMX or two aligned text files) or one of the bundled samples. "
                         "You can also drop a file onto this page.")
        self.setAcceptDrops(True)
        self.file_choice = QRadioButton("A file of my own")
        self.dataset_choice = QRadioButton("A bundled sample dataset")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.file_choice)
        self.choice.addButton(self.dataset_choice)

        self.path = QLineEdit()
        self.path.setPlaceholderText("a .tsv, .csv, .tmx or .txt file")
        self.browse = QPushButton(icons.icon("open"), "Browse…")
        self.format = QComboBox()
        for label, value in FORMATS:
            self.format.addItem(label, value)
        self.target_path = QLineEdit()
        self.target_path.setPlaceholderText("the translations, line N translating line N")
        self.target_browse = QPushButton(icons.icon("open"), "Browse…")
        self.target_label = QLabel("Target file")
        self.dataset = QComboBox()
        self.dataset.addItem("Loading TensorFlow…", "")
        self.dataset.setEnabled(False)
        self.dataset_about = QLabel()
        self.dataset_about.setWordWrap(True)
        self.drop_hint = QLabel("Drop one file here, or two text files (source, then target).")
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setMinimumHeight(64)
        self.drop_hint.setFrameShape(QFrame.Shape.StyledPanel)
        self.drop_hint.setFrameShadow(QFrame.Shadow.Sunken)
        self.status = QLabel()
        self.status.setWordWrap(True)

        files = QGridLayout()
        files.addWidget(QLabel("File"), 0, 0)
        files.addWidget(self.path, 0, 1)
        files.addWidget(self.browse, 0, 2)
        files.addWidget(QLabel("Format"), 1, 0)
        files.addWidget(self.format, 1, 1)
        files.addWidget(self.target_label, 2, 0)
        files.addWidget(self.target_path, 2, 1)
        files.addWidget(self.target_browse, 2, 2)
        files.setColumnStretch(1, 1)
        self.file_box = QWidget()
        self.file_box.setLayout(files)
        files.setContentsMargins(24, 0, 0, 0)
        datasets = QVBoxLayout()
        datasets.setContentsMargins(24, 0, 0, 0)
        datasets.addWidget(self.dataset)
        datasets.addWidget(self.dataset_about)
        self.dataset_box = QWidget()
        self.dataset_box.setLayout(datasets)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_choice)
        layout.addWidget(self.file_box)
        layout.addSpacing(8)
        layout.addWidget(self.dataset_choice)
        layout.addWidget(self.dataset_box)
        layout.addSpacing(8)
        layout.addWidget(self.drop_hint)
        layout.addWidget(self.status)
        layout.addStretch(1)

        s = owner.setting
        self.path.setText(s("path", ""))
        self.target_path.setText(s("target_path", ""))
        self.format.setCurrentIndex(max(0, self.format.findData(s("format", ""))))
        first_time = not s("path", "") and not s("dataset", "")  # a sample is the easy start
        kind = s("kind", "dataset" if first_time else "file")
        (self.dataset_choice if kind == "dataset" else self.file_choice).setChecked(True)
        self.browse.clicked.connect(self._choose_file)
        self.target_browse.clicked.connect(self._choose_target)
        for signal in (self.path.textChanged, self.target_path.textChanged,
                       self.format.currentIndexChanged, self.dataset.currentIndexChanged,
                       self.file_choice.toggled):
            signal.connect(self._changed)
        self.status.hide()
        self._changed()

    # -- state --------------------------------------------------------------------------
    def kind(self) -> str:
        return "dataset" if self.dataset_choice.isChecked() else "file"

    def spec(self) -> dict:
        """What to read: ``{"kind", "path", "target_path", "format", "dataset"}``."""
        if self.kind() == "dataset":
            return {"kind": "dataset", "dataset": self.dataset.currentData() or "",
                    "path": "", "target_path": "", "format": "tsv"}
        fmt = self.format.currentData() or ""
        return {"kind": "file", "dataset": "", "path": self.path.text().strip(),
                "target_path": self.target_path.text().strip() if fmt == "text" else "",
                "format": fmt}

    def dataset_info(self) -> dict | None:
        """The chosen bundled dataset's facts (see ``TrainingWorker.start``), or None."""
        return self._facts(self.dataset.currentData()) if self.kind() == "dataset" else None

    def _facts(self, name) -> dict | None:
        datasets = (self.owner.capabilities or {}).get("datasets", [])
        return next((d for d in datasets if d["name"] == name), None)

    def is_remembered(self) -> bool:
        """True when the data chosen is the data of the remembered run."""
        s, spec = self.owner.setting, self.spec()
        if spec["kind"] == "dataset":
            return s("kind", "file") == "dataset" and spec["dataset"] == s("dataset", "")
        return s("kind", "file") == "file" and spec["path"] == s("path", "")

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        spec = self.spec()
        if spec["kind"] == "dataset":
            return bool(spec["dataset"])
        if not spec["path"] or not Path(spec["path"]).is_file():
            return False
        return spec["format"] != "text" or Path(spec["target_path"]).is_file()

    def save_settings(self, set_value) -> None:
        spec = self.spec()
        set_value("kind", spec["kind"])
        set_value("path", self.path.text().strip())
        set_value("target_path", self.target_path.text().strip())
        set_value("format", self.format.currentData() or "")
        if spec["dataset"]:
            set_value("dataset", spec["dataset"])

    def capabilities_ready(self, capabilities: dict) -> None:
        """Fill the dataset list once the worker has loaded TensorFlow."""
        wanted = self.owner.setting("dataset", "")
        self.dataset.blockSignals(True)
        self.dataset.clear()
        for dataset in capabilities["datasets"]:
            self.dataset.addItem(f"{dataset['title']} ({dataset['name']})", dataset["name"])
        self.dataset.setCurrentIndex(max(0, self.dataset.findData(wanted)))
        self.dataset.blockSignals(False)
        self.dataset.setEnabled(True)
        self._changed()

    def show_problem(self, text: str) -> None:
        show_warning(self.status, text)

    # -- choosing -------------------------------------------------------------------------
    def _changed(self, *args):
        is_file = self.kind() == "file"
        self.file_box.setEnabled(is_file)
        self.dataset_box.setEnabled(not is_file)
        text = self.format.currentData() == "text"
        for widget in (self.target_label, self.target_path, self.target_browse):
            widget.setVisible(text)
        info = self._facts(self.dataset.currentData())
        self.dataset_about.setText(
            f"{info['description']} From {info['source_language']} to "
            f"{info['target_language']}." if info else "")
        self.completeChanged.emit()

    def _choose_file(self):
        start = str(Path(self.path.text()).parent) if self.path.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, "Choose a parallel-data file", start,
                                              FILE_FILTERS)
        if path:
            self.set_files([path])

    def _choose_target(self):
        start = str(Path(self.path.text()).parent) if self.path.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, "Choose the target text file", start,
                                              "Text files (*.txt);;All files (*)")
        if path:
            self.target_path.setText(path)

    def set_files(self, paths) -> None:
        """Use one file, or two aligned text files (source first)."""
        paths = [str(p) for p in paths][:2]
        if not paths:
            return
        self.file_choice.setChecked(True)
        self.path.setText(paths[0])
        if len(paths) == 2:
            self.format.setCurrentIndex(self.format.findData("text"))
            self.target_path.setText(paths[1])
        elif self.format.currentData() == "text":
            self.format.setCurrentIndex(0)

    # -- drag and drop ---------------------------------------------------------------------
    @staticmethod
    def _local_files(mime) -> list[str]:
        if not mime.hasUrls():
            return []
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event):  # noqa: N802 (Qt's name)
        if self._local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):  # noqa: N802 (Qt's name)
        self.dragEnterEvent(event)

    def dropEvent(self, event):  # noqa: N802 (Qt's name)
        paths = self._local_files(event.mimeData())
        if paths:
            self.set_files(paths)
            event.acceptProposedAction()


class MapPage(QWizardPage):
    """Page 2: columns or languages, direction, and the report of what was read."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Map and check")
        self.setSubTitle("Say which side is the source, then look at what was read. Lines "
                         "that cannot be used are skipped and listed with their numbers.")
        self.data: dict | None = None
        self._request = 0
        self._reading = False
        self._spec: dict | None = None
        self._reverse = False
        self._format: str | None = None  # as detected by the last read
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self._read)

        self.direction = QLabel()
        self.swap = QPushButton("⇄ Swap direction")
        self.swap.setToolTip("Translate the other way: the target becomes the source.")
        self.source_column = QComboBox()
        self.target_column = QComboBox()
        self.source_lang = QComboBox(editable=True)
        self.target_lang = QComboBox(editable=True)
        self.drop_suspicious = QCheckBox("Leave out suspicious pairs (very unequal lengths, "
                                         "extra columns, a cut-off last line)")
        self.drop_duplicates = QCheckBox("Leave out repeated pairs")
        self.summary = QLabel("Reading…")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.preview = make_table(("Source", "Target"))
        self.problems = make_table(("Line", "Kind", "Problem"))
        header = self.problems.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.lengths = LengthsCanvas()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.preview, "Preview")
        self.tabs.addTab(self.problems, "Problems")
        self.tabs.addTab(self.lengths, "Lengths")

        self.columns_row = QWidget()
        columns = QHBoxLayout(self.columns_row)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.addWidget(QLabel("Source column"))
        columns.addWidget(self.source_column, 1)
        columns.addSpacing(12)
        columns.addWidget(QLabel("Target column"))
        columns.addWidget(self.target_column, 1)
        self.languages_row = QWidget()
        languages = QHBoxLayout(self.languages_row)
        languages.setContentsMargins(0, 0, 0, 0)
        languages.addWidget(QLabel("Source language"))
        languages.addWidget(self.source_lang, 1)
        languages.addSpacing(12)
        languages.addWidget(QLabel("Target language"))
        languages.addWidget(self.target_lang, 1)
        direction = QHBoxLayout()
        direction.addWidget(QLabel("Direction:"))
        direction.addWidget(self.direction, 1)
        direction.addWidget(self.swap)
        options = QFormLayout()
        options.addRow(self.drop_suspicious)
        options.addRow(self.drop_duplicates)

        layout = QVBoxLayout(self)
        layout.addLayout(direction)
        layout.addWidget(self.columns_row)
        layout.addWidget(self.languages_row)
        layout.addLayout(options)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(self.tabs, 1)

        s = owner.setting
        self.drop_suspicious.setChecked(s("drop_suspicious", False))
        self.drop_duplicates.setChecked(s("drop_duplicates", True))
        self.swap.clicked.connect(self.swap_direction)
        for combo in (self.source_column, self.target_column):
            combo.activated.connect(self._schedule)
        for combo in (self.source_lang, self.target_lang):
            combo.activated.connect(self._schedule)
            combo.lineEdit().editingFinished.connect(self._schedule)
        self.drop_suspicious.toggled.connect(self._schedule)
        self.drop_duplicates.toggled.connect(self._schedule)

    # -- entering --------------------------------------------------------------------------
    def initializePage(self):  # noqa: N802 (Qt's name)
        spec = self.owner.data_page.spec()
        if spec != self._spec:
            first = self._spec is None
            self._spec = spec
            self._format = None
            self.data = None
            s = self.owner.setting
            same = first and self.owner.data_page.is_remembered()
            columns = (s("source_column", 0), s("target_column", 1)) if same else (0, 1)
            self._reverse = bool(same and s("reverse", False))
            self._fill_columns(["1", "2"], columns)
            langs = (s("source_lang", ""), s("target_lang", "")) if same else ("", "")
            self._fill_languages([], langs)
        self._read()

    def cleanupPage(self):  # noqa: N802 (Qt's name): keep what was chosen on going back
        pass

    def request(self) -> dict:
        """The worker's read request for the current choices."""
        spec = self._spec or self.owner.data_page.spec()
        return {**spec, "source_column": max(0, self.source_column.currentIndex()),
                "target_column": max(0, self.target_column.currentIndex()),
                "source_lang": self._language(self.source_lang),
                "target_lang": self._language(self.target_lang),
                "reverse": self._reverse and (spec["kind"] == "dataset"
                                              or spec["format"] == "text"),
                "keep_suspicious": not self.drop_suspicious.isChecked(),
                "drop_duplicates": self.drop_duplicates.isChecked()}

    @staticmethod
    def _language(combo) -> str:
        text = combo.currentText().strip()
        return "" if text in ("", AUTOMATIC) else text

    def _schedule(self, *args):
        self._timer.start()

    def _read(self):
        self._timer.stop()
        self._request += 1
        self._reading = True
        self.data = None
        self.summary.setText("Reading…")
        show_warning(self.error, "")
        self.completeChanged.emit()
        self.owner.read_requested.emit({**self.request(), "id": self._request})

    # -- answers ---------------------------------------------------------------------------
    def show_data(self, found: dict) -> None:
        """The worker read the file (its ``data_read`` payload)."""
        if found["id"] != self._request:
            return
        self._reading = False
        self._update_choices(found)
        self.data = found
        report = found["report"]
        counts = report.counts()
        unit = report.unit
        text = (f"<b>{report.pairs_kept:,}</b> sentence pairs kept from "
                f"{report.total_lines:,} {unit}s ({report.format.upper()}, "
                f"{report.encoding}).")
        if counts:
            listed = ", ".join(f"{kind} {count:,}" for kind, count in counts.items())
            text += f" Problems: {listed} — see the Problems tab."
        else:
            text += " No problems found."
        for note in report.notes:
            text += f"<br><i>Note: {note}</i>"
        self.summary.setText(text)
        self.tabs.setTabText(1, f"Problems ({sum(counts.values()):,})")
        self._fill_preview(found["pairs"], found.get("lines") or [])
        self._fill_problems(report.problems)
        self.lengths.show_lengths(found["source_lengths"], found["target_lengths"],
                                  names=self._side_names())
        self._show_direction()
        self.owner.data = found
        self.completeChanged.emit()

    def show_failure(self, found: dict) -> None:
        """The worker could not read the file (its ``data_failed`` payload)."""
        if found["id"] != self._request:
            return
        self._reading = False
        self._update_choices(found)
        self.data = None
        self.owner.data = None
        self.summary.setText("Nothing usable was read. Choose other columns or languages, "
                             "or go back and choose another file.")
        show_warning(self.error, found["message"])
        self.preview.setRowCount(0)
        if found.get("report") is not None:
            self._fill_problems(found["report"].problems)
            self.tabs.setTabText(1, f"Problems ({sum(found['report'].counts().values()):,})")
        else:
            self._fill_problems_from_message(found["message"])
        self.lengths.show_lengths([], [])
        self._show_direction()
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return bool(self.data and not self._reading and self.data["report"].usable
                    and self.data["pairs"])

    def save_settings(self, set_value) -> None:
        set_value("source_column", max(0, self.source_column.currentIndex()))
        set_value("target_column", max(0, self.target_column.currentIndex()))
        set_value("source_lang", self._language(self.source_lang))
        set_value("target_lang", self._language(self.target_lang))
        set_value("reverse", bool(self._reverse))
        set_value("drop_suspicious", self.drop_suspicious.isChecked())
        set_value("drop_duplicates", self.drop_duplicates.isChecked())

    # -- direction ---------------------------------------------------------------------------
    def swap_direction(self) -> None:
        """Make the target the source and the source the target."""
        spec = self._spec or {}
        fmt = self._format or spec.get("format")
        if spec.get("kind") == "dataset" or fmt == "text":
            self._reverse = not self._reverse
        elif fmt == "tmx":
            source, target = self.source_lang.currentText(), self.target_lang.currentText()
            self.source_lang.setCurrentText(target)
            self.target_lang.setCurrentText(source)
        else:
            source, target = self.source_column.currentIndex(), self.target_column.currentIndex()
            self.source_column.setCurrentIndex(target)
            self.target_column.setCurrentIndex(source)
        self._read()

    def reversed(self) -> bool:
        """True when a bundled dataset (or two text files) is read target-to-source."""
        return bool(self.request()["reverse"])

    def _side_names(self) -> tuple[str, str]:
        fmt = self._format or (self._spec or {}).get("format")
        info = self.owner.data_page.dataset_info()
        if info:
            names = (info["source_language"], info["target_language"])
            return names[::-1] if self._reverse else names
        if fmt in ("tsv", "csv"):
            return (f"column {self.source_column.currentIndex() + 1}",
                    f"column {self.target_column.currentIndex() + 1}")
        if fmt == "tmx":
            return (self._language(self.source_lang) or "first language",
                    self._language(self.target_lang) or "second language")
        names = ("source file", "target file")
        return names[::-1] if self._reverse else names

    def _show_direction(self):
        source, target = self._side_names()
        self.direction.setText(f"<b>{source}</b> → <b>{target}</b>")

    def _update_choices(self, found):
        fmt = self._format = found.get("format")
        self.columns_row.setVisible(fmt in ("tsv", "csv"))
        self.languages_row.setVisible(fmt == "tmx")
        if fmt in ("tsv", "csv") and found.get("columns"):
            self._fill_columns(found["columns"], (self.source_column.currentIndex(),
                                                  self.target_column.currentIndex()))
        if fmt == "tmx":
            chosen = found.get("chosen_languages") or ()
            current = (self._language(self.source_lang) or (chosen[0] if chosen else ""),
                       self._language(self.target_lang) or (chosen[1] if chosen else ""))
            self._fill_languages(found.get("languages") or [], current)

    def _fill_columns(self, labels, chosen):
        for combo, index in ((self.source_column, chosen[0]), (self.target_column, chosen[1])):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(list(labels))
            combo.setCurrentIndex(min(max(0, int(index)), combo.count() - 1))
            combo.blockSignals(False)

    def _fill_languages(self, languages, chosen):
        for combo, value in ((self.source_lang, chosen[0]), (self.target_lang, chosen[1])):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(AUTOMATIC)
            combo.addItems(list(languages))
            if value and combo.findText(value) < 0:
                combo.addItem(value)
            combo.setCurrentText(value or AUTOMATIC)
            combo.blockSignals(False)

    # -- tables -------------------------------------------------------------------------------
    def _fill_preview(self, pairs, lines):
        rows = pairs[:PREVIEW_ROWS]
        self.preview.setRowCount(len(rows))
        self.preview.setVerticalHeaderLabels(
            [str(lines[i]) if i < len(lines) else str(i + 1) for i in range(len(rows))])
        for row, (source, target) in enumerate(rows):
            self.preview.setItem(row, 0, QTableWidgetItem(source))
            self.preview.setItem(row, 1, QTableWidgetItem(target))

    def _fill_problems(self, problems):
        self.problems.setRowCount(len(problems))
        for row, problem in enumerate(problems):
            line = QTableWidgetItem()
            line.setData(Qt.ItemDataRole.DisplayRole, int(problem.line))
            self.problems.setItem(row, 0, line)
            self.problems.setItem(row, 1, QTableWidgetItem(problem.kind))
            message = QTableWidgetItem(problem.message)
            message.setToolTip(problem.message)
            self.problems.setItem(row, 2, message)

    def _fill_problems_from_message(self, message: str):
        """A file with no usable pair: its error names the first problems; list those."""
        _, _, found = message.partition("First problems: ")
        more = re.search(r"\s*\(and ([\d,]+) more\)\s*$", found)
        if more:
            found = found[: more.start()]
        items = [item for item in PROBLEM_START.split(found) if item.strip()]
        rows = [(item.partition(": ")[0], item.partition(": ")[2] or item) for item in items]
        if more:
            rows.append(("", f"… and {more.group(1)} more"))
        self.problems.setRowCount(len(rows))
        for row, (where, text) in enumerate(rows):
            line = where.removeprefix("line ").removeprefix("translation unit ")
            self.problems.setItem(row, 0, QTableWidgetItem(line if line.isdigit() else ""))
            self.problems.setItem(row, 1, QTableWidgetItem(""))
            self.problems.setItem(row, 2, QTableWidgetItem(text))
        total = len(items) + (int(more.group(1).replace(",", "")) if more else 0)
        self.tabs.setTabText(1, f"Problems ({total:,})" if items else "Problems")
        if items:
            self.tabs.setCurrentWidget(self.problems)
