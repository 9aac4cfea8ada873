"""The training wizard's last page: saving the trained model.

:class:`FinishPage` sums up the run (:func:`summary_text`) and saves the ``.keras`` file
through the worker; the main window then opens it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from .. import icons
from .common import duration, show_warning


class FinishPage(QWizardPage):
    """Page 6: save the model."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Finish")
        self.setSubTitle("Save the trained model as one .keras file.")
        self.setButtonText(QWizard.WizardButton.FinishButton, "Save")
        self.saving = False
        self.saved_path: str | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path = QLineEdit()
        self.choose = QPushButton(icons.icon("save"), "Choose…")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        row = QHBoxLayout()
        row.addWidget(QLabel("Save as"))
        row.addWidget(self.path, 1)
        row.addWidget(self.choose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addSpacing(12)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.path.textChanged.connect(self.completeChanged)
        self.choose.clicked.connect(self._choose)

    def initializePage(self):  # noqa: N802 (Qt's name)
        self.saved_path = None
        self.path.setText(str(self.owner.default_model_path()))
        show_warning(self.problem, "")
        self.status.setText("Press Save to write the file.")
        self.summary.setText(
            summary_text(self.owner.train_page.outcome or {}, self.owner.train_page.epochs)
        )

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return not self.saving and self.path.text().strip().endswith(".keras")

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        path = str(Path(self.path.text().strip()).expanduser())
        if self.saved_path is not None and self.saved_path == path:
            return True
        if not self.saving:
            self.saving = True
            self.status.setText("Saving…")
            show_warning(self.problem, "")
            self.completeChanged.emit()
            self.owner.save_model(path)
        return False

    def saved(self, path: str) -> None:
        self.saving = False
        self.saved_path = path
        self.status.setText(f"Saved {path}")
        self.completeChanged.emit()
        self.owner.modelSaved.emit(path)
        self.owner.accept()

    def save_failed(self, message: str) -> None:
        self.saving = False
        self.status.setText("")
        show_warning(self.problem, message)
        self.completeChanged.emit()

    def _choose(self):
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the model", self.path.text(), "keras-attn models (*.keras)"
        )
        if path:
            self.path.setText(path if path.endswith(".keras") else path + ".keras")


def summary_text(outcome: dict, epochs: list[dict]) -> str:
    """A few lines about the finished run, for the Finish page."""
    if not outcome:
        return "No model has been trained yet."
    history = outcome.get("history") or {}
    best = outcome.get("best_epoch")
    lines = [
        f"Training ended: <b>{outcome['stop_reason']}</b> after "
        f"{outcome['epochs_done']} of {outcome['epochs']} epochs "
        f"({duration(outcome['seconds'])})."
    ]
    if best:
        row = best - 1
        facts = [
            f"{name} {history[key][row]:.3f}"
            for key, name in (
                ("val_loss", "validation loss"),
                ("val_accuracy", "validation accuracy"),
                ("loss", "training loss"),
            )
            if len(history.get(key, [])) > row
        ]
        bleu = next((e.get("bleu") for e in epochs if e.get("epoch") == best), None)
        if bleu is not None:
            facts.append(f"validation BLEU {bleu:.1f}")
        lines.append(
            f"The model keeps the weights of its best epoch, {best}: " + ", ".join(facts) + "."
        )
    else:
        lines.append(
            "No epoch was finished, so the model holds the weights it had when training stopped."
        )
    lines.append(f"{outcome['params']:,} parameters.")
    return "<br>".join(lines)
