"""The attention heatmap: a matplotlib figure embedded in the window.

A :class:`HeatmapCanvas` is a :class:`.background_canvas.BackgroundCanvas` (rendered off
the window's thread) holding one ``Figure``. A new
sentence (or new colours, or a new text size) clears the figure and draws the matrix with
:func:`keras_attn.plotting.plot_attention` (the current step's row outlined, a colour bar
beside it); a step of the same sentence only changes the rows of the picture already
there (:func:`keras_attn.plotting.update_attention_rows`), which keeps the window
answering while decoding plays. Either way the redraw comes with ``draw_idle()``. Moving
the mouse over a cell shows "source token → output token: weight"
in a tooltip.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QCursor, QGuiApplication
from PySide6.QtWidgets import QSizePolicy, QToolTip

from .background_canvas import BackgroundCanvas

EXPORT_FILTERS = (
    "PNG image (*.png)",
    "SVG drawing (*.svg)",
    "PDF document (*.pdf)",
    "CSV numbers (*.csv)",
)
HINT = "Press Step (→) to decode the first output token."


def _fontsize(source_tokens, target_tokens) -> int:
    big = max(len(source_tokens), len(target_tokens))
    return 10 if big <= 20 else 8 if big <= 40 else 6


@dataclass(frozen=True)
class _State:
    """What one picture shows, taken on the window's thread for the render thread."""

    weights: np.ndarray
    source_tokens: tuple[str, ...]
    target_tokens: tuple[str, ...]
    highlight_row: int | None
    hint: str
    dark: bool
    face: str
    text: str

    @property
    def fontsize(self) -> int:
        return _fontsize(self.source_tokens, self.target_tokens)

    def layout_key(self) -> tuple:
        """What a picture depends on besides its rows: a step that keeps it only changes
        the rows."""
        return (
            self.source_tokens,
            bool(self.target_tokens),
            self.dark,
            self.face,
            self.text,
            self.fontsize,
        )


