"""The training wizard's second page: mapping and checking the data.

:class:`MapPage` asks the worker to read the file chosen on the Data page
(:mod:`.data_page`) with the chosen columns or languages and shows what came out: the
first pairs, every problem with its line number, and a histogram of sentence lengths.
Next stays disabled until some sentence pairs are usable.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .common import WizardPage, make_table, show_warning
from .plots import LengthsCanvas

PREVIEW_ROWS = 100
AUTOMATIC = "automatic"


class MapPage(WizardPage):
    """Page 2: columns or languages, direction, and the report of what was read."""

    def __init__(self, owner):
        super().__init__(
            owner,
            "Map and check",
            "Say which side is the source, then look at what was read. Lines "
            "that cannot be used are skipped and listed with their numbers.",
        )
        self.data: dict | None = None
        self._request = 0
        self._reading = False
        self._spec: dict | None = None
        self._reverse = False
        self._format: str | None = None  # as detected by the last read
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self._read)

        layout = QVBoxLayout(self)
        layout.addLayout(self._build_direction())
        self.source_column, self.target_column = QComboBox(), QComboBox()
        self.columns_row = self._build_sides("column", self.source_column, self.target_column)
        layout.addWidget(self.columns_row)
        self.source_lang = QComboBox(editable=True)
        self.target_lang = QComboBox(editable=True)
        self.languages_row = self._build_sides("language", self.source_lang, self.target_lang)
        layout.addWidget(self.languages_row)
        layout.addLayout(self._build_options())
        self._build_report()
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(self._build_tabs(), 1)
        self._restore_settings()
        self._connect()

    # -- building ----------------------------------------------------------------------------
    def _build_direction(self) -> QHBoxLayout:
        """ "Direction: de → en" and the button that swaps it."""
        self.direction = QLabel()
        self.swap = QPushButton("⇄ Swap direction")
        self.swap.setToolTip("Translate the other way: the target becomes the source.")
        direction = QHBoxLayout()
        direction.addWidget(QLabel("Direction:"))
        direction.addWidget(self.direction, 1)
        direction.addWidget(self.swap)
        return direction

    @staticmethod
    def _build_sides(what: str, source: QWidget, target: QWidget) -> QWidget:
        """A row "Source <what> [source]   Target <what> [target]"."""
        row = QWidget()
        sides = QHBoxLayout(row)
        sides.setContentsMargins(0, 0, 0, 0)
        sides.addWidget(QLabel(f"Source {what}"))
        sides.addWidget(source, 1)
        sides.addSpacing(12)
        sides.addWidget(QLabel(f"Target {what}"))
        sides.addWidget(target, 1)
        return row

    def _build_options(self) -> QFormLayout:
        """The pairs to leave out."""
        self.drop_suspicious = QCheckBox(
            "Leave out suspicious pairs (very unequal lengths, extra columns, a cut-off last line)"
        )
        self.drop_duplicates = QCheckBox("Leave out repeated pairs")
        options = QFormLayout()
        options.addRow(self.drop_suspicious)
        options.addRow(self.drop_duplicates)
        return options

    def _build_report(self) -> None:
        """The summary of what was read, and the error that stopped a read."""
        self.summary = QLabel("Reading…")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()

    def _build_tabs(self) -> QTabWidget:
        """The first pairs, the problems with their line numbers, the lengths' histogram."""
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
        return self.tabs

    def _restore_settings(self) -> None:
        s = self.owner.setting
        self.drop_suspicious.setChecked(s("drop_suspicious", False))
        self.drop_duplicates.setChecked(s("drop_duplicates", True))

    def _connect(self) -> None:
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
        return {
            **spec,
            "source_column": max(0, self.source_column.currentIndex()),
            "target_column": max(0, self.target_column.currentIndex()),
            "source_lang": self._language(self.source_lang),
            "target_lang": self._language(self.target_lang),
            "reverse": self._reverse and (spec["kind"] == "dataset" or spec["format"] == "text"),
            "keep_suspicious": not self.drop_suspicious.isChecked(),
            "drop_duplicates": self.drop_duplicates.isChecked(),
        }

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
    def _answered(self, found: dict) -> bool:
        """True when `found` answers the last request (the read is then over, and the
        columns or languages it found are offered); False for an older one."""
        if found["id"] != self._request:
            return False
        self._reading = False
        self._update_choices(found)
        return True

    def show_data(self, found: dict) -> None:
        """The worker read the file (its ``data_read`` payload)."""
        if not self._answered(found):
            return
        self.data = found
        report = found["report"]
        counts = report.counts()
        unit = report.unit
        text = (
            f"<b>{report.pairs_kept:,}</b> sentence pairs kept from "
            f"{report.total_lines:,} {unit}s ({report.format.upper()}, "
            f"{report.encoding})."
        )
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
        self.lengths.show_lengths(
            found["source_lengths"], found["target_lengths"], names=self._side_names()
        )
        self._show_direction()
        self.owner.data = found
        self.completeChanged.emit()

    def show_failure(self, found: dict) -> None:
        """The worker could not read the file (its ``data_failed`` payload)."""
        if not self._answered(found):
            return
        self.data = None
        self.owner.data = None
        self.summary.setText(
            "Nothing usable was read. Choose other columns or languages, "
            "or go back and choose another file."
        )
        show_warning(self.error, found["message"])
        self.preview.setRowCount(0)
        if found.get("report") is not None:
            self._fill_problems(found["report"].problems)
            self.tabs.setTabText(1, f"Problems ({sum(found['report'].counts().values()):,})")
        else:  # no report (a missing file, an unknown format): the message says it all
            self._fill_problems([])
            self.tabs.setTabText(1, "Problems")
        self.lengths.show_lengths([], [])
        self._show_direction()
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return bool(
            self.data and not self._reading and self.data["report"].usable and self.data["pairs"]
        )

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
            return (
                f"column {self.source_column.currentIndex() + 1}",
                f"column {self.target_column.currentIndex() + 1}",
            )
        if fmt == "tmx":
            return (
                self._language(self.source_lang) or "first language",
                self._language(self.target_lang) or "second language",
            )
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
            self._fill_columns(
                found["columns"],
                (self.source_column.currentIndex(), self.target_column.currentIndex()),
            )
        if fmt == "tmx":
            chosen = found.get("chosen_languages") or ()
            current = (
                self._language(self.source_lang) or (chosen[0] if chosen else ""),
                self._language(self.target_lang) or (chosen[1] if chosen else ""),
            )
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
            [str(lines[i]) if i < len(lines) else str(i + 1) for i in range(len(rows))]
        )
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
