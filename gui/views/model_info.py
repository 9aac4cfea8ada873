"""The model info dialog: what a model file holds and how it was made.

Everything comes from the summary the worker sends when it loads a model (see
:func:`keras_attn_app.worker_tasks.summary`): the configuration, vocabulary sizes,
parameter count and the facts recorded at training time (``Translator.info``), which older
models do not have.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

NOT_RECORDED = "not recorded"
TRAINING_NAMES = {
    "train_pairs": "training pairs",
    "validation_pairs": "validation pairs",
    "epochs": "epochs trained",
    "best_epoch": "best epoch",
    "stop_reason": "stopped because",
    "final_loss": "final training loss",
    "final_accuracy": "final training accuracy",
    "final_val_loss": "final validation loss",
    "final_val_accuracy": "final validation accuracy",
}


def info_rows(summary: dict) -> list[tuple[str, str] | str]:
    """Rows of the info table: `(name, value)` pairs, and section titles as strings."""
    rows: list[tuple[str, str] | str] = ["File"]
    rows.append(("path", summary["path"]))
    if summary.get("file_size") is not None:
        rows.append(("size", f"{summary['file_size'] / 1e6:.2f} MB"))
    rows += [
        "Size",
        ("source vocabulary", f"{summary['source_vocab']:,} tokens"),
        ("target vocabulary", f"{summary['target_vocab']:,} tokens"),
        ("parameters", f"{summary['params']:,}"),
    ]
    info = dict(summary.get("info") or {})
    training = info.pop("training", None)
    rows.append("Training data and run")
    if isinstance(training, dict) and training:
        for key, value in training.items():
            rows.append((TRAINING_NAMES.get(key, key.replace("_", " ")), _show(value)))
    else:
        rows.append(("training", NOT_RECORDED))
    scores = info.pop("scores", None)
    rows.append("Scores")
    if isinstance(scores, dict) and scores:
        rows += [(str(key), _show(value)) for key, value in scores.items()]
    else:
        rows.append(("scores", NOT_RECORDED))
    if info:
        rows.append("Other facts")
        rows += [(str(key), _show(value)) for key, value in info.items()]
    for section, values in summary["config"].items():
        rows.append(f"Configuration: {section}")
        rows += [(f"{section}.{key}", _show(value)) for key, value in values.items()]
    return rows


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    return "—" if value is None else str(value)


class ModelInfoDialog(QDialog):
    """A read-only table of everything known about the loaded model."""

    def __init__(self, summary: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Model info — {summary['name']}")
        self.resize(620, 640)
        rows = info_rows(summary)
        table = QTableWidget(len(rows), 2)
        table.setHorizontalHeaderLabels(["", "Value"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for i, row in enumerate(rows):
            if isinstance(row, str):
                item = QTableWidgetItem(row)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                table.setItem(i, 0, item)
                table.setSpan(i, 0, 1, 2)
            else:
                name, value = row
                table.setItem(i, 0, QTableWidgetItem(name))
                value_item = QTableWidgetItem(value)
                value_item.setToolTip(value)
                table.setItem(i, 1, value_item)
        table.resizeRowsToContents()
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def text(self) -> str:
        """The table as plain text (one row a line)."""
        lines = []
        for i in range(self.table.rowCount()):
            cells = [self.table.item(i, k) for k in (0, 1)]
            lines.append("  ".join(c.text() for c in cells if c is not None))
        return "\n".join(lines)