class HeatmapCanvas(BackgroundCanvas):
    """Attention weights of every output token (rows) over the source tokens (columns)."""

    def __init__(self, parent=None):
        figure = Figure(figsize=(6, 4))
        super().__init__(figure)
        self.setParent(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.weights = np.zeros((0, 0), np.float32)
        self.source_tokens: list[str] = []
        self.target_tokens: list[str] = []
        self.highlight_row: int | None = None
        self.image = None  # the AxesImage of the matrix, once drawn
        self._axes = None
        self._dark = False
        self._face = "#ffffff"
        self._text = "#222222"
        self._hint = "Start a sentence to see its attention."
        self._pending = False
        self._built_for = None  # what the figure was last built for (see _State.layout_key)
        self._drawn: _State | None = None  # what the figure shows
        self.mpl_connect("motion_notify_event", self._on_motion)
        self.mpl_connect("figure_leave_event", lambda event: QToolTip.hideText())
        self._schedule()

    # -- data ----------------------------------------------------------------------
    def show_attention(self, weights, source_tokens, target_tokens, highlight_row=None):
        """Draw `weights` `(len(target_tokens), len(source_tokens))`."""
        self.weights = np.asarray(weights, np.float32).reshape(
            len(target_tokens), len(source_tokens)
        )
        self.source_tokens = list(source_tokens)
        self.target_tokens = list(target_tokens)
        self.highlight_row = highlight_row
        self._hint = HINT
        self._schedule()

    def clear(self, hint: str = "Start a sentence to see its attention."):
        self.weights = np.zeros((0, 0), np.float32)
        self.source_tokens, self.target_tokens, self.highlight_row = [], [], None
        self._hint = hint
        self._schedule()

    def set_colors(self, dark: bool, face: QColor, text: QColor):
        """Follow the window's colours (light or dark)."""
        self._dark, self._face, self._text = bool(dark), face.name(), text.name()
        self._schedule()

    def image_array(self) -> np.ndarray | None:
        """The matrix as drawn (rows: output tokens), or None before the first step."""
        self.flush()
        if self.image is None or not self.target_tokens:
            return None
        return np.asarray(self.image.get_array())

    # -- drawing -------------------------------------------------------------------
    def _schedule(self):
        """Rebuild and render once the event loop is free, off the window's thread:
        several updates in a row draw once, and a hidden heatmap waits until it is
        shown."""
        self._pending = True
        self.draw_idle()

    def _snapshot(self) -> _State | None:
        """What the next picture shows, if it changed since the last one was built."""
        if not self._pending:
            return None
        self._pending = False
        return _State(
            weights=self.weights,
            source_tokens=tuple(self.source_tokens),
            target_tokens=tuple(self.target_tokens),
            highlight_row=self.highlight_row,
            hint=self._hint,
            dark=self._dark,
            face=self._face,
            text=self._text,
        )

    def _prepare(self, state: _State):
        """Build the figure for `state` (on the render thread, or on the window's thread
        in :meth:`flush`): a step that keeps the layout only changes the rows."""
        self._drawn = state
        key = state.layout_key()
        if self.image is not None and state.target_tokens and key == self._built_for:
            from keras_attn.plotting import update_attention_rows

            update_attention_rows(
                self._axes,
                self.image,
                state.weights,
                list(state.target_tokens),
                highlight_row=state.highlight_row,
                dark=state.dark,
                fontsize=state.fontsize,
            )
            self._place()
            return
        self._built_for = key
        figure = self.figure
        figure.clear()
        figure.set_facecolor(state.face)
        self._axes = axes = figure.add_subplot()
        axes.set_facecolor(state.face)
        self.image = None
        if state.source_tokens:
            from keras_attn.plotting import plot_attention

            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
                self.image = plot_attention(
                    axes,
                    state.weights,
                    list(state.source_tokens),
                    list(state.target_tokens),
                    highlight_row=state.highlight_row,
                    dark=state.dark,
                    annotate=False,
                    fontsize=state.fontsize,
                )
            if not state.target_tokens:
                axes.set_yticks([])
                self._show_hint(axes, state)
        else:
            axes.set_axis_off()
            self._show_hint(axes, state)
        self._place()

    def _show_hint(self, axes, state: _State):
        """The hint (what to do to see attention) in the middle of `axes`."""
        axes.text(
            0.5,
            0.5,
            state.hint,
            transform=axes.transAxes,
            ha="center",
            va="center",
            color=state.text,
            fontsize=10,
        )

    def _place(self):
        """Margins for the tick labels of the picture built, in pixels, instead of a layout
        engine: faster on every step, and the matrix does not jump about while the output
        grows."""
        width, height = self.get_width_height(physical=True)
        state = self._drawn
        if width < 50 or height < 50 or state is None:
            return
        sources, targets, fontsize = state.source_tokens, state.target_tokens, state.fontsize
        char = fontsize * self.figure.dpi / 72 * 0.62  # pixels per character
        longest_target = max((len(t) for t in targets), default=4)
        longest_source = max((len(t) for t in sources), default=1)
        columns = len(sources)
        rotation = 90 if columns > 30 else 60 if longest_source > 2 else 0
        label = fontsize * self.figure.dpi / 72 * 1.4
        left = 14 + label + char * max(longest_target, 4)
        top = (
            12
            + label * 2
            + (char * longest_source * (0.87 if rotation == 60 else 1.0) if rotation else 0)
        )
        right, bottom = 95, 12
        if not sources:
            left = top = right = bottom = 10
        self.figure.subplots_adjust(
            left=min(left / width, 0.45),
            right=max(1 - right / width, 0.55),
            top=max(1 - top / height, 0.55),
            bottom=min(bottom / height, 0.2),
        )

    def resizeEvent(self, event):  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._place()

    def _on_motion(self, event):
        if (
            event.inaxes is not self._axes
            or self.image is None
            or not self.target_tokens
            or event.xdata is None
        ):
            QToolTip.hideText()
            return
        column, row = int(round(event.xdata)), int(round(event.ydata))
        rows, columns = self.weights.shape
        if not (0 <= row < rows and 0 <= column < columns):
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), self.tooltip_at(row, column), self)

    def tooltip_at(self, row: int, column: int) -> str:
        """The hover text of one cell: "source token → output token: weight"."""
        return (
            f"{self.source_tokens[column]} → {self.target_tokens[row]}: "
            f"{self.weights[row, column]:.3f}"
        )

    # -- out -----------------------------------------------------------------------
    def export(self, path) -> Path:
        """Save the heatmap as shown (``.png``, ``.svg``, ``.pdf``) or its numbers
        (``.csv``)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            from keras_attn.plotting import save_attention

            return save_attention(path, self.weights, self.source_tokens, self.target_tokens)
        if suffix not in (".png", ".svg", ".pdf"):
            raise ValueError(
                f"Cannot export the heatmap as {path.name!r}: the file name must "
                "end in .png, .svg, .pdf or .csv."
            )
        self.flush()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
            self.figure.savefig(
                path, format=suffix[1:], dpi=150, facecolor=self.figure.get_facecolor()
            )
        return path

    def copy_to_clipboard(self) -> None:
        self.flush()
        self.draw()
        QGuiApplication.clipboard().setImage(self.grab().toImage())
