"""Light and dark: following the system colour scheme, or forcing one.

The palette is the truth for every drawing: Qt fills it from the system scheme
(``QStyleHints.colorScheme()``, Qt 6.5+), and when a scheme is forced on a platform that
cannot switch it, :func:`apply_color_scheme` sets a matching palette by hand.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from .app import SCHEMES

# Colours that read well on both backgrounds.
ACCENT_LIGHT = "#2563c9"
ACCENT_DARK = "#6ea8ff"
WARNING_LIGHT = "#b3261e"
WARNING_DARK = "#ff8a80"


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the window background is dark."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colors(palette: QPalette | None = None) -> dict:
    """The few named colours the drawings use, as QColor, for the current palette."""
    palette = palette or QGuiApplication.palette()
    dark = is_dark(palette)
    role = QPalette.ColorRole
    return {
        "dark": dark,
        "window": palette.color(role.Window),
        "base": palette.color(role.Base),
        "text": palette.color(role.WindowText),
        "muted": palette.color(role.PlaceholderText),
        "accent": QColor(ACCENT_DARK if dark else ACCENT_LIGHT),
        "warning": QColor(WARNING_DARK if dark else WARNING_LIGHT),
        "line": palette.color(role.Mid),
    }


def blend(color: QColor, background: QColor, amount: float) -> QColor:
    """`color` laid over `background` with opacity `amount` (0 to 1), as an opaque colour."""
    amount = min(max(float(amount), 0.0), 1.0)
    return QColor(
        round(background.red() + (color.red() - background.red()) * amount),
        round(background.green() + (color.green() - background.green()) * amount),
        round(background.blue() + (color.blue() - background.blue()) * amount),
    )


def dark_palette() -> QPalette:
    """A dark Fusion palette, for platforms that cannot switch the scheme themselves."""
    palette = QPalette()
    role = QPalette.ColorRole
    window, base, text = QColor("#202124"), QColor("#17181a"), QColor("#e8e8e8")
    for r, c in (
        (role.Window, window),
        (role.WindowText, text),
        (role.Base, base),
        (role.AlternateBase, QColor("#26272b")),
        (role.ToolTipBase, QColor("#2b2c30")),
        (role.ToolTipText, text),
        (role.Text, text),
        (role.Button, QColor("#2b2c30")),
        (role.ButtonText, text),
        (role.BrightText, QColor("#ff6b6b")),
        (role.Highlight, QColor("#3d6fd0")),
        (role.HighlightedText, QColor("#ffffff")),
        (role.Link, QColor(ACCENT_DARK)),
        (role.PlaceholderText, QColor("#9a9ca3")),
        (role.Light, QColor("#3a3b40")),
        (role.Midlight, QColor("#313236")),
        (role.Mid, QColor("#4a4c52")),
        (role.Dark, QColor("#111214")),
        (role.Shadow, QColor("#000000")),
    ):
        palette.setColor(r, c)
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, r, QColor("#75777d"))
    return palette


def apply_color_scheme(app, scheme: str = "system") -> None:
    """Follow the system scheme ("system") or force "light" or "dark" on `app`."""
    if scheme not in SCHEMES:
        raise ValueError(
            f"Received an invalid value for argument `scheme`, expected one of "
            f"{SCHEMES}, got {scheme!r}."
        )
    hints = app.styleHints()
    if scheme == "system":
        if hasattr(hints, "unsetColorScheme"):
            hints.unsetColorScheme()
        return
    want_dark = scheme == "dark"
    if hasattr(hints, "setColorScheme"):
        hints.setColorScheme(Qt.ColorScheme.Dark if want_dark else Qt.ColorScheme.Light)
    if is_dark(app.palette()) != want_dark:  # the platform did not switch: do it by hand
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if want_dark else app.style().standardPalette())
