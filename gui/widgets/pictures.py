"""Pictures of painted widgets, saved as PNG, SVG or PDF files.

The heatmap saves itself through matplotlib (:meth:`.heatmap.HeatmapCanvas.export`); every
other picture (the alignment lines, the beam tree, the anatomy of a step, the diagnostics,
a screenshot of a window) is a Qt widget painted into a file here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QSize, QSizeF
from PySide6.QtGui import QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QWidget


def grab_widget(widget: QWidget, path) -> Path:
    """Save what `widget` shows as a PNG picture (its folder is made when missing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise OSError(f"{path}: could not write the picture.")
    return path


def export_widget(widget: QWidget, path) -> Path:
    """Save a painted widget as PNG, SVG or PDF, chosen by the file name's ending."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        return grab_widget(widget, path)
    if suffix == ".svg":
        from PySide6.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(widget.size())
        generator.setViewBox(widget.rect())
        painter = QPainter(generator)
        widget.render(painter)
        painter.end()
        return path
    if suffix == ".pdf":
        writer = QPdfWriter(str(path))
        writer.setResolution(96)
        writer.setPageSize(_page_size(widget.size()))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0))
        painter = QPainter(writer)
        widget.render(painter)
        painter.end()
        return path
    raise ValueError(f"Cannot export {path.name!r}: the file name must end in .png, .svg or .pdf.")


def _page_size(size: QSize) -> QPageSize:
    """A PDF page exactly as large as `size` (pixels at 96 dpi), in points."""
    return QPageSize(
        QSizeF(size.width() * 72 / 96, size.height() * 72 / 96),
        QPageSize.Unit.Point,
        "picture",
        QPageSize.SizeMatchPolicy.ExactMatch,
    )
