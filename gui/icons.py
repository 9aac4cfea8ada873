"""The app's icons: small SVG drawings in ``assets/icons`` (package ``keras_attn.assets``).

The drawings use ``currentColor``; :func:`icon` paints them in the palette's text colour,
so that they read on light and dark backgrounds alike.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap

APP_ICON = "keras-attn"
SIZES = (16, 24, 32, 48)
_cache: dict[tuple[str, str], QIcon] = {}


def svg_text(name: str) -> str:
    """The SVG source of an icon ("" when the file is missing)."""
    try:
        return (resources.files("keras_attn.assets") / "icons" / f"{name}.svg").read_text(
            encoding="utf-8"
        )
    except (ModuleNotFoundError, OSError):
        return ""


def icon(name: str, color: str | None = None) -> QIcon:
    """The icon `name`, drawn in `color` (default: the palette's button text colour)."""
    if color is None:
        color = QGuiApplication.palette().color(QPalette.ColorRole.ButtonText).name()
    key = (name, color)
    if key not in _cache:
        _cache[key] = _render(svg_text(name).replace("currentColor", color))
    return _cache[key]


def clear_cache() -> None:
    """Forget the rendered icons (after the palette changed)."""
    _cache.clear()


def app_icon() -> QIcon:
    return icon(APP_ICON, color="#000000")


def _render(source: str) -> QIcon:
    if not source:
        return QIcon()
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(source.encode("utf-8")))
    result = QIcon()
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(QPixmap.fromImage(image))
    return result
