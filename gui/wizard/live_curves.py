"""The Train page's curves, cheap to update while training runs.

:class:`LiveCurves` shows what :class:`.plots.CurvesCanvas` shows (loss, accuracy and BLEU
per epoch) but builds its three panels once: a new epoch only replaces the data of their
lines and rescales the axes, and the panels are placed with margins in pixels (room for
the widest tick label) instead of matplotlib's constrained layout. Rebuilding the panels
and laying them out at every draw took most of the window's thread after every epoch
(``bench/gui_stall.py``, phase ``train``: about 0.4 s a draw on a loaded machine, a
third of it now).
"""

from __future__ import annotations

from ..widgets.background_canvas import changes_figure
from .plots import BLEU_COLOR, PANELS, TRAIN_COLOR, VALIDATION_COLOR, CurvesCanvas


class LiveCurves(CurvesCanvas):
    """:class:`.plots.CurvesCanvas` whose updates keep its panels (see the module doc)."""

    def __init__(self, parent=None):
        self.axes: dict[str, object] = {}
        self.layouts = 0  # how many times the panels were placed
        self._hints: list = []
        self._colors_built: tuple | None = None
        super().__init__(parent)

    def _build(self, colors):
        """Make the three panels and their (empty) lines."""
        figure = self.figure
        figure.clear()
        face, text, line = colors
        self._colors_built = colors
        figure.set_layout_engine("none")  # placed by _place
        figure.set_facecolor(face)
        self.lines, self.axes, self._hints = {}, {}, []
        for index, (key, title) in enumerate(PANELS):
            axes = self.axes[key] = figure.add_subplot(1, len(PANELS), index + 1)
            self._style(axes, face, text, line)
            axes.set_title(title, fontsize=9)
            axes.set_xlabel("epoch", fontsize=8)
            if key == "bleu":
                series = [(key, "validation", BLEU_COLOR)]
            else:
                series = [
                    (key, "training", TRAIN_COLOR),
                    (f"val_{key}", "validation", VALIDATION_COLOR),
                ]
            for name, label, color in series:
                (self.lines[name],) = axes.plot(
                    [], [], marker="o", markersize=3, color=color, label=label
                )
            axes.xaxis.get_major_locator().set_params(integer=True)
            self._hints.append(
                axes.text(
                    0.5,
                    0.5,
                    "after the first epoch",
                    transform=axes.transAxes,
                    ha="center",
                    va="center",
                    color=text,
                    fontsize=8,
                )
            )
            if key == "loss":
                legend = axes.legend(fontsize=7, frameon=False, loc="upper right")
                for item in legend.get_texts():
                    item.set_color(text)

    @changes_figure
    def _redraw(self):
        colors = self._colors()
        if colors != self._colors_built:
            self._build(colors)
        epochs = self.history["epoch"]
        for key, axes in self.axes.items():
            for name in [key] if key == "bleu" else [key, f"val_{key}"]:
                shown = [
                    (e, v) for e, v in zip(epochs, self.history[name], strict=True) if v is not None
                ]
                self.lines[name].set_data([e for e, _ in shown], [v for _, v in shown])
            axes.relim()
            axes.autoscale_view()
            if key == "bleu":
                values = [v for v in self.history["bleu"] if v is not None]
                axes.set_ylim(0, max(10.0, max(values, default=0.0) * 1.15))
            if epochs:
                axes.set_xlim(0.5, max(epochs) + 0.5)
            else:
                axes.set_xlim(0, 1)
        for hint in self._hints:
            hint.set_visible(not epochs)
        self.draw_idle()

    def _place(self):
        """Margins for the tick labels and titles, in pixels, instead of a layout engine:
        a constrained layout measures every label at every draw, which took most of the
        draw; the panels share the width, each with room for its widest y label."""
        width, height = self.get_width_height(physical=True)
        if width < 60 or height < 60:
            return
        point = self.figure.dpi / 72  # pixels per point
        char = 8 * point * 0.62  # a tick label's character (8 points)
        top = (9 * 1.5 + 8) * point  # the title
        bottom = (8 * 1.4 * 2 + 8) * point  # the x tick labels and "epoch"
        share = width / len(self.axes)
        for index, axes in enumerate(self.axes.values()):
            axis = axes.yaxis
            axis.get_major_locator().set_axis(axis)
            lo, hi = axes.get_ylim()
            labels = axis.get_major_formatter().format_ticks(
                [v for v in axis.get_major_locator()() if lo <= v <= hi]
            )
            left = (
                max((len(label) for label in labels), default=1) * char + (3.5 + 3.5 + 6) * point
            )  # the label, tick and pad, and a gap
            right = 8 * point
            axes.set_position(
                [
                    (index * share + left) / width,
                    bottom / height,
                    max(1.0, share - left - right) / width,
                    max(1.0, height - top - bottom) / height,
                ]
            )
        self.layouts += 1

    def _before_render(self):
        """Place the panels (cheap) before each render."""
        self._place()
