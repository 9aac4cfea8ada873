"""The training wizard's charts: embedded matplotlib figures.

* :class:`CurvesCanvas`: training and validation loss and accuracy, and validation BLEU,
  one point per finished epoch;
* :class:`LengthsCanvas`: a histogram of sentence lengths, source and target side.

Each is a :class:`~..widgets.background_canvas.BackgroundCanvas` holding one ``Figure``;
an update redraws its axes (after the render in progress, if any) and asks for
``draw_idle()``, which renders off the window's thread. Colours follow the window's palette (light or dark).
"""

from __future__ import annotations

from matplotlib.figure import Figure
from PySide6.QtWidgets import QSizePolicy

from .. import theme
from ..widgets.background_canvas import BackgroundCanvas, changes_figure
from .data import percentile

TRAIN_COLOR = "#2563c9"
VALIDATION_COLOR = "#e8702a"
BLEU_COLOR = "#2a9d5c"
PANELS = (("loss", "Loss"), ("accuracy", "Accuracy"), ("bleu", "Validation BLEU"))


class _Canvas(BackgroundCanvas):
    def __init__(self, parent=None, size=(6, 3)):
        super().__init__(Figure(figsize=size, layout="constrained"))
        self.setParent(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 160)

    def _colors(self) -> tuple[str, str, str]:
        found = theme.colors()
        return found["window"].name(), found["text"].name(), found["line"].name()

    def _style(self, axes, face, text, line):
        axes.set_facecolor(face)
        axes.tick_params(colors=text, labelsize=8)
        for spine in axes.spines.values():
            spine.set_color(line)
        axes.title.set_color(text)
        axes.xaxis.label.set_color(text)
        axes.yaxis.label.set_color(text)


class CurvesCanvas(_Canvas):
    """Loss, accuracy and BLEU per epoch; :attr:`history` holds the numbers shown."""

    def __init__(self, parent=None):
        super().__init__(parent, size=(8, 2.6))
        self.history: dict[str, list] = {}
        self.lines: dict[str, object] = {}
        self.clear()

    def clear(self):
        self.history = {
            "epoch": [],
            "loss": [],
            "val_loss": [],
            "accuracy": [],
            "val_accuracy": [],
            "bleu": [],
        }
        self._redraw()

    def set_history(self, history: dict, bleu=None):
        """Show a whole history (``loss``, ``accuracy``, ``val_loss``, ... lists)."""
        count = len(history.get("loss", []))
        self.history = {"epoch": list(range(1, count + 1))}
        for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
            values = list(history.get(key, []))
            self.history[key] = values + [None] * (count - len(values))
        values = list(bleu or [])
        self.history["bleu"] = values + [None] * (count - len(values))
        self._redraw()

    def add_epoch(self, event: dict):
        """Add one finished epoch (a progress report of kind "epoch")."""
        self.history["epoch"].append(int(event["epoch"]))
        for key in ("loss", "val_loss", "accuracy", "val_accuracy", "bleu"):
            self.history[key].append(event.get(key))
        self._redraw()

    def points(self, key: str) -> int:
        """How many points the curve `key` shows."""
        line = self.lines.get(key)
        return 0 if line is None else len(line.get_xdata())

    @changes_figure
    def _redraw(self):
        figure = self.figure
        figure.clear()
        face, text, line = self._colors()
        figure.set_facecolor(face)
        self.lines = {}
        epochs = self.history["epoch"]
        for index, (key, title) in enumerate(PANELS):
            axes = figure.add_subplot(1, len(PANELS), index + 1)
            self._style(axes, face, text, line)
            axes.set_title(title, fontsize=9)
            axes.set_xlabel("epoch", fontsize=8)
            series = [(key, "training", TRAIN_COLOR)]
            if key != "bleu":
                series.append((f"val_{key}", "validation", VALIDATION_COLOR))
            else:
                series = [(key, "validation", BLEU_COLOR)]
            for name, label, color in series:
                shown = [
                    (e, v) for e, v in zip(epochs, self.history[name], strict=True) if v is not None
                ]
                xs, ys = [e for e, _ in shown], [v for _, v in shown]
                (self.lines[name],) = axes.plot(
                    xs, ys, marker="o", markersize=3, color=color, label=label
                )
            if key == "bleu":
                values = [v for v in self.history["bleu"] if v is not None]
                axes.set_ylim(0, max(10.0, max(values, default=0.0) * 1.15))
            if epochs:
                axes.set_xlim(0.5, max(epochs) + 0.5)
                axes.xaxis.get_major_locator().set_params(integer=True)
            else:
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
            if key == "loss":
                legend = axes.legend(fontsize=7, frameon=False, loc="upper right")
                for item in legend.get_texts():
                    item.set_color(text)
        self.draw_idle()


class LengthsCanvas(_Canvas):
    """How long the sentences are, in words, for each side; a line marks 98 %."""

    def __init__(self, parent=None):
        super().__init__(parent, size=(6, 2.6))
        self.source: list[int] = []
        self.target: list[int] = []
        self.show_lengths([], [])

    def show_lengths(self, source: list[int], target: list[int], names=("source", "target")):
        self.source, self.target = list(source), list(target)
        self._draw_lengths(names)

    @changes_figure
    def _draw_lengths(self, names):
        figure = self.figure
        figure.clear()
        face, text, line = self._colors()
        figure.set_facecolor(face)
        axes = figure.add_subplot()
        self._style(axes, face, text, line)
        axes.set_xlabel("words per sentence", fontsize=8)
        axes.set_ylabel("sentences", fontsize=8)
        if not (self.source or self.target):
            axes.text(
                0.5,
                0.5,
                "no sentences yet",
                transform=axes.transAxes,
                ha="center",
                va="center",
                color=text,
                fontsize=9,
            )
            self.draw_idle()
            return
        longest = max(self.source + self.target)
        bins = [b - 0.5 for b in range(0, min(longest, 120) + 2)]
        for values, name, color in (
            (self.source, names[0], TRAIN_COLOR),
            (self.target, names[1], VALIDATION_COLOR),
        ):
            axes.hist(values, bins=bins, alpha=0.55, color=color, label=name)
            axes.axvline(percentile(values), color=color, linestyle="--", linewidth=1)
        axes.set_title("Sentence lengths (dashed line: 98th percentile)", fontsize=9)
        legend = axes.legend(fontsize=8, frameon=False)
        for item in legend.get_texts():
            item.set_color(text)
        self.draw_idle()
