"""What the wizard's pages share: their base class, warning labels, read-only tables, durations, and the
remembered settings' version and defaults.

Every page module imports its helpers from here, never from another page.

Only explicit choices are remembered for the next run: a tokenizer picked from the list
(not one a bundled dataset recommends), sizes typed in, epochs, batch size and learning
rate edited by hand. Settings written before the automatic defaults existed
(no ``settings_version``, see :func:`old_settings`) keep only what differs from that
version's defaults: their "word" tokenizer, lowercasing, filled-in sizes and "small"
preset were not choices.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QWizardPage,
)

from .. import theme

AUTO = "auto"  # the tokenizer and preset left to the automatic choice
#: 2: only explicit choices are remembered (1, or none: every field was written).
SETTINGS_VERSION = 2


class WizardPage(QWizardPage):
    """A page of the wizard: the wizard that owns it (`owner`), a title and a subtitle."""

    def __init__(self, owner, title: str, subtitle: str):
        super().__init__()
        self.owner = owner
        self.setTitle(title)
        self.setSubTitle(subtitle)


def show_warning(label: QLabel, text: str) -> None:
    """Show `text` in the palette's warning colour (or hide the label when empty)."""
    color = theme.colors(label.palette())["warning"].name()
    label.setStyleSheet(f"color: {color};")
    label.setText(text)
    label.setVisible(bool(text))


def make_table(headers) -> QTableWidget:
    """A read-only table with the column titles `headers`, one row selected at a time."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(22)
    return table


def duration(seconds: float | None) -> str:
    """``"45 s"``, ``"3 min"``, ``"1 h 20 min"`` (``"—"`` for None)."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{int(minutes // 60)} h {int(minutes % 60)} min"


def old_settings(owner) -> bool:
    """True when the remembered settings were written before :data:`SETTINGS_VERSION`."""
    return owner.setting("settings_version", 1) < SETTINGS_VERSION


def defaults(owner) -> dict:
    """``Config().to_dict()`` as the worker reported it ({} before TensorFlow is loaded)."""
    return (owner.capabilities or {}).get("defaults", {})
