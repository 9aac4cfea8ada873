"""The training wizard's first page: choosing the data.

:class:`DataPage` takes a file (TSV, CSV, TMX, two aligned text files; typed, chosen or
dropped onto the page) or a bundled sample dataset. The next page
(:mod:`.map_page`) reads it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from .. import icons
from .common import WizardPage, show_warning

FORMATS = (
    ("Detect automatically", ""),
    ("Tab-separated (TSV)", "tsv"),
    ("Comma-separated (CSV)", "csv"),
    ("Translation memory (TMX)", "tmx"),
    ("Two aligned text files", "text"),
)
FILE_FILTERS = "Parallel data (*.tsv *.tab *.csv *.tmx *.txt);;All files (*)"


class DataPage(WizardPage):
    """Page 1: a file of one's own, or a bundled sample dataset."""

    def __init__(self, owner):
        super().__init__(
            owner,
            "Data",
            "Choose sentence pairs to learn from: a file of your own (TSV, CSV, "
            "TMX or two aligned text files) or one of the bundled samples. "
            "You can also drop a file onto this page.",
        )
        self.setAcceptDrops(True)
        self.file_choice = QRadioButton("A file of my own")
        self.dataset_choice = QRadioButton("A bundled sample dataset")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.file_choice)
        self.choice.addButton(self.dataset_choice)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file_choice)
        layout.addWidget(self._build_file_box())
        layout.addSpacing(8)
        layout.addWidget(self.dataset_choice)
        layout.addWidget(self._build_dataset_box())
        layout.addSpacing(8)
        layout.addWidget(self._build_drop_hint())
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._restore_settings()
        self._connect()
        self.status.hide()
        self._changed()

    # -- building ------------------------------------------------------------------------
    def _build_file_box(self) -> QWidget:
        """File, format and (for two text files) the target file, indented."""
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
        return self.file_box

    def _build_dataset_box(self) -> QWidget:
        """The bundled datasets (filled once TensorFlow is loaded) and what the chosen one is."""
        self.dataset = QComboBox()
        self.dataset.addItem("Loading TensorFlow…", "")
        self.dataset.setEnabled(False)
        self.dataset_about = QLabel()
        self.dataset_about.setWordWrap(True)
        datasets = QVBoxLayout()
        datasets.setContentsMargins(24, 0, 0, 0)
        datasets.addWidget(self.dataset)
        datasets.addWidget(self.dataset_about)
        self.dataset_box = QWidget()
        self.dataset_box.setLayout(datasets)
        return self.dataset_box

    def _build_drop_hint(self) -> QLabel:
        self.drop_hint = QLabel("Drop one file here, or two text files (source, then target).")
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setMinimumHeight(64)
        self.drop_hint.setFrameShape(QFrame.Shape.StyledPanel)
        self.drop_hint.setFrameShadow(QFrame.Shadow.Sunken)
        return self.drop_hint

    def _restore_settings(self) -> None:
        s = self.owner.setting
        self.path.setText(s("path", ""))
        self.target_path.setText(s("target_path", ""))
        self.format.setCurrentIndex(max(0, self.format.findData(s("format", ""))))
        first_time = not s("path", "") and not s("dataset", "")  # a sample is the easy start
        kind = s("kind", "dataset" if first_time else "file")
        (self.dataset_choice if kind == "dataset" else self.file_choice).setChecked(True)

    def _connect(self) -> None:
        self.browse.clicked.connect(self._choose_file)
        self.target_browse.clicked.connect(self._choose_target)
        for signal in (
            self.path.textChanged,
            self.target_path.textChanged,
            self.format.currentIndexChanged,
            self.dataset.currentIndexChanged,
            self.file_choice.toggled,
        ):
            signal.connect(self._changed)

    # -- state --------------------------------------------------------------------------
    def kind(self) -> str:
        return "dataset" if self.dataset_choice.isChecked() else "file"

    def spec(self) -> dict:
        """What to read: ``{"kind", "path", "target_path", "format", "dataset"}``."""
        if self.kind() == "dataset":
            return {
                "kind": "dataset",
                "dataset": self.dataset.currentData() or "",
                "path": "",
                "target_path": "",
                "format": "tsv",
            }
        fmt = self.format.currentData() or ""
        return {
            "kind": "file",
            "dataset": "",
            "path": self.path.text().strip(),
            "target_path": self.target_path.text().strip() if fmt == "text" else "",
            "format": fmt,
        }

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
            f"{info['description']} From {info['source_language']} to {info['target_language']}."
            if info
            else ""
        )
        self.completeChanged.emit()

    def _choose_file(self):
        start = str(Path(self.path.text()).parent) if self.path.text() else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a parallel-data file", start, FILE_FILTERS
        )
        if path:
            self.set_files([path])

    def _choose_target(self):
        start = str(Path(self.path.text()).parent) if self.path.text() else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the target text file", start, "Text files (*.txt);;All files (*)"
        )
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
